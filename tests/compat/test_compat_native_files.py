"""Differential tests: the same operation sequences on every NativeFile class of both libraries.

Hypothesis draws a sequence of operations (read, read1, readall, read_buffer, read_at, readinto,
readline, readlines, seek, tell, size, write, writelines, flush, truncate, close, upload,
download, get_stream, metadata, fileno, isatty, the readable/writable/seekable/closed/mode
queries, and anything after close: 27 kinds) and runs it on an arrowio file and on the PyArrow file of the same class over the same
content. Every step's result or exception type must agree, and so must what ends up in the
file, buffer or sink.
"""

from __future__ import annotations

import gzip
import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow
import pytest
from compat_helpers import DELIBERATE, Raised, agree, outcome
from hypothesis import example, given
from hypothesis import strategies as st

import arrowio

DATA = bytes(range(256)) * 3  # 768 bytes: small enough to cross both ends often
SIZE = st.one_of(st.none(), st.integers(-2, 40), st.just(10_000))
OFFSET = st.integers(-3, len(DATA) + 20)

OPERATIONS = st.one_of(
    st.tuples(st.just("read"), SIZE),
    st.tuples(st.just("read_buffer"), SIZE),
    st.tuples(st.just("read_at"), st.integers(0, 50), OFFSET),
    st.tuples(st.just("readinto"), st.integers(0, 50)),
    st.tuples(st.just("seek"), OFFSET, st.sampled_from([0, 1, 2])),
    st.tuples(st.just("tell")),
    st.tuples(st.just("size")),
    st.tuples(st.just("write"), st.binary(max_size=40)),
    st.tuples(st.just("flush")),
    st.tuples(st.just("close")),
    st.tuples(st.sampled_from(["readable", "writable", "seekable", "closed"])),
    st.tuples(st.just("readline"), st.one_of(st.none(), st.integers(-1, 300))),
    st.tuples(st.just("readlines"), st.one_of(st.none(), st.integers(-1, 300))),
    st.tuples(st.just("read1"), SIZE),
    st.tuples(st.just("readall")),
    st.tuples(st.just("writelines"), st.lists(st.binary(max_size=12), max_size=3)),
    st.tuples(st.sampled_from(["isatty", "mode", "truncate", "fileno", "metadata"])),
    st.tuples(st.just("download")),
    st.tuples(st.just("upload"), st.binary(max_size=40)),
    st.tuples(st.just("get_stream"), OFFSET, st.integers(0, 50)),
)


def _optional(method: Callable[..., Any], size: Any) -> Any:
    """``method()`` for a None size (the default), else ``method(size)``."""
    return method() if size is None else method(size)


def _readinto(f: Any, size: int) -> tuple[int, bytes]:
    target = bytearray(size)
    count = f.readinto(target)
    return count, bytes(target[:count])


def _download(f: Any) -> bytes:
    sink = io.BytesIO()
    f.download(sink)
    return sink.getvalue()


def _fileno(f: Any) -> str:
    f.fileno()  # the number itself differs between the two files
    return "fileno"


#: How each operation kind runs: op[0] names it, op[1:] are its arguments.
_OPERATIONS: dict[str, Callable[..., Any]] = {
    "read": lambda f, size: _optional(f.read, size),
    "read_buffer": lambda f, size: _optional(f.read_buffer, size),
    "read1": lambda f, size: _optional(f.read1, size),
    "readline": lambda f, size: _optional(f.readline, size),
    "readlines": lambda f, hint: _optional(f.readlines, hint),
    "read_at": lambda f, nbytes, offset: f.read_at(nbytes, offset),
    "readinto": _readinto,
    "seek": lambda f, offset, whence: f.seek(offset, whence),
    "write": lambda f, data: f.write(data),
    "writelines": lambda f, lines: f.writelines(lines),
    "closed": lambda f: f.closed,
    "mode": lambda f: f.mode,
    "download": _download,
    "upload": lambda f, data: f.upload(io.BytesIO(data)),
    "get_stream": lambda f, offset, nbytes: f.get_stream(offset, nbytes).read(),
    "fileno": _fileno,
}


def _apply(f: Any, op: tuple[Any, ...]) -> Any:
    run = _OPERATIONS.get(op[0])
    return run(f, *op[1:]) if run is not None else getattr(f, op[0])()


# -- one factory per class: (file, a function that returns what the file's target holds) --------
Factory = Callable[[Any, Path], tuple[Any, Callable[[], Any]]]


