"""Small regular files: the first peek reads the whole file in one read, and everything above
it (magic detection, seek-table detection, decoding) works on that memory."""

from __future__ import annotations

import gzip
import os
from collections import Counter

import pytest
import zstandard

import arrowio as pa

_CALLS = ("read", "readv", "pread", "preadv")


@pytest.fixture
def reads(monkeypatch) -> Counter:
    """Counts the read syscalls made through the os module (the real calls still run)."""
    counts: Counter = Counter()
    for name in _CALLS:
        real = getattr(os, name)

        def counted(*args, _real=real, _name=name):
            counts[_name] += 1
            return _real(*args)

        monkeypatch.setattr(os, name, counted)
    return counts


def _content(n: int) -> bytes:
    return b"".join(b"line %d of a small log\n" % i for i in range(n))[:n]


def test_peek_reads_small_file_whole(tmp_path, reads) -> None:
    data = _content(10_000)
    (tmp_path / "f").write_bytes(data)
    with pa.OSFile(str(tmp_path / "f")) as f:
        assert f.peek(4) == data[:4]
        assert sum(reads.values()) == 1
        assert f.tell() == 0
        assert f.read1(100) == data[:100]
        assert f.read(50) == data[100:150]
        assert f.read1(1 << 20) == data[150:]
        assert f.read1(10) == b""  # the end was known from the peek's short read
        assert sum(reads.values()) == 1
        assert f.tell() == len(data)
        assert f.read(10) == b""  # later reads ask the file again
        assert sum(reads.values()) == 2


def test_reads_after_the_end_see_a_file_that_grew(tmp_path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    with pa.OSFile(str(path)) as f:
        assert f.peek(2) == b"ab"
        with open(path, "ab") as out:
            out.write(b"def")
        assert f.read() == b"abcdef"  # read() reads on to the file's current end
    with pa.OSFile(str(path)) as f:
        f.peek(1)
        with open(path, "ab") as out:
            out.write(b"g")
        f.seek(0)  # a seek forgets the end the peek saw
        assert f.read() == b"abcdefg"


@pytest.mark.parametrize("kind", ["readinto", "read_buffer", "readline"])
def test_every_read_ends_where_the_peek_ended(tmp_path, kind) -> None:
    data = _content(3000)
    (tmp_path / "f").write_bytes(data)
    with pa.OSFile(str(tmp_path / "f")) as f:
        f.peek(8)
        if kind == "readinto":
            view = bytearray(5000)
            assert f.readinto(view) == len(data) and bytes(view[: len(data)]) == data
            assert f.readinto(view) == 0
        elif kind == "read_buffer":
            assert f.read_buffer(5000).to_pybytes() == data
            assert f.read_buffer(10).size == 0
        else:
            assert b"".join(iter(f.readline, b"")) == data


def test_snapshot_only_while_the_whole_file_is_unread(tmp_path) -> None:
    data = _content(2000)
    (tmp_path / "f").write_bytes(data)
    with pa.OSFile(str(tmp_path / "f")) as f:
        assert f._snapshot() is None  # nothing peeked
    with pa.OSFile(str(tmp_path / "f")) as f:
        f.peek(4)
        assert f._snapshot() == data
        assert f._snapshot() is None  # handed over once
        assert f.read() == data
    with pa.OSFile(str(tmp_path / "f")) as f:
        f.peek(4)
        f.read(1)
        assert f._snapshot() is None


def test_large_file_peek_reads_only_what_is_asked(tmp_path, reads) -> None:
    data = os.urandom(300 * 1024)
    (tmp_path / "f").write_bytes(data)
    with pa.OSFile(str(tmp_path / "f")) as f:
        assert f.peek(4) == data[:4]
        assert f._snapshot() is None
        assert f.read() == data


@pytest.mark.parametrize("fmt", ["zstd", "gzip"])
def test_small_compressed_file_takes_one_read(tmp_path, reads, fmt) -> None:
    data = _content(10_000)
    path = tmp_path / ("f.zst" if fmt == "zstd" else "f.gz")
    path.write_bytes(zstandard.compress(data) if fmt == "zstd" else gzip.compress(data))
    reads.clear()
    with pa.input_stream(str(path), compression="auto") as stream:
        assert isinstance(stream, pa.CompressedInputStream)
        assert stream.codec.name == fmt
        assert stream.read() == data
        assert not stream.seekable()
        assert stream.raw.tell() == path.stat().st_size
    assert dict(reads) == {"read": 1}


def test_small_seekable_zstd_found_in_memory(tmp_path, reads) -> None:
    data = _content(50_000)
    path = tmp_path / "f.zst"
    with pa.CompressedOutputStream(str(path), "zstd", layout="seekable", frame_size=8192) as out:
        out.write(data)
    reads.clear()
    with pa.input_stream(str(path), compression="auto") as stream:
        assert reads["pread"] + reads["preadv"] == 0  # the seek table was read from memory
        assert stream.seekable() and stream.size() == len(data)
        stream.seek(20_000)
        assert stream.read(100) == data[20_000:20_100]
        assert stream.read_at(10, 49_990) == data[49_990:]


def test_truncated_small_zstd_still_fails_with_its_offset(tmp_path) -> None:
    data = _content(10_000)
    blob = zstandard.compress(data)
    path = tmp_path / "f.zst"
    path.write_bytes(blob[:-7])
    with pa.input_stream(str(path), compression="auto") as stream:
        with pytest.raises(pa.ArrowIOError, match="zstd"):
            stream.read()


@pytest.mark.parametrize("how", ["detect", "codec", "osfile"])
def test_small_file_one_read_without_detection_peek(tmp_path, reads, how) -> None:
    """PyArrow's extension rule and a named codec peek nothing: the stream reads the file whole."""
    data = _content(10_000)
    path = tmp_path / "f.zst"
    path.write_bytes(zstandard.compress(data))
    reads.clear()
    if how == "detect":
        stream = pa.input_stream(str(path))
    elif how == "codec":
        stream = pa.CompressedInputStream(str(path), "zstd")
    else:
        stream = pa.CompressedInputStream(pa.OSFile(str(path)), "zstd")
    with stream:
        assert stream.read() == data
    assert dict(reads) == {"read": 1}


def test_osfile_read_part_way_then_decoded(tmp_path) -> None:
    """An OSFile handed over after some reads is decoded from where it stands, frame tables aside."""
    blob = zstandard.compress(_content(5000))
    path = tmp_path / "f.bin"
    path.write_bytes(b"HEAD" + blob)
    raw = pa.OSFile(str(path))
    assert raw.read(4) == b"HEAD"
    with pa.CompressedInputStream(raw, "zstd") as stream:
        assert stream.read() == _content(5000)
