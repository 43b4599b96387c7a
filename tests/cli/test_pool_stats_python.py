"""arrowio pool-stats over Python programs: scripts, -m modules, -c code, PyArrow's pool, CI formats, timelines."""

from __future__ import annotations

import json
import textwrap

import pytest

GATE_FAILED = 10


@pytest.fixture
def script(tmp_path):
    def write(source: str, name: str = "prog.py"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(source))
        return str(path)

    return write


LEAKY = """
    import sys
    import arrowio
    KEEP = arrowio.allocate_buffer(int(sys.argv[1]))  # a global: alive until the interpreter exits
"""
CLEAN = """
    import sys
    import arrowio
    def work(size):
        buffer = arrowio.allocate_buffer(size)
        buffer.to_pybytes()
    work(int(sys.argv[1]))
"""


def test_a_script_that_keeps_a_buffer_in_a_global_fails_the_leak_gate(run, script):
    result = run(["pool-stats", "--json", "--fail-on-leak", "--", "python", script(LEAKY), "1000"])
    assert result.exit_code == GATE_FAILED, result.stderr
    assert result.stderr == "arrowio: error: 1.0 KiB (1024 bytes) of pool memory still allocated after the workload\n"
    report = json.loads(result.stdout)
    assert report["workload_kind"] == "python" and report["exit_code"] == 0
    assert report["bytes_allocated"] == 1024 and report["gate_exit_code"] == GATE_FAILED


def test_a_clean_script_passes_the_gates(run, script):
    result = run(["pool-stats", "--json", "--fail-on-leak", "--max-peak", "1M", "--", "python", script(CLEAN), "5000"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["bytes_allocated"], report["max_memory"], report["failures"]) == (0, 5056, [])


def test_the_program_runs_as_main_with_its_own_argv(run, script, tmp_path):
    out = tmp_path / "out.txt"
    path = script("import sys\nprint(__name__, sys.argv)\n")
    result = run(["pool-stats", "--workload-output", out, "--", "python", path, "a", "--b"])
    assert result.exit_code == 0, result.stderr
    assert out.read_text() == f"__main__ {[path, 'a', '--b']}\n"


def test_a_raising_script_gives_its_traceback_and_exit_code(run, script):
    path = script("""
        def fail():
            raise RuntimeError("the program broke")
        fail()
    """)
    result = run(["pool-stats", "--json", "--fail-on-leak", "--", "python", path])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1] == f'  File "{path}", line 4, in <module>'  # the program's frames only, as python shows them
    assert "RuntimeError: the program broke" in lines
    assert lines[-1] == "arrowio: error: the workload failed with exit code 1"
    assert json.loads(result.stdout)["exit_code"] == 1


def test_sys_exit_code_is_kept_and_wins_over_a_failed_gate(run, script):
    result = run(["pool-stats", "--fail-on-leak", "--", "python", script(LEAKY + "    raise SystemExit(7)\n"), "64"])
    assert result.exit_code == 7
    assert result.stderr == "arrowio: error: the workload failed with exit code 7\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["python", "missing.py"], 2, "python: can't open file"),
        (["python", "-m", "no_such_module_here"], 1, "python: No module named no_such_module_here"),
        (["python", "-c", "import sys; sys.exit('bye')"], 1, "bye"),
    ],
)
def test_python_failures_are_the_ones_python_gives(run, args, code, message):
    result = run(["pool-stats", "--", *args])
    assert result.exit_code == code and result.stderr.startswith(message)


def test_python_m_module_and_c_code(run, tmp_path, monkeypatch):
    (tmp_path / "leaky_mod.py").write_text("import arrowio\nKEEP = arrowio.allocate_buffer(100)\n")
    monkeypatch.chdir(tmp_path)  # python -m finds modules in the current folder
    report = json.loads(run(["pool-stats", "--json", "--", "python", "-m", "leaky_mod"]).stdout)
    assert (report["exit_code"], report["bytes_allocated"]) == (0, 128)
    code = "import sys, arrowio; b = arrowio.allocate_buffer(int(sys.argv[1]))"
    report = json.loads(run(["pool-stats", "--json", "--", "python3", "-c", code, "640"]).stdout)
    assert (report["exit_code"], report["bytes_allocated"], report["max_memory"]) == (0, 640, 640)


@pytest.mark.parametrize("args", [["python"], ["python", "-X", "dev", "x.py"], ["python", "-m"]])
def test_python_usage_errors(run, args):
    result = run(["pool-stats", "--", *args])
    assert result.exit_code == 2 and result.stdout_bytes == b""


