"""Small local files (up to 256 KiB): read whole when opened, their frames found in memory, and no
saved index beside them looked for (README: "Independent frames"). Larger files still use theirs.
"""

from __future__ import annotations

import os
import random

import pytest
from compression_helpers import make_data, run_tool

import arrowio
from arrowio.errors import ArrowIOError

#: The size up to which a local file is read whole when opened (os_file._WHOLE_UP_TO).
WHOLE = 256 * 1024


def joined_zstd_frames(path: str, data: bytes, piece: int) -> str:
    """zstd frames joined as `cat a.zst b.zst` joins them: nothing declares where they start."""
    with open(path, "wb") as out:
        for start in range(0, len(data), piece):
            out.write(run_tool(["zstd", "-q", "-c"], data[start : start + piece]))
    return path


def damage_index(path: str) -> None:
    with open(path + ".arrowio-index", "r+b") as index:
        index.truncate(50)


def test_small_file_is_decoded_without_its_saved_index(tmp_path):
    data = make_data("text", 200_000, seed=3)
    path = joined_zstd_frames(str(tmp_path / "small.zst"), data, 50_000)
    assert os.path.getsize(path) <= WHOLE
    arrowio.compression.build_index(path)
    damage_index(path)  # were it opened, this index would fail the open ("truncated index")
    with arrowio.input_stream(path, compression="auto") as stream:
        assert not stream.seekable()  # decoded whole, as one stream
        assert stream.read() == data


def test_large_file_still_uses_its_saved_index(tmp_path):
    data = random.Random(4).randbytes(WHOLE + 4096)  # incompressible: the file is over 256 KiB
    path = joined_zstd_frames(str(tmp_path / "large.zst"), data, 100_000)
    assert os.path.getsize(path) > WHOLE
    arrowio.compression.build_index(path)
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.seekable() and stream.read_at(10, WHOLE) == data[WHOLE : WHOLE + 10]
    damage_index(path)
    with pytest.raises(ArrowIOError, match="truncated index"):
        arrowio.input_stream(path, compression="auto")


def test_small_gzip_file_ignores_a_checkpoint_index_beside_it(tmp_path):
    data = make_data("text", 100_000, seed=5)
    path = tmp_path / "small.gz"
    path.write_bytes(run_tool(["gzip", "-c"], data))
    (tmp_path / "small.gz.gzidx").write_bytes(b"not an index at all")  # newer than the file
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert not stream.seekable()
        assert stream.read() == data


@pytest.mark.parametrize("fmt,layout", [("zstd", "seekable"), ("zstd", "frames"), ("gzip", "bgzf")])
def test_small_file_declaring_its_frames_is_still_seekable(tmp_path, fmt, layout):
    """What a small file declares (a seek table, pzstd's sizes, BGZF blocks) is read from memory."""
    data = make_data("text", 150_000, seed=6)
    path = str(tmp_path / f"small.{fmt}")
    with arrowio.CompressedOutputStream(path, fmt, layout=layout, frame_size=40_000) as out:
        out.write(data)
    assert os.path.getsize(path) <= WHOLE
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.seekable() and stream.size() == len(data)
        assert stream.read_at(100, 90_000) == data[90_000:90_100]
        assert stream.read() == data


def test_small_file_detected_and_named_agree(tmp_path):
    """input_stream's detection and CompressedInputStream's own give the same stream."""
    data = make_data("text", 30_000, seed=7)
    path = str(tmp_path / "x.zst")
    with open(path, "wb") as out:
        out.write(run_tool(["zstd", "-q", "-c"], data) + run_tool(["gzip", "-c"], data))  # a sequence of formats
    for stream in (
        arrowio.input_stream(path, compression="auto"),
        arrowio.CompressedInputStream(path, "detect"),
        arrowio.CompressedInputStream(arrowio.OSFile(path), "auto"),
    ):
        with stream:
            assert stream.codec.name == "zstd" and stream.read() == data + data
    with arrowio.input_stream(path, compression="zstd") as stream, pytest.raises(ArrowIOError, match="trailing"):
        stream.read()  # named: zstd alone, as before


def test_first_piece_of_a_small_gzip_file_is_sized_by_its_trailer():
    from arrowio.compression._sizehint import FLOOR, first_piece

    member = run_tool(["gzip", "-c"], b"x" * 100_000)
    assert first_piece("gzip", member, 1 << 20) == 100_001  # ISIZE + 1: the member ends within it
    assert first_piece("gzip", run_tool(["gzip", "-c"], b"tiny"), 1 << 20) == FLOOR
    assert first_piece("gzip", run_tool(["gzip", "-c"], bytes(3 << 20)), 1 << 20) == 1 << 20
    assert first_piece("zstd", run_tool(["zstd", "-q", "-c"], b"x" * 100_000), 1 << 20) == 1 << 20


@pytest.mark.parametrize("sizes", [(70_000, 10), (10, 70_000), (50_000, 0, 120_000)])
def test_small_gzip_of_several_members_whose_last_isize_misleads(tmp_path, sizes):
    """The last member's ISIZE sizes only the first piece: every member is still decoded whole."""
    parts = [make_data("text", size, seed=size) for size in sizes]
    path = tmp_path / "members.gz"
    path.write_bytes(b"".join(run_tool(["gzip", "-c"], part) for part in parts))
    with arrowio.input_stream(str(path), compression="auto") as stream:
        pieces = []
        while piece := stream.read1(1 << 20):
            pieces.append(piece)
    assert b"".join(pieces) == b"".join(parts)
