"""The BGZF block walk that every open of a BGZF file runs, against a plain reading of the format:
the same table, or None (decode sequentially) wherever the file is not BGZF to its end; and the
walked tables kept for the next open of an unchanged file."""

from __future__ import annotations

import gzip
import os
import shutil
import struct
import time
from collections.abc import Iterator

import pytest
from compression_helpers import make_data, need_tool, run_tool

import arrowio
from arrowio.compression._framescan import _walk, _walk_bgzf


def oracle(blob: bytes) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Block starts and decoded offsets, one block at a time, as the BGZF specification reads."""
    comp, plain, pos = [0], [0], 0
    while pos < len(blob):
        header = blob[pos : pos + 18]
        if len(header) < 18 or header[:4] != b"\x1f\x8b\x08\x04" or header[10:16] != b"\x06\x00BC\x02\x00":
            return None
        end = pos + struct.unpack_from("<H", header, 16)[0] + 1
        if end > len(blob) or end - pos < 26:
            return None
        plain.append(plain[-1] + struct.unpack_from("<I", blob, end - 4)[0])
        comp.append(end)
        pos = end
    return (tuple(comp), tuple(plain)) if len(comp) >= 3 else None


@pytest.fixture(scope="module")
def bgzf() -> bytes:
    need_tool("bgzip")
    return run_tool(["bgzip", "-c"], make_data("mixed", 700_000, seed=3))


def damaged(blob: bytes, how: str) -> bytes:
    second = struct.unpack_from("<H", blob, 16)[0] + 1  # where the second block starts
    data = bytearray(blob)
    if how == "cut_header":
        return bytes(data[: second + 10])
    if how == "cut_block":
        return bytes(data[:-30])
    if how == "bad_magic":
        data[second + 2] = 7
    elif how == "bad_subfield":
        data[second + 12] = ord("X")
    elif how == "tiny_bsize":
        struct.pack_into("<H", data, second + 16, 20)
    elif how == "long_bsize":
        struct.pack_into("<H", data, second + 16, 0xFFFF)
    elif how == "plain_gzip_after":
        return bytes(data) + run_tool(["gzip", "-c"], b"not bgzf")
    return bytes(data)


@pytest.mark.parametrize(
    "how",
    ["intact", "cut_header", "cut_block", "bad_magic", "bad_subfield", "tiny_bsize", "long_bsize", "plain_gzip_after"],
)
@pytest.mark.parametrize("where", ["file", "memory"])
def test_walk_agrees_with_the_format(tmp_path, bgzf, how, where):
    blob = damaged(bgzf, how)
    expected = oracle(blob)
    assert (expected is not None) == (how == "intact")
    path = tmp_path / "b.gz"
    path.write_bytes(blob)
    raw = arrowio.OSFile(str(path)) if where == "file" else arrowio.BufferReader(blob)
    with raw:
        table = _walk(raw, _walk_bgzf)
    assert (None if table is None else (table.comp, table.plain)) == expected


def test_walk_after_a_gzi_entry_continues_its_offsets(tmp_path, bgzf):
    comp, plain = oracle(bgzf)
    path = tmp_path / "b.gz"
    path.write_bytes(bgzf)
    with arrowio.OSFile(str(path)) as raw:
        table = _walk(raw, lambda source: _walk_bgzf(source, [(0, 0), (comp[3], plain[3])]))
    assert table is not None
    assert table.comp == (0, *comp[3:]) and table.plain == (0, *plain[3:])


# -- the walk kept for the next open -----------------------------------------------------------------
@pytest.fixture
def walks(monkeypatch) -> Iterator[list[int]]:
    """Counts the BGZF walks that start from the first block (whole or as far as reads need),
    with no table kept from other tests."""
    from arrowio.compression import _framecache
    from arrowio.compression._bgzfwalk import BgzfWalk

    _framecache.clear()
    counted: list[int] = []
    real = BgzfWalk.__init__

    def counting(self, pread, handle, size, known=None, keep=None):
        if known is None:
            counted.append(1)
        real(self, pread, handle, size, known, keep)

    monkeypatch.setattr(BgzfWalk, "__init__", counting)
    monkeypatch.setattr(_framecache, "SETTLED_NS", 10**9)  # the waits of _settle: 1 s, not 2
    yield counted
    _framecache.clear()


@pytest.fixture
def blocks_read(monkeypatch) -> list[int]:
    """The block headers each step of a BGZF walk read (one 22-byte read each)."""
    from arrowio.compression._bgzfwalk import BgzfWalk

    read: list[int] = []
    real = BgzfWalk._step

    def counting(self, limit):
        before = len(self.comp)
        real(self, limit)
        read.append(len(self.comp) - before)

    monkeypatch.setattr(BgzfWalk, "_step", counting)
    return read


@pytest.fixture(scope="module")
def big_bgzf(tmp_path_factory) -> tuple[str, bytes]:
    """A BGZF file over CACHE_MIN (a third of it random, stored as it is) and its data."""
    from arrowio.compression._framescan import CACHE_MIN

    need_tool("bgzip")
    data = make_data("mixed", 3 * CACHE_MIN, seed=8)
    path = str(tmp_path_factory.mktemp("big") / "big.gz")
    with open(path, "wb") as out:
        out.write(run_tool(["bgzip", "-c"], data))
    assert os.path.getsize(path) >= CACHE_MIN
    _settle(path)
    return path, data


def _settle(path: str, ago: int = 3600) -> None:
    """Date the file ``ago`` seconds back (another version of it), then wait until its change
    (ctime, which utime sets to now) is SETTLED_NS old: only such a file's walk is kept."""
    from arrowio.compression import _framecache

    stamp = os.stat(path)
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns - ago * 10**9))
    changed = os.stat(path).st_ctime_ns
    while (wait := changed + _framecache.SETTLED_NS - time.time_ns()) > 0:
        time.sleep(wait / 1e9 + 0.01)


