"""Strict decoding: every kind of bad input raises ArrowIOError naming the format and the
compressed offset, and each trap of the Python backends is shown to bite the naive use."""

from __future__ import annotations

import gzip
import io
import lzma
import re
import struct
import subprocess

import pytest
from compression_helpers import STREAMING, drive, make_data, need_tool, run_tool

from arrowio import ArrowIOError, Codec

DATA = make_data("text", 300_000, seed=1)
_CHUNKINGS = [[1 << 20], [4097, 333, 65536]]


def encoded(name: str, data: bytes = DATA, level: int | None = None) -> bytes:
    codec = Codec(name, level)
    encoder = codec.encoder()
    return encoder.compress(data) + encoder.finish()


def decode(name: str, data: bytes, chunks: list[int] | None = None) -> bytes:
    return drive(Codec(name).decoder(), data, chunks, [1 << 16])


def assert_rejected(name: str, data: bytes, match: str = "") -> None:
    for chunks in _CHUNKINGS:
        with pytest.raises(ArrowIOError) as info:
            decode(name, data, chunks)
        message = str(info.value)
        assert message.startswith(f"{name}: ") and re.search(r"offset \d+", message), message
        assert re.search(match, message), message


@pytest.mark.parametrize("name", STREAMING)
def test_the_good_input_decodes(name):
    for chunks in _CHUNKINGS:
        assert decode(name, encoded(name), chunks) == DATA


@pytest.mark.parametrize("name", STREAMING)
def test_truncated_by_one_byte(name):
    assert_rejected(name, encoded(name)[:-1], "truncated")


