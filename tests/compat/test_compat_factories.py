"""Differential tests: input_stream/output_stream on every source kind and compression value.

The point of issue 12: with ``compression='detect'`` (the default) a PyArrow user's code gives
PyArrow's result, byte for byte: only a path is decompressed, and only by ``.gz``, ``.bz2``,
``.lz4`` or ``.zst``. ``compression='auto'`` (arrowio's wider detection) is checked separately.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pyarrow
import pytest
from compat_helpers import Raised, agree, outcome

import arrowio

DATA = b"the same bytes, compressed or not " * 300
#: Extension -> the format the file's content is compressed in (None: plain).
EXTENSIONS = {
    ".gz": "gzip", ".bz2": "bz2", ".lz4": "lz4", ".zst": "zstd", ".xz": "xz", ".br": "brotli",
    ".sz": "snappy", ".GZ": "gzip", ".tgz": "gzip", ".zstd": "zstd", ".Zst": "zstd", "": "gzip", ".txt": None,
}  # fmt: skip
COMPRESSIONS = [None, "detect", "gzip", "bz2", "brotli", "lz4", "zstd", "snappy", "lz4_raw", "GZIP", "bogus", 3]
SOURCE_KINDS = ["Buffer", "memoryview", "bytes", "bytearray", "python-file", "NativeFile", "str", "Path"]


def compressed(fmt: str | None, data: bytes = DATA) -> bytes:
    """``data`` in ``fmt`` as its usual tool writes it (snappy: the framing format)."""
    if fmt is None:
        return data
    sink = arrowio.BufferOutputStream()
    with arrowio.CompressedOutputStream(sink, fmt) as out:
        out.write(data)
    return sink.getvalue().to_pybytes()


def make_source(lib: Any, kind: str, content: bytes, path: Path) -> Any:
    if kind == "Buffer":
        return lib.py_buffer(content)
    if kind == "memoryview":
        return memoryview(content)
    if kind == "bytes":
        return content
    if kind == "bytearray":
        return bytearray(content)
    if kind == "python-file":
        return io.BytesIO(content)
    if kind == "NativeFile":
        return lib.BufferReader(content)
    path.write_bytes(content)
    return str(path) if kind == "str" else path


def read_all(lib: Any, source: Any, compression: Any, buffer_size: int | None) -> tuple[str, bytes]:
    with lib.input_stream(source, compression=compression, buffer_size=buffer_size) as stream:
        return type(stream).__name__, stream.read()


@pytest.mark.parametrize("buffer_size", [None, 64])
@pytest.mark.parametrize("compression", COMPRESSIONS, ids=str)
@pytest.mark.parametrize("kind", SOURCE_KINDS)
def test_input_stream_of_in_memory_and_file_sources(tmp_path, kind, compression, buffer_size):
    content = compressed("gzip")  # gzip content, which arrowio used to decode unasked
    ours = outcome(
        lambda: read_all(arrowio, make_source(arrowio, kind, content, tmp_path / "ours"), compression, buffer_size)
    )
    theirs = outcome(
        lambda: read_all(pyarrow, make_source(pyarrow, kind, content, tmp_path / "theirs"), compression, buffer_size)
    )
    if _snappy_stream_extension(compression, theirs):
        return
    assert agree(ours, theirs), f"arrowio {ours!r}, PyArrow {theirs!r}"


@pytest.mark.parametrize("compression", [None, "detect"])
@pytest.mark.parametrize("extension", EXTENSIONS)
def test_input_stream_of_a_path_goes_by_pyarrows_four_extensions(tmp_path, extension, compression):
    content = compressed(EXTENSIONS[extension])
    ours_path, theirs_path = tmp_path / f"ours{extension}", tmp_path / f"theirs{extension}"
    ours_path.write_bytes(content)
    theirs_path.write_bytes(content)
    ours = outcome(lambda: read_all(arrowio, str(ours_path), compression, None))
    theirs = outcome(lambda: read_all(pyarrow, str(theirs_path), compression, None))
    assert agree(ours, theirs), f"arrowio {ours!r}, PyArrow {theirs!r}"
    decoded = extension in (".gz", ".bz2", ".lz4", ".zst") and compression == "detect"
    assert ours == ("CompressedInputStream" if decoded else "OSFile", DATA if decoded else content)


def _snappy_stream_extension(compression: Any, theirs: Any) -> bool:
    """arrowio streams snappy in its framing format (.sz); PyArrow refuses snappy streams."""
    return compression == "snappy" and isinstance(theirs, Raised) and theirs.kind is NotImplementedError


def write_all(lib: Any, target: Any, compression: Any) -> str:
    with lib.output_stream(target, compression=compression) as stream:
        stream.write(DATA[:1000])
        return type(stream).__name__


def _landed(target: Any, kind: str) -> bytes:
    if kind in ("str", "Path"):
        return Path(target).read_bytes()
    if kind == "python-file":
        return target.getvalue()
    if kind == "NativeFile":
        return target.getvalue().to_pybytes()
    return bytes(memoryview(target))


def _output_target(lib: Any, kind: str, path: Path) -> Any:
    if kind == "Buffer":
        return lib.py_buffer(bytearray(len(DATA)))
    if kind == "memoryview":
        return memoryview(bytearray(len(DATA)))
    if kind == "bytes":
        return bytes(10)
    if kind == "bytearray":
        return bytearray(10)
    if kind == "python-file":
        return _Kept()
    if kind == "NativeFile":
        return lib.BufferOutputStream()
    return str(path) if kind == "str" else path


class _Kept(io.BytesIO):
    def close(self) -> None:  # keep the bytes readable after the stream closes its handle
        self.flush()


def _decoded(data: bytes) -> bytes:
    """``data`` decoded by arrowio's wide detection (the format is checked by the stream type)."""
    with arrowio.input_stream(arrowio.py_buffer(data), compression="auto") as stream:
        return stream.read()


