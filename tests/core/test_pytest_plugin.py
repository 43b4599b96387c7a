"""The pytest plugin, run through pytester on small test files: leaks, peaks, exemptions, traces, xdist."""

from __future__ import annotations

import json
import textwrap

import pytest

# Imported here, before any in-process pytester run: pytester drops the modules a run imported when it
# ends, and a second run would get fresh pool modules while the plugin kept the first ones.
import arrowio.buffer  # noqa: F401
import arrowio.diagnostics  # noqa: F401
from arrowio.pytest_plugin import format_size, parse_size

pytest_plugins = ["pytester"]

TESTS = """
    import pytest
    import arrowio

    KEPT = []

    @pytest.fixture(scope="module")
    def shared():
        return arrowio.allocate_buffer(1 << 20)  # lives as long as the module: nobody's leak

    @pytest.fixture
    def leaky_fixture():
        yield
        KEPT.append(arrowio.allocate_buffer(640))  # in its teardown: counted for the test

    def test_clean(shared):
        buffer = arrowio.allocate_buffer(1000)

    def test_leaks(shared):
        KEPT.append(arrowio.allocate_buffer(4096))

    @pytest.mark.arrowio_allow_leak
    def test_exempt():
        KEPT.append(arrowio.allocate_buffer(64))

    def test_fixture_leaks(leaky_fixture):
        pass

    def test_fails_on_its_own():
        KEPT.append(arrowio.allocate_buffer(64))
        assert False, "its own failure"
"""


@pytest.fixture
def suite(pytester):
    pytester.makepyfile(test_suite=textwrap.dedent(TESTS))
    return pytester


def test_off_unless_asked(suite):
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1)
    assert "arrowio pool" not in result.stdout.str()


def test_fails_exactly_the_leaking_tests(suite, tmp_path):
    out = tmp_path / "pool.json"
    result = suite.runpytest("-p", "no:cacheprovider", "--arrowio-pool", "--arrowio-pool-json", str(out))
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines([
        "FAILED test_suite.py::test_leaks - arrowio pool: 4.0 KiB*",
        "FAILED test_suite.py::test_fixture_leaks - arrowio pool: 640 B*",
        "FAILED test_suite.py::test_fails_on_its_own - AssertionError: its own failure*",
    ])  # fmt: skip
    result.stdout.fnmatch_lines([
        "arrowio pool: 4.0 KiB (4096 bytes) still allocated after the test and its fixtures finished",
        "arrowio pool: 640 B (640 bytes) still allocated after the test and its fixtures finished",
    ], consecutive=False)  # fmt: skip
    assert "--arrowio-pool-trace shows where" in result.stdout.str()
    figures = {test["nodeid"].split("::")[1]: test for test in json.loads(out.read_text())["tests"]}
    assert json.loads(out.read_text())["schema"] == "arrowio.pytest-pool/1"
    assert figures["test_clean"]["bytes_left"] == 0 and figures["test_clean"]["max_memory"] == 1024
    assert figures["test_exempt"]["bytes_left"] == 64 and figures["test_exempt"]["allow_leak"]
    assert figures["test_exempt"]["failures"] == []
    assert figures["test_leaks"]["bytes_left"] == 4096 and len(figures["test_leaks"]["failures"]) == 1
    assert all(isinstance(test["rss_growth_bytes"], int) for test in figures.values())


def test_the_ini_option_turns_it_on(suite):
    suite.makeini("[pytest]\narrowio_pool = true\n")
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2, failed=3)


def test_trace_shows_where_the_largest_live_allocations_were_made(suite):
    result = suite.runpytest("-p", "no:cacheprovider", "--arrowio-pool", "--arrowio-pool-trace", "-k", "test_leaks")
    result.assert_outcomes(passed=0, failed=1)
    result.stdout.fnmatch_lines([
        "*arrowio pool: 4.0 KiB (4096 bytes) still allocated after the test and its fixtures finished",
        "largest live allocations (of 1):",
        "  4.0 KiB (4096 bytes) allocated at",
        "    */test_suite.py:19 in test_leaks",
    ])  # fmt: skip
    assert "/_pytest/" not in result.stdout.str()


PEAKS = """
    import pytest
    import arrowio

    def test_small():
        buffer = arrowio.allocate_buffer(1000)

    def test_big():
        buffer = arrowio.allocate_buffer(3 << 20)

    @pytest.mark.arrowio_limit_peak("64 KiB")
    def test_limited():
        buffer = arrowio.allocate_buffer(100 * 1024)

    @pytest.mark.arrowio_limit_peak("8 MiB")
    def test_allowed_more():
        buffer = arrowio.allocate_buffer(3 << 20)
"""


