"""``read_at`` on files of independent frames decodes the frame it ends inside only as far as it needs.

Checked against the data at many offsets and lengths (hypothesis) on files written by arrowio,
the real ``zstd`` (its frames joined under a seek table, as zstd's seekable format lays them out)
and ``bgzip``; and what such a read can and cannot tell: damage on the way to the bytes asked for
is an error naming its compressed offset, damage after them is not seen, a frame's checksum is
verified only by a read that decodes the frame's last block, a file cut short after it was
opened is an error.
"""

from __future__ import annotations

import os
import struct
import zlib

import pytest
import zstandard
from compression_helpers import make_data, need_tool, run_tool
from hypothesis import given
from hypothesis import strategies as st

import arrowio
from arrowio.compression import build_index
from arrowio.compression._frameread import HEAD_INPUT, read_range
from arrowio.compression._framescan import find_table
from arrowio.compression._frametable import seek_table_bytes
from arrowio.errors import ArrowIOError

FRAME = 1 << 20  # eight 128 KiB zstd blocks and more: a read can stop well before a frame's last block
TEXT, RANDOM = 1, 2  # frames of text (compressed blocks) and of random bytes (stored raw) in DATA


@pytest.fixture(scope="module")
def data() -> bytes:
    return make_data("mixed", 6 * FRAME + 54_321, seed=29)  # a third each: text, random, zeros


def _write(path: str, data: bytes, fmt: str, layout: str, frame_size: int = FRAME) -> str:
    with arrowio.CompressedOutputStream(path, fmt, layout=layout, threads=2, frame_size=frame_size) as out:
        out.write(data)
    return path


def _zstd_cli_seekable(path: str, data: bytes) -> str:
    """Frames compressed one by one by the real ``zstd`` (content checksums on), joined and
    followed by a seek table of their sizes: zstd's seekable format, frames from the tool."""
    frames = [run_tool(["zstd", "-q", "-c", "-3", "--check"], data[i : i + FRAME]) for i in range(0, len(data), FRAME)]
    sizes = [(len(f), len(data[i * FRAME : (i + 1) * FRAME])) for i, f in enumerate(frames)]
    with open(path, "wb") as out:
        out.write(b"".join(frames) + seek_table_bytes(sizes))
    return path


def _bgzip(path: str, data: bytes, gzi: bool) -> str:
    need_tool("bgzip")
    with open(path, "wb") as out:
        out.write(run_tool(["bgzip", "-c", "-@", "2"], data))
    if gzi:
        run_tool(["bgzip", "-r", path])
    return path


def _gzip_members(path: str, data: bytes) -> str:
    """One gzip member per MiB, indexed by build_index: members larger than a BGZF block."""
    _write(path, data, "gzip", "frames")
    build_index(path)
    return path


MAKERS = {
    "arrowio seekable zstd": lambda d, data: _write(str(d / "a.zst"), data, "zstd", "seekable"),
    "zstd cli frames + seek table": lambda d, data: _zstd_cli_seekable(str(d / "z.zst"), data),
    "arrowio BGZF": lambda d, data: _write(str(d / "a.gz"), data, "gzip", "bgzf"),
    "bgzip": lambda d, data: _bgzip(str(d / "b.gz"), data, False),
    "bgzip with .gzi": lambda d, data: _bgzip(str(d / "bi.gz"), data, True),
    "gzip members + index": lambda d, data: _gzip_members(str(d / "m.gz"), data),
}


@pytest.fixture(scope="module", params=list(MAKERS))
def framed(request, tmp_path_factory, data) -> tuple[str, tuple[int, ...]]:
    """A framed file of ``data`` and its frames' decoded offsets."""
    folder = tmp_path_factory.mktemp("framed")
    path = MAKERS[request.param](folder, data)
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.seekable() and stream.size() == len(data)
        plain = stream._access._table.plain  # type: ignore[attr-defined]
    assert len(plain) > 7
    return path, plain


@given(st.data())
def test_read_at_returns_the_data_at_any_offset_and_length(framed, data, draw):
    path, plain = framed
    edge = st.builds(lambda i, d: max(plain[i] + d, 0), st.integers(0, len(plain) - 1), st.integers(-3, 3))
    offsets = st.one_of(st.integers(0, len(data) + 10), edge)
    lengths = st.one_of(st.integers(0, 300), st.integers(0, 3 * FRAME))
    reads = draw.draw(st.lists(st.tuples(offsets, lengths), min_size=1, max_size=8))
    with arrowio.input_stream(path, compression="auto") as stream:
        for offset, n in reads:
            assert stream.read_at(n, offset) == data[offset : offset + n], (offset, n)


