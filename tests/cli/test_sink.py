"""Kernel copies to stdout: sendfile from files by position, and the fallback."""

from __future__ import annotations

import io
import os
import threading

from arrowio_cli.sink import Stdout

DATA = bytes(range(256)) * 4096  # 1 MiB


def test_send_file_by_position_into_a_file(tmp_path):
    source = tmp_path / "in"
    source.write_bytes(DATA)
    with open(source, "rb") as src, open(tmp_path / "out", "wb") as dst:
        out = Stdout(dst)
        out.write(b"head:")  # buffered writes go first
        assert out.send_file(src.fileno(), 1000, 5000) == 5000
        assert src.tell() == 0  # the file's own position is untouched
        assert out.send_file(src.fileno(), len(DATA) - 10) == 10  # to the end
        assert out.send_file(src.fileno(), len(DATA) + 10) == 0  # past the end: nothing
    assert (tmp_path / "out").read_bytes() == b"head:" + DATA[1000:6000] + DATA[-10:]


def test_send_file_into_a_pipe(tmp_path):
    source = tmp_path / "in"
    source.write_bytes(DATA)
    read_end, write_end = os.pipe()
    received = bytearray()
    reader = threading.Thread(target=lambda: received.extend(_drain(read_end)))
    reader.start()
    with open(source, "rb") as src, open(write_end, "wb") as dst:
        assert Stdout(dst).send_file(src.fileno(), 0) == len(DATA)
    reader.join()
    assert bytes(received) == DATA


def test_no_descriptor_means_no_kernel_copy(tmp_path):
    source = tmp_path / "in"
    source.write_bytes(DATA)
    out = Stdout(io.BytesIO())
    with open(source, "rb") as src:
        assert out.send_file(src.fileno(), 0) == 0


def test_kernel_refusal_reports_zero_so_the_caller_copies(tmp_path):
    source = tmp_path / "in"
    source.write_bytes(DATA)
    with open(source, "rb") as src, open(tmp_path / "out", "ab") as dst:  # O_APPEND: sendfile says EINVAL
        assert Stdout(dst).send_file(src.fileno(), 0) == 0


def _drain(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def test_a_pipe_on_stdout_is_widened():
    import fcntl

    read_end, write_end = os.pipe()
    try:
        with open(write_end, "wb", closefd=False) as dst:
            Stdout(dst)
        with open("/proc/sys/fs/pipe-max-size") as limit:
            assert fcntl.fcntl(write_end, fcntl.F_GETPIPE_SZ) >= min(1 << 20, int(limit.read()))
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_non_blocking_pipe_gets_every_byte(tmp_path):
    # O_NONBLOCK on the pipe: writes come back short or with EAGAIN once it is full.
    import fcntl

    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETFL, fcntl.fcntl(write_end, fcntl.F_GETFL) | os.O_NONBLOCK)
    received = bytearray()
    started = threading.Event()

    def slow_reader() -> None:
        started.wait()
        received.extend(_drain(read_end))

    reader = threading.Thread(target=slow_reader)
    reader.start()
    for buffering in (0, -1):  # a raw FileIO (short counts, None) and a BufferedWriter (BlockingIOError)
        with open(write_end, "wb", buffering=buffering, closefd=False) as dst:
            out = Stdout(dst)
            for _ in range(3):
                out.write(DATA)  # 3 MiB, more than the widened pipe holds
                started.set()
            out.flush()
    os.close(write_end)
    reader.join()
    assert bytes(received) == DATA * 6


class _Trickle(io.RawIOBase):
    """A raw output that takes at most ``most`` bytes per write, as a slow descriptor may."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.got = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # noqa: ANN001 - any bytes-like, as io passes it
        taken = bytes(memoryview(data).cast("B")[: self.most])
        self.got += taken
        return len(taken)


def test_short_writes_are_continued_in_bytes_whatever_the_item_size():
    """A write taken whole returns at once; a short one goes on from the byte it stopped at, also
    for a view whose items are wider than a byte (its length counts items, not bytes)."""
    import array

    wide = array.array("i", range(4))  # 16 bytes, 4 items: a 4-byte short write must not look whole
    for data, most in [(wide, 4), (memoryview(wide), 3), (b"abcdefgh", 100), (b"abcdefgh", 3), (b"", 1)]:
        sink = _Trickle(most)
        Stdout(sink).write(data)
        assert bytes(sink.got) == bytes(memoryview(data).cast("B")), (data, most)
