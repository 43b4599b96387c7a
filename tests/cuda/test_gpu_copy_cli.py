"""``arrowio gpu-copy`` without a device: option parsing, the exit-69 error, the report schema and its table."""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from arrowio import cuda
from arrowio_cli.errors import Unavailable
from arrowio_cli.gpu_copy import (
    DEVICE_KEYS,
    OPTION_KEYS,
    REPORT_KEYS,
    RUN_KEYS,
    _open_input,
    _render,
    build_report,
    gpu_copy,
)
from arrowio_cli.main import cli, main

NO_CUPY_LINE = (
    "arrowio: error: gpu-copy: no CUDA device (arrowio.cuda needs CuPy, which is not installed: "
    "pip install 'arrowio[cuda12]' for CUDA 12 or 'arrowio[cuda13]' for CUDA 13)\n"
)


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 64)
    return path


def run_main(args: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    """The real entry point (error translation included) inside CliRunner's isolated streams."""
    runner = CliRunner()
    with runner.isolation(input=stdin) as (out, err, _):
        try:
            main(args)
        except SystemExit as exit_info:
            code = exit_info.code
    assert isinstance(code, int), code  # main() always exits with a status number
    return code, out.getvalue().decode(), err.getvalue().decode()


# -- no device: exit 69 with one line that names what is missing ----------------------------------
@pytest.mark.usefixtures("no_cupy")
def test_without_cupy_the_error_names_the_extra(data_file):
    assert run_main(["gpu-copy", str(data_file)]) == (69, "", NO_CUPY_LINE)
    assert run_main(["gpu-copy", "--json", "--roundtrip", "--verify", str(data_file)]) == (69, "", NO_CUPY_LINE)


@pytest.mark.usefixtures("no_cupy")
def test_the_command_raises_unavailable_for_the_translator(data_file):
    result = CliRunner().invoke(cli, ["gpu-copy", str(data_file)])
    assert isinstance(result.exception, Unavailable)
    assert result.exception.exit_code == 69
    assert f"arrowio: error: {result.exception}\n" == NO_CUPY_LINE


def test_without_cupy_for_real(data_file, block_cuda_modules):
    script = block_cuda_modules + "from arrowio_cli.main import main\nmain(sys.argv[1:])\n"
    result = subprocess.run([sys.executable, "-c", script, "gpu-copy", str(data_file)], capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (69, "", NO_CUPY_LINE)


def test_without_a_device_for_real(data_file, device_reason):
    if device_reason is None:
        pytest.skip("a CUDA device is usable here; this checks the machines without one")
    result = subprocess.run(
        [sys.executable, "-m", "arrowio_cli", "gpu-copy", "--json", str(data_file)], capture_output=True, text=True
    )
    assert result.returncode == 69 and result.stdout == ""
    assert result.stderr == f"arrowio: error: gpu-copy: no CUDA device ({device_reason})\n"
    assert re.fullmatch(r"arrowio: error: gpu-copy: no CUDA device \(.*(CuPy|driver|device).*\)\n", result.stderr)


def test_no_device_from_standard_input(device_reason):
    if device_reason is None:
        pytest.skip("a CUDA device is usable here; this checks the machines without one")
    code, out, err = run_main(["gpu-copy", "-"], stdin=b"hello")
    assert (code, out, err) == (69, "", f"arrowio: error: gpu-copy: no CUDA device ({device_reason})\n")


def test_no_device_is_said_before_the_input_is_touched(device_reason):
    if device_reason is None:
        pytest.skip("a CUDA device is usable here; this checks the machines without one")
    # A pipe that never ends and a URL nobody serves: neither is opened without a device.
    with subprocess.Popen(
        [sys.executable, "-m", "arrowio_cli", "gpu-copy", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        try:
            code = process.wait(timeout=30)  # stdin stays open: reading it would wait for ever
        finally:
            process.kill()
        err = process.stderr.read().decode()
    assert code == 69 and err.startswith("arrowio: error: gpu-copy: no CUDA device (")
    code, _, err = run_main(["gpu-copy", "-S", "endpoint_url=http://127.0.0.1:9", "s3://nowhere/data.bin"])
    assert code == 69 and err.startswith("arrowio: error: gpu-copy: no CUDA device (")


# -- option parsing --------------------------------------------------------------------------------
def parse(args: list[str]) -> dict:
    return gpu_copy.make_context("gpu-copy", args).params


def test_defaults(data_file):
    assert parse([str(data_file)]) == {
        "file": str(data_file),
        "device_number": 0,
        "pinned": True,
        "chunk_size": 64 << 20,
        "streams": 2,
        "repeat": 1,
        "roundtrip": False,
        "verify": False,
        "compression": "auto",
        "as_json": False,
        "storage_options": {},
    }
    assert parse([])["file"] == "-"


def test_every_option(data_file):
    params = parse(
        [
            "--device",
            "1",
            "--pageable",
            "--chunk-size",
            "1.5MiB",
            "--streams",
            "4",
            "--repeat",
            "3",
            "--roundtrip",
            "--verify",
            "-C",
            "gzip",
            "--json",
            "-S",
            "anon=true",
            str(data_file),
        ]
    )
    assert params == {
        "file": str(data_file),
        "device_number": 1,
        "pinned": False,
        "chunk_size": 1572864,
        "streams": 4,
        "repeat": 3,
        "roundtrip": True,
        "verify": True,
        "compression": "gzip",
        "as_json": True,
        "storage_options": {"anon": True},
    }
    assert parse(["--pinned", "--chunk-size", "4K", "--compression", "none", str(data_file)])["chunk_size"] == 4096


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chunk-size", "0"], "Invalid value for '--chunk-size': must be positive, got 0"),
        (["--chunk-size", "lots"], "Invalid value for '--chunk-size': invalid size 'lots'"),
        (["--streams", "0"], "Invalid value for '--streams'"),
        (["--repeat", "0"], "Invalid value for '--repeat'"),
        (["--device", "-1"], "Invalid value for '--device'"),
        (["--verify"], "--verify compares the round-tripped bytes: it needs --roundtrip"),
        (["--bogus"], "--bogus"),
        (["-C", "bogus"], "Invalid value for '-C' / '--compression': 'bogus' (expected auto, none or a codec name"),
    ],
)
def test_usage_errors_exit_2_before_looking_for_a_device(args, message, data_file):
    code, out, err = run_main(["gpu-copy", *args, str(data_file)])
    assert (code, out) == (2, "")
    assert message in err and "Usage: arrowio gpu-copy" in err


def test_errors_about_the_input(tmp_path):
    """A missing input is a runtime error (exit 1), as in every subcommand, with or without a GPU."""
    code, _, err = run_main(["gpu-copy", str(tmp_path / "missing.bin")])
    assert (code, err) == (1, f"arrowio: error: {tmp_path / 'missing.bin'}: No such file or directory\n")
    code, _, err = run_main(["gpu-copy", str(tmp_path)])
    assert (code, err) == (1, f"arrowio: error: {tmp_path}: is a directory\n")
    code, _, err = run_main(["gpu-copy", "--repeat", "2", "-"])
    assert code == 2 and "--repeat needs a file: standard input can be read only once" in err


def test_help_lists_every_option_with_examples():
    code, out, _ = run_main(["gpu-copy", "--help"])
    assert code == 0 and "Examples:" in out
    for option in (
        "--device",
        "--pinned / --pageable",
        "--chunk-size",
        "--streams",
        "--repeat",
        "--roundtrip",
        "--verify",
        "-C, --compression",
        "--json",
    ):
        assert option in out
    code, out, _ = run_main(["--help"])
    assert code == 0 and "gpu-copy" in out


# -- the input -------------------------------------------------------------------------------------
def test_plain_files_are_memory_mapped(data_file):
    import arrowio

    for choice in ("auto", "none", "NONE"):
        opener, size, name = _open_input(str(data_file), choice)
        assert (size, name) == (data_file.stat().st_size, "none")
        with opener() as stream:
            assert isinstance(stream, arrowio.MemoryMappedFile)
            assert stream.read() == data_file.read_bytes()
        with opener() as stream:  # a fresh stream for every pass
            assert stream.read(3) == data_file.read_bytes()[:3]


def test_compressed_bytes_as_they_are_with_none(tmp_path):
    import arrowio

    path = tmp_path / "data.gz"
    path.write_bytes(gzip.compress(b"hello"))
    opener, size, name = _open_input(str(path), "none")
    assert (size, name) == (path.stat().st_size, "none")
    with opener() as stream:
        assert isinstance(stream, arrowio.MemoryMappedFile) and stream.read() == path.read_bytes()


def test_standard_input_is_read_once(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"from a pipe")))
    opener, size, name = _open_input("-", "auto")
    assert (size, name) == (None, "none")
    with opener() as stream:
        assert stream.read() == b"from a pipe"


