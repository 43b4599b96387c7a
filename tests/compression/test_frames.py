"""Independent frames: written in parallel, decoded in parallel, entered at any frame.

Every file here is also read by the real tools (zstd, gzip, pzstd, bgzip) or written by them.
"""

from __future__ import annotations

import itertools
import os
import random
import struct
import subprocess

import pytest
from compression_helpers import gzip_with_dense_index, make_data, need_tool, run_tool

import arrowio
from arrowio.compression import FORMATS
from arrowio.errors import ArrowIOError

FRAME = 64 * 1024
LAYOUTS = [("zstd", "frames"), ("zstd", "seekable"), ("gzip", "frames"), ("gzip", "bgzf")]
#: Whether the file tells every frame's decoded size (and so is seekable) without a saved index:
#: our zstd frames carry their content size, gzip members do not, BGZF records its block sizes.
SEEKABLE = {("zstd", "frames"): True, ("zstd", "seekable"): True, ("gzip", "frames"): False, ("gzip", "bgzf"): True}
DECODERS = {"zstd": ["zstd", "-q", "-dc"], "gzip": ["gzip", "-dc"]}


@pytest.fixture(scope="module")
def data() -> bytes:
    return make_data("mixed", 3 * 1024 * 1024 + 12345, seed=15)


def write(
    path: str, data: bytes, fmt: str, layout: str, threads: int = 2, frame_size: int = FRAME, pieces: int = 7
) -> str:
    """Write ``data`` in uneven pieces, so frames are cut across writes."""
    with arrowio.CompressedOutputStream(path, fmt, layout=layout, threads=threads, frame_size=frame_size) as out:
        step = len(data) // pieces + 1
        for start in range(0, len(data), step):
            out.write(data[start : start + step])
    return path


def read_all(path: str, threaded: bool = True) -> tuple[bytes, bool]:
    with arrowio.CompressedInputStream(path, "detect", threaded=threaded) as stream:
        return stream.read(), stream.seekable()


@pytest.mark.parametrize("fmt,layout", LAYOUTS)
@pytest.mark.parametrize("threads", [0, 2])
def test_layouts_round_trip_and_standard_tools_read_them(tmp_path, data, fmt, layout, threads):
    path = write(str(tmp_path / f"out.{fmt}"), data, fmt, layout, threads)
    assert run_tool(DECODERS[fmt] + [path]) == data
    for threaded in (True, False):
        decoded, seekable = read_all(path, threaded)
        assert decoded == data
        assert seekable is SEEKABLE[(fmt, layout)]


def test_pzstd_reads_our_frames_in_parallel_and_we_read_its(tmp_path, data):
    need_tool("pzstd")
    ours = write(str(tmp_path / "ours.zst"), data, "zstd", "frames")
    assert run_tool(["pzstd", "-q", "-dc", "-p", "2", ours]) == data
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    theirs = str(tmp_path / "theirs.zst")
    run_tool(["pzstd", "-q", "-f", "-p", "2", "-1", str(src), "-o", theirs])  # level 1: 2 MiB frames
    with arrowio.input_stream(theirs, compression="auto") as stream:
        assert type(stream._reader).__name__ == "FrameReader"  # found its frames: decoded in parallel
        assert not stream.seekable()  # pzstd's frames do not record their decoded sizes
        assert stream.read() == data


@pytest.mark.parametrize("with_gzi", [False, True])
def test_bgzip_files_are_seekable_with_or_without_gzi(tmp_path, data, with_gzi):
    need_tool("bgzip")
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    path = str(tmp_path / "in.bin.gz")
    run_tool(["bgzip", "-f", "-@", "2"] + (["-i"] if with_gzi else []) + [str(src)])
    assert os.path.exists(path + ".gzi") is with_gzi
    check_random_access(path, data)


