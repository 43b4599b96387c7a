"""BufferedInputStream and BufferedOutputStream."""

from __future__ import annotations

import gc

import hypothesis.strategies as st
import pytest
from hypothesis import given

import arrowio as pa


class CountingReader(pa.NativeFile):
    """A stream that counts the raw reads made of it."""

    def __init__(self, data: bytes) -> None:
        self.inner = pa.BufferReader(data)
        self.calls = 0
        super().__init__("rb")

    def _readinto(self, view):
        self.calls += 1
        return self.inner.readinto(view)

    def _tell(self):
        return self.inner.tell()


def test_small_reads_are_served_from_the_buffer() -> None:
    raw = CountingReader(bytes(range(256)) * 40)
    stream = pa.BufferedInputStream(raw, 1000)
    assert (stream.mode, stream.readable(), stream.seekable(), stream.buffer_size) == ("rb", True, False, 1000)
    pieces = [stream.read(10) for _ in range(100)]
    assert b"".join(pieces) == (bytes(range(256)) * 40)[:1000]
    assert raw.calls == 1
    assert stream.tell() == 1000
    assert len(stream.read(5000)) == 5000  # large reads go straight through
    assert stream.read() == (bytes(range(256)) * 40)[6000:]


@given(data=st.binary(max_size=3000), size=st.integers(1, 600), reads=st.lists(st.integers(0, 700), max_size=40))
def test_any_read_sizes_join_to_the_data(data, size, reads) -> None:
    stream = pa.BufferedInputStream(pa.BufferReader(data), size)
    pieces = []
    for n in reads:
        piece = stream.read_buffer(n).to_pybytes() if n % 3 == 0 else stream.read(n)
        assert len(piece) <= n
        pieces.append(piece)
    pieces.append(stream.read())
    assert b"".join(pieces) == data
    assert stream.tell() == len(data)


def test_input_detach_and_close() -> None:
    raw = pa.BufferReader(b"0123456789")
    stream = pa.BufferedInputStream(raw, 4)
    assert stream.read(2) == b"01"
    assert stream.detach() is raw
    assert stream.closed and not raw.closed
    assert raw.tell() == 4  # the buffered "23" went with the buffered stream
    stream = pa.BufferedInputStream(raw, 4)
    stream.close()
    assert raw.closed


@pytest.mark.parametrize("cls", [pa.BufferedInputStream, pa.BufferedOutputStream])
def test_buffer_size_is_checked(cls) -> None:
    raw = pa.BufferReader(b"x") if cls is pa.BufferedInputStream else pa.BufferOutputStream()
    for bad in (0, -1):
        with pytest.raises(ValueError, match="Buffer size must be larger than zero"):
            cls(raw, bad)
    for wrong_type in ("8", 1.5, None):
        with pytest.raises(TypeError):
            cls(raw, wrong_type)


def test_wrong_direction_raw() -> None:
    with pytest.raises(TypeError):
        pa.BufferedInputStream(pa.BufferOutputStream(), 4)
    with pytest.raises(TypeError):
        pa.BufferedOutputStream(pa.BufferReader(b""), 4)


def test_output_buffers_until_full_or_flushed() -> None:
    raw = pa.BufferOutputStream()
    stream = pa.BufferedOutputStream(raw, 8)
    assert (stream.mode, stream.writable(), stream.seekable()) == ("wb", True, False)
    stream.write(b"abc")
    assert raw.tell() == 0 and stream.tell() == 3
    stream.write(b"defgh")
    assert raw.tell() == 3  # filled exactly: what was held goes down, the write is held (as Arrow)
    stream.write(b"i")
    assert raw.tell() == 3
    stream.write(b"0123456789")  # large: straight through after draining the buffer
    assert raw.tell() == 19
    stream.write(b"xy")
    stream.flush()
    assert raw.tell() == 21
    assert stream.detach() is raw
    assert stream.closed and not raw.closed
    assert raw.getvalue().to_pybytes() == b"abcdefghi0123456789xy"


@given(pieces=st.lists(st.binary(max_size=50), max_size=40), size=st.integers(1, 64))
def test_output_joins_writes(pieces, size) -> None:
    raw = pa.BufferOutputStream()
    stream = pa.BufferedOutputStream(raw, size)
    for piece in pieces:
        stream.write(piece)
    stream.detach()
    assert raw.getvalue().to_pybytes() == b"".join(pieces)


def test_output_close_flushes_and_closes_raw(tmp_path) -> None:
    raw = pa.OSFile(tmp_path / "f", "w")
    stream = pa.BufferedOutputStream(raw, 1 << 20)
    stream.write(b"pending")
    stream.close()
    assert raw.closed
    assert (tmp_path / "f").read_bytes() == b"pending"


def test_dropped_output_is_flushed(tmp_path) -> None:
    stream = pa.BufferedOutputStream(pa.OSFile(tmp_path / "f", "w"), 1 << 20)
    stream.write(b"pending" * 1000)
    del stream
    gc.collect()
    assert (tmp_path / "f").read_bytes() == b"pending" * 1000
