"""The CLI's stdout writer over a raw file that writes short or fails, and the one documented
exception to "no temporary file is left": SIGKILL, which no process can catch."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time

import pytest
from fault_helpers import FaultyRaw, arrowio_command, temporaries

from arrowio_cli.sink import OutputFailed, Stdout

DATA = os.urandom(256 << 10)


def test_stdout_continues_short_writes() -> None:
    raw = FaultyRaw(short=777)
    Stdout(raw).write(DATA)
    assert bytes(raw.data) == DATA


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO, errno.EFBIG])
def test_stdout_fails_with_the_error(code) -> None:
    raw = FaultyRaw(short=5000, fail_at=100_000, error=code)
    with pytest.raises(OutputFailed, match=f"cannot write to stdout: {os.strerror(code)}"):
        Stdout(raw).write(DATA)
    assert bytes(raw.data) == DATA[:100_000]


def test_stdout_fails_a_write_that_takes_nothing() -> None:
    raw = FaultyRaw(fail_at=10, error=errno.ENOSPC)
    raw.write = lambda b: 0  # type: ignore[method-assign]  # took nothing, said nothing
    with pytest.raises(OutputFailed, match="the output took no bytes"):
        Stdout(raw).write(DATA)


def test_sigkill_leaves_only_a_hidden_temporary(tmp_path) -> None:
    target = tmp_path / "out.zst"
    target.write_bytes(b"the good copy")
    child = subprocess.Popen(
        arrowio_command("compress", "-f", "-o", target), stdin=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdin is not None
    try:
        child.stdin.write(os.urandom(1 << 20))  # stdin stays open: the command is mid-write
        child.stdin.flush()
        deadline = time.monotonic() + 60
        while not temporaries(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.stdin.close()
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"the good copy"  # never replaced by a partial output
    left = temporaries(tmp_path)
    assert len(left) == 1 and left[0].startswith(".out.zst.")  # documented: the user removes it