def test_bgzip_reads_ours(tmp_path, data):
    need_tool("bgzip")
    path = write(str(tmp_path / "ours.gz"), data, "gzip", "bgzf")
    assert run_tool(["bgzip", "-dc", "-@", "2", path]) == data
    # bgzip's own random access (-b offset -s size) works on our file once it has indexed it.
    run_tool(["bgzip", "-r", path])
    assert run_tool(["bgzip", "-b", "1000000", "-s", "100", path]) == data[1000000:1000100]


def check_random_access(path: str, data: bytes, seed: int = 1) -> None:
    rng = random.Random(seed)
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.seekable() and stream.size() == len(data)
        for _ in range(20):
            offset, n = rng.randrange(len(data) + 10), rng.randrange(1, 300_000)
            assert stream.read_at(n, offset) == data[offset : offset + n]
        for _ in range(5):
            offset = rng.randrange(len(data))
            assert stream.seek(offset) == offset and stream.tell() == offset
            assert stream.read(1000) == data[offset : offset + 1000]
            assert stream.tell() == min(offset + 1000, len(data))
        stream.seek(-10, 2)
        assert stream.read() == data[-10:]
        stream.seek(len(data) + 5)
        assert stream.read(10) == b""
        stream.seek(0)
        assert stream.read() == data


@pytest.mark.parametrize("fmt,layout", [("zstd", "frames"), ("zstd", "seekable"), ("gzip", "bgzf")])
def test_random_access(tmp_path, data, fmt, layout):
    # Named by its extension: input_stream's default 'detect' goes by the extension alone (issue 12).
    extension = FORMATS[fmt].extensions[0]
    check_random_access(write(str(tmp_path / f"f{extension}"), data, fmt, layout), data)


def test_read_at_decodes_only_the_frames_it_needs(tmp_path, data, monkeypatch):
    path = write(str(tmp_path / "f.zst"), data, "zstd", "seekable")
    from arrowio.compression import _frameread

    ranges = []
    real = _frameread.decode_into

    def counting(fmt, src, base, bounds, out):
        ranges.append(len(src))
        return real(fmt, src, base, bounds, out)

    monkeypatch.setattr(_frameread, "decode_into", counting)
    end = 31 * FRAME  # the end of a frame: that frame is decoded whole, the one before it not at all
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.read_at(64, end - 64) == data[end - 64 : end]
    assert len(ranges) == 1 and ranges[0] <= FRAME + 1024  # one frame (of random data: not smaller) of ~50


def test_empty_input_makes_valid_files(tmp_path):
    for fmt, layout in LAYOUTS:
        path = write(str(tmp_path / f"empty-{layout}.{fmt}"), b"", fmt, layout)
        assert run_tool(DECODERS[fmt] + [path]) == b""
        assert read_all(path)[0] == b""


def test_flush_makes_what_was_written_decodable(tmp_path):
    path = tmp_path / "flushed.zst"
    out = arrowio.CompressedOutputStream(str(path), "zstd", layout="seekable", threads=2)
    out.write(b"first part\n")
    out.flush()
    assert run_tool(["zstd", "-q", "-dc"], path.read_bytes()) == b"first part\n"
    out.write(b"second\n")
    out.close()
    assert run_tool(["zstd", "-q", "-dc"], path.read_bytes()) == b"first part\nsecond\n"
    assert read_all(str(path)) == (b"first part\nsecond\n", True)


