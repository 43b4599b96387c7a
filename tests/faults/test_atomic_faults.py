"""The atomic output helper's own checks: whole writes, and the size check before publishing."""

from __future__ import annotations

import os
import threading

import pytest
from fault_helpers import temporaries

from arrowio_cli.atomic import atomic_output
from arrowio_cli.errors import OutputError


def test_a_file_holding_other_than_what_was_written_is_not_published(tmp_path) -> None:
    target = tmp_path / "out"
    with pytest.raises(OutputError, match="out: holds 6 bytes after 3 were written"):
        with atomic_output(str(target)) as out:
            out.write(b"abc")
            os.write(out.fileno(), b"xyz")  # behind the count's back, as a lost or stray write would be
    assert not target.exists() and temporaries(tmp_path) == []


def test_writes_through_a_pipe_are_whole(tmp_path) -> None:
    """A FIFO output is written into directly; a write larger than the pipe holds is continued
    until all of it went, not cut at the pipe's size."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    # A second writer held open until the end: the reader must not see EOF before the output
    # is opened, nor between its writes.
    holder = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    os.set_blocking(reader, True)
    data = os.urandom(1 << 20)  # 16 times a default pipe
    received = bytearray()

    def drain() -> None:
        while chunk := os.read(reader, 1 << 16):
            received.extend(chunk)

    thread = threading.Thread(target=drain)
    thread.start()
    try:
        with atomic_output(str(fifo)) as out:
            assert out.write(data) == len(data)
    finally:
        os.close(holder)
        thread.join(timeout=30)
        os.close(reader)
    assert bytes(received) == data and out.bytes_written == len(data)
