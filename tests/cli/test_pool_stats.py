"""arrowio pool-stats: the backend table, workloads measured in-process, and the CI gates."""

from __future__ import annotations

import json

import click
import pytest

import arrowio
from arrowio_cli.main import cli

WORKLOAD_KEYS = [
    "schema", "workload", "exit_code", "backend", "default_backend", "seconds", "bytes_allocated", "max_memory",
    "total_bytes_allocated", "num_allocations", "rss_bytes", "peak_rss_bytes", "peak_rss_scope",
    "peak_rss_growth_bytes", "minor_faults", "major_faults", "max_peak", "max_rss", "fail_on_leak", "failures",
    "workload_kind", "pool", "debug_pool", "pyarrow", "gate_exit_code", "timeline", "samples",
]  # fmt: skip
GATE_FAILED = 10
_kept: list[object] = []


@click.command("alloc")
@click.argument("size", type=int)
@click.option("--leak", is_flag=True)
@click.option("--fail", is_flag=True)
@click.option("--outside", is_flag=True, help="Python bytes, as decoders make, instead of a pool Buffer.")
def alloc(size: int, leak: bool, fail: bool, outside: bool) -> None:
    """A workload: allocate SIZE bytes from the default pool, print a line, maybe keep or fail."""
    buffer = arrowio.allocate_buffer(size) if not outside else b"x" * size  # every page touched
    click.echo(f"allocated {len(buffer)}")
    if leak:
        _kept.append(buffer)
    if fail:
        raise arrowio.ArrowIOError("the workload broke")


@pytest.fixture(autouse=True)
def workload(monkeypatch):
    monkeypatch.setitem(cli.commands, "alloc", alloc)
    yield
    _kept.clear()


def test_without_a_workload_shows_backends_and_the_default_pool(run):
    result = run(["pool-stats"])
    assert result.exit_code == 0 and result.stderr == ""
    for name in ("jemalloc", "mimalloc", "system", "bytes_allocated", "max_memory", "process rss", "process peak_rss"):
        assert name in result.stdout


