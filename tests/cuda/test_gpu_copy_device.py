"""``arrowio gpu-copy`` on a real device (marked ``gpu``: skipped, with the reason, without one)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from arrowio_cli.gpu_copy import DEVICE_KEYS, REPORT_KEYS
from arrowio_cli.main import cli

pytestmark = pytest.mark.gpu


def gpu_copy(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["gpu-copy", "--json", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_roundtrip_verify_of_a_plain_file(tmp_path):
    path = tmp_path / "data.bin"
    data = os.urandom(3 << 20)
    path.write_bytes(data)
    report = gpu_copy("--roundtrip", "--verify", "--chunk-size", "1M", "--streams", "2", "--repeat", "2", str(path))
    assert tuple(report) == REPORT_KEYS and tuple(report["device"]) == DEVICE_KEYS
    assert (report["input"], report["compression"], report["bytes"]) == (str(path), "none", len(data))
    assert report["verified"] is True and report["checksum"]["input"] == report["checksum"]["roundtrip"]
    assert report["h2d_mib_s"] > 0 and report["d2h_mib_s"] > 0 and report["end_to_end_mib_s"] > 0
    assert report["peak_device_memory"] >= len(data)
    assert len(report["runs"]) == 2
    assert report["device"]["memory_total"] >= report["device"]["memory_free_before"] > 0


def test_compressed_input_is_decoded_on_the_way(tmp_path):
    data = b"arrowio " * 100_000
    path = tmp_path / "data.txt.gz"
    path.write_bytes(gzip.compress(data))
    report = gpu_copy("--roundtrip", "--verify", "--chunk-size", "256K", str(path))
    assert (report["compression"], report["bytes"], report["verified"]) == ("auto", len(data), True)
    named = gpu_copy("-C", "gzip", str(path))
    assert (named["compression"], named["bytes"]) == ("gzip", len(data))
    raw = gpu_copy("-C", "none", str(path))
    assert (raw["compression"], raw["bytes"]) == ("none", path.stat().st_size)


def test_standard_input_and_pageable_staging():
    data = os.urandom(100_000)
    result = CliRunner().invoke(cli, ["gpu-copy", "--json", "--pageable", "--roundtrip", "--verify", "-"], input=data)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["input"], report["bytes"], report["verified"], report["options"]["pinned"]) == (
        "-",
        100_000,
        True,
        False,
    )


def test_table_report(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 1000)
    result = CliRunner().invoke(cli, ["--no-color", "gpu-copy", "--roundtrip", "--verify", str(path)])
    assert result.exit_code == 0, result.output
    for text in ("host to device", "device to host", "end to end", "peak device memory", "verified", "yes"):
        assert text in result.stdout


@pytest.mark.slow
def test_one_gib_roundtrip_verify_for_real(tmp_path):
    path = tmp_path / "one_gib.bin"
    block = os.urandom(64 << 20)
    with open(path, "wb") as out:
        for _ in range(16):
            out.write(block)
    result = subprocess.run(
        [sys.executable, "-m", "arrowio_cli", "gpu-copy", "--verify", "--roundtrip", "--json", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["bytes"], report["verified"]) == (1 << 30, True)