# -- the report ------------------------------------------------------------------------------------
def _device(free: int) -> cuda.DeviceInfo:
    return cuda.DeviceInfo(
        device_number=0,
        name="NVIDIA H100 80GB HBM3",
        pci_bus_id="0000:3B:00.0",
        driver_version="580.159.04",
        cuda_driver_version="13.0",
        cuda_runtime_version="12.9",
        memory_total=80 << 30,
        memory_free=free,
        memory_used=(80 << 30) - free,
        source="nvml",
    )


OPTIONS = {"pinned": True, "chunk_size": 64 << 20, "streams": 2, "repeat": 2, "roundtrip": True, "verify": True}


def _report(roundtrip_checksum: str = "xxh3_64:0123456789abcdef") -> dict:
    runs = (
        cuda.TransferRun(0.5, 0.04, 0.6, 0.05, "xxh3_64:0123456789abcdef", roundtrip_checksum),
        cuda.TransferRun(0.5, 0.04, 0.6, 0.05, "xxh3_64:0123456789abcdef", roundtrip_checksum),
    )
    stats = cuda.TransferStats(
        nbytes=1 << 30, chunk_size=64 << 20, streams=2, pinned=True, device_bytes=1 << 30, runs=runs
    )
    return build_report(
        "big.bin", "none", _device(70 << 30), _device(69 << 30), stats, peak_device_memory=1 << 30, options=OPTIONS
    )


