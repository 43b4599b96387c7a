"""The NativeFile base: what a subclass gets from implementing only the primitives."""

from __future__ import annotations

import io
import shutil

import pytest

import arrowio as pa
from arrowio.io import NativeFile, UnsupportedOperation


class Trickle(NativeFile):
    """A non-seekable stream that implements only ``_readinto`` and returns at most 3 bytes a call."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0
        super().__init__("rb")

    def _readinto(self, view: memoryview) -> int:
        chunk = self._data[self._pos : self._pos + min(len(view), 3)]
        view[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)

    def _tell(self) -> int:
        return self._pos


class SeekableTrickle(Trickle):
    """Seekable too, with only ``_tell``/``_seek``/``_size`` added: read_at uses the locked fallback."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0
        NativeFile.__init__(self, "rb", seekable=True)

    def _seek(self, position: int) -> None:
        self._pos = position

    def _size(self) -> int:
        return len(self._data)


class Sink(NativeFile):
    """A stream that implements only ``_write`` (and counts ``_flush``/``_close`` calls)."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.flushes = 0
        self.closes = 0
        super().__init__("wb")

    def _write(self, view: memoryview) -> None:
        self.data += view

    def _flush(self) -> None:
        self.flushes += 1

    def _close(self) -> None:
        self.closes += 1


DATA = b"first line\nsecond\n\nthird without newline"


def test_is_a_real_buffered_io_base() -> None:
    f = Trickle(DATA)
    assert isinstance(f, io.BufferedIOBase) and isinstance(f, io.IOBase)
    assert (f.readable(), f.writable(), f.seekable(), f.mode) == (True, False, False, "rb")


def test_reads_built_on_readinto() -> None:
    f = Trickle(DATA)
    assert f.read(5) == DATA[:5]
    assert f.read1(10) == DATA[5:8]  # one raw read: at most 3 bytes
    b = bytearray(6)
    assert f.readinto(b) == 6 and bytes(b) == DATA[8:14]
    buf = f.read_buffer(4)
    assert isinstance(buf, pa.Buffer) and buf.to_pybytes() == DATA[14:18]
    assert f.tell() == 18
    assert f.read() == DATA[18:]
    assert f.read() == b"" and f.read_buffer().size == 0


def test_readline_readlines_and_iteration() -> None:
    assert Trickle(DATA).readlines() == DATA.splitlines(keepends=True)
    assert list(Trickle(DATA)) == DATA.splitlines(keepends=True)
    f = Trickle(DATA)
    assert f.readline(4) == b"firs"
    assert f.readline() == b"t line\n"
    assert f.tell() == 11  # read-ahead is not counted as consumed
    assert f.read(3) == b"sec"
    assert f.readlines(1) == [b"ond\n"]
    assert f.readline(0) == b""


def test_peek_does_not_consume() -> None:
    f = Trickle(DATA)
    assert f.peek(7) == DATA[:7]
    assert f.tell() == 0
    assert f.read(10) == DATA[:10]


def test_text_wrapper_and_copyfileobj() -> None:
    text = "héllo\nwörld\n" * 100
    assert io.TextIOWrapper(Trickle(text.encode()), encoding="utf-8").read() == text  # type: ignore[type-var]  # typeshed asks for .name
    out = io.BytesIO()
    shutil.copyfileobj(Trickle(DATA), out)
    assert out.getvalue() == DATA


def test_seek_fallback_read_at_and_get_stream() -> None:
    f = SeekableTrickle(DATA)
    f.read(2)
    assert f.read_at(6, 3) == DATA[3:9]
    assert f.tell() == 2  # the fallback restores the position
    assert f.seek(-5, 2) == len(DATA) - 5
    assert f.seek(2, 1) == len(DATA) - 3
    stream = f.get_stream(6, 10)
    assert not stream.seekable()
    assert stream.read(4) == DATA[6:10] and stream.read() == DATA[10:16]
    assert f.tell() == len(DATA) - 3
    with pytest.raises(pa.ArrowInvalid, match="file_offset should be a positive value"):
        f.get_stream(-1, 2)
    with pytest.raises(pa.ArrowInvalid, match="nbytes should be a positive value"):
        f.get_stream(1, -2)
    with pytest.raises(pa.ArrowInvalid):
        f.seek(-1)
    with pytest.raises(pa.ArrowInvalid, match="whence"):
        f.seek(0, 3)


def test_writes_built_on_write() -> None:
    s = Sink()
    assert s.write(b"abc") == 3
    assert s.write(memoryview(b"abcd").cast("B", (2, 2))) == 4
    import array

    assert s.write(array.array("i", [1, 2])) == 8
    assert s.write(pa.py_buffer(b"xy")) == 2
    s.writelines([b"1", bytearray(b"2")])
    with pytest.raises(TypeError):
        s.write("text")
    s.flush()
    s.close()
    assert bytes(s.data) == b"abcabcd" + bytes(array.array("i", [1, 2])) + b"xy12"
    assert (s.flushes, s.closes) == (2, 1)
    s.close()
    assert s.closes == 1


def test_upload_and_download(tmp_path) -> None:
    s = Sink()
    s.upload(io.BytesIO(DATA), buffer_size=7)
    assert bytes(s.data) == DATA
    f = SeekableTrickle(DATA)
    f.read(3)
    f.download(tmp_path / "out")  # from the start, since the file is seekable
    assert (tmp_path / "out").read_bytes() == DATA
    out = io.BytesIO()
    Trickle(DATA).download(out, buffer_size=5)
    assert out.getvalue() == DATA


def test_wrong_direction_and_unsupported() -> None:
    f, s = Trickle(DATA), Sink()
    with pytest.raises(OSError, match="only valid on writable files"):
        f.write(b"x")
    for call in (s.read, s.read_buffer, s.readline, s.read1, lambda: s.readinto(bytearray(1))):
        with pytest.raises(OSError, match="only valid on readable files"):
            call()
    for unsupported in (lambda: f.seek(0), lambda: f.read_at(1, 0), lambda: f.get_stream(0, 1), f.size):
        with pytest.raises(UnsupportedOperation):
            unsupported()
    with pytest.raises(io.UnsupportedOperation):
        f.fileno()
    with pytest.raises(UnsupportedOperation):
        s.truncate()
    assert f.metadata() == {} and f.isatty() is False


CLOSED_CALLS = {
    "read": lambda f: f.read(),
    "read1": lambda f: f.read1(),
    "readall": lambda f: f.readall(),
    "readinto": lambda f: f.readinto(bytearray(2)),
    "readinto1": lambda f: f.readinto1(bytearray(2)),
    "read_at": lambda f: f.read_at(1, 0),
    "read_buffer": lambda f: f.read_buffer(),
    "readline": lambda f: f.readline(),
    "readlines": lambda f: f.readlines(),
    "peek": lambda f: f.peek(1),
    "iter": lambda f: iter(f),
    "next": lambda f: next(f),
    "seek": lambda f: f.seek(0),
    "tell": lambda f: f.tell(),
    "size": lambda f: f.size(),
    "write": lambda f: f.write(b"x"),
    "writelines": lambda f: f.writelines([b"x"]),
    "writelines-empty": lambda f: f.writelines([]),
    "flush": lambda f: f.flush(),
    "truncate": lambda f: f.truncate(0),
    "readable": lambda f: f.readable(),
    "writable": lambda f: f.writable(),
    "seekable": lambda f: f.seekable(),
    "fileno": lambda f: f.fileno(),
    "isatty": lambda f: f.isatty(),
    "get_stream": lambda f: f.get_stream(0, 1),
    "upload": lambda f: f.upload(io.BytesIO(b"x")),
    "download": lambda f: f.download(io.BytesIO()),
    "metadata": lambda f: f.metadata(),
    "enter": lambda f: f.__enter__(),
}


def _file_at(path, data=DATA):
    path.write_bytes(data)
    return path


MEMBERS = {
    "subclass-reader": lambda tmp: SeekableTrickle(DATA),
    "subclass-writer": lambda tmp: Sink(),
    "OSFile-r": lambda tmp: pa.OSFile(_file_at(tmp / "f")),
    "OSFile-w": lambda tmp: pa.OSFile(tmp / "f", "w"),
    "OSFile-a": lambda tmp: pa.OSFile(tmp / "f", "a"),
    "memory_map-r": lambda tmp: pa.memory_map(_file_at(tmp / "f")),
    "memory_map-r+": lambda tmp: pa.memory_map(_file_at(tmp / "f"), "r+"),
    "memory_map-w": lambda tmp: pa.memory_map(_file_at(tmp / "f"), "w"),
    "BufferReader": lambda tmp: pa.BufferReader(DATA),
    "BufferOutputStream": lambda tmp: pa.BufferOutputStream(),
    "MockOutputStream": lambda tmp: pa.MockOutputStream(),
    "FixedSizeBufferWriter": lambda tmp: pa.FixedSizeBufferWriter(pa.allocate_buffer(10)),
    "PythonFile": lambda tmp: pa.PythonFile(io.BytesIO(DATA)),
    "BufferedInputStream": lambda tmp: pa.BufferedInputStream(pa.BufferReader(DATA), 8),
    "BufferedOutputStream": lambda tmp: pa.BufferedOutputStream(pa.BufferOutputStream(), 8),
    "TransformInputStream": lambda tmp: pa.TransformInputStream(pa.BufferReader(DATA), bytes),
    "get_stream": lambda tmp: pa.BufferReader(DATA).get_stream(1, 5),
}


@pytest.mark.parametrize("call", CLOSED_CALLS.values(), ids=CLOSED_CALLS.keys())
@pytest.mark.parametrize("make", MEMBERS.values(), ids=MEMBERS.keys())
def test_every_method_on_a_closed_file_raises_value_error(tmp_path, make, call) -> None:
    f = make(tmp_path)
    f.close()
    assert f.closed
    with pytest.raises(ValueError, match="closed"):
        call(f)
    f.close()  # closing again is fine
    assert f.mode in ("rb", "wb", "ab", "rb+")


def test_context_manager_closes() -> None:
    with Sink() as s:
        s.write(b"abc")
    assert s.closed and s.closes == 1


def test_failed_constructor_leaves_nothing_to_finalize(recwarn) -> None:
    class Broken(NativeFile):
        def __init__(self) -> None:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        Broken()
    import gc

    gc.collect()
