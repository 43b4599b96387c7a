"""A gzip checkpoint index describes one version of its file. It was taken as current whenever
it was not older than the file's modification time, but that time is the writer's to set:
``cp -p``, ``tar x`` and ``rsync -t`` give a new file an old one. A file replaced so (by one of
the same size, the one thing the index's table is checked against) was read through the old
index: wrong bytes, or a corrupt-data error for a valid file. The change time, which no writer
sets, tells it."""

from __future__ import annotations

import os
import struct
import zlib

import pytest
from compression_helpers import make_data

import arrowio
from arrowio.compression import build_gzip_index

pytest.importorskip("rapidgzip")  # the index builder


def _member(plain: bytes, comment: int) -> bytes:
    """A gzip member whose header carries a ``comment``-byte FCOMMENT (to size it exactly)."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = deflate.compress(plain) + deflate.flush()
    header = b"\x1f\x8b\x08\x10\x00\x00\x00\x00\x00\x03" + b"c" * comment + b"\0"
    return header + body + struct.pack("<II", zlib.crc32(plain), len(plain))


def _same_size_members(first: bytes, second: bytes) -> tuple[bytes, bytes]:
    a, b = _member(first, 0), _member(second, 0)
    room = max(len(a), len(b)) + 1000
    a, b = _member(first, room - len(a)), _member(second, room - len(b))
    assert len(a) == len(b)
    return a, b


def _after_clock_tick(folder, stamp: int) -> None:
    """Wait until the file system's clock has passed ``stamp``: its times are coarse (a kernel
    tick), so a file changed within the tick its index was written in shows the index's very
    time, and no time comparison can order the two."""
    probe = folder / "clock-probe"
    while True:
        probe.write_bytes(b"")
        if os.stat(probe).st_mtime_ns > stamp:
            return


def test_a_file_replaced_with_an_older_time_is_not_read_through_the_index(tmp_path):
    first, second = make_data("mixed", 3_000_000, seed=31), make_data("mixed", 3_000_000, seed=32)
    old, new = _same_size_members(first, second)
    path = tmp_path / "log.gz"
    path.write_bytes(old)
    index = build_gzip_index(str(path))
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert stream.seekable()  # read through the index
        assert stream.read_at(64, 1_500_000) == first[1_500_000:1_500_064]
    _after_clock_tick(tmp_path, os.stat(index).st_mtime_ns)
    # cp -p new.gz log.gz: the same file rewritten, then given the (older) time of its source.
    stamp = os.stat(index).st_mtime_ns - 3600 * 10**9
    with open(path, "r+b") as f:
        f.write(new)
    os.utime(path, ns=(stamp, stamp))
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert not stream.seekable()  # the stale index is left alone (it made read_at fail: "corrupt")
        assert stream.read() == second
    build_gzip_index(str(path))  # indexed again: random access again
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert stream.seekable() and stream.read_at(64, 1_500_000) == second[1_500_000:1_500_064]


def test_an_index_built_after_the_file_is_used(tmp_path):
    plain = make_data("mixed", 3_000_000, seed=33)
    path = tmp_path / "log.gz"
    path.write_bytes(_member(plain, 5))
    stamp = os.stat(path).st_mtime_ns - 3600 * 10**9
    os.utime(path, ns=(stamp, stamp))  # an old file (copied with its time), indexed now
    build_gzip_index(str(path))
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert stream.seekable()
        assert stream.read_at(64, 1_500_000) == plain[1_500_000:1_500_064]
