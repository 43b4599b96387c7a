"""Out of memory while compressing is one line naming what ran out, not an internal error.

``compress --ultra -22`` of stdin (size unknown: libzstd takes the level's whole window) under
a 512 MiB address-space limit failed with "internal error: ZstdError: zstd compress error:
Allocation error" (zstandard's error was not translated); a bare MemoryError of a backend
(frame workers) showed as "c30: MemoryError".
"""

from __future__ import annotations

import os
import resource
import subprocess

from cli_helpers import arrowio_command, need

from arrowio_cli.errors import describe

LIMIT = 512 << 20  # enough for Python and arrowio, not for libzstd's level-22 window and tables


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def test_ultra_22_of_stdin_under_a_memory_limit_is_one_line(tmp_path):
    target = tmp_path / "out.zst"
    result = subprocess.run(
        arrowio_command("compress", "--ultra", "-22", "-o", target, "-"),
        input=b"some data\n" * 1000,
        capture_output=True,
        preexec_fn=_limited,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (
        1,
        b"arrowio: error: <stdin>: zstd encoder: out of memory: its tables and window for level 22\n",
    )
    assert os.listdir(tmp_path) == []  # no output, no temporary file


def test_the_same_level_with_memory_enough_works(tmp_path):
    # The limit is what fails the run above: -3 needs a few MiB and passes under it.
    need("zstd")
    result = subprocess.run(
        arrowio_command("compress", "-3", "-c", "-"),
        input=b"some data\n" * 1000,
        capture_output=True,
        preexec_fn=_limited,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (0, b"")
    assert subprocess.run(["zstd", "-dc"], input=result.stdout, capture_output=True).stdout == b"some data\n" * 1000


def test_a_bare_memory_error_reads_as_out_of_memory():
    assert describe(MemoryError()) == "out of memory"
    assert describe(MemoryError("pool: 64 bytes")) == "pool: 64 bytes"  # a message of its own stays
