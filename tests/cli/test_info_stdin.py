"""``arrowio info -`` of a regular file read partly before (``(read header; arrowio info -) < f``):
info opened ``/dev/fd/0`` again, which starts at the file's start, and described the whole file
where ``cat -`` reads from stdin's position. It now describes what stdin holds from there."""

from __future__ import annotations

import gzip
import json
import os
import subprocess

from cli_helpers import arrowio_command

PAYLOAD = b"payload\n" * 1000
HEADER = b"HEADER\n"


def _info_of_stdin(path, at: int) -> dict:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.lseek(fd, at, os.SEEK_SET)
        result = subprocess.run(arrowio_command("info", "--json", "-"), stdin=fd, capture_output=True, timeout=60)
        assert os.lseek(fd, 0, os.SEEK_CUR) >= at  # never moved back
    finally:
        os.close(fd)
    assert (result.returncode, result.stderr) == (0, b"")
    (entry,) = json.loads(result.stdout)["files"]
    return entry


def test_stdin_read_past_a_header_is_described_from_there(tmp_path):
    path = tmp_path / "two.bin"
    member = gzip.compress(PAYLOAD)
    path.write_bytes(HEADER + member)
    entry = _info_of_stdin(path, len(HEADER))
    assert (entry["format"], entry["compressed_size"], entry["decoded_size"]) == ("gzip", len(member), len(PAYLOAD))


def test_stdin_at_its_start_is_the_whole_file(tmp_path):
    path = tmp_path / "two.bin"
    path.write_bytes(HEADER + gzip.compress(PAYLOAD))
    entry = _info_of_stdin(path, 0)
    assert (entry["format"], entry["compressed_size"]) == (None, path.stat().st_size)