@pytest.mark.parametrize("where", ["first byte", "middle", "last byte", "across frames", "whole frames"])
def test_read_at_at_frame_edges(framed, data, where):
    path, plain = framed
    start, end = plain[TEXT], plain[TEXT + 1]
    offset, n = {
        "first byte": (start, 1),
        "middle": ((start + end) // 2, 64),
        "last byte": (end - 1, 1),
        "across frames": (end - 100, end - start + 200),  # the end of one, all of the next, into a third
        "whole frames": (start, plain[TEXT + 2] - start),
    }[where]
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.read_at(n, offset) == data[offset : offset + n]


def _seekable_zstd(tmp_path, data: bytes) -> tuple[str, bytearray, object]:
    path = _write(str(tmp_path / "s.zst"), data, "zstd", "seekable")
    with arrowio.OSFile(path) as raw:
        table = find_table(raw, "zstd", None)
    return path, bytearray(open(path, "rb").read()), table


def _block_headers(frame: bytes) -> list[int]:
    """The offsets of a zstd frame's block headers (RFC 8878 3.1.1)."""
    descriptor = frame[4]
    single_segment = descriptor >> 5 & 1
    fcs = (0, 2, 4, 8)[descriptor >> 6] or single_segment
    at = 5 + (not single_segment) + (0, 1, 2, 4)[descriptor & 3] + fcs
    headers = []
    while True:
        headers.append(at)
        header = int.from_bytes(frame[at : at + 3], "little")
        at += 3 + (1 if header >> 1 & 3 == 1 else header >> 3)
        if header & 1:
            return headers


def _decodable_before(frame: bytes, upto: int) -> int:
    """How many bytes of the intact zstd ``frame`` its first ``upto`` compressed bytes decode to."""
    return len(zstandard.ZstdDecompressor().decompressobj().decompress(frame[:upto]))


@pytest.mark.parametrize("frame", [TEXT, RANDOM])
def test_damage_before_the_range_is_an_error_at_its_offset_damage_after_it_unseen(tmp_path, data, frame):
    path, blob, table = _seekable_zstd(tmp_path, data)
    start, end = table.comp[frame], table.comp[frame + 1]
    headers = _block_headers(bytes(blob[start:end]))
    assert len(headers) >= 8
    damaged_at = start + headers[len(headers) // 2]  # a block header half way through the frame
    good = _decodable_before(bytes(blob[start:end]), damaged_at - start)  # the blocks before it
    blob[damaged_at] |= 0b110  # block type 3: reserved
    open(path, "wb").write(blob)
    base = table.plain[frame]
    with arrowio.input_stream(path, compression="auto") as stream:
        # Within the blocks before the damage: the read stops before it and never sees it.
        assert stream.read_at(64, base + good - 64) == data[base + good - 64 : base + good]
        assert stream.read_at(1000, base + 5) == data[base + 5 : base + 1005]
        # The range lies past it: decoding there meets it, named by its offset.
        for offset, n in ((base + good, 10), (base + good + 50_000, 64), (base + good - 5, 10)):
            with pytest.raises(ArrowIOError, match=rf"zstd: reserved block type \(at compressed offset {damaged_at}\)"):
                stream.read_at(n, offset)
        with pytest.raises(ArrowIOError, match=f"compressed offset {damaged_at}"):
            stream.read()  # a sequential read says the same


def test_a_checksum_is_verified_by_reads_that_decode_the_frame_s_last_block(tmp_path, data):
    path, blob, table = _seekable_zstd(tmp_path, data)
    end = table.comp[TEXT + 1]
    blob[end - 1] ^= 0xFF  # the frame's content checksum
    open(path, "wb").write(blob)
    base, stop = table.plain[TEXT], table.plain[TEXT + 1]
    frame = bytes(blob[table.comp[TEXT] : end])
    last = base + _decodable_before(frame, _block_headers(frame)[-1])  # where the last block starts
    with arrowio.input_stream(path, compression="auto") as stream:
        # Reads that end before the frame's last block cannot check it (as zstd's seekable library).
        assert stream.read_at(64, base) == data[base : base + 64]
        assert stream.read_at(100, last - 100) == data[last - 100 : last]
        # Those that decode it do, up to its end or not, and those that span the frame.
        for offset, n in ((stop - 1, 1), (stop - 10, 100), (last, 1), (last - 10, 20), (base, stop - base)):
            with pytest.raises(ArrowIOError, match="zstd: corrupt data in the frame starting at offset .*checksum"):
                stream.read_at(n, offset)


def test_a_read_inside_a_frame_reads_only_its_start_in_a_few_requests(tmp_path, data):
    path, _, table = _seekable_zstd(tmp_path, data)  # a frame of random bytes: ~1 MiB compressed
    reads: list[tuple[int, int]] = []
    fd = os.open(path, os.O_RDONLY)
    try:

        def read_at(n: int, offset: int) -> bytes:
            reads.append((offset, n))
            return os.pread(fd, n, offset)

        start, end = table.comp[RANDOM], table.comp[RANDOM + 1]
        for at in (1000, FRAME // 2):
            reads.clear()
            offset = table.plain[RANDOM] + at
            view = memoryview(bytearray(64))
            assert read_range(read_at, "zstd", table, view, offset) == 64
            assert view == data[offset : offset + 64]
            if at == 1000:  # near the frame's start: its first HEAD_INPUT bytes, one request
                assert reads == [(start, HEAD_INPUT)] and HEAD_INPUT < end - start
            else:  # half way: requests (round trips on a remote file) twice as large each time
                assert reads == [
                    (start, HEAD_INPUT),
                    (start + HEAD_INPUT, 2 * HEAD_INPUT),
                    (start + 3 * HEAD_INPUT, 4 * HEAD_INPUT),
                ]
                assert 3 * HEAD_INPUT < (end - start) // 2 < 7 * HEAD_INPUT < end - start  # 3 were needed
    finally:
        os.close(fd)


def test_a_frame_that_decodes_to_less_than_the_table_says_is_an_error(tmp_path, data):
    path, blob, table = _seekable_zstd(tmp_path, data)
    # The seek table's entry of the zeros frame says 100 bytes more than it holds (the total moved
    # to the last frame, so the table still adds up): a read past its real end is an error.
    count = table.frames
    entries = len(blob) - 9 - 8 * count
    zeros = count - 2
    for frame, delta in ((zeros, 100), (count - 1, -100)):
        at = entries + 8 * frame + 4
        struct.pack_into("<I", blob, at, struct.unpack_from("<I", blob, at)[0] + delta)
    open(path, "wb").write(blob)
    with arrowio.input_stream(path, compression="auto") as stream:
        start = stream._access._table.plain[zeros]
        assert stream.read_at(10, start) == data[start : start + 10]
        with pytest.raises(ArrowIOError, match="decodes to .* bytes, where the frame table says"):
            stream.read_at(10, start + FRAME + 50)


@pytest.mark.parametrize("fmt,layout", [("zstd", "seekable"), ("gzip", "bgzf")])
@pytest.mark.parametrize("walked", [True, False])
def test_a_file_cut_short_after_it_was_opened(tmp_path, data, fmt, layout, walked):
    # walked: a BGZF file's blocks all found before it is cut (size() walks them), or not yet.
    path = _write(str(tmp_path / f"t.{fmt}"), data, fmt, layout)
    with arrowio.OSFile(path) as raw:
        table = find_table(raw, fmt, path)
    with arrowio.input_stream(path, compression="auto") as stream:
        if walked:
            assert stream.size() == len(data)
        frame = table.frame_at(2 * FRAME + 10)
        cut = table.comp[frame] + (table.comp[frame + 1] - table.comp[frame]) // 2
        os.truncate(path, cut)
        with pytest.raises(ArrowIOError, match=f"{fmt}: truncated input"):
            stream.read_at(10, table.plain[frame + 1] - 20)  # the frame's end is gone
        with pytest.raises(ArrowIOError, match=f"{fmt}: truncated input"):
            stream.read_at(10, table.plain[frame + 2] + 5)  # so is every later frame
        assert stream.read_at(10, table.plain[frame] + 5) == data[table.plain[frame] + 5 :][:10]


def _rewrite(path: str, blob: bytearray) -> None:
    """Damage ``path`` in place, its size and mtime kept: the index saved beside it still applies."""
    stamp = os.stat(path)
    open(path, "wb").write(blob)
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))


def test_gzip_member_crc_is_verified_only_by_reads_to_its_end(tmp_path, data):
    path = _gzip_members(str(tmp_path / "m.gz"), data)
    with arrowio.OSFile(path) as raw:
        table = find_table(raw, "gzip", path)
    blob = bytearray(open(path, "rb").read())
    blob[table.comp[TEXT + 1] - 8] ^= 0xFF  # the member's CRC32
    _rewrite(path, blob)
    base, stop = table.plain[TEXT], table.plain[TEXT + 1]
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.read_at(64, base + 100) == data[base + 100 : base + 164]
        with pytest.raises(ArrowIOError, match="gzip: "):
            stream.read_at(1, stop - 1)


def test_gzip_damage_before_the_range_is_an_error_after_it_unseen(tmp_path, data):
    path = _gzip_members(str(tmp_path / "d.gz"), data)
    with arrowio.OSFile(path) as raw:
        table = find_table(raw, "gzip", path)
    blob = bytearray(open(path, "rb").read())
    start, end = table.comp[TEXT], table.comp[TEXT + 1]
    damaged_at = (start + end) // 2
    good = len(zlib.decompressobj(31).decompress(bytes(blob[start:damaged_at])))  # decoded before it
    blob[damaged_at : damaged_at + 64] = b"\xff" * 64
    # zlib, the reference, finds it bad there, not only by the member's CRC32 (zeros there, say,
    # decode to wrong bytes that only the CRC32 tells).
    with pytest.raises(zlib.error, match="invalid block type"):
        zlib.decompressobj(31).decompress(bytes(blob[start:end]))
    _rewrite(path, blob)
    base = table.plain[TEXT]
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.seekable()
        assert stream.read_at(64, base + good - 64) == data[base + good - 64 : base + good]
        with pytest.raises(ArrowIOError, match=rf"gzip: .* in the member starting at offset {start} ") as info:
            stream.read_at(64, table.plain[TEXT + 1] - 1000)
    offset = int(str(info.value).rsplit("offset ", 1)[1].rstrip(")"))
    assert damaged_at <= offset <= end  # where the decoder had been fed up to


def test_a_stream_read_only_by_position_never_plans_sequential_decoding(tmp_path, data, monkeypatch):
    # Planning the sequential read goes through the whole table (0.6 ms for the 4,000 blocks of
    # 256 MiB of BGZF): an open followed by read_at alone does not pay for it.
    from arrowio.compression import _frameread

    planned = []
    real = _frameread._fits
    monkeypatch.setattr(_frameread, "_fits", lambda table: planned.append(1) or real(table))
    path = _write(str(tmp_path / "p.gz"), data, "gzip", "bgzf")
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.read_at(64, 3 * FRAME) == data[3 * FRAME : 3 * FRAME + 64]
        assert not planned
        assert stream.read() == data  # planned as its walk goes: the whole table is never gone through
        assert not planned


@pytest.mark.parametrize("fmt,layout", [("zstd", "seekable"), ("gzip", "bgzf")])
@pytest.mark.parametrize("threaded", [True, False])
def test_a_seek_decodes_the_frame_it_lands_in_alone_until_read_past(tmp_path, data, fmt, layout, threaded, monkeypatch):
    # cat --offset N --length 64 seeks and reads 64 bytes: the tasks ahead of that frame (three
    # of ~1 MiB compressed, on a worker each) were most of its CPU time.
    from arrowio.compression import _frameread

    path = _write(str(tmp_path / f"s.{fmt}"), data, fmt, layout, frame_size=256 << 10)
    decoded: list[list[int]] = []
    real = _frameread._task_into

    def recording(read_at, readinto_at, fmt, bounds, out, exact=True):
        decoded.append(bounds)
        return real(read_at, readinto_at, fmt, bounds, out, exact)

    monkeypatch.setattr(_frameread, "_task_into", recording)
    at = 3 * FRAME + 1000
    with arrowio.CompressedInputStream(path, fmt, threaded=threaded) as stream:
        stream.seek(at)
        assert stream.read(64) == data[at : at + 64]
        assert [len(bounds) for bounds in decoded] == [2]  # one frame: its start and end
        assert stream.read() == data[at + 64 :]
        assert len(decoded) >= 2  # the rest, in tasks of several frames
        stream.seek(0)
        assert stream.read() == data
