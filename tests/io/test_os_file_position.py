"""OSFile knows a small file's position after reading it whole, without asking the kernel: what
tell() says must stay what the kernel would say, through every kind of read and seek."""

from __future__ import annotations

import os
import threading

import pytest

import arrowio

DATA = bytes(range(256)) * 40  # 10 KiB: read whole by the first peek


@pytest.fixture
def path(tmp_path) -> str:
    p = tmp_path / "small.bin"
    p.write_bytes(DATA)
    return str(p)


def kernel_position(f: arrowio.OSFile) -> int:
    return os.lseek(f.fileno(), 0, os.SEEK_CUR)


def test_position_through_peeks_reads_and_seeks(path):
    with arrowio.OSFile(path) as f:
        assert f.tell() == 0 and f.peek(4) == DATA[:4] and f.tell() == 0
        assert kernel_position(f) == len(DATA)  # read whole, ahead of the caller
        assert f.read(10) == DATA[:10] and f.tell() == 10
        f.seek(100)
        assert f.tell() == 100 == kernel_position(f)
        assert f.read(5) == DATA[100:105] and f.tell() == 105 == kernel_position(f)
        assert f.read_at(5, 1000) == DATA[1000:1005] and f.tell() == 105
        assert f.read() == DATA[105:] and f.tell() == len(DATA) == kernel_position(f)
        assert f.read(1) == b"" and f.tell() == len(DATA)


def test_reads_before_the_first_peek_are_counted(path):
    with arrowio.OSFile(path) as f:
        assert f.read(7) == DATA[:7]
        assert f.peek(3) == DATA[7:10] and f.tell() == 7
        buffer = bytearray(20)
        assert f.readinto(buffer) == 20 and bytes(buffer) == DATA[7:27] and f.tell() == 27
        assert f.read_buffer(3).to_pybytes() == DATA[27:30] and f.tell() == 30


def test_a_descriptor_taken_over_keeps_its_position(path):
    fd = os.open(path, os.O_RDONLY)
    os.lseek(fd, 50, os.SEEK_SET)
    with arrowio.OSFile(fd) as f:
        assert f.tell() == 50 and f.peek(3) == DATA[50:53]
        assert f.read() == DATA[50:] and f.tell() == len(DATA)


def test_compressed_bytes_read_of_a_small_file(tmp_path):
    path = tmp_path / "small.gz"
    with arrowio.output_stream(str(path)) as out:
        out.write(DATA)
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert stream.read() == DATA
        assert stream.raw.tell() == os.path.getsize(path) == kernel_position(stream.raw)


def test_a_pipe_still_cannot_tell(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(b"abc",))
    writer.start()
    with arrowio.OSFile(str(fifo)) as f:
        with pytest.raises(OSError):
            f.tell()  # the kernel's answer for a pipe (ESPIPE), not a position assumed to be 0
        assert f.read() == b"abc"
    writer.join()
