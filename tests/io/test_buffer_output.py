"""BufferOutputStream, MockOutputStream and FixedSizeBufferWriter."""

from __future__ import annotations

import array
import threading

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import arrowio as pa


def test_buffer_output_stream() -> None:
    out = pa.BufferOutputStream()
    assert (out.mode, out.readable(), out.writable(), out.seekable()) == ("wb", False, True, False)
    assert out.write(b"abc") == 3
    assert out.write(bytearray(b"de")) == 2
    assert out.write(memoryview(b"fghi")[1:3]) == 2
    assert out.write(array.array("h", [1])) == 2
    assert out.write(pa.py_buffer(b"Z")) == 1
    out.writelines([b"1", b"2"])
    assert out.tell() == 12
    with pytest.raises(TypeError):
        out.write("text")
    with pytest.raises(OSError, match="only valid on readable files"):
        out.read()
    with pytest.raises(OSError, match="seekable"):
        out.seek(0)
    value = out.getvalue()
    assert isinstance(value, pa.Buffer) and value.is_mutable
    assert value.to_pybytes() == b"abcdegh" + array.array("h", [1]).tobytes() + b"Z12"
    assert out.closed
    assert out.getvalue() is value
    with pytest.raises(ValueError, match="closed"):
        out.write(b"x")


def test_close_then_getvalue_and_empty() -> None:
    out = pa.BufferOutputStream()
    out.write(b"xyz")
    out.close()
    assert out.getvalue().to_pybytes() == b"xyz"
    assert pa.BufferOutputStream().getvalue().size == 0


def test_growth_is_geometric_and_pool_allocated() -> None:
    pool = pa.proxy_memory_pool(pa.default_memory_pool())
    out = pa.BufferOutputStream(memory_pool=pool)
    piece = bytes(range(256)) * 4
    for _ in range(10_000):
        out.write(piece)
    assert pool.num_allocations() <= 30  # about log2(10 MB / 4 KiB), not one per write
    value = out.getvalue()
    assert value.size == 10_000 * 1024 and value.to_pybytes() == piece * 10_000
    assert pool.bytes_allocated() == (value.size + 63) // 64 * 64  # shrunk to fit at the end
    del value, out  # the stream keeps the value for a second getvalue()
    assert pool.bytes_allocated() == 0


@given(st.lists(st.binary(max_size=3000), max_size=30))
def test_buffer_output_stream_joins_writes(pieces) -> None:
    out = pa.BufferOutputStream()
    for piece in pieces:
        out.write(piece)
    assert out.getvalue().to_pybytes() == b"".join(pieces)


def test_mock_output_stream() -> None:
    mock = pa.MockOutputStream()
    assert mock.write(b"abc") == 3
    assert mock.write(memoryview(bytearray(10))) == 10
    assert mock.size() == mock.tell() == 13
    assert mock.mode == "wb" and not mock.readable()
    with pytest.raises(TypeError):
        mock.write("text")
    mock.close()
    with pytest.raises(ValueError):
        mock.write(b"x")


def test_fixed_size_buffer_writer() -> None:
    target = pa.allocate_buffer(10)
    writer = pa.FixedSizeBufferWriter(target)
    assert (writer.mode, writer.readable(), writer.writable(), writer.seekable()) == ("wb", False, True, True)
    assert writer.write(b"abc") == 3
    assert writer.seek(7) == 7
    with pytest.raises(OSError, match="Write out of bounds"):
        writer.write(b"wxyz")
    assert writer.write(b"xyz") == 3
    with pytest.raises(OSError, match="Seek out of bounds"):
        writer.seek(11)
    assert writer.seek(-7, 2) == 3
    writer.write(b"0123")
    writer.close()
    assert target.to_pybytes() == b"abc0123xyz"
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"x")


def test_fixed_size_buffer_writer_sources() -> None:
    target = bytearray(4)
    pa.FixedSizeBufferWriter(target).write(b"ab")
    assert target == b"ab\0\0"
    with pytest.raises(TypeError):
        pa.FixedSizeBufferWriter(pa.py_buffer(b"immutable"))
    with pytest.raises(TypeError):
        pa.FixedSizeBufferWriter(b"immutable")
    with pytest.raises(TypeError):
        pa.FixedSizeBufferWriter("text")


def test_memcopy_settings_are_checked() -> None:
    writer = pa.FixedSizeBufferWriter(pa.allocate_buffer(8))
    for setter, bad in (
        (writer.set_memcopy_threads, 0),
        (writer.set_memcopy_blocksize, 0),
        (writer.set_memcopy_threshold, -1),
    ):
        with pytest.raises(ValueError):
            setter(bad)


def test_parallel_memcopy_uses_threads() -> None:
    size = 8 << 20
    source = np.random.default_rng(1).integers(0, 256, size, dtype=np.uint8)
    target = pa.allocate_buffer(size + 3)
    writer = pa.FixedSizeBufferWriter(target)
    writer.set_memcopy_threads(4)
    writer.set_memcopy_blocksize(64)
    writer.set_memcopy_threshold(1 << 20)
    writer.seek(3)  # an unaligned start: head and tail are copied apart from the blocks
    writer.write(source)
    workers = {t.name for t in threading.enumerate() if t.name.startswith("arrowio-memcopy")}
    # Pieces went to worker threads (at most 3: the calling thread copies one piece itself;
    # the executor starts fewer when an idle worker can take the next piece).
    assert 1 <= len(workers) <= 3
    assert memoryview(target)[3:].tobytes() == source.tobytes()
    writer.close()
    assert not any(t.name.startswith("arrowio-memcopy") and t.is_alive() for t in threading.enumerate())


@given(
    data=st.binary(min_size=0, max_size=5000),
    offset=st.integers(0, 100),
    threads=st.integers(1, 5),
    blocksize=st.integers(1, 300),
    threshold=st.integers(0, 2000),
)
def test_parallel_memcopy_is_exact(data, offset, threads, blocksize, threshold) -> None:
    target = pa.allocate_buffer(offset + len(data) + 7)
    memoryview(target)[:] = b"\xee" * target.size
    with pa.FixedSizeBufferWriter(target) as writer:
        writer.set_memcopy_threads(threads)
        writer.set_memcopy_blocksize(blocksize)
        writer.set_memcopy_threshold(threshold)
        writer.seek(offset)
        writer.write(data)
        assert writer.tell() == offset + len(data)
    assert target.to_pybytes() == b"\xee" * offset + data + b"\xee" * 7