@pytest.mark.parametrize("compression", COMPRESSIONS, ids=str)
@pytest.mark.parametrize("kind", SOURCE_KINDS)
def test_output_stream_to_every_kind_of_target(tmp_path, kind, compression):
    results = []
    for lib, name in ((arrowio, "ours"), (pyarrow, "theirs")):
        target = _output_target(lib, kind, tmp_path / f"{name}.gz")
        written = outcome(lambda: write_all(lib, target, compression))
        if isinstance(written, Raised):
            results.append(written)
        elif kind in ("Buffer", "memoryview") and compression not in (None, "detect"):
            # Compressed into fixed memory: zeros follow the end of the data, which no decoder
            # takes for the end of a stream, so only the stream types are compared here.
            results.append((written, None))
        else:
            landed = _landed(target, kind)
            results.append(
                (
                    written,
                    _decoded(landed) if compression not in (None, "detect") or kind in ("str", "Path") else landed,
                )
            )
    ours, theirs = results
    if _snappy_stream_extension(compression, theirs):
        return
    assert agree(ours, theirs), f"arrowio {ours!r}, PyArrow {theirs!r}"


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_output_stream_to_a_path_compresses_by_pyarrows_four_extensions(tmp_path, extension):
    names = []
    for lib, name in ((arrowio, "ours"), (pyarrow, "theirs")):
        with lib.output_stream(str(tmp_path / f"{name}{extension}")) as stream:
            names.append(type(stream).__name__)
            stream.write(DATA)
    assert names[0] == names[1]
    ours, theirs = (tmp_path / f"ours{extension}").read_bytes(), (tmp_path / f"theirs{extension}").read_bytes()
    assert _decoded(ours) == _decoded(theirs) == DATA
    assert (ours == DATA) == (theirs == DATA) == (extension not in (".gz", ".bz2", ".lz4", ".zst"))


# -- compression='auto': arrowio's own rule, which PyArrow does not have ---------------------------
@pytest.mark.parametrize("kind", ["Buffer", "memoryview", "python-file", "NativeFile", "str"])
@pytest.mark.parametrize("fmt", ["gzip", "bz2", "xz", "zstd", "lz4", "snappy"])
def test_auto_detects_every_format_by_magic_on_every_source(tmp_path, kind, fmt):
    source = make_source(arrowio, kind, compressed(fmt), tmp_path / "no_extension")
    with arrowio.input_stream(source, compression="auto") as stream:
        assert isinstance(stream, arrowio.CompressedInputStream) and stream.codec.name == fmt
        assert stream.read() == DATA


def test_auto_goes_by_any_known_extension_where_there_is_no_magic(tmp_path):
    path = tmp_path / "data.br"
    path.write_bytes(compressed("brotli"))
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.codec.name == "brotli" and stream.read() == DATA
    with arrowio.input_stream(path) as raw:  # 'detect': PyArrow does not know .br
        assert raw.read() == compressed("brotli")
    with arrowio.output_stream(tmp_path / "out.xz", compression="auto") as out:
        assert out.codec.name == "xz"
        out.write(DATA)
    assert (tmp_path / "out.xz").read_bytes().startswith(b"\xfd7zXZ\x00")


def test_pyarrow_refuses_auto():
    with pytest.raises(ValueError):
        pyarrow.input_stream(pyarrow.py_buffer(b""), compression="auto")