@pytest.mark.parametrize("threads", [0, 2])
def test_frames_are_cut_exactly_from_a_buffer_the_writer_reuses(tmp_path, data, threads):
    """The encoder keeps no view of what it is given: a writer that refills one buffer (as the
    command line does) gets its bytes in the right frames, each exactly the frame size, through
    writes smaller than a frame, across frames and spanning several."""
    path = tmp_path / "f.zst"
    buffer = bytearray(FRAME * 5 + 7)
    sizes = [1, FRAME - 1, FRAME, 3, FRAME * 5 + 7, 100, FRAME * 2 + 1]
    with arrowio.CompressedOutputStream(str(path), "zstd", layout="seekable", threads=threads, frame_size=FRAME) as out:
        start = 0
        while start < len(data):
            n = min(sizes[start % len(sizes)], len(data) - start)
            buffer[:n] = data[start : start + n]
            out.write(memoryview(buffer)[:n])
            buffer[:n] = bytes(n)  # overwritten at once, as a reused read buffer is
            start += n
    assert run_tool(["zstd", "-q", "-dc", str(path)]) == data
    from arrowio.compression._frametable import read_seek_table

    raw = path.read_bytes()
    table = read_seek_table(lambda n, offset: raw[offset : offset + n], len(raw))
    assert table is not None and table.plain is not None
    steps = [b - a for a, b in itertools.pairwise(table.plain)]
    assert steps == [FRAME] * (len(data) // FRAME) + [len(data) % FRAME]


@pytest.mark.parametrize("layout,fmt", [("seekable", "gzip"), ("bgzf", "zstd"), ("columns", "zstd")])
def test_layout_refused_for_the_wrong_format_before_the_file_is_touched(tmp_path, layout, fmt):
    path = tmp_path / "keep"
    path.write_bytes(b"old")
    with pytest.raises(ValueError, match="layout"):
        arrowio.CompressedOutputStream(str(path), fmt, layout=layout)
    assert path.read_bytes() == b"old"


# -- damaged files -----------------------------------------------------------------------------------
def seekable_file(tmp_path, data) -> tuple[str, bytes]:
    path = write(str(tmp_path / "s.zst"), data, "zstd", "seekable")
    return path, open(path, "rb").read()


def footer(blob: bytes) -> tuple[int, int]:
    count, descriptor = struct.unpack_from("<IB", blob, len(blob) - 9)
    return count, descriptor


def test_seek_table_footer_listing_more_frames_than_the_file_holds(tmp_path, data):
    path, blob = seekable_file(tmp_path, data)
    count, _ = footer(blob)
    damaged = blob[:-9] + struct.pack("<IBI", 10_000_000, 0, 0x8F92EAB1)
    open(path, "wb").write(damaged)
    with pytest.raises(ArrowIOError, match="zstd: truncated seek table: its footer lists 10000000 frames"):
        arrowio.input_stream(path, compression="auto")


def test_seek_table_missing_its_start(tmp_path, data):
    path, blob = seekable_file(tmp_path, data)
    count, _ = footer(blob)
    table = 8 + 8 * count + 9
    damaged = blob[: len(blob) - table] + blob[len(blob) - table + 8 :]  # the skippable frame header cut out
    open(path, "wb").write(damaged)
    with pytest.raises(ArrowIOError, match="corrupt seek table: the footer lists .* but no seek table frame"):
        arrowio.input_stream(path, compression="auto")


def test_seek_table_with_reserved_bits(tmp_path, data):
    path, blob = seekable_file(tmp_path, data)
    damaged = bytearray(blob)
    damaged[-5] |= 0x10
    open(path, "wb").write(damaged)
    with pytest.raises(ArrowIOError, match="reserved descriptor bits"):
        arrowio.input_stream(path, compression="auto")


def test_seek_table_whose_sizes_do_not_cover_the_frames(tmp_path, data):
    path, blob = seekable_file(tmp_path, data)
    count, _ = footer(blob)
    at = len(blob) - 9 - 8 * count  # the first entry's compressed size
    damaged = bytearray(blob)
    struct.pack_into("<I", damaged, at, struct.unpack_from("<I", blob, at)[0] + 1)
    open(path, "wb").write(damaged)
    with pytest.raises(ArrowIOError, match=r"corrupt seek table: its \d+ frames cover"):
        arrowio.input_stream(path, compression="auto")


def test_seek_table_with_a_wrong_decoded_size(tmp_path, data):
    path, blob = seekable_file(tmp_path, data)
    count, _ = footer(blob)
    at = len(blob) - 9 - 8 * count + 4  # the first entry's decompressed size
    damaged = bytearray(blob)
    struct.pack_into("<I", damaged, at, struct.unpack_from("<I", blob, at)[0] - 1)
    open(path, "wb").write(damaged)
    with (
        arrowio.input_stream(path, compression="auto") as stream,
        pytest.raises(ArrowIOError, match="where the frame table says"),
    ):
        stream.read()
    with arrowio.input_stream(path, compression="auto") as stream, pytest.raises(ArrowIOError, match="frame table"):
        stream.read_at(10, FRAME - 5)


def test_a_file_cut_inside_its_seek_table_reads_sequentially_and_fails_as_truncated(tmp_path, data):
    path, blob = seekable_file(tmp_path, data)
    open(path, "wb").write(blob[:-5])  # the footer's magic is gone: not seekable
    with arrowio.input_stream(path, compression="auto") as stream:
        assert not stream.seekable()
        with pytest.raises(ArrowIOError, match="zstd: truncated input: it ends inside the skippable frame"):
            stream.read()
    assert subprocess.run(["zstd", "-q", "-dc", path], capture_output=True).returncode != 0  # zstd agrees


@pytest.mark.parametrize("fmt,layout", [("zstd", "seekable"), ("gzip", "bgzf")])
def test_corrupt_frame_is_reported_with_its_offset_after_the_data_before_it(tmp_path, data, fmt, layout):
    path = write(str(tmp_path / f"c{FORMATS[fmt].extensions[0]}"), data, fmt, layout)  # 'detect': by extension
    blob = bytearray(open(path, "rb").read())
    where = len(blob) // 2
    blob[where : where + 64] = bytes(64)
    open(path, "wb").write(blob)
    got = bytearray()
    with (
        arrowio.input_stream(path, compression="auto") as stream,
        pytest.raises(ArrowIOError, match=f"{fmt}: .*at compressed offset") as info,
    ):
        while chunk := stream.read(65536):
            got += chunk
    # What came before the damaged frame arrived first (gzip hands out a member's bytes before its
    # trailer's CRC can tell they are wrong, in parallel as when decoding sequentially).
    assert len(got) > len(data) // 3 and got[: len(data) // 3] == data[: len(data) // 3]
    offset = int(str(info.value).rsplit("offset ", 1)[1].rstrip(")"))
    assert where - 70_000 < offset < where + 70_000  # the file's offset, not one within a task


def test_close_in_the_middle_stops_the_workers(tmp_path, data):
    path = write(str(tmp_path / "f.zst"), data, "zstd", "frames")
    stream = arrowio.input_stream(path, compression="auto")
    assert stream.read(10) == data[:10]
    stream.close()
    assert stream._reader._pool is None


# -- saved indexes ---------------------------------------------------------------------------------
def multi_member_gzip(tmp_path, data) -> str:
    """gzip's own members, as `cat a.gz b.gz` or `gzip` of each chunk makes them."""
    path = tmp_path / "multi.gz"
    with open(path, "wb") as out:
        for start in range(0, len(data), 700_000):
            out.write(run_tool(["gzip", "-c"], data[start : start + 700_000]))
    return str(path)


def test_scan_index_of_multi_member_gzip(tmp_path, data):
    path = multi_member_gzip(tmp_path, data)
    assert not read_all(path)[1]
    table = arrowio.compression.build_index(path)
    assert table.frames == 5 and table.size == len(data)
    assert os.path.exists(path + ".arrowio-index")
    check_random_access(path, data)


def test_scan_index_of_pzstd_file(tmp_path, data):
    need_tool("pzstd")
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    path = str(tmp_path / "in.zst")
    run_tool(["pzstd", "-q", "-f", "-p", "2", "-1", str(src), "-o", path])
    arrowio.compression.build_index(path)
    check_random_access(path, data)


def test_scan_index_of_zstd_frames_without_markers(tmp_path, data):
    path = tmp_path / "cat.zst"
    with open(path, "wb") as out:  # frames as `cat a.zst b.zst` joins them: no sizes declared, none content size
        for start in range(0, len(data), 1_000_000):
            out.write(run_tool(["zstd", "-q", "-c", "--no-content-size"], data[start : start + 1_000_000]))
    table = arrowio.compression.build_index(str(path))
    assert table.frames == 4
    check_random_access(str(path), data)


def test_stale_index_is_ignored_and_a_damaged_one_refused(tmp_path, data):
    path = multi_member_gzip(tmp_path, data)
    arrowio.compression.build_index(path)
    assert read_all(path)[1]
    os.utime(path, ns=(1, 1))  # the file "changed" after the index was made
    assert read_all(path) == (data, False)
    arrowio.compression.build_index(path)
    with open(path + ".arrowio-index", "r+b") as index:
        index.truncate(50)
    with pytest.raises(ArrowIOError, match="truncated index"):
        arrowio.input_stream(path, compression="auto")


def test_scan_reports_a_truncated_file(tmp_path, data):
    path = multi_member_gzip(tmp_path, data)
    blob = open(path, "rb").read()
    open(path, "wb").write(blob[:-100])
    with pytest.raises(ArrowIOError, match="gzip: truncated input"):
        arrowio.compression.build_index(path)
    assert not os.path.exists(path + ".arrowio-index")


# -- single-member gzip: checkpoint index (rapidgzip) ---------------------------------------------
@pytest.fixture
def single_gzip(tmp_path, data) -> str:
    pytest.importorskip("rapidgzip")
    path = tmp_path / "single.gz"
    path.write_bytes(run_tool(["gzip", "-c"], data))
    return str(path)


def test_checkpoint_index_gives_single_member_gzip_random_access(single_gzip, data):
    assert not read_all(single_gzip)[1]
    index = arrowio.compression.build_gzip_index(single_gzip)
    assert index == single_gzip + ".gzidx" and os.path.getsize(index) > 0
    check_random_access(single_gzip, data)
    with arrowio.input_stream(
        single_gzip, compression="auto"
    ) as stream:  # sequential reads stay right after read_at moves it
        assert stream.read(1000) == data[:1000]
        assert stream.read_at(10, 2_000_000) == data[2_000_000:2_000_010]
        assert stream.read(1000) == data[1000:2000]


def test_checkpoint_index_serves_seeks_while_reads_from_the_start_stay_strict(single_gzip, data):
    arrowio.compression.build_gzip_index(single_gzip)
    with arrowio.input_stream(single_gzip, compression="auto") as stream:
        assert type(stream._reader).__name__ == "DecodingReader"  # our decoder: its checks and messages
        stream.seek(len(data) - 100)
        assert type(stream._reader).__name__ == "CheckpointReader"
        assert stream.read() == data[-100:]


def test_compressed_bytes_read_are_counted_for_frames(tmp_path, data):
    path = write(str(tmp_path / "f.zst"), data, "zstd", "frames")
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.compressed_read == 0
        stream.read()
        assert stream.compressed_read == os.path.getsize(path)  # raw.tell() would say 0: reads are positional


def test_checkpoint_index_older_than_the_file_is_ignored(single_gzip, data):
    index = arrowio.compression.build_gzip_index(single_gzip)
    os.utime(index, ns=(1, 1))
    assert read_all(single_gzip) == (data, False)


def test_checkpoint_index_of_another_file_is_refused(single_gzip, tmp_path):
    index = arrowio.compression.build_gzip_index(single_gzip)
    other = tmp_path / "other.gz"  # over 256 KiB: the index of a smaller file is not looked for
    other.write_bytes(run_tool(["gzip", "-c"], random.Random(3).randbytes(300_000)))
    os.rename(index, str(other) + ".gzidx")
    os.utime(str(other) + ".gzidx")  # newer than the file: not stale, just someone else's
    with pytest.raises(ArrowIOError, match="unusable checkpoint index"):
        arrowio.input_stream(str(other), compression="auto")


def test_checkpoint_index_of_a_corrupt_file_is_not_written(single_gzip):
    blob = bytearray(open(single_gzip, "rb").read())
    blob[-8] ^= 0xFF  # the CRC32 in the trailer
    open(single_gzip, "wb").write(blob)
    with pytest.raises(ArrowIOError, match="CRC32"):
        arrowio.compression.build_gzip_index(single_gzip)
    assert not os.path.exists(single_gzip + ".gzidx")


def dense_checkpoints(tmp_path, data) -> tuple[str, bytes]:
    """A gzip file with a random stretch (stored blocks) and an index with a checkpoint every
    64 KiB of input: checkpoints inside bytes and before stored blocks."""
    pytest.importorskip("rapidgzip")
    plain = data[:1_000_000] + random.Random(5).randbytes(300_000) + data[1_000_000:]
    return gzip_with_dense_index(str(tmp_path / "dense.gz"), plain, 64 << 10), plain


def test_read_at_decodes_from_one_checkpoint_without_loading_the_whole_index(tmp_path, data):
    path, plain = dense_checkpoints(tmp_path, data)
    index = open(path + ".gzidx", "rb").read()
    bits = [index[35 + 18 * i + 16] for i in range(struct.unpack_from("<I", index, 31)[0])]
    assert len(bits) > 20 and any(bits)  # some checkpoints fall inside a byte
    rng = random.Random(7)
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.seekable() and stream.size() == len(plain)
        for _ in range(60):
            offset, n = rng.randrange(len(plain) + 10), rng.randrange(1, 200_000)
            assert stream.read_at(n, offset) == plain[offset : offset + n]
        assert stream._access._opened is None  # rapidgzip never loaded the windows
        stream.seek(1_100_000)  # a reader from a position: rapidgzip, the whole index
        assert stream.read(1000) == plain[1_100_000:1_101_000]


def test_checkpoint_read_at_across_gzip_members(tmp_path, data):
    pytest.importorskip("rapidgzip")
    path = multi_member_gzip(tmp_path, data)  # members of 700,000 bytes each
    arrowio.compression.build_gzip_index(path)
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.seekable()
        assert stream.read_at(100, 699_950) == data[699_950:700_050]  # across the first members' boundary
        assert stream.read_at(2_000_000, 10) == data[10:2_000_010]
        assert stream.read_at(64, 2_100_000) == data[2_100_000:2_100_064]


@pytest.mark.parametrize("cut", [1, 40_000])
def test_truncated_checkpoint_index_is_refused_at_open(tmp_path, data, cut):
    path, _ = dense_checkpoints(tmp_path, data)
    index = open(path + ".gzidx", "rb").read()
    open(path + ".gzidx", "wb").write(index[:-cut])
    with pytest.raises(ArrowIOError, match="gzip: .*unusable checkpoint index"):
        arrowio.input_stream(path, compression="auto")


def test_checkpoint_index_without_rapidgzip_says_what_to_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "rapidgzip", None)
    path = tmp_path / "x.gz"
    path.write_bytes(run_tool(["gzip", "-c"], b"abc"))
    with pytest.raises(NotImplementedError, match="pip install rapidgzip"):
        arrowio.compression.build_gzip_index(str(path))