def test_pytest_as_the_workload(sh, tmp_path):
    (tmp_path / "test_small.py").write_text(
        "import arrowio\nKEPT = []\n"
        "def test_keeps():\n    KEPT.append(arrowio.allocate_buffer(4096))\n"
        "def test_fails():\n    assert False\n"
    )
    done = sh("pool-stats", "--json", "--fail-on-leak", "--", "python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
              tmp_path / "test_small.py")  # fmt: skip
    assert done.returncode == 1, done.stderr  # pytest's own code: a test failed, which wins over the gate
    report = json.loads(done.stdout)
    assert report["exit_code"] == 1 and report["bytes_allocated"] == 4096
    assert report["failures"] == ["4.0 KiB (4096 bytes) of pool memory still allocated after the workload"]


PYARROW = """
    import pyarrow as pa
    KEEP = pa.allocate_buffer(3 << 20)
    transient = pa.allocate_buffer(8 << 20)
    del transient
"""


def test_pyarrow_pool_is_reported_and_gated(sh, script):
    path = script(PYARROW)
    done = sh("pool-stats", "--json", "--", "python", path)
    assert done.returncode == 0, done.stderr
    pyarrow = json.loads(done.stdout)["pyarrow"]
    assert pyarrow["max_memory_scope"] == "process" and pyarrow["backend_name"]
    assert pyarrow["bytes_allocated_at_start"] == 0  # this process had not imported pyarrow before
    assert pyarrow["bytes_allocated"] == 3 << 20 and pyarrow["max_memory"] >= 11 << 20
    table = sh("pool-stats", "--", "python", path).stdout.decode()
    assert "PyArrow pool peak (process-wide)" in table and "11.0 MiB" in table
    gated = sh("pool-stats", "--pool", "pyarrow", "--max-peak", "10M", "--fail-on-leak", "--", "python", path)
    assert gated.returncode == GATE_FAILED
    assert gated.stderr.decode() == (
        "arrowio: error: PyArrow pool peak (process-wide) 11.0 MiB (11534336 bytes) exceeds --max-peak 10.0 MiB "
        "(10485760 bytes); 3.0 MiB (3145728 bytes) of PyArrow pool memory still allocated after the workload\n"
    )
    # The default gates arrowio's pool, which this program never touched.
    assert sh("pool-stats", "--max-peak", "10M", "--fail-on-leak", "--", "python", path).returncode == 0


def test_pool_pyarrow_without_pyarrow_is_a_gate_failure(sh, script):
    done = sh("pool-stats", "--json", "--pool", "pyarrow", "--fail-on-leak", "--", "python", script(CLEAN), "64")
    assert done.returncode == GATE_FAILED
    assert json.loads(done.stdout)["pyarrow"] is None
    assert b"did not import pyarrow" in done.stderr


def test_github_annotations_for_failed_gates(run, script):
    result = run(["pool-stats", "--format", "github", "--fail-on-leak", "--max-peak", "64", "--",
                  "python", script(LEAKY), "1000"])  # fmt: skip
    assert result.exit_code == GATE_FAILED
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    title = "arrowio pool-stats%3A python " + script(LEAKY).replace(":", "%3A") + " 1000"
    assert annotations == [
        f"::error title={title}::pool peak 1.0 KiB (1024 bytes) exceeds --max-peak 64 B (64 bytes)",
        f"::error title={title}::1.0 KiB (1024 bytes) of pool memory still allocated after the workload",
    ]
    assert "pool peak" in result.stdout.split("::error")[0]  # the normal report comes first
    with_json = run(["pool-stats", "--json", "--format", "github", "--fail-on-leak", "--",
                     "python", script(LEAKY), "10"])  # fmt: skip
    json.loads(with_json.stdout)  # the object stays the only stdout; the annotation goes to stderr
    assert with_json.stderr.startswith("::error title=")
    clean = run(["pool-stats", "--format", "github", "--fail-on-leak", "--", "python", script(CLEAN), "10"])
    assert clean.exit_code == 0 and "::" not in clean.stdout + clean.stderr


SLOW_GROWTH = """
    import time
    import arrowio
    kept = []
    for _ in range(10):
        kept.append(arrowio.allocate_buffer(1 << 20))
        time.sleep(0.01)
    kept.clear()
"""