def _read_at(path: str, n: int, offset: int) -> bytes:
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.seekable()
        return stream.read_at(n, offset)


def test_a_file_opened_again_is_not_walked_again(big_bgzf, walks, blocks_read):
    path, data = big_bgzf
    for offset in (2_000_000, 5, len(data) - 10):
        assert _read_at(path, 64, offset) == data[offset : offset + 64]
    assert len(walks) == 1  # the later opens go on from the blocks the first found
    comp, _ = oracle(open(path, "rb").read())
    assert sum(blocks_read) == len(comp) - 1  # every block end found once, by one walk or another


def test_a_changed_file_is_walked_again(tmp_path, big_bgzf, walks):
    source, data = big_bgzf
    path = str(tmp_path / "c.gz")
    shutil.copy(source, path)
    assert _read_at(path, 10, 100) == data[100:110]
    _settle(path)
    assert _read_at(path, 10, 100) == data[100:110]
    assert _read_at(path, 10, 100) == data[100:110]
    assert len(walks) == 2  # a walk of the file just copied is not kept, one of the settled file is
    _settle(path, 1800)  # rewritten in place (and settled), say
    assert _read_at(path, 10, 100) == data[100:110]
    assert len(walks) == 3
    more = make_data("text", 100_000, seed=9)
    with open(path, "ab") as out:  # appended to: bgzip's end-of-file block is no longer the last
        out.write(run_tool(["bgzip", "-c"], more))
    _settle(path)
    assert _read_at(path, 10, len(data) + 5) == more[5:15]
    assert len(walks) == 4
    os.replace(source, source + ".moved")  # another file under the name: another inode
    try:
        shutil.copy2(source + ".moved", source)  # its times too
        assert _read_at(source, 10, 100) == data[100:110]
    finally:
        os.replace(source + ".moved", source)
    assert len(walks) == 5


def test_the_walk_of_a_file_written_a_moment_ago_is_not_kept(tmp_path, big_bgzf, walks):
    # A write soon after may leave its size and times as they are (the clock ticks coarsely).
    source, data = big_bgzf
    path = str(tmp_path / "new.gz")
    shutil.copy(source, path)
    for _ in range(2):
        assert _read_at(path, 10, 100) == data[100:110]
    assert len(walks) == 2


def test_small_files_and_memory_are_walked_each_time(tmp_path, big_bgzf, walks):
    path, data = big_bgzf
    blob = open(path, "rb").read()
    for _ in range(2):
        with arrowio.CompressedInputStream(arrowio.BufferReader(blob), "gzip") as stream:
            assert stream.read_at(10, 100) == data[100:110]
    assert len(walks) == 2
    small = make_data("random", 600_000, seed=4)  # over the 256 KiB read whole, under CACHE_MIN
    (tmp_path / "s.gz").write_bytes(run_tool(["bgzip", "-c"], small))
    _settle(str(tmp_path / "s.gz"))  # settled: kept, were it large enough
    for _ in range(2):
        assert _read_at(str(tmp_path / "s.gz"), 10, 500_000) == small[500_000:500_010]
    assert len(walks) == 4


def test_the_kept_tables_are_bounded(monkeypatch, walks):
    from arrowio.compression import _framecache
    from arrowio.compression._frametable import FrameTable

    monkeypatch.setattr(_framecache, "MAX_FRAMES", 10)
    tables = [FrameTable(tuple(range(n + 1)), tuple(range(n + 1))) for n in (4, 4, 4, 11)]
    for i, table in enumerate(tables[:3]):
        _framecache.put((i, 0, 0, 0, 0), table)
    assert _framecache.get((0, 0, 0, 0, 0)) is None  # the oldest gave way: 12 frames > 10
    assert _framecache.get((1, 0, 0, 0, 0)) is tables[1]  # used last now: kept over the third
    _framecache.put((3, 0, 0, 0, 0), tables[0])
    assert _framecache.get((2, 0, 0, 0, 0)) is None and _framecache.get((1, 0, 0, 0, 0)) is tables[1]
    _framecache.put((4, 0, 0, 0, 0), tables[3])  # more than the whole cache holds: not kept
    assert _framecache.get((4, 0, 0, 0, 0)) is None and _framecache.get((3, 0, 0, 0, 0)) is tables[0]


