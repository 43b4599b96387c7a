"""Runs of zstd frames decoded into a buffer: by libzstd in one call where it loads, by
``zstandard`` frame by frame where it does not (``ARROWIO_NO_LIBZSTD``). Both paths give the same
bytes, and the same errors at the same offsets as a sequential read; pzstd writes the files."""

from __future__ import annotations

import struct
import threading

import pytest
import zstandard
from compression_helpers import failures_with_and_without, make_data, need_tool, read_only_through, run_tool

import arrowio
from arrowio.compression import _libzstd
from arrowio.compression._framedecode import DecodeError, Overflow, decode_into
from arrowio.errors import ArrowIOError


@pytest.fixture(params=["libzstd", "zstandard"])
def zstd_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test once on libzstd and once with it hidden."""
    if request.param == "zstandard":
        monkeypatch.setenv("ARROWIO_NO_LIBZSTD", "1")
        assert _libzstd.decoder() is None
    elif _libzstd.decoder() is None:
        pytest.skip("libzstd is not installed (Debian package libzstd1)")
    return request.param


@pytest.fixture(scope="module")
def data() -> bytes:
    return make_data("mixed", 2 * 1024 * 1024 + 555, seed=11)


def frame(payload: bytes, content_size: bool = True, checksum: bool = True) -> bytes:
    compressor = zstandard.ZstdCompressor(level=3, write_content_size=content_size, write_checksum=checksum)
    if content_size:
        return compressor.compress(payload)
    writer = compressor.chunker(chunk_size=1 << 20)  # streamed: no content size in the header
    return b"".join([*writer.compress(payload), *writer.finish()])


def skippable(payload: bytes) -> bytes:
    return struct.pack("<II", 0x184D2A5E, len(payload)) + payload


def test_frames_of_known_and_unknown_size_and_skippable_ones(zstd_path):
    pieces = [b"first " * 4000, b"second " * 100, bytes(range(256)) * 300]
    src = memoryview(frame(pieces[0]) + skippable(b"meta") + frame(pieces[1], content_size=False) + frame(pieces[2]))
    out = memoryview(bytearray(sum(map(len, pieces))))
    assert decode_into("zstd", src, 500, [0, len(src)], out) == len(out)
    assert out == b"".join(pieces)


def test_more_than_the_buffer_holds_is_an_overflow(zstd_path):
    src = memoryview(frame(b"a" * 1000, content_size=False) + frame(b"b" * 1000, content_size=False))
    with pytest.raises(Overflow):
        decode_into("zstd", src, 0, [0, len(src)], memoryview(bytearray(1500)))


@pytest.mark.parametrize("damage", ["checksum", "cut", "garbage", "legacy_magic", "content"])
def test_bad_frames_are_decode_errors(zstd_path, damage):
    good, bad = frame(b"x" * 5000), bytearray(frame(b"y" * 70000))
    if damage == "checksum":
        bad[-1] ^= 0xFF
    elif damage == "cut":
        del bad[-5:]
    elif damage == "garbage":
        bad += b"\1\2\3\4\5\6\7\0"
    elif damage == "legacy_magic":
        bad[0] = 0x27  # 0xFD2FB527: zstd v0.7, which only a legacy-enabled libzstd reads
    else:
        bad[len(bad) // 2 : len(bad) // 2 + 16] = bytes(16)
    src = memoryview(good + bad)
    with pytest.raises(DecodeError) as info:
        decode_into("zstd", src, 0, [0, len(src)], memoryview(bytearray(75000 + 64)))
    assert isinstance(info.value.error, ArrowIOError)


def test_each_thread_has_its_own_context():
    if _libzstd.decoder() is None:
        pytest.skip("libzstd is not installed (Debian package libzstd1)")
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(_libzstd.decoder()))
    thread.start()
    thread.join()
    assert seen[0] is not None and seen[0] is not _libzstd.decoder()


def test_pzstd_files_read_the_same_on_both_paths(zstd_path, tmp_path, data):
    need_tool("pzstd")
    path = tmp_path / "theirs.zst"
    path.write_bytes(run_tool(["pzstd", "-q", "-3", "-p", "2", "-c"], data * 3))
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert stream.read() == data * 3


def test_a_damaged_frame_fails_alike_on_both_paths(tmp_path, data, monkeypatch):
    path = tmp_path / "damaged.zst"
    with arrowio.CompressedOutputStream(str(path), "zstd", layout="seekable", frame_size=256 * 1024) as out:
        out.write(data)
    blob = bytearray(path.read_bytes())
    where = len(blob) // 2
    blob[where : where + 40] = bytes(40)
    path.write_bytes(blob)
    outcomes = failures_with_and_without(str(path), "ARROWIO_NO_LIBZSTD", monkeypatch)
    assert outcomes[0] == outcomes[1]
    third = len(data) // 3
    assert len(outcomes[0][0]) > third and outcomes[0][0][:third] == data[:third]


def test_the_libzstd_path_is_the_one_taken(monkeypatch, tmp_path, data):
    # Where libzstd loads, frames never go through zstandard's stream reader.
    if _libzstd.decoder() is None:
        pytest.skip("libzstd is not installed (Debian package libzstd1)")
    path = tmp_path / "ours.zst"
    with arrowio.CompressedOutputStream(str(path), "zstd", layout="frames", threads=2, frame_size=256 * 1024) as out:
        out.write(data)

    read_only_through(str(path), data, "_zstd_into", "_zstd_stream_into", monkeypatch)