def test_seek_table_boundaries_that_cut_frames_are_errors(tmp_path, data):
    path, blob = seekable_file(tmp_path, data)
    count, _ = footer(blob)
    at = len(blob) - 9 - 8 * count  # the first two entries' compressed sizes: +1 and -1 (same total)
    damaged = bytearray(blob)
    struct.pack_into("<I", damaged, at, struct.unpack_from("<I", blob, at)[0] + 1)
    struct.pack_into("<I", damaged, at + 8, struct.unpack_from("<I", blob, at + 8)[0] - 1)
    open(path, "wb").write(damaged)
    with arrowio.input_stream(path, compression="auto") as stream:
        # Read through, tasks span many frames and only their ends and sizes must agree with
        # the table: the data is right. Entered at the damaged boundaries, the table is wrong:
        assert stream.read() == data
        with pytest.raises(ArrowIOError, match="zstd: truncated input"):
            stream.read_at(10, FRAME - 10)  # the first frame's range ends one byte into the second frame
        # A read that ends inside that frame decodes it only so far: its end is never reached.
        assert stream.read_at(10, 5) == data[5:15]
        with pytest.raises(ArrowIOError, match="zstd: not in zstd format|zstd: .*magic"):
            stream.read_at(10, FRAME + 5)  # the second one starts a byte late