@pytest.mark.parametrize("name", STREAMING)
def test_truncated_mid_stream(name):
    data = encoded(name)
    assert_rejected(name, data[: len(data) // 2])


@pytest.mark.parametrize("name", STREAMING)
def test_truncated_to_a_few_bytes(name):
    assert_rejected(name, encoded(name)[:3])


@pytest.mark.parametrize("name", STREAMING)
def test_flipped_payload_byte(name):
    data = bytearray(encoded(name))
    data[len(data) // 2] ^= 0x10
    if name == "brotli":
        # Brotli carries no checksum (RFC 7932): a flipped byte can decode without error into
        # other data. The decoder cannot do better than the format; it is never the old data.
        try:
            assert decode(name, bytes(data)) != DATA
        except ArrowIOError:
            pass
        return
    assert_rejected(name, bytes(data))


@pytest.mark.parametrize("name", STREAMING)
def test_trailing_garbage(name):
    assert_rejected(name, encoded(name) + b"garbage!", "garbage|corrupt|unskippable")


@pytest.mark.parametrize("name", STREAMING)
def test_empty_input(name):
    assert_rejected(name, b"", "empty input")
    with pytest.raises(ArrowIOError):
        Codec(name).decompress(b"") if name != "snappy" else decode(name, b"")


@pytest.mark.parametrize("name", STREAMING)
def test_not_this_format(name):
    if name == "brotli":  # brotli has no magic number: most byte strings start a valid stream
        return
    assert_rejected(name, b"plain text, not compressed at all" * 10)


# -- wrong trailers and checksums ------------------------------------------------------------------
def test_gzip_wrong_crc32_and_isize(deflate_backend):
    data = bytearray(gzip.compress(DATA))
    crc = bytearray(data)
    crc[-8] ^= 1
    assert_rejected("gzip", bytes(crc), "CRC32 mismatch")
    size = bytearray(data)
    size[-1] ^= 1
    assert_rejected("gzip", bytes(size), "length mismatch")


@pytest.mark.parametrize(("name", "back"), [("zstd", 1), ("lz4", 1), ("xz", 5), ("snappy", 0)])
def test_wrong_checksum(name, back):
    data = bytearray(encoded(name))
    if name == "snappy":  # the CRC32C of the last chunk: 4 bytes after its 4-byte header
        last = _last_snappy_chunk(bytes(data))
        data[last + 4] ^= 1
    else:
        data[-back] ^= 1
    assert_rejected(name, bytes(data))


def test_bz2_wrong_stream_crc():
    data = bytearray(encoded("bz2"))
    data[-5] ^= 0x01  # inside the combined stream CRC that follows the end-of-stream magic
    assert_rejected("bz2", bytes(data))


def _last_snappy_chunk(data: bytes) -> int:
    pos = last = 0
    while pos < len(data):
        last = pos
        pos += 4 + int.from_bytes(data[pos + 1 : pos + 4], "little")
    return last


# -- gzip headers ----------------------------------------------------------------------------------
def _member(
    flags: int,
    extra: bytes = b"",
    name: bytes = b"",
    comment: bytes = b"",
    hcrc: bool = False,
    payload: bytes = b"hello gzip",
) -> bytes:
    import zlib

    header = b"\x1f\x8b\x08" + bytes([flags]) + b"\x00\x00\x00\x00\x00\x03"
    if flags & 0x04:
        header += struct.pack("<H", len(extra)) + extra
    if flags & 0x08:
        header += name + b"\0"
    if flags & 0x10:
        header += comment + b"\0"
    if flags & 0x02:
        crc = zlib.crc32(header) & 0xFFFF
        header += struct.pack("<H", crc if hcrc else crc ^ 1)
    body = zlib.compressobj(6, zlib.DEFLATED, -15)
    return header + body.compress(payload) + body.flush() + struct.pack("<II", zlib.crc32(payload), len(payload))


@pytest.mark.parametrize("chunks", _CHUNKINGS + [[1]])
def test_gzip_every_header_flag(deflate_backend, chunks):
    member = _member(
        0x01 | 0x02 | 0x04 | 0x08 | 0x10,
        extra=b"BC\x02\x00\x1b\x00" + b"x" * 5000,
        name=b"name.txt" * 1000,
        comment=b"a comment",
        hcrc=True,
    )
    assert decode("gzip", member, chunks) == b"hello gzip"
    assert gzip.decompress(member) == b"hello gzip"  # the stdlib agrees it is valid


def test_gzip_header_crc_mismatch(deflate_backend):
    assert_rejected("gzip", _member(0x02, hcrc=False), "header CRC16 mismatch")


def test_gzip_reserved_flag_trap():
    from isal import igzip

    bad = _member(0x20)
    assert gzip.decompress(bad) == b"hello gzip"  # the trap: Python's gzip accepts it...
    assert igzip.decompress(bad) == b"hello gzip"  # ...and so does ISA-L's igzip


@pytest.mark.parametrize("flag", [0x20, 0x40, 0x80])
def test_gzip_reserved_flags_rejected(deflate_backend, flag):
    bad = _member(flag)
    assert_rejected("gzip", bad, "reserved header flags")
    proc = subprocess.run([need_tool("gzip"), "-dc"], input=bad, capture_output=True)
    assert proc.returncode != 0  # as gzip -d does


def test_gzip_unknown_method(deflate_backend):
    bad = bytearray(_member(0))
    bad[2] = 7
    assert_rejected("gzip", bytes(bad), "unknown compression method")


def test_gzip_multi_member_and_garbage_between(deflate_backend):
    one, two = gzip.compress(b"first "), gzip.compress(b"second")
    assert decode("gzip", one + two, [1]) == b"first second"
    assert_rejected("gzip", one + b"\x1f" + two, "garbage")
    assert_rejected("gzip", one + b"\x1f", "truncated")
    assert_rejected("gzip", one + b"\0" * 8, "garbage")  # zero padding is garbage too


def test_gzip_error_offsets_are_exact(deflate_backend):
    one = gzip.compress(b"first")
    with pytest.raises(ArrowIOError, match=rf"offset {len(one)}\)"):
        decode("gzip", one + b"XY")
    bad = bytearray(one)
    bad[3] = 0x40
    with pytest.raises(ArrowIOError, match=r"offset 3\)"):
        decode("gzip", bytes(bad))


# -- the traps of the backends ---------------------------------------------------------------------
def test_zstd_multi_frame_without_content_size_trap():
    import zstandard

    first, second = make_data("text", 100_000, 2), make_data("random", 50_000, 3)
    frames = b"".join(_zstd_streamed(part) for part in (first, second))
    with pytest.raises(zstandard.ZstdError):  # the trap: decompress() needs a content size...
        zstandard.decompress(frames)
    sized = zstandard.ZstdCompressor().compress(first) + zstandard.ZstdCompressor().compress(second)
    assert zstandard.decompress(sized) == first  # ...and reads only the first frame
    assert decode("zstd", frames) == first + second
    assert decode("zstd", sized, [1000]) == first + second
    assert Codec("zstd").decompress(frames, asbytes=True) == first + second


def _zstd_streamed(data: bytes) -> bytes:
    import zstandard

    obj = zstandard.ZstdCompressor(write_checksum=True).compressobj()
    return obj.compress(data) + obj.flush()


def test_zstd_stream_reader_truncation_trap():
    import zstandard

    truncated = _zstd_streamed(DATA)[:-200]
    naive = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(truncated)).read()
    assert len(naive) < len(DATA)  # the trap: a short read, no error
    assert_rejected("zstd", truncated, "truncated")


def test_zstd_skippable_frames():
    skippable = struct.pack("<II", 0x184D2A53, 5) + b"12345"
    data = skippable + _zstd_streamed(b"abc") + skippable + _zstd_streamed(b"def") + skippable
    for chunks in ([1], [3, 7], [1 << 20]):
        assert decode("zstd", data, chunks) == b"abcdef"
    assert decode("zstd", skippable) == b""
    assert_rejected("zstd", data[:-1], "truncated inp.*skippable frame")


def test_zstd_reserved_bits_and_block_types():
    frame = bytearray(_zstd_streamed(b"abc" * 100))
    frame[4] |= 0x08
    assert_rejected("zstd", bytes(frame), "reserved bit")


def test_lz4_first_frame_only_trap():
    import lz4.frame

    first, second = make_data("text", 70_000, 4), make_data("zeros", 10_000)
    frames = lz4.frame.compress(first) + lz4.frame.compress(second)
    assert lz4.frame.decompress(frames) == first  # the trap: the second frame is dropped
    assert decode("lz4", frames, [999]) == first + second


def test_lz4_skippable_and_block_checksums():
    import lz4.frame

    skippable = struct.pack("<II", 0x184D2A5F, 3) + b"abc"
    body = lz4.frame.compress(DATA, block_checksum=True, content_checksum=True, block_size=lz4.frame.BLOCKSIZE_MAX64KB)
    assert decode("lz4", skippable + body + skippable, [777]) == DATA
    bad = bytearray(body)
    bad[len(body) // 3] ^= 4
    assert_rejected("lz4", bytes(bad))


def test_lz4_legacy_format_trap():
    import lz4.frame

    legacy = run_tool(["lz4", "-l", "-c"], DATA)
    with pytest.raises(RuntimeError):
        lz4.frame.decompress(legacy)  # the trap: lz4.frame cannot read the legacy format
    for chunks in _CHUNKINGS:
        assert decode("lz4", legacy, chunks) == DATA
    # A legacy frame followed by a modern one: the next magic ends the legacy frame.
    assert decode("lz4", legacy + lz4.frame.compress(b"tail")) == DATA + b"tail"
    assert_rejected("lz4", legacy[:-1])


def test_xz_padding_trap():
    first, second = make_data("text", 10_000, 5), make_data("text", 10_000, 6)
    data = lzma.compress(first) + b"\0" * 8 + lzma.compress(second) + b"\0" * 4
    assert lzma.decompress(data) == first  # the trap: everything after the padding is dropped
    assert decode("xz", data, [5]) == first + second
    assert_rejected("xz", lzma.compress(first) + b"\0" * 3 + lzma.compress(second), "padding")
    assert_rejected("xz", lzma.compress(first) + b"\0" * 6, "padding")


def test_snappy_stream_decompress_trap():
    import snappy

    good = encoded("snappy")
    for bad, naive_length in ((good[:-10], 262144), (good + b"\x00garbage", len(DATA))):
        out = io.BytesIO()
        snappy.stream_decompress(io.BytesIO(bad), out)  # the trap: no error for either...
        assert len(out.getvalue()) == naive_length  # ...a silently short result, or garbage ignored
        assert_rejected("snappy", bad)


def test_snappy_chunk_types():
    body = encoded("snappy", b"payload")
    padding = b"\xfe\x03\x00\x00abc"
    skippable = b"\x80\x01\x00\x00z"
    assert decode("snappy", body + padding + skippable + body[10:]) == b"payloadpayload"
    assert_rejected("snappy", body + b"\x02\x01\x00\x00z", "unskippable")
    assert_rejected("snappy", body[10:], "stream identifier")