def _path_with(tmp: Path, lib: Any, content: bytes) -> Path:
    path = tmp / f"{lib.__name__}.bin"
    path.write_bytes(content)
    return path


def _file_content(path: Path) -> Callable[[], bytes]:
    return path.read_bytes


def _os_file(mode: str, content: bytes) -> Factory:
    def make(lib: Any, tmp: Path) -> tuple[Any, Callable[[], Any]]:
        path = _path_with(tmp, lib, content)
        return lib.OSFile(str(path), mode), _file_content(path)

    return make


def _memory_map(mode: str) -> Factory:
    def make(lib: Any, tmp: Path) -> tuple[Any, Callable[[], Any]]:
        path = _path_with(tmp, lib, DATA)
        return lib.memory_map(str(path), mode), _file_content(path)

    return make


def _buffer_reader(lib: Any, tmp: Path) -> tuple[Any, Callable[[], Any]]:
    return lib.BufferReader(lib.py_buffer(DATA)), lambda: None


def _buffer_output(lib: Any, tmp: Path) -> tuple[Any, Callable[[], Any]]:
    out = lib.BufferOutputStream()
    return out, lambda: outcome(out.getvalue)


def _fixed_size_writer(lib: Any, tmp: Path) -> tuple[Any, Callable[[], Any]]:
    target = bytearray(100)
    return lib.FixedSizeBufferWriter(lib.py_buffer(target)), lambda: bytes(target)


def _mock_output(lib: Any, tmp: Path) -> tuple[Any, Callable[[], Any]]:
    out = lib.MockOutputStream()
    return out, lambda: None


def _python_reader(lib: Any, tmp: Path) -> tuple[Any, Callable[[], Any]]:
    return lib.PythonFile(io.BytesIO(DATA), mode="r"), lambda: None


def _python_writer(lib: Any, tmp: Path) -> tuple[Any, Callable[[], Any]]:
    handle = _KeptBytesIO()
    stream = lib.PythonFile(handle, mode="w")

    def written() -> bytes:
        stream.close()  # compared once closed: arrowio's flush() also flushes the handle
        return handle.kept

    return stream, written


class _KeptBytesIO(io.BytesIO):
    """A BytesIO whose contents stay readable after close (as ``kept``)."""

    kept = b""

    def close(self) -> None:
        if not self.closed:
            self.kept = self.getvalue()
        super().close()


def _buffered_input(lib: Any, tmp: Path) -> tuple[Any, Callable[[], Any]]:
    return lib.BufferedInputStream(lib.BufferReader(DATA), 16), lambda: None


def _buffered_output(lib: Any, tmp: Path) -> tuple[Any, Callable[[], Any]]:
    sink = lib.BufferOutputStream()
    stream = lib.BufferedOutputStream(sink, 16)

    def flushed() -> Any:
        # Compared once flushed (the sequences end with any operation); when bytes reach the
        # sink before a flush is compared by test_buffered_output_passes_bytes_on_when_pyarrow_does.
        if not stream.closed:
            stream.flush()
        return outcome(sink.getvalue)

    return stream, flushed


def _compressed_input(lib: Any, tmp: Path) -> tuple[Any, Callable[[], Any]]:
    return lib.CompressedInputStream(lib.BufferReader(gzip.compress(DATA)), "gzip"), lambda: None


def _compressed_output(lib: Any, tmp: Path) -> tuple[Any, Callable[[], Any]]:
    sink = lib.BufferOutputStream()
    stream = lib.CompressedOutputStream(sink, "gzip")

    def decoded() -> Any:  # what a reader gets once the stream is closed
        stream.close()
        return gzip.decompress(sink.getvalue().to_pybytes())

    return stream, decoded


FACTORIES: dict[str, Factory] = {
    "BufferReader": _buffer_reader,
    "BufferOutputStream": _buffer_output,
    "FixedSizeBufferWriter": _fixed_size_writer,
    "MockOutputStream": _mock_output,
    "OSFile-r": _os_file("r", DATA),
    "OSFile-w": _os_file("w", DATA),
    "OSFile-a": _os_file("a", DATA[:10]),
    "MemoryMappedFile-r": _memory_map("r"),
    "MemoryMappedFile-r+": _memory_map("r+"),
    "MemoryMappedFile-w": _memory_map("w"),
    "PythonFile-r": _python_reader,
    "PythonFile-w": _python_writer,
    "BufferedInputStream": _buffered_input,
    "BufferedOutputStream": _buffered_output,
    "CompressedInputStream": _compressed_input,
    "CompressedOutputStream": _compressed_output,
}