@pytest.mark.parametrize("fmt,layout", [("gzip", "bgzf"), ("zstd", "frames"), ("zstd", "seekable")])
def test_frames_in_memory_are_found_too(tmp_path, data, fmt, layout):
    blob = open(write(str(tmp_path / "m"), data, fmt, layout), "rb").read()
    with arrowio.CompressedInputStream(arrowio.BufferReader(blob), fmt) as stream:
        assert stream.seekable()
        assert stream.read_at(100, 1_234_567) == data[1_234_567:1_234_667]
        assert stream.read() == data


# -- decoding into reused buffers ----------------------------------------------------------------------
def test_frames_are_decoded_into_a_ring_of_reused_buffers(tmp_path, data):
    # 3 MiB in 64 KiB frames make some 50 tasks: their output lands in one buffer per task in
    # flight, reused, and the pieces handed out are views of those buffers (no bytes per piece).
    path = write(str(tmp_path / "f.zst"), data, "zstd", "seekable")
    with arrowio.input_stream(path, compression="auto") as stream:
        reader = stream._reader
        owners = set()
        got = bytearray()
        for piece in reader._pieces:
            assert isinstance(piece, memoryview)
            owners.add(id(piece.obj))
            got += piece
        assert got == data
        assert len(owners) <= reader._ahead


