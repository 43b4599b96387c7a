"""arrowio mmap-read: zero-copy reads of a mapped file, checksums, advice, verify, and clear errors."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zlib

import pytest

from arrowio.checksums import CHECKSUMS
from arrowio.madvise import ADVICE
from arrowio_cli import mmap_read

DATA = bytes(range(256)) * 1000 + b"tail"


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    return path


def report(run, *args):
    result = run(["mmap-read", "--json", *map(str, args)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def test_the_cli_choices_are_the_library_names():
    assert mmap_read._CHECKSUMS == CHECKSUMS and mmap_read._ADVICE == tuple(ADVICE)


def test_reads_the_whole_file_zero_copy(run, data_file):
    got = report(run, data_file)
    assert list(got) == [
        "schema", "path", "offset", "length", "chunk_size", "chunks", "seconds", "bytes_per_second", "checksum",
        "checksum_value", "checksum_backend", "advise", "pool_bytes_allocated", "pool_allocations",
        "minor_faults", "major_faults", "verified",
    ]  # fmt: skip
    assert got["schema"] == "arrowio.mmap-read/1" and got["length"] == len(DATA) and got["chunks"] == 1
    assert got["checksum"] == "crc32" and got["checksum_value"] == f"{zlib.crc32(DATA):08x}"
    assert got["pool_bytes_allocated"] == 0 and got["pool_allocations"] == 0  # zero-copy
    assert got["minor_faults"] + got["major_faults"] > 0 and got["verified"] is None


@pytest.mark.parametrize("name", CHECKSUMS)
def test_chunks_range_and_checksums(run, data_file, name):
    got = report(run, "--offset", "1000", "--length", "100K", "--chunk-size", "4K", "--checksum", name, data_file)
    piece = DATA[1000 : 1000 + 102400]
    assert got["length"] == len(piece) and got["chunks"] == 25 and got["chunk_size"] == 4096
    expected = {"none": None, "crc32": f"{zlib.crc32(piece):08x}", "sha256": hashlib.sha256(piece).hexdigest()}
    if name == "xxh64":
        import xxhash

        expected["xxh64"] = xxhash.xxh64(piece).hexdigest()
    assert got["checksum_value"] == expected[name]
    assert got["pool_bytes_allocated"] == 0


@pytest.mark.parametrize("advice", ADVICE)
def test_advice_and_verify(run, data_file, advice):
    got = report(run, "--advise", advice, "--verify", data_file)
    assert got["advise"] == advice and got["verified"] is True


def test_plain_report(run, data_file):
    result = run(["mmap-read", data_file])
    assert result.exit_code == 0 and result.stderr == ""
    for label in ("range", "chunks", "throughput", "crc32", "pool bytes allocated", "page faults"):
        assert label in result.stdout


def test_hexdump_of_the_range_with_the_report_on_stderr(run, data_file):
    result = run(["mmap-read", "-x", "--offset", "16", "--length", "20", data_file])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  |................|",
        '00000020  20 21 22 23                                       | !"#|',
        "00000024",
    ]
    assert "pool bytes allocated" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--offset", str(len(DATA))], f"offset {len(DATA)} is past the end of the file ({len(DATA)} bytes)"),
        (
            ["--offset", "10", "--length", str(len(DATA))],
            f"range 10..{len(DATA) + 10} is past the end of the file ({len(DATA)} bytes)",
        ),
    ],
)
def test_ranges_past_the_end(run, data_file, args, message):
    result = run(["mmap-read", *args, data_file])
    assert result.exit_code == 1 and result.stdout_bytes == b""
    assert result.stderr == f"arrowio: error: {data_file}: {message}\n"


def test_empty_file_directory_and_missing_file(run, tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    cases = {
        tmp_path / "empty": f"arrowio: error: {tmp_path / 'empty'}: empty file: nothing to map\n",
        tmp_path: f"arrowio: error: {tmp_path}: Expected file path, but it is a directory\n",
        tmp_path / "missing": f"arrowio: error: {tmp_path / 'missing'}: No such file or directory\n",
    }
    for path, message in cases.items():
        result = run(["mmap-read", path])
        assert (result.exit_code, result.stdout_bytes, result.stderr) == (1, b"", message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--checksum", "md5"], "'md5' is not one of"),
        (["--advise", "never"], "'never' is not one of"),
        (["--chunk-size", "0"], "--chunk-size"),
        (["--offset", "x"], "invalid size 'x'"),
        (["-x", "--json"], "--hexdump and --json both want stdout"),
    ],
)
def test_usage_errors(run, data_file, args, message):
    result = run(["mmap-read", *args, data_file])
    assert result.exit_code == 2 and message in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "character device"])
def test_a_fifo_or_a_device_is_refused_without_opening_it(sh, tmp_path, kind):
    # A FIFO with no writer: an open for reading would wait forever (hence a process with a timeout).
    path = tmp_path / "pipe" if kind == "fifo" else "/dev/zero"
    if kind == "fifo":
        os.mkfifo(path)
    result = sh("mmap-read", path, timeout=30)
    assert result.returncode == 1 and result.stdout == b""
    what = "a FIFO" if kind == "fifo" else "a character device"
    assert (
        result.stderr.decode()
        == f"arrowio: error: {path}: {what}: only regular files and block devices can be memory-mapped\n"
    )


SHRINKS = """
import os, sys
import arrowio.checksums
from arrowio_cli.main import main

path = sys.argv[1]
real = arrowio.checksums.checksum


class Shrinking:
    # After the first chunk the file is truncated, as another process could do meanwhile.
    def __init__(self, name):
        self.inner, self.calls = real(name), 0
        self.backend = self.inner.backend

    def update(self, data):
        self.inner.update(data)
        self.calls += 1
        if self.calls == 1:
            os.truncate(path, 4096)

    def hexdigest(self):
        return self.inner.hexdigest()


arrowio.checksums.checksum = Shrinking
main(["mmap-read", "--chunk-size", "64K", path])
"""


def test_a_file_that_shrinks_while_it_is_read_stops_with_an_error(tmp_path):
    # In a process of its own: before the check, reading the vanished pages was a SIGBUS.
    path = tmp_path / "shrinks.bin"
    path.write_bytes(b"x" * (1 << 20))
    result = subprocess.run([sys.executable, "-c", SHRINKS, str(path)], capture_output=True, timeout=60)
    assert result.returncode == 1, result
    assert result.stderr.decode() == (
        f"arrowio: error: {path}: the file shrank from 1048576 to 4096 bytes while it was read; stopped\n"
    )
