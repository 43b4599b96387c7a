"""PythonFile: wrapping Python file objects and duck types."""

from __future__ import annotations

import gc
import io

import pytest

import arrowio as pa


@pytest.mark.parametrize(
    ("open_mode", "expected"),
    [("rb", "rb"), ("wb", "wb"), ("ab", "ab"), ("r+b", "rb+"), ("w+b", "rb+"), ("xb", "wb")],
)
def test_mode_inferred_from_real_files(tmp_path, open_mode, expected) -> None:
    path = tmp_path / "f"
    if "x" not in open_mode:
        path.write_bytes(b"data")
    with open(path, open_mode) as handle:
        assert pa.PythonFile(handle).mode == expected
    with open(path if "x" not in open_mode else tmp_path / "g", open_mode, buffering=0) as handle:
        assert pa.PythonFile(handle).mode == expected


def test_mode_inferred_from_bytesio_and_ducks() -> None:
    assert pa.PythonFile(io.BytesIO()).mode == "rb+"

    class Reader:
        def read(self, n=-1):
            return b"abc"[:n]

    class Writer:
        def __init__(self):
            self.parts = []

        def write(self, data):
            self.parts.append(bytes(data))

    class Nothing:
        pass

    reader = pa.PythonFile(Reader())
    assert (reader.mode, reader.seekable(), reader.read(2)) == ("rb", False, b"ab")
    with pytest.raises(io.UnsupportedOperation, match="Reader object has no tell"):
        reader.tell()  # the duck keeps no position
    with pytest.raises(pa.ArrowInvalid, match=r"Invalid read \(size = -1\)"):
        reader.read_buffer(-1)
    sink = Writer()
    writer = pa.PythonFile(sink)
    assert writer.mode == "wb" and writer.write(b"xyz") == 3 and sink.parts == [b"xyz"]
    with pytest.raises(ValueError, match="mode"):
        pa.PythonFile(Nothing())


def test_duck_with_read_buffer() -> None:
    class BufferSource:
        def __init__(self):
            self.reader = pa.BufferReader(b"0123456789")

        def read_buffer(self, n):
            return self.reader.read_buffer(n)

    f = pa.PythonFile(BufferSource())
    assert f.mode == "rb"
    assert f.read_buffer(3).to_pybytes() == b"012"
    assert f.read(4) == b"3456"


def test_explicit_mode() -> None:
    f = pa.PythonFile(io.BytesIO(b"abc"), mode="r")
    assert (f.mode, f.readable(), f.writable()) == ("rb", True, False)
    w = pa.PythonFile(io.BytesIO(), mode="w")
    assert (w.mode, w.readable(), w.writable()) == ("wb", False, True)
    with pytest.raises(ValueError, match="Invalid file mode"):
        pa.PythonFile(io.BytesIO(), mode="q")


@pytest.mark.parametrize("handle", [io.StringIO("text"), io.TextIOWrapper(io.BytesIO(b"x"))])
def test_text_handles_are_refused(handle) -> None:
    with pytest.raises(TypeError, match="binary file expected"):
        pa.PythonFile(handle)


def test_text_file_from_open(tmp_path) -> None:
    (tmp_path / "t").write_text("x")
    with open(tmp_path / "t") as handle:
        with pytest.raises(TypeError, match="binary file expected"):
            pa.PythonFile(handle)


def test_reads_writes_and_size() -> None:
    handle = io.BytesIO(b"hello world\nsecond line\n")
    f = pa.PythonFile(handle)
    assert f.size() == 24
    assert f.read(5) == b"hello"
    assert f.readline() == b" world\n"
    assert f.tell() == 12
    assert f.read_buffer(6).to_pybytes() == b"second"
    assert f.read_at(5, 0) == b"hello" and f.tell() == 18
    f.seek(0, 2)
    assert f.write(b"third\n") == 6
    assert handle.getvalue().endswith(b"third\n")


def test_closing_closes_the_handle_dropping_does_not(tmp_path) -> None:
    memory = io.BytesIO(b"x")
    pa.PythonFile(memory).close()
    assert memory.closed

    with open(tmp_path / "out", "wb") as handle:
        f = pa.PythonFile(handle)
        f.write(b"buffered in the handle")
        del f
        gc.collect()
        assert not handle.closed
        # ...and what was written has been flushed to the file.
        assert (tmp_path / "out").read_bytes() == b"buffered in the handle"


def test_closed_handle_reads_as_closed() -> None:
    handle = io.BytesIO(b"abc")
    f = pa.PythonFile(handle)
    handle.close()
    assert f.closed
    with pytest.raises(ValueError):
        f.read()


def test_fileno_passes_through(tmp_path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    with open(tmp_path / "f", "rb") as handle:
        assert pa.PythonFile(handle).fileno() == handle.fileno()
    with pytest.raises(io.UnsupportedOperation):
        pa.PythonFile(io.BytesIO()).fileno()


def test_short_writes_of_raw_files_are_completed() -> None:
    class Dribble(io.RawIOBase):
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, b):
            chunk = bytes(b[:3])
            self.data += chunk
            return len(chunk)

    sink = Dribble()
    pa.PythonFile(sink).write(b"0123456789")
    assert sink.data == b"0123456789"