@pytest.mark.parametrize("fmt,layout", [("zstd", "seekable"), ("gzip", "bgzf")])
def test_frames_larger_than_a_task_may_hold_are_streamed(tmp_path, data, monkeypatch, fmt, layout):
    # A frame may decode to anything up to 4 GiB (a seek table's sizes are 32-bit): one larger
    # than TASK_PLAIN is never decoded into a buffer of its size, but streamed in pieces.
    from arrowio.compression import _frameread

    monkeypatch.setattr(_frameread, "TASK_PLAIN", 16 << 10)
    path = write(str(tmp_path / f"f{FORMATS[fmt].extensions[0]}"), data, fmt, layout)
    allocated = []
    monkeypatch.setattr(_frameread, "bytearray", lambda n: allocated.append(n) or bytearray(n), raising=False)
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.read() == data
        assert stream.read_at(100, 1_234_567) == data[1_234_567:1_234_667]
    assert not [n for n in allocated if n > _frameread.TASK_PLAIN]


@pytest.mark.parametrize("task_plain", [None, 1 << 20])
def test_frames_of_unknown_size_fill_the_ring_or_are_streamed_when_too_large(tmp_path, data, monkeypatch, task_plain):
    # pzstd's frames record no decoded size: each task is decoded into a buffer of TASK_PLAIN
    # bytes, and one that does not fit (its 2 MiB frames, with TASK_PLAIN cut to 1 MiB) is
    # streamed by the reading thread instead, its data still right.
    need_tool("pzstd")
    from arrowio.compression import _frameread

    if task_plain is not None:
        monkeypatch.setattr(_frameread, "TASK_PLAIN", task_plain)
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    path = str(tmp_path / "theirs.zst")
    run_tool(["pzstd", "-q", "-f", "-p", "2", "-1", str(src), "-o", path])  # level 1: 2 MiB frames
    with arrowio.input_stream(path, compression="auto") as stream:
        assert not stream.seekable()
        pieces = list(stream._reader._pieces)
    assert b"".join(pieces) == data
    kinds = {type(piece) for piece in pieces}
    assert kinds == ({memoryview} if task_plain is None else {bytes})