def test_report_schema_has_the_documented_keys_in_order():
    report = _report()
    assert tuple(report) == REPORT_KEYS
    assert tuple(report["device"]) == DEVICE_KEYS
    assert tuple(report["options"]) == OPTION_KEYS
    assert [tuple(run) for run in report["runs"]] == [RUN_KEYS, RUN_KEYS]
    assert tuple(report["checksum"]) == ("algorithm", "input", "roundtrip")
    assert json.loads(json.dumps(report)) == report  # plain JSON types only


def test_report_values():
    report = _report()
    assert report["bytes"] == 1 << 30
    assert report["h2d_mib_s"] == pytest.approx(2 * 1024 / 0.08)  # MiB/s, the unit of every report
    assert report["d2h_mib_s"] == pytest.approx(2 * 1024 / 0.10)
    assert report["end_to_end_mib_s"] == pytest.approx(2 * 1024 / 1.0)
    assert (report["upload_seconds"], report["download_seconds"]) == (1.0, 1.2)
    assert report["device"]["memory_free_before"] - report["device"]["memory_free_after"] == 1 << 30
    assert report["checksum"] == {"algorithm": "xxh3_64", "input": "0123456789abcdef", "roundtrip": "0123456789abcdef"}
    assert report["verified"] is True
    assert _report("xxh3_64:fedcba9876543210")["verified"] is False


def test_report_of_an_upload_only():
    runs = (cuda.TransferRun(0.5, 0.04),)
    stats = cuda.TransferStats(nbytes=10, chunk_size=10, streams=1, pinned=False, device_bytes=10, runs=runs)
    options = {**OPTIONS, "roundtrip": False, "verify": False, "repeat": 1}
    report = build_report("-", "gzip", _device(1), _device(1), stats, peak_device_memory=10, options=options)
    assert tuple(report) == REPORT_KEYS
    assert (report["d2h_mib_s"], report["download_seconds"], report["checksum"], report["verified"]) == (
        None,
        None,
        None,
        None,
    )


def test_table_shows_the_report(capsys):
    with click.Context(gpu_copy) as ctx:
        ctx.color = False
        _render(_report())
    out = capsys.readouterr().out
    for text in (
        "NVIDIA H100 80GB HBM3",
        "580.159.04",
        "host to device",
        "25.0 GiB/s",
        "device to host",
        "20.0 GiB/s",
        "end to end",
        "2.0 GiB/s",
        "peak device memory",
        "1.0 GiB (1073741824 B)",
        "verified",
        "yes",
        "0123456789abcdef",
    ):
        assert text in out, text
    assert "\x1b[" not in out  # --no-color