#: Where PyArrow raises and arrowio does what was asked: code ported from PyArrow never got a
#: result there, so nothing it relied on changes (listed in the README). (class prefix, op) -> why.
PYARROW_REFUSES = {
    ("BufferedInputStream", "tell"): "tell() on a non-seekable stream counts the bytes read",
    ("CompressedInputStream", "tell"): "tell() on a non-seekable stream counts the bytes read",
    ("CompressedOutputStream", "tell"): "tell() counts the bytes written",
    ("FixedSizeBufferWriter", "seek"): "a writer over fixed memory may seek, as a memory map can",
    ("FixedSizeBufferWriter", "size"): "size() of a writer over fixed memory is the memory's size",
    ("MemoryMappedFile-w", "seek"): "a write-only map may seek (PyArrow checks readability first)",
    ("MemoryMappedFile-w", "size"): "a write-only map knows its size",
    ("OSFile-w", "size"): "size() of a file open for writing is its current size",
    ("OSFile-a", "size"): "size() of a file open for appending is its current size",
    **{
        ("OSFile-r", read): f"{read}() after read_at() reads on (PyArrow: 'Need seeking after ReadAt()')"
        for read in ("read", "read_buffer", "readinto", "read1", "readall")
    },
    ("PythonFile-w", "size"): "size() of a Python file open for writing asks the handle",
}

#: What PyArrow refuses on every file ("NOT IMPLEMENTED", or before checking anything else) and
#: arrowio does, as an io.BufferedIOBase does it (listed in the README). op -> why.
PYARROW_REFUSES_EVERYWHERE = {
    "readline": "readline() reads a line (NativeFile is an io.BufferedIOBase: TextIOWrapper needs it)",
    "readlines": "readlines() reads the lines (NativeFile is an io.BufferedIOBase)",
    "truncate": "truncate() resizes a file open for writing",
    "metadata": "metadata() of a write-only stream is its (empty) metadata",
    "download": "download() of a non-seekable stream copies what is left of it",
    "fileno": "fileno() gives the descriptor where there is one; after close it raises ValueError as io does",
}

#: Where both answer and the answers differ, because PyArrow breaks its own contract here.
PYARROW_QUIRKS = {
    ("FixedSizeBufferWriter", "seekable"): "seekable() is True: this writer can seek (see PYARROW_REFUSES)",
    # Arrow documents ReadAt as leaving the position alone; its PythonFile seeks the handle.
    **{
        ("PythonFile-r", op): "read_at() leaves the position where it was"
        for op in ("read", "read_buffer", "readinto", "read1", "readall", "readline", "readlines", "tell", "seek")
    },
    ("PythonFile-w", "truncate"): "truncate() returns the new size, as io's truncate does; PyArrow's returns None",
}

#: Where arrowio refuses and PyArrow answers: after close, every operation of every file raises
#: ValueError in both libraries except this one in PyArrow.
CLOSED_IS_CLOSED = {("MockOutputStream", "size"): "size() after close raises ValueError, as on every closed file"}

#: Where arrowio refuses and PyArrow answers: a negative size is refused by read_buffer() of
#: every NativeFile; PyArrow's PythonFile passes it on to the handle's read().
NEGATIVE_SIZE = {("PythonFile-r", "read_buffer"): "read_buffer(-1) raises ArrowInvalid, as on every NativeFile"}

#: Where arrowio refuses and PyArrow answers: PyArrow's PythonFile reads lines from the handle of
#: a file opened for writing, whose read() it refuses; arrowio refuses both.
WRITE_ONLY = {
    ("PythonFile-w", "readline"): "readline() of a file opened for writing is refused, as its read() is",
    ("PythonFile-w", "readlines"): "readlines() of a file opened for writing is refused, as its read() is",
    ("PythonFile-r", "truncate"): "truncate() of a file opened for reading is refused, as its write() is",
}

#: Where arrowio raises and PyArrow answers because PyArrow loses the error: its upload() writes
#: in a thread whose failure (a memory map written past its end) never reaches the caller.
LOST_ERRORS = {"upload": "upload() raises the error of a write that failed; PyArrow's drops it"}