@pytest.mark.parametrize("suffix", [".svg", ".html"])
def test_timeline_draws_the_memory_and_the_limits(run, script, tmp_path, suffix):
    picture = tmp_path / f"memory{suffix}"
    result = run(["pool-stats", "--json", "--timeline", picture, "--max-peak", "8M", "--max-rss", "4G", "--",
                  "python", script(SLOW_GROWTH)])  # fmt: skip
    assert result.exit_code == GATE_FAILED  # 10 MiB peak over 8 MiB
    report = json.loads(result.stdout)
    # 100 ms sampled every 5 ms: about 20 samples on an idle machine, far fewer under load (no timing asserted)
    assert report["timeline"] == str(picture) and report["samples"] >= 2
    text = picture.read_text()
    assert "<svg" in text and text.rstrip().endswith("</html>" if suffix == ".html" else "</svg>")
    for label in ("pool bytes allocated", "pool peak", "process RSS", "--max-peak (arrowio pool) 8.0 MiB",
                  "--max-rss 4096.0 MiB"):  # fmt: skip
        assert label in text


def test_timeline_needs_an_svg_or_html_name(run, script, tmp_path):
    result = run(["pool-stats", "--timeline", tmp_path / "m.png", "--", "python", script(CLEAN), "1"])
    assert result.exit_code == 2 and "SVG or HTML" in result.stderr


def test_the_report_has_sparklines_of_pool_and_rss(run, script):
    stdout = run(["pool-stats", "--", "python", script(SLOW_GROWTH)]).stdout
    pool_line = next(line for line in stdout.splitlines() if line.startswith("pool ") and "▁" in line)
    bars = pool_line.split()[1]
    assert set(bars) <= set("▁▂▃▄▅▆▇█") and bars[0] == "▁" and "█" in bars  # empty at the start, full at 10 MiB
    assert any(line.startswith("RSS ") for line in stdout.splitlines())


def test_sparkline_scales_and_buckets():
    from arrowio_cli.timeline import sparkline

    assert sparkline([]) == ""
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7], width=8) == "▁▂▃▄▅▆▇█"
    assert sparkline(list(range(100)), width=10) == sparkline([9, 19, 29, 39, 49, 59, 69, 79, 89, 99], width=10)
    assert len(sparkline(list(range(1000)), width=60)) <= 60


def test_sys_path_0_is_what_python_sets(run, script, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.txt"
    code = "import sys; print(repr(sys.path[0]))"
    run(["pool-stats", "--workload-output", out, "--", "python", "-c", code])
    assert out.read_text() == "''\n"
    (tmp_path / "sub").mkdir()
    run(["pool-stats", "--workload-output", out, "--", "python", script(code, "sub/p.py")])
    assert out.read_text() == f"{str(tmp_path / 'sub')!r}\n"


OVERWRITE = """
    import ctypes
    import arrowio
    buffer = arrowio.allocate_buffer(64)
    ctypes.memmove(buffer.address + 64, b"!", 1)  # one byte past the end
    del buffer
    print("still running")
"""


@pytest.mark.parametrize(("mode", "code"), [("abort", -6), ("trap", -5), ("warn", 0), ("none", 0)])
def test_debug_pool_for_the_workload(sh, script, mode, code, tmp_path):
    out = tmp_path / "out.txt"
    done = sh("pool-stats", "--json", "--debug-pool", mode, "--workload-output", out, "--", "python",
              script(OVERWRITE), env={"ARROWIO_DEBUG_MEMORY_POOL": "", "ARROW_DEBUG_MEMORY_POOL": ""})  # fmt: skip
    assert done.returncode == code, done.stderr
    caught = b"Wrong size on deallocation: given size = 64" in done.stderr
    assert caught == (mode != "none")
    if code == 0:
        assert json.loads(done.stdout)["debug_pool"] == mode and out.read_text() == "still running\n"


def test_workload_output_dash_is_stderr(run, script):
    result = run(["pool-stats", "--workload-output", "-", "--", "python", script("print('from the program')")])
    assert result.exit_code == 0
    assert result.stderr == "from the program\n" and "from the program" not in result.stdout


def test_the_cli_spells_the_debug_modes_as_the_library_does():
    from arrowio.diagnostics import DEBUG_POOL_MODES
    from arrowio_cli.pool_stats import DEBUG_MODES

    assert DEBUG_MODES == DEBUG_POOL_MODES


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeline", "m.svg"], "--timeline needs a workload after --"),
        (["--pool", "pyarrow"], "--pool needs a workload after --"),
        (["--debug-pool", "warn", "--format", "github"], "--debug-pool, --format need a workload after --"),
        (["--debug-pool", "loud", "--", "python", "-c", "1"], "'loud' is not one of 'abort', 'trap', 'warn', 'none'"),
    ],
)
def test_workload_options_without_a_workload_are_usage_errors(run, args, message):
    result = run(["pool-stats", *args])
    assert result.exit_code == 2 and message in result.stderr and result.stdout_bytes == b""
