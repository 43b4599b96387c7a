"""BufferReader: any buffer-protocol source, zero-copy reads that keep the source alive."""

from __future__ import annotations

import array
import gc
import weakref

import numpy as np
import pytest

import arrowio as pa


@pytest.mark.parametrize(
    "source",
    [
        b"0123456789",
        bytearray(b"0123456789"),
        memoryview(b"0123456789"),
        pa.py_buffer(b"0123456789"),
        np.frombuffer(b"0123456789", dtype=np.uint8),
    ],
    ids=["bytes", "bytearray", "memoryview", "Buffer", "numpy"],
)
def test_sources(source) -> None:
    reader = pa.BufferReader(source)
    assert (reader.mode, reader.readable(), reader.writable(), reader.seekable()) == ("rb", True, False, True)
    assert reader.size() == 10
    assert reader.read(3) == b"012"
    assert reader.read_buffer(4).to_pybytes() == b"3456"
    assert reader.read() == b"789"


def test_non_byte_formats_are_read_as_their_bytes() -> None:
    ints = array.array("i", [1, 2, 3])
    assert pa.BufferReader(ints).read() == ints.tobytes()
    fortran = np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3))
    assert pa.BufferReader(fortran).read() == fortran.tobytes(order="F")


@pytest.mark.parametrize("source", ["text", 42, None, [1, 2]])
def test_non_buffers_raise_type_error(source) -> None:
    with pytest.raises(TypeError):
        pa.BufferReader(source)


def test_read_buffer_is_zero_copy_and_keeps_the_parent_alive() -> None:
    source = pa.allocate_buffer(1000)
    memoryview(source)[:] = bytes(range(250)) * 4
    address = source.address
    alive = weakref.ref(source)
    reader = pa.BufferReader(source)
    del source
    reader.seek(100)
    piece = reader.read_buffer(50)
    assert piece.address == address + 100
    assert reader.get_stream(10, 5).read_buffer().address == address + 10
    reader.close()
    del reader
    gc.collect()
    assert alive() is not None  # the slice holds its parent
    assert piece.to_pybytes() == (bytes(range(250)) * 4)[100:150]
    del piece
    gc.collect()
    assert alive() is None


def test_bounds() -> None:
    reader = pa.BufferReader(b"abc")
    with pytest.raises(OSError, match="Seek out of bounds"):
        reader.seek(4)
    with pytest.raises(ValueError):
        reader.seek(-1)
    assert reader.seek(3) == 3 and reader.read() == b""
    assert reader.read_at(5, 3) == b""
    with pytest.raises(OSError, match="Read out of bounds"):
        reader.read_at(1, 4)
    with pytest.raises(ValueError, match="Invalid read"):
        reader.read_at(-1, 0)
    with pytest.raises(ValueError, match="Invalid read"):
        reader.read_buffer(-1)
    with pytest.raises(OSError, match="only valid on writable files"):
        reader.write(b"x")


def test_matches_pyarrow() -> None:
    pyarrow = pytest.importorskip("pyarrow")
    data = bytes(range(256)) * 10
    ours, theirs = pa.BufferReader(data), pyarrow.BufferReader(data)
    for call in (
        lambda f: f.read(7),
        lambda f: f.read_buffer(100).to_pybytes(),
        lambda f: f.seek(-10, 2),
        lambda f: f.read1(3),
        lambda f: f.tell(),
        lambda f: f.read_at(20, 5),
        lambda f: f.get_stream(2000, 1000).read(),
        lambda f: f.seek(5),
        lambda f: f.readinto(bytearray(9)),
        lambda f: f.size(),
        lambda f: f.read(),
        lambda f: f.metadata(),
    ):
        assert call(ours) == call(theirs)
