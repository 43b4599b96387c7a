"""Memory maps: zero-copy reads that outlive the map, writes in place, resize, errors, 64-bit offsets."""

from __future__ import annotations

import gc
import os
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from io_helpers import BEYOND_4GIB

import arrowio as pa


def test_read_buffer_is_zero_copy(data_file) -> None:
    path, data = data_file
    with pa.memory_map(path) as m:
        assert (m.mode, m.readable(), m.writable(), m.seekable()) == ("rb", True, False, True)
        whole = m.read_buffer()
        assert whole.to_pybytes() == data and not whole.is_mutable
        m.seek(1000)
        part = m.read_buffer(50)
        assert part.address == whole.address + 1000  # the same mapped memory, not a copy
        assert m.read_at(4, 10) == data[10:14]
        assert m.get_stream(20, 5).read_buffer().address == whole.address + 20


def test_buffers_outlive_the_map(data_file) -> None:
    path, data = data_file
    m = pa.memory_map(path)
    m.seek(5)
    buffer = m.read_buffer(1000)
    view = memoryview(m.read_buffer())
    m.close()
    del m
    os.unlink(path)  # the mapping does not even need the file's name any more
    gc.collect()
    assert buffer.to_pybytes() == data[5:1005]
    assert view[-10:].tobytes() == data[-10:]


def test_writes_land_in_the_file_and_a_second_map_sees_them(data_file) -> None:
    path, data = data_file
    writer = pa.memory_map(path, "r+")
    reader = pa.memory_map(path)
    assert (writer.mode, writer.readable(), writer.writable()) == ("rb+", True, True)
    writer.seek(100)
    assert writer.write(b"hello") == 5
    assert writer.tell() == 105
    assert reader.read_at(5, 100) == b"hello"  # before any flush or close
    with open(path, "rb") as f:
        f.seek(100)
        assert f.read(5) == b"hello"
    writer.close()
    reader.close()


def test_write_mode(data_file) -> None:
    path, data = data_file
    with pa.memory_map(path, "w") as m:
        assert (m.mode, m.readable(), m.writable(), m.seekable()) == ("wb", False, True, True)
        m.seek(m.size() - 3)
        m.write(b"end")
        with pytest.raises(OSError, match="only valid on readable files"):
            m.read(1)
    assert path.read_bytes() == data[:-3] + b"end"


def test_writes_and_seeks_past_the_end_are_refused(data_file) -> None:
    path, data = data_file
    with pa.memory_map(path, "r+") as m:
        m.seek(len(data) - 2)
        with pytest.raises(OSError, match="Write out of bounds"):
            m.write(b"xyz")
        assert m.tell() == len(data) - 2
        with pytest.raises(OSError, match="Seek out of bounds"):
            m.seek(len(data) + 1)
        assert m.seek(len(data)) == len(data)
    with pa.memory_map(path) as m:
        with pytest.raises(OSError, match="only valid on writable files"):
            m.write(b"x")
        with pytest.raises(OSError, match="Read out of bounds"):
            m.read_at(1, len(data) + 1)


def test_resize(tmp_path) -> None:
    path = tmp_path / "m"
    m = pa.create_memory_map(path, 10)
    assert (m.mode, m.size()) == ("rb+", 10)
    assert m.read() == bytes(10)
    m.seek(2)
    m.write(b"ab")
    kept = m.read_buffer(3)
    m.resize(20)  # growing keeps earlier buffers valid
    assert m.size() == 20 and os.path.getsize(path) == 20
    assert kept.to_pybytes() == bytes(3) and m.tell() == 7
    m.seek(18)
    m.write(b"zz")
    with pytest.raises(OSError, match="Cannot shrink"):
        m.resize(5)  # `kept` still points into the old mapping's tail
    assert m.size() == 20
    del kept
    m.seek(8)
    m.resize(5)
    assert m.size() == 5 and m.tell() == 5  # the position is clamped to the new end
    m.resize(0)
    assert m.size() == 0 and m.read() == b""
    m.close()
    assert path.read_bytes() == b""
    with pytest.raises(ValueError, match="closed"):
        m.resize(3)
    with pa.memory_map(tmp_path / "m") as ro:
        with pytest.raises(OSError, match="writable"):
            ro.resize(3)


def test_resize_keeps_data(tmp_path) -> None:
    path = tmp_path / "m"
    with pa.create_memory_map(path, 4) as m:
        m.write(b"abcd")
        m.resize(8)
        assert m.read_at(8, 0) == b"abcd\0\0\0\0"
        m.truncate(2)
        assert m.size() == 2
    assert path.read_bytes() == b"ab"


def test_empty_file_maps(tmp_path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    for mode in ("r", "r+"):
        with pa.memory_map(path, mode) as m:
            assert m.size() == 0
            assert m.read() == b""
            assert m.read_buffer().size == 0
            with pytest.raises(OSError, match="Seek out of bounds"):
                m.seek(1)
    with pa.memory_map(path, "r+") as m:
        with pytest.raises(OSError, match="Write out of bounds"):
            m.write(b"a")
        m.resize(3)
        m.write(b"abc")
    assert path.read_bytes() == b"abc"


def test_open_errors(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        pa.memory_map(tmp_path / "missing")
    for mode in ("r", "r+", "w"):
        with pytest.raises(IsADirectoryError):
            pa.memory_map(tmp_path, mode)
    (tmp_path / "f").write_bytes(b"x")
    for mode in ("a", "rw", "x", ""):
        with pytest.raises(ValueError, match="Invalid file mode"):
            pa.memory_map(tmp_path / "f", mode)
    with pytest.raises(ValueError):
        pa.create_memory_map(tmp_path / "neg", -1)
    os.chmod(tmp_path / "f", 0o444)
    if os.geteuid() != 0:  # root may write anything
        with pytest.raises(PermissionError):
            pa.memory_map(tmp_path / "f", "r+")


def test_create_memory_map_truncates(tmp_path) -> None:
    path = tmp_path / "m"
    path.write_bytes(b"old contents")
    with pa.MemoryMappedFile.create(path, 4) as m:
        assert m.read() == bytes(4)
        assert m.fileno() >= 0
    assert path.read_bytes() == bytes(4)


def test_beyond_4gib_on_a_sparse_file(sparse_file) -> None:
    with pa.memory_map(sparse_file) as m:
        assert m.size() == 5 << 30
        assert m.seek(BEYOND_4GIB) == BEYOND_4GIB
        assert m.read(6) == b"MARKER"
        assert m.tell() == BEYOND_4GIB + 6
        buffer = m.read_buffer(10)
        assert m.read_at(8, BEYOND_4GIB - 1) == b"\0MARKER\0"
        assert m.seek(-1, 2) == (5 << 30) - 1
        with pytest.raises(OSError, match="Seek out of bounds"):
            m.seek(5 << 30 + 1)
    assert buffer.to_pybytes() == bytes(10)
    with pa.memory_map(sparse_file, "r+") as m:
        m.seek(BEYOND_4GIB)
        m.write(b"marker")
    with pa.OSFile(sparse_file) as f:
        assert f.read_at(6, BEYOND_4GIB) == b"marker"


def test_thread_parallel_read_at(data_file) -> None:
    path, data = data_file
    with pa.memory_map(path) as m:

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(300):
                offset = rng.randrange(len(data))
                n = rng.randrange(1, 5000)
                assert m.read_at(n, offset) == data[offset : offset + n]

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(worker, range(8)))


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="Not a regular file, cannot be memory-mapped"):
        pa.memory_map(str(fifo))  # no writer: a blocking open would hang here
