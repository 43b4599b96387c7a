"""A sequential read of a large BGZF file decodes the blocks its walk found first while the walk
goes on (FrameReader._walking), with the bytes, errors and kept walk of a read that walked the
whole file first."""

from __future__ import annotations

import gzip
import os
import struct
import time
import zlib
from collections.abc import Iterator

import pytest
from compression_helpers import make_data, need_tool, run_tool

import arrowio
from arrowio.compression import _framecache, _frameread
from arrowio.compression._bgzfwalk import BGZF_EOF, BgzfWalk


@pytest.fixture
def walks(monkeypatch) -> Iterator[list[BgzfWalk]]:
    """Every BGZF walk made, WALK_AHEAD small (a few blocks a step), no table kept from before."""
    made: list[BgzfWalk] = []
    real = BgzfWalk.__init__

    def recording(self, *args, **kwargs):
        real(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(BgzfWalk, "__init__", recording)
    monkeypatch.setattr(_frameread, "WALK_AHEAD", 128 << 10)
    monkeypatch.setattr(_framecache, "SETTLED_NS", _SETTLED_NS)
    _framecache.clear()
    yield made
    _framecache.clear()


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[str, bytes]:
    """A BGZF file of ~50 blocks (over CACHE_MIN: its walk is lazy and kept), dated an hour back."""
    need_tool("bgzip")
    data = make_data("mixed", 3 << 20, seed=11)
    path = str(tmp_path_factory.mktemp("walk") / "big.gz")
    with open(path, "wb") as out:
        out.write(run_tool(["bgzip", "-c"], data))
    _settle(path)
    return path, data


#: How long a file must be unchanged for its walk to be kept, in these tests: 1 s, not 2.
_SETTLED_NS = 10**9


def _settle(path: str) -> None:
    """Date the file an hour back, then wait until its change (ctime, which utime sets to now)
    is _SETTLED_NS old: only such a file's walk is kept."""
    stamp = os.stat(path)
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns - 3600 * 10**9))
    changed = os.stat(path).st_ctime_ns
    while (wait := changed + _SETTLED_NS - time.time_ns()) > 0:
        time.sleep(wait / 1e9 + 0.01)


def _block_starts(blob: bytes) -> list[int]:
    starts, pos = [], 0
    while pos < len(blob):
        starts.append(pos)
        pos += struct.unpack_from("<H", blob, pos + 16)[0] + 1
    return starts


def _bgzf_block(data: bytes) -> bytes:
    """One BGZF block of ``data`` (a gzip member with the BC subfield holding its size - 1)."""
    deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = deflater.compress(data) + deflater.flush()
    size = 18 + len(body) + 8
    head = b"\x1f\x8b\x08\x04" + bytes(6) + b"\x06\x00BC\x02\x00" + struct.pack("<H", size - 1)
    return head + body + struct.pack("<II", zlib.crc32(data), len(data))


def test_blocks_are_decoded_before_the_walk_reaches_the_end(big, walks, monkeypatch):
    path, data = big
    walked_at_first_task: list[bool] = []
    real = _frameread._task_into

    def recording(*args):
        if not walked_at_first_task:
            walked_at_first_task.append(walks[0].done)
        return real(*args)

    monkeypatch.setattr(_frameread, "_task_into", recording)
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.read() == data
        assert stream.read_at(100, len(data) - 100) == data[-100:]
    assert walked_at_first_task == [False]
    with arrowio.input_stream(path, compression="auto") as stream:  # the whole walk was kept: no other
        assert stream.read() == data
    assert len(walks) == 1 and len(walks[0].comp) == len(_block_starts(open(path, "rb").read())) + 1


@pytest.mark.parametrize("how", ["bad_subfield", "tiny_bsize"])
def test_a_file_found_not_bgzf_late_in_the_walk_reads_as_gzip(tmp_path, big, walks, how):
    # Blocks before the damage are decoded (and handed out) before the walk finds it: the rest
    # comes from a sequential decode of the file, which skips what they handed out.
    _, data = big
    blob = bytearray(open(big[0], "rb").read())
    at = _block_starts(bytes(blob))[-8]
    if how == "bad_subfield":
        blob[at + 12] = ord("X")  # gzip ignores the subfield: still a valid gzip file
    else:
        struct.pack_into("<H", blob, at + 16, 20)
    path = tmp_path / "late.gz"
    path.write_bytes(blob)
    assert gzip.decompress(bytes(blob)) == data
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert stream.read() == data
    assert walks[0].failed and len(walks[0].comp) > 8


def test_a_bad_header_late_in_the_walk_is_the_error_a_sequential_read_gives(tmp_path, big, walks):
    _, data = big
    blob = bytearray(open(big[0], "rb").read())
    at = _block_starts(bytes(blob))[-8]
    blob[at + 2] = 7  # not deflate: neither BGZF nor gzip
    path = tmp_path / "bad.gz"
    path.write_bytes(blob)
    with pytest.raises(arrowio.ArrowIOError) as sequential:
        with arrowio.CompressedInputStream(arrowio.BufferReader(bytes(blob)), "gzip") as stream:
            stream.read()
    got = bytearray()
    with arrowio.input_stream(str(path), compression="auto") as stream:
        with pytest.raises(arrowio.ArrowIOError) as walked:
            while piece := stream.read(1 << 16):
                got += piece
    assert str(walked.value) == str(sequential.value)
    assert bytes(got) == data[: len(got)] and len(got) >= len(gzip.decompress(bytes(blob[:at])))


def test_a_block_larger_than_a_task_may_hold_hands_the_rest_to_the_planned_read(tmp_path, walks, monkeypatch):
    # 120 blocks of 8 KiB, one of 60 KiB (more than TASK_PLAIN here), more 8 KiB blocks: those
    # before it come from the walk-ahead ring, the rest from the read planned on the whole table
    # (streamed: a block over TASK_PLAIN is never decoded into a buffer of its size).
    monkeypatch.setattr(_frameread, "TASK_PLAIN", 32 << 10)
    monkeypatch.setattr(_frameread, "TASK_GROUP", 32 << 10)
    data = make_data("mixed", 180 * 8192 + 61440, seed=4)
    pieces = [data[i : i + 8192] for i in range(0, 120 * 8192, 8192)]
    pieces += [data[120 * 8192 : 120 * 8192 + 61440]]
    rest = data[120 * 8192 + 61440 :]
    pieces += [rest[i : i + 8192] for i in range(0, len(rest), 8192)]
    blob = b"".join(map(_bgzf_block, pieces)) + BGZF_EOF
    path = tmp_path / "large-block.gz"
    path.write_bytes(blob)
    assert len(blob) > 256 << 10  # not read whole when opened
    monkeypatch.setattr("arrowio.compression._framescan.CACHE_MIN", 1)  # walked lazily, as a large file is
    handed_over: list[int] = []
    real = _frameread.FrameReader._decode

    def recording(self, first, skip):
        handed_over.append(first)
        return real(self, first, skip)

    monkeypatch.setattr(_frameread.FrameReader, "_decode", recording)
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert stream.read() == data
    assert handed_over and 0 < handed_over[0] <= 120
