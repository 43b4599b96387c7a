"""The file stack: a stream over another file keeps its ownership of that file to itself,
abort() is every file's, and an interrupted close reaches the bottom of the stack."""

from __future__ import annotations

import gzip
import zlib

import pytest

import arrowio as pa


def _wrappers(tmp_path):
    yield "buffered output", pa.OSFile(str(tmp_path / "b"), "wb"), lambda raw: pa.BufferedOutputStream(raw, 1 << 12)
    yield "compressed output", pa.OSFile(str(tmp_path / "c"), "wb"), lambda raw: pa.CompressedOutputStream(raw, "gzip")
    yield "buffered input", pa.BufferReader(b"data"), lambda raw: pa.BufferedInputStream(raw, 1 << 12)
    yield "transform", pa.BufferReader(b"data"), lambda raw: pa.transcoding_input_stream(raw, "latin-1", "utf-8")


def test_wrapping_a_file_sets_nothing_on_it(tmp_path) -> None:
    for what, raw, wrap in _wrappers(tmp_path):
        before = dict(vars(raw))
        stream = wrap(raw)
        assert vars(raw) == before, what
        stream.close()
        assert raw.closed, what  # it owned raw: closing it closed raw


@pytest.mark.parametrize("cls", [pa.BufferedInputStream, pa.BufferedOutputStream])
def test_detach_hands_raw_back_open(tmp_path, cls) -> None:
    raw = pa.BufferReader(b"abc") if cls is pa.BufferedInputStream else pa.OSFile(str(tmp_path / "f"), "wb")
    stream = cls(raw, 1 << 12)
    assert stream.detach() is raw and stream.closed and not raw.closed
    raw.close()


def test_every_file_can_be_aborted(tmp_path) -> None:
    files = [
        pa.BufferReader(b"abc"),
        pa.BufferOutputStream(),
        pa.OSFile(str(tmp_path / "f"), "wb"),
        pa.PythonFile(open(tmp_path / "g", "wb"), mode="w"),  # closed by abort()
    ]
    for file in files:
        if file.writable():
            file.write(b"kept")
        file.abort()
        assert file.closed
        file.abort()  # harmless twice
    # A plain file has nothing to commit: what was written stays, as after close().
    assert (tmp_path / "f").read_bytes() == b"kept" and (tmp_path / "g").read_bytes() == b"kept"


def test_aborting_a_buffered_stream_aborts_the_compressed_stream_below(tmp_path) -> None:
    path = tmp_path / "f.gz"
    out = pa.BufferedOutputStream(pa.CompressedOutputStream(str(path), "gzip"), 1 << 12)
    out.write(b"x" * 100_000)
    out.abort()
    assert out.closed and out.raw.closed
    with pytest.raises(pa.ArrowIOError, match="truncated|empty"):  # never ended: no reader takes it as whole
        pa.CompressedInputStream(str(path), "gzip").read()


def test_an_exception_in_a_with_block_aborts_the_compressed_stream_below_a_buffer(tmp_path) -> None:
    path = tmp_path / "f.gz"
    with pytest.raises(RuntimeError):
        with pa.BufferedOutputStream(pa.CompressedOutputStream(str(path), "gzip"), 1 << 12) as out:
            out.write(b"x" * 100_000)
            raise RuntimeError
    with pytest.raises(EOFError):
        gzip.decompress(path.read_bytes())
    # What reached the compressor is there, the buffer's last bytes included (they were passed
    # down before the compressed stream was given up): only the end of stream is missing.
    partial = zlib.decompressobj(31).decompress(path.read_bytes())
    assert partial == b"x" * len(partial)


def test_an_exception_in_a_with_block_keeps_every_byte_of_a_plain_file_below_a_buffer(tmp_path) -> None:
    path = tmp_path / "f"
    with pytest.raises(RuntimeError):
        with pa.BufferedOutputStream(pa.OSFile(str(path), "wb"), 1 << 16) as out:
            out.write(b"y" * 1000)  # still in the buffer when the block raises
            raise RuntimeError
    assert path.read_bytes() == b"y" * 1000


def test_a_compressed_stream_dropped_under_a_dropped_buffer_still_ends(tmp_path) -> None:
    path = tmp_path / "f.gz"
    out = pa.BufferedOutputStream(pa.CompressedOutputStream(str(path), "gzip"), 1 << 12)
    out.write(b"z" * 10_000)
    del out  # dropped unclosed: a plain file below publishes nothing special, so it completes
    assert gzip.decompress(path.read_bytes()) == b"z" * 10_000


def test_an_exception_in_a_with_block_aborts_an_upload_below_a_python_file() -> None:
    fsspec = pytest.importorskip("fsspec")
    url = "memory://arrowio-stack/python-file"
    with pytest.raises(RuntimeError):
        with pa.PythonFile(pa.output_stream(url), mode="w") as f:
            f.write(b"half of it")
            raise RuntimeError("the writer failed")
    assert not fsspec.filesystem("memory").exists(url)
    with pa.PythonFile(pa.output_stream(url), mode="w") as f:
        f.write(b"all of it")
    assert fsspec.filesystem("memory").cat(url) == b"all of it"