def test_without_a_workload_json(run):
    result = run(["pool-stats", "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == ["schema", "backends", "pool", "process"]
    assert report["schema"] == "arrowio.pool-stats/1"
    assert [b["name"] for b in report["backends"]] == ["jemalloc", "mimalloc", "system"]
    assert sum(b["default"] for b in report["backends"]) == 1
    system = report["backends"][2]
    assert system == {
        "name": "system",
        "available": True,
        "default": system["default"],
        "used": system["used"],
        "reason": "",
    }
    assert [b["used"] for b in report["backends"]] == [b["default"] for b in report["backends"]]  # no --backend
    for backend in report["backends"]:
        assert backend["available"] == (backend["reason"] == "")
    assert report["pool"]["backend_name"] == arrowio.default_memory_pool().backend_name
    assert set(report["process"]) == {"rss_bytes", "peak_rss_bytes"}
    assert 0 < report["process"]["rss_bytes"] <= report["process"]["peak_rss_bytes"]


def test_backend_without_a_workload_shows_that_pool(run):
    report = json.loads(run(["pool-stats", "--json", "--backend", "system"]).stdout)
    assert report["pool"]["backend_name"] == "system"
    assert [b["name"] for b in report["backends"] if b["used"]] == ["system"]
    assert [b["name"] for b in report["backends"] if b["default"]] == [arrowio.default_memory_pool().backend_name]


def test_workload_json_is_the_only_stdout(run, tmp_path):
    result = run(["pool-stats", "--json", "--", "alloc", "1000001"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)  # the workload's "allocated" line went to /dev/null
    assert list(report) == WORKLOAD_KEYS
    assert report["workload"] == ["alloc", "1000001"] and report["exit_code"] == 0
    assert report["max_memory"] == report["total_bytes_allocated"] == 1000064  # rounded up to 64
    assert report["num_allocations"] == 1 and report["bytes_allocated"] == 0
    assert report["failures"] == [] and report["max_peak"] is None and report["fail_on_leak"] is False
    assert report["peak_rss_scope"] in ("block", "process") and report["peak_rss_bytes"] > 0
    assert report["seconds"] > 0 and report["minor_faults"] >= 0


def test_workload_output_goes_to_the_named_file(run, tmp_path):
    out = tmp_path / "workload.txt"
    result = run(["pool-stats", "--workload-output", out, "--", "alloc", "64"])
    assert result.exit_code == 0
    assert out.read_text() == "allocated 64\n"
    assert "pool peak" in result.stdout and "allocated 64" not in result.stdout


def test_the_default_pool_comes_back_after_the_workload(run):
    before = arrowio.default_memory_pool()
    run(["pool-stats", "--", "alloc", "64"])
    assert arrowio.default_memory_pool() is before


@pytest.mark.parametrize("backend", ["system", pytest.param("mimalloc", marks=pytest.mark.backend("mimalloc"))])
def test_backend_choice(run, backend):
    report = json.loads(run(["pool-stats", "--json", "--backend", backend, "--", "alloc", "4096"]).stdout)
    assert report["backend"] == backend and report["max_memory"] == 4096


def test_max_peak_gate(run):
    result = run(["pool-stats", "--json", "--max-peak", "1K", "--", "alloc", "1048576"])
    assert result.exit_code == GATE_FAILED
    assert result.stderr == (
        "arrowio: error: pool peak 1.0 MiB (1048576 bytes) exceeds --max-peak 1.0 KiB (1024 bytes)\n"
    )
    report = json.loads(result.stdout)
    assert report["max_peak"] == 1024 and report["failures"] == [result.stderr[len("arrowio: error: ") : -1]]
    assert run(["pool-stats", "--max-peak", "1G", "--", "alloc", "1048576"]).exit_code == 0


def test_fail_on_leak_gate(run):
    assert run(["pool-stats", "--fail-on-leak", "--", "alloc", "128"]).exit_code == 0
    result = run(["pool-stats", "--fail-on-leak", "--", "alloc", "128", "--leak"])
    assert result.exit_code == GATE_FAILED
    assert result.stderr == "arrowio: error: 128 B (128 bytes) of pool memory still allocated after the workload\n"


def test_both_gates_give_one_line(run):
    result = run(["pool-stats", "--max-peak", "64", "--fail-on-leak", "--", "alloc", "128", "--leak"])
    assert result.exit_code == GATE_FAILED and result.stderr.count("\n") == 1 and "; " in result.stderr


def test_leak_is_reported_without_the_gate(run):
    report = json.loads(run(["pool-stats", "--json", "--", "alloc", "128", "--leak"]).stdout)
    assert report["bytes_allocated"] == 128 and report["failures"] == []


def test_failing_workload_reports_and_exits_with_its_code(run):
    result = run(["pool-stats", "--json", "--", "alloc", "64", "--fail"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "arrowio: error: alloc: the workload broke",
        "arrowio: error: the workload failed with exit code 1",
    ]
    assert json.loads(result.stdout)["exit_code"] == 1


def test_workload_usage_error_exits_2(run):
    result = run(["pool-stats", "--", "alloc", "not-a-number"])
    assert result.exit_code == 2 and "Invalid value" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pool-stats", "--", "no-such-command"], "no such subcommand 'no-such-command'"),
        (["pool-stats", "--max-peak", "1K"], "--max-peak, --max-rss and --fail-on-leak need a workload"),
        (["pool-stats", "--max-rss", "1G"], "--max-peak, --max-rss and --fail-on-leak need a workload"),
        (["pool-stats", "--fail-on-leak"], "--max-peak, --max-rss and --fail-on-leak need a workload"),
        (["pool-stats", "--max-rss", "lots", "--", "alloc", "1"], "invalid size 'lots'"),
        (["pool-stats", "--max-peak", "lots", "--", "alloc", "1"], "invalid size 'lots'"),
        (["pool-stats", "--backend", "tcmalloc"], "'tcmalloc' is not one of"),
    ],
)
def test_usage_errors(run, args, message):
    result = run(args)
    assert result.exit_code == 2 and message in result.stderr and result.stdout_bytes == b""


def test_options_after_the_workload_name_belong_to_the_workload(run):
    # No "--": parsing stops at the subcommand's name, so --leak is the workload's.
    report = json.loads(run(["pool-stats", "--json", "alloc", "64", "--leak"]).stdout)
    assert report["bytes_allocated"] == 64


@pytest.mark.backend("jemalloc")
def test_jemalloc_backend_in_a_real_process(sh):
    result = sh("pool-stats", "--json", "--backend", "jemalloc")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["pool"]["backend_name"] == "jemalloc" and report["backends"][0]["available"]


def test_max_rss_gates_the_whole_memory_of_the_workload(run):
    # The pool sees only arrowio's Buffers; RSS sees everything, the interpreter included.
    result = run(["pool-stats", "--json", "--max-rss", "1M", "--", "alloc", "64"])
    assert result.exit_code == GATE_FAILED
    report = json.loads(result.stdout)
    assert report["max_rss"] == 1 << 20 and report["peak_rss_bytes"] > 1 << 20
    assert (
        result.stderr.startswith("arrowio: error: peak RSS ")
        and "exceeds --max-rss 1.0 MiB (1048576 bytes)" in result.stderr
    )
    assert 0 <= report["peak_rss_growth_bytes"] <= report["peak_rss_bytes"]
    passed = run(["pool-stats", "--json", "--max-rss", "1T", "--", "alloc", "64"])
    assert passed.exit_code == 0 and json.loads(passed.stdout)["failures"] == []


def test_peak_rss_growth_sees_memory_outside_the_pool(run):
    # Memory that is Python bytes (as decoded data is): the pool sees none of it, RSS all of it.
    report = json.loads(run(["pool-stats", "--json", "--", "alloc", str(64 << 20), "--outside"]).stdout)
    assert report["exit_code"] == 0 and report["max_memory"] == 0
    if report["peak_rss_scope"] == "block":
        assert report["peak_rss_growth_bytes"] >= 60 << 20
    assert "peak RSS growth" in run(["pool-stats", "--", "alloc", "64"]).stdout


@pytest.mark.backend("jemalloc")
def test_the_default_column_does_not_depend_on_the_backend_flag(sh):
    env = {"ARROWIO_DEFAULT_MEMORY_POOL": ""}
    plain = json.loads(sh("pool-stats", "--json", env=env).stdout)
    flagged = sh("pool-stats", "--json", "--backend", "jemalloc", env=env)
    assert flagged.returncode == 0, flagged.stderr
    flagged_report = json.loads(flagged.stdout)

    def column(report, key):
        return [b["name"] for b in report["backends"] if b[key]]

    assert column(flagged_report, "default") == column(plain, "default")
    assert column(flagged_report, "used") == ["jemalloc"]
    workload = json.loads(sh("pool-stats", "--json", "--backend", "jemalloc", "--", "info", "--help", env=env).stdout)
    assert (workload["backend"], workload["default_backend"]) == ("jemalloc", column(plain, "default")[0])


def test_a_failing_subcommand_reports_as_it_does_alone(run, tmp_path):
    # The workload's error goes through the commands' one error policy (InputRunner): a message
    # that names its file already is not prefixed with the subcommand's name as well.
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    alone = run(["mmap-read", str(empty)])
    measured = run(["pool-stats", "--json", "--", "mmap-read", str(empty)])
    assert alone.exit_code == measured.exit_code == 1
    assert alone.stderr == f"arrowio: error: {empty}: empty file: nothing to map\n"
    assert measured.stderr.splitlines() == [
        alone.stderr.rstrip("\n"),
        "arrowio: error: the workload failed with exit code 1",
    ]
    assert json.loads(measured.stdout)["exit_code"] == 1