# -- walked only as far as reads need ----------------------------------------------------------------
def test_a_read_near_the_start_walks_only_the_blocks_before_it(big_bgzf, walks, blocks_read):
    path, data = big_bgzf
    blocks = len(oracle(open(path, "rb").read())[0]) - 1
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.seekable() and not blocks_read  # opening walks nothing
        assert stream.read_at(64, 1000) == data[1000:1064]
        assert 0 < sum(blocks_read) < blocks // 2
        assert stream.size() == len(data)  # walks the rest
        assert sum(blocks_read) == blocks
        assert stream.read_at(10, len(data) - 5) == data[-5:]
        stream.seek(0)
        assert stream.read() == data
    assert sum(blocks_read) == blocks


def test_sequential_reads_and_reads_by_position_from_threads_share_the_walk(big_bgzf, walks):
    from concurrent.futures import ThreadPoolExecutor

    path, data = big_bgzf
    offsets = [(i * 7_919_993) % len(data) for i in range(64)]
    with arrowio.input_stream(path, compression="auto") as stream:
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda at: stream.read_at(100, at), offsets))
        assert got == [data[at : at + 100] for at in offsets]
        assert stream.read() == data
    assert len(walks) == 1


def _in_the_middle(blob: bytes, how: str) -> bytes:
    """``blob`` (BGZF) damaged at the start of a block in its middle, as :func:`damaged` does."""
    walked = oracle(blob)
    assert walked is not None
    at = walked[0][len(walked[0]) // 2]
    head = blob[:at]
    return head + damaged(blob[at:], how)[: len(blob) - at]  # damaged() hits the block after the first


@pytest.mark.parametrize("how", ["bad_subfield", "tiny_bsize", "long_bsize"])
def test_a_file_found_not_bgzf_later_reads_as_the_gzip_file_it_is(tmp_path, big_bgzf, walks, how):
    # Each of these is still a valid gzip file: gzip ignores the BC subfield. The walk learns
    # that it is not BGZF only when it gets there: reads beyond decode the file from its start.
    _, data = big_bgzf
    blob = _in_the_middle(open(big_bgzf[0], "rb").read(), how)
    assert gzip.decompress(blob) == data and oracle(blob) is None
    path = tmp_path / "m.gz"
    path.write_bytes(blob)
    _settle(str(path))
    for _ in range(2):  # the second open finds what the first one's walk found
        with arrowio.input_stream(str(path), compression="auto") as stream:
            assert stream.seekable()
            assert stream.read_at(64, 100) == data[100:164]  # by the blocks before the damage
            end = len(data) - 3000
            assert stream.read_at(2000, end) == data[end : end + 2000]
            assert stream.size() == len(data)
            stream.seek(len(data) // 2 + 1)
            assert stream.read(5000) == data[len(data) // 2 + 1 :][:5000]
        with arrowio.input_stream(str(path), compression="auto") as stream:
            assert stream.read() == data
    assert run_tool(["gzip", "-dc"], blob) == data


def test_a_corrupt_block_found_later_is_the_error_a_sequential_read_gives(tmp_path, big_bgzf, walks):
    _, data = big_bgzf
    blob = _in_the_middle(open(big_bgzf[0], "rb").read(), "bad_magic")
    path = tmp_path / "c.gz"
    path.write_bytes(blob)
    with pytest.raises(arrowio.ArrowIOError) as sequential:
        with arrowio.CompressedInputStream(arrowio.BufferReader(blob), "gzip") as stream:
            assert not stream.seekable()  # walked whole when opened: decoded as one stream
            stream.read()
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert stream.read_at(64, 100) == data[100:164]
        with pytest.raises(arrowio.ArrowIOError) as by_position:
            stream.read_at(10, len(data) - 100)
        with pytest.raises(arrowio.ArrowIOError) as by_size:
            stream.size()
    with arrowio.input_stream(str(path), compression="auto") as stream:
        with pytest.raises(arrowio.ArrowIOError) as by_read:
            stream.read()
    assert str(sequential.value).startswith("gzip: ")
    for error in (by_position, by_size, by_read):
        assert str(error.value) == str(sequential.value)


@pytest.mark.parametrize("compression", ["auto", "gzip"])
def test_a_file_of_bgzf_then_another_format_then_bgzf(tmp_path, big_bgzf, walks, compression):
    # It ends with BGZF's end-of-file block, so it is taken for BGZF until the walk reaches the
    # zstd stream: then it is decoded as one stream, the zstd one too where formats are detected.
    path, data = big_bgzf
    need_tool("zstd")
    middle = make_data("text", 50_000, seed=5)
    blob = open(path, "rb").read() + run_tool(["zstd", "-c"], middle) + open(path, "rb").read()
    (tmp_path / "s.gz").write_bytes(blob)
    whole = data + middle + data
    with arrowio.input_stream(str(tmp_path / "s.gz"), compression=compression) as stream:
        assert stream.read_at(10, 5) == data[5:15]
        if compression == "auto":
            assert stream.read() == whole
        else:
            with pytest.raises(arrowio.ArrowIOError, match="gzip: "):
                stream.read()
