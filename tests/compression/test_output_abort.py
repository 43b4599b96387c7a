"""CompressedOutputStream: abort() leaves an unfinished stream; refused arguments leave the file."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from compression_helpers import STREAMING, make_data

import arrowio

DATA = make_data("text", 3 << 20)
#: The tools that say whether a file is a complete stream of their format.
TESTERS = {"gzip": ["gzip", "-t"], "zstd": ["zstd", "-q", "-t"], "xz": ["xz", "-t"], "bz2": ["bzip2", "-t"],
           "lz4": ["lz4", "-q", "-t"]}  # fmt: skip


@pytest.mark.parametrize("fmt", STREAMING)
def test_abort_writes_no_end_of_stream(tmp_path, fmt):
    path = tmp_path / "partial"
    stream = arrowio.CompressedOutputStream(str(path), fmt, threads=0)
    stream.write(DATA)
    stream.abort()
    assert stream.closed
    stream.abort()  # twice is harmless
    if fmt == "snappy":  # the framing format has no end marker: a cut stream is a shorter stream
        with arrowio.input_stream(str(path), compression=fmt) as reader:
            assert DATA.startswith(reader.read())
        return
    with pytest.raises(OSError):  # the library's own strict decoder: truncated, never complete
        with arrowio.input_stream(str(path), compression=fmt) as reader:
            reader.read()
    if fmt in TESTERS and shutil.which(TESTERS[fmt][0]):
        assert subprocess.run([*TESTERS[fmt], str(path)], capture_output=True).returncode != 0


def test_a_failing_with_block_aborts(tmp_path):
    path = tmp_path / "partial.gz"
    with pytest.raises(RuntimeError):
        with arrowio.output_stream(str(path)) as stream:
            stream.write(DATA)
            raise RuntimeError("the producer broke")
    with pytest.raises(OSError, match="gzip: truncated"):
        with arrowio.input_stream(str(path)) as reader:
            reader.read()
    with arrowio.output_stream(str(path)) as stream:  # a clean block still ends the stream
        stream.write(DATA)
    with arrowio.input_stream(str(path)) as reader:
        assert reader.read() == DATA


def test_abort_calls_the_raw_streams_abort():
    class Raw(arrowio.BufferOutputStream):
        aborted = False

        def abort(self) -> None:
            Raw.aborted = True
            self.close()

    raw = Raw()
    stream = arrowio.CompressedOutputStream(raw, "zstd")
    stream.write(b"never published")
    stream.abort()
    assert Raw.aborted and raw.closed


@pytest.mark.parametrize(
    ("name", "compression", "level", "error"),
    [
        ("out.gz", "bogus", None, ValueError),
        ("out.gz", "gzip", 99, OSError),  # zlib refuses the level, as in PyArrow
        ("out.bz2", "bz2", 10, OSError),  # libbz2 refuses it when the stream is made
        ("out.lz4", "lz4_raw", None, NotImplementedError),  # as PyArrow raises it
        ("out.bin", "detect", None, ValueError),  # no extension to detect from
        ("out.sz", "snappy", 3, ValueError),  # snappy has no levels
    ],
)
def test_refused_arguments_leave_an_existing_file_as_it_was(tmp_path, name, compression, level, error):
    path = tmp_path / name
    path.write_bytes(b"precious")
    with pytest.raises(error):
        arrowio.CompressedOutputStream(str(path), compression, compression_level=level)
    assert path.read_bytes() == b"precious"
    assert os.listdir(tmp_path) == [name]
