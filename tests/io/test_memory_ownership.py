"""Files over Buffers hold counted views: no path reaches memory after its pool took it back."""

from __future__ import annotations

import gc

import pytest

import arrowio as pa


@pytest.fixture
def pool():
    return pa.proxy_memory_pool(pa.system_memory_pool())


@pytest.mark.parametrize("make", [pa.BufferReader, pa.FixedSizeBufferWriter, pa.input_stream, pa.output_stream])
def test_resizable_buffer_refuses_to_move_under_a_file(pool, make):
    buffer = pa.allocate_buffer(200_000, pool, resizable=True)
    stream = make(buffer)
    with pytest.raises(BufferError):
        buffer.resize(1 << 24)
    stream.close()
    buffer.resize(1 << 24)  # the file let go of its view


def test_reader_keeps_pool_memory_alive(pool):
    buffer = pa.allocate_buffer(4096, pool)
    memoryview(buffer)[:] = b"R" * 4096
    reader = pa.BufferReader(buffer)
    del buffer
    gc.collect()
    assert pool.bytes_allocated() == 4096
    assert reader.read(4) == b"RRRR"
    reader.close()
    gc.collect()
    assert pool.bytes_allocated() == 0


class _KeepingSink:
    """A duck-typed file that keeps what it is given, whole and sliced."""

    def __init__(self) -> None:
        self.kept: list[memoryview] = []

    def write(self, data):
        self.kept += [data, data[1:9]]
        return len(data)

    def readinto(self, view):
        count = min(3, len(view))
        view[:count] = b"abc"[:count]
        self.kept += [view, view[:count]]
        return count


def test_views_given_to_python_code_own_the_memory(pool):
    sink = _KeepingSink()
    buffer = pa.allocate_buffer(64, pool)
    memoryview(buffer)[:] = b"A" * 64
    pa.PythonFile(sink, mode="w").write(buffer)
    target = pa.allocate_buffer(8, pool)
    pa.PythonFile(sink, mode="r").readinto(target)
    del buffer, target
    gc.collect()
    assert pool.bytes_allocated() == 128  # the kept views hold both blocks
    junk = [pa.allocate_buffer(64, pool) for _ in range(8)]  # would reuse freed blocks
    for block in junk:
        memoryview(block)[:] = b"Z" * 64
    del block
    contents = [bytes(view[:3]) for view in sink.kept]
    assert contents[:2] == [b"AAA", b"AAA"] and set(contents[2:]) <= {b"abc", b"ab"}
    del junk
    sink.kept.clear()
    gc.collect()
    assert pool.bytes_allocated() == 0


def test_a_view_outliving_a_resizable_buffer_stops_it_moving(pool):
    buffer = pa.allocate_buffer(64, pool, resizable=True)
    kept = buffer._memview()[2:4]  # as a library routine handing a slice to a thread would
    with pytest.raises(BufferError):
        buffer.resize(1 << 20)
    del kept
    buffer.resize(1 << 20)
    assert buffer.size == 1 << 20


def test_foreign_and_mapped_views_hold_their_base(tmp_path):
    import ctypes

    raw = ctypes.create_string_buffer(b"foreign!")
    view = memoryview(pa.foreign_buffer(ctypes.addressof(raw), 8, base=raw))[2:6]
    del raw
    gc.collect()
    assert bytes(view) == b"reig"
    path = tmp_path / "mapped.bin"
    path.write_bytes(b"mapped bytes")
    with pa.memory_map(str(path)) as mapped:
        piece = memoryview(mapped.read_buffer())[7:]
    gc.collect()
    assert bytes(piece) == b"bytes"


def test_buffer_output_stream_takes_every_layout_and_outlives_a_temporary():
    import numpy as np

    fortran = np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3))
    stream = pa.BufferOutputStream()
    assert stream.write(fortran) == fortran.nbytes
    assert stream.write(b"tail") == 4
    assert stream.getvalue().to_pybytes() == fortran.tobytes(order="A") + b"tail"
    assert pa.BufferOutputStream().write(b"x") == 1  # the stream is a temporary here
    with pytest.raises(TypeError):
        pa.BufferOutputStream().write("text")