def test_a_frame_whose_checksum_is_wrong_is_an_error_where_the_buffer_ends(tmp_path, data):
    # The frame's output exactly fills the buffer it is decoded into: its checksum is still checked.
    path, blob = seekable_file(tmp_path, data)
    count, _ = footer(blob)
    first = struct.unpack_from("<I", blob, len(blob) - 9 - 8 * count)[0]  # the first frame's compressed size
    damaged = bytearray(blob)
    damaged[first - 1] ^= 0xFF  # the last byte of its content checksum
    open(path, "wb").write(damaged)
    with arrowio.input_stream(path, compression="auto") as stream:
        with pytest.raises(ArrowIOError, match="zstd: corrupt data in the frame starting at offset 0 .*checksum"):
            stream.read_at(10, FRAME - 10)  # up to the frame's last byte: the checksum is checked
        # A read that ends inside the frame decodes it only so far, but this frame is one block
        # (64 KiB), its last, which the checksum follows: it is checked all the same.
        with pytest.raises(ArrowIOError, match="checksum"):
            stream.read_at(10, 5)
        with pytest.raises(ArrowIOError, match="checksum"):
            stream.read()
    assert subprocess.run(["zstd", "-q", "-dc", path], capture_output=True).returncode != 0  # zstd agrees


@pytest.mark.parametrize("shift", [1, -1])
def test_gzi_entries_that_miss_member_boundaries_are_errors_where_entered(tmp_path, data, shift):
    path = write(str(tmp_path / "b.gz"), data, "gzip", "bgzf")
    from arrowio.compression._framescan import find_table

    with arrowio.OSFile(path) as raw:
        table = find_table(raw, "gzip", path)
    pairs = list(zip(table.comp[1:-1], table.plain[1:-1], strict=True))
    pairs[3] = (pairs[3][0] + shift, pairs[3][1])  # the fifth member starts a byte off
    with open(path + ".gzi", "wb") as gzi:
        gzi.write(struct.pack("<Q", len(pairs)) + b"".join(struct.pack("<QQ", c, d) for c, d in pairs))
    with arrowio.input_stream(path, compression="auto") as stream:
        # Read through, a task's members are decoded one after the other: only the ends of tasks
        # must agree with the table, and the data is right. Entered there, the table is wrong:
        assert stream.read() == data
        with pytest.raises(ArrowIOError, match="gzip: "):
            stream.read_at(10, table.plain[4] + 5)