def _known_difference(
    kind: str, op: tuple[Any, ...], ours: Any, theirs: Any, file: Any, history: list[tuple[Any, ...]]
) -> str | None:
    """Why this step may differ (a DELIBERATE name or a PYARROW_REFUSES reason), or None."""
    if kind.startswith("MemoryMappedFile") and op[0] == "seek" and isinstance(ours, Raised):
        if not isinstance(theirs, Raised) and theirs > file.size():
            return DELIBERATE["memory-map-seek-past-end"]
    if op[0] == "read1" and isinstance(ours, bytes) and isinstance(theirs, bytes) and theirs.startswith(ours):
        return DELIBERATE["read1-one-raw-read"]
    if (
        isinstance(theirs, Raised)
        and theirs.kind is SystemError
        and op[0] in ("read", "read_buffer", "read1", "readall")
    ):
        # PyArrow: "Negative size passed to PyBytes_FromStringAndSize", for read(-1) and for a
        # read past the end of a Python file.
        return "read(-1) reads to the end as io.RawIOBase.read(-1) does; past the end it reads nothing"
    # After a positional read the positions may differ (PYARROW_QUIRKS), so a relative seek that
    # one library takes may be out of range for the other.
    after_positional = any(step[0] in ("read_at", "get_stream") for step in history)
    if isinstance(ours, Raised) and not isinstance(theirs, Raised):
        if file.closed:
            return CLOSED_IS_CLOSED.get((kind, op[0]))
        if op[0] == "read_buffer" and op[1] is not None and op[1] < 0:
            return NEGATIVE_SIZE.get((kind, op[0]))
        quirk = PYARROW_QUIRKS.get((kind, op[0])) if after_positional and op[0] == "seek" else None
        return quirk or WRITE_ONLY.get((kind, op[0])) or LOST_ERRORS.get(op[0])
    if isinstance(theirs, Raised):  # PyArrow refuses the operation outright: any outcome will do
        if after_positional and op[0] == "seek" and (quirk := PYARROW_QUIRKS.get((kind, op[0]))):
            return quirk
        return PYARROW_REFUSES.get((kind, op[0])) or PYARROW_REFUSES_EVERYWHERE.get(op[0])
    if op[0] in ("seekable", "truncate") or after_positional:
        return PYARROW_QUIRKS.get((kind, op[0]))
    return None


@pytest.mark.parametrize("kind", sorted(FACTORIES))
@given(operations=st.lists(OPERATIONS, max_size=12))
@example(operations=[("read_at", 1, 0), ("seek", -1, 1)])  # PyArrow's PythonFile is at 1, arrowio's at 0
@example(operations=[("read", 100), ("read_at", 1, 0), ("seek", -50, 1)])  # and the other way round
def test_operation_sequences_agree(kind: str, operations: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        ours, ours_target = FACTORIES[kind](arrowio, tmp)
        theirs, theirs_target = FACTORIES[kind](pyarrow, tmp)
        try:
            for step, op in enumerate(operations):
                a, b = outcome(lambda: _apply(ours, op)), outcome(lambda: _apply(theirs, op))
                if agree(a, b):
                    continue
                reason = _known_difference(kind, op, a, b, theirs, operations[:step])
                assert reason, f"{kind} step {step} {op}: arrowio {a!r}, PyArrow {b!r} (after {operations[:step]})"
                if op[0] not in ("tell", "size", "seekable"):
                    return  # the two files' states now differ: the rest cannot be compared
            final_a, final_b = outcome(ours_target), outcome(theirs_target)
            assert agree(final_a, final_b), f"{kind} after {operations}: arrowio holds {final_a!r}, PyArrow {final_b!r}"
        finally:
            for f in (ours, theirs):
                try:
                    f.close()
                except Exception:
                    pass


@given(sizes=st.lists(st.integers(0, 40), max_size=12), buffer_size=st.integers(1, 24))
def test_buffered_output_passes_bytes_on_when_pyarrow_does(sizes, buffer_size):
    """What the raw stream holds after each write, before any flush: PyArrow drains the buffer
    when a write fills it exactly, not only when one overflows it."""
    seen = []
    for lib in (arrowio, pyarrow):
        sink = lib.BufferOutputStream()
        stream = lib.BufferedOutputStream(sink, buffer_size)
        positions = []
        for number, size in enumerate(sizes):
            stream.write(bytes([number]) * size)
            positions.append(sink.tell())
        stream.close()
        seen.append((positions, sink.getvalue().to_pybytes()))
    assert seen[0] == seen[1], f"arrowio {seen[0][0]}, PyArrow {seen[1][0]}"