def test_peak_limits_by_option_and_marker(pytester):
    pytester.makepyfile(test_peaks=textwrap.dedent(PEAKS))
    result = pytester.runpytest("-p", "no:cacheprovider", "--arrowio-pool", "--arrowio-max-peak", "1M")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines([
        "arrowio pool: peak 3.0 MiB (3145728 bytes) exceeds the limit 1.0 MiB (1048576 bytes)",
        "arrowio pool: peak 100.0 KiB (102400 bytes) exceeds the limit 64.0 KiB (65536 bytes)",
    ], consecutive=False)  # fmt: skip
    table = result.stdout.str().split("arrowio pool: heaviest tests")[1].split("short test summary")[0]
    order = sorted(
        ["test_big", "test_allowed_more", "test_limited", "test_small"],
        key=lambda name: table.index(f"test_peaks.py::{name[:8]}"),
    )  # the heaviest first; names may fold onto a second line
    assert order[-1] == "test_small" and set(order[:2]) == {"test_big", "test_allowed_more"}


def test_bad_sizes_are_usage_errors(pytester):
    pytester.makepyfile(test_peaks=textwrap.dedent(PEAKS))
    result = pytester.runpytest("-p", "no:cacheprovider", "--arrowio-pool", "--arrowio-max-peak", "lots")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--arrowio-max-peak: invalid size 'lots'*"])


def test_each_xdist_worker_measures_its_own_tests(suite, tmp_path):
    out = tmp_path / "pool.json"
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--arrowio-pool",
                                        "--arrowio-pool-json", str(out))  # fmt: skip
    result.assert_outcomes(passed=2, failed=3)
    tests = json.loads(out.read_text())["tests"]
    assert sorted(test["nodeid"].split("::")[1] for test in tests) == [
        "test_clean", "test_exempt", "test_fails_on_its_own", "test_fixture_leaks", "test_leaks"]  # fmt: skip
    assert "arrowio pool: heaviest tests" in result.stdout.str()


OVERWRITE = """
    import ctypes
    import arrowio

    def test_writes_past_the_end():
        buffer = arrowio.allocate_buffer(64)
        ctypes.memmove(buffer.address + 64, b"!", 1)
        del buffer
"""


def test_debug_pool_option(pytester):
    pytester.makepyfile(test_overwrite=textwrap.dedent(OVERWRITE))
    warned = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", "--arrowio-debug-pool", "warn")
    warned.assert_outcomes(passed=1)
    warned.stderr.fnmatch_lines(["*Wrong size on deallocation: given size = 64*"])
    aborted = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--arrowio-debug-pool", "abort")
    assert aborted.ret == -6  # SIGABRT


@pytest.mark.parametrize(
    ("text", "expected"),
    [("64 MiB", 64 << 20), ("64M", 64 << 20), ("10MB", 10_000_000), ("512", 512), (2048, 2048), ("1 KiB", 1024),
     ("3gib", 3 << 30), ("1.5M", 3 << 19), ("64Ki", 64 << 10)],
)  # fmt: skip
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "1.5", "-1", "64 iB", "True"])
def test_parse_size_refuses(text):
    with pytest.raises(ValueError, match="invalid size"):
        parse_size(text)


def test_format_size():
    assert [format_size(n) for n in (0, 1023, 1024, 3 << 20)] == ["0 B", "1023 B", "1.0 KiB", "3.0 MiB"]


def test_loading_the_plugin_imports_no_pool():
    # pytest loads the plugin in every run of a project that installs arrowio, asked for or not.
    import subprocess
    import sys

    code = "import sys, arrowio.pytest_plugin; print(sorted(m for m in sys.modules if m.startswith('arrowio.')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # arrowio.units (the size syntax, re only) is the one library module it needs at load.
    assert done.stdout.strip() == "['arrowio._lazy', 'arrowio.errors', 'arrowio.pytest_plugin', 'arrowio.units']"


def test_the_plugin_spells_the_debug_modes_as_the_library_does():
    from arrowio.diagnostics import DEBUG_POOL_MODES
    from arrowio.pytest_plugin import DEBUG_POOL_MODES as plugin_modes

    assert plugin_modes == DEBUG_POOL_MODES


def test_a_bad_limit_marker_fails_its_test_only(pytester):
    pytester.makepyfile(
        test_bad=textwrap.dedent("""
        import pytest

        @pytest.mark.arrowio_limit_peak("lots")
        def test_bad_marker():
            pass

        def test_fine():
            pass
    """)
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--arrowio-pool")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_bad.py::test_bad_marker: arrowio_limit_peak: invalid size 'lots'*"])