@pytest.mark.parametrize("fmt,layout", [("zstd", "seekable"), ("gzip", "bgzf")])
def test_read_view_hands_out_the_ring_itself_with_the_bytes_and_error_of_read1(
    tmp_path, data, monkeypatch, fmt, layout
):
    # What `cat` writes without a copy: views of the ring's few buffers, each valid until the next
    # read. One frame per task makes some 50 tasks, so every buffer is reused many times over.
    from arrowio.compression import _frameread

    monkeypatch.setattr(_frameread, "TASK_GROUP", FRAME)
    path = write(str(tmp_path / f"v{FORMATS[fmt].extensions[0]}"), data, fmt, layout)
    with arrowio.input_stream(path, compression="auto") as stream:
        reader = stream._reader
        owners = set()
        got = bytearray()
        while piece := reader.read_view(1 << 20):
            assert isinstance(piece, memoryview)
            owners.add(id(piece.obj))
            got += piece  # before the next read: then the buffer may be decoded into again
        assert got == data
        assert len(owners) <= reader._ahead
        assert reader.position == len(data)
    blob = bytearray(open(path, "rb").read())
    blob[len(blob) // 2 : len(blob) // 2 + 64] = bytes(64)
    open(path, "wb").write(blob)
    outcomes = []
    for method in ("read_view", "read1"):
        got = bytearray()
        with arrowio.input_stream(path, compression="auto") as stream:
            read = getattr(stream._reader, method)
            with pytest.raises(ArrowIOError) as info:
                while piece := read(100_000):
                    got += piece
            with pytest.raises(ArrowIOError, match="decode|corrupt|truncated|offset"):
                read(100_000)  # the error stays: never a clean end after it
        outcomes.append((bytes(got), str(info.value)))
    assert outcomes[0] == outcomes[1]
    # gzip hands out a damaged member's bytes before its CRC tells: only the start is surely right
    assert len(outcomes[0][0]) > len(data) // 3 and outcomes[0][0][: len(data) // 3] == data[: len(data) // 3]
