"""A small zstd or gzip file read whole is decoded in one call (``decode_whole``) only where that
gives exactly what the strict streaming decoder gives; everything else (several frames or
members, skippable frames, trailing bytes, damage, a header field the backend skips, more
decoded bytes than a stream's piece) goes the streaming way, with its errors and offsets."""

from __future__ import annotations

import gzip
import random
import struct
import zlib

import pytest
from fuzz_corpus import apply, random_mutations, seeds

import arrowio
from arrowio.compression import _gzip, _zstd
from arrowio.compression._whole import WHOLE_LIMIT, WholeReader

MODULES = {"zstd": _zstd, "gzip": _gzip}
EXTENSIONS = {"zstd": ".zst", "gzip": ".gz"}


def verdict(compression: str, blob: bytes) -> tuple[str, object]:
    """What the streaming decoder makes of ``blob`` (a buffer is never read whole): its bytes,
    or its error message."""
    try:
        with arrowio.input_stream(arrowio.py_buffer(blob), compression=compression) as stream:
            return "ok", stream.read()
    except arrowio.ArrowException as exc:
        return "error", str(exc)


def _mutants(fmt: str, count: int) -> list[bytes]:
    rng = random.Random(8878 if fmt == "zstd" else 1952)
    corpus = list(seeds(fmt))
    return corpus + [apply(rng.choice(corpus), random_mutations(rng)) for _ in range(count)]


@pytest.mark.parametrize("fmt", ["zstd", "gzip"])
def test_one_call_agrees_with_the_stream_or_declines(fmt, deflate_backend):
    # Seeds (one stream, two joined, another format after) and hundreds of damaged ones: the one
    # call never returns bytes the stream would not return, nor bytes where the stream fails.
    taken = 0
    for blob in _mutants(fmt, 400):
        got = MODULES[fmt].decode_whole(blob, WHOLE_LIMIT)
        if got is None:
            continue
        taken += 1
        assert verdict(fmt, blob) == ("ok", got), blob.hex()
    assert taken >= 5  # the untouched single streams at least


def _zstd_frame(data: bytes, **options: object) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor(**options).compress(data)  # type: ignore[arg-type]


def _zstd_unsized(data: bytes) -> bytes:
    """A frame with no content size in its header, as ``zstd`` writes from a pipe."""
    import zstandard

    writer = zstandard.ZstdCompressor(write_checksum=True).compressobj()
    return writer.compress(data) + writer.flush()


DATA = b"".join(b"%05d a line of a small log\n" % i for i in range(3000))
SKIPPABLE = struct.pack("<II", 0x184D2A50, 4) + b"meta"


@pytest.mark.parametrize(
    "blob",
    [
        _zstd_frame(DATA) + _zstd_frame(DATA),  # two frames: the stream reads both
        _zstd_unsized(DATA) + _zstd_unsized(b"more"),  # two frames, neither sized
        _zstd_unsized(DATA) + b"\0",  # trailing garbage
        SKIPPABLE + _zstd_frame(DATA),  # a skippable frame first
        _zstd_frame(DATA) + SKIPPABLE,  # and last
        _zstd_unsized(DATA)[:-1],  # cut short
        _zstd_frame(b"\0" * (WHOLE_LIMIT + 1)),  # decodes to more than a stream's piece
        _zstd_unsized(b"\0" * (WHOLE_LIMIT + 1)),  # the same, no size recorded: the block walk bounds it
        b"",
    ],
    ids=["two", "two-unsized", "garbage", "skip-first", "skip-last", "cut", "large", "large-unsized", "empty"],
)
def test_zstd_declines(blob):
    assert _zstd.decode_whole(blob, WHOLE_LIMIT) is None


def test_zstd_takes_sized_unsized_checksummed_and_empty_frames():
    for blob, data in [
        (_zstd_frame(DATA), DATA),
        (_zstd_frame(DATA, write_checksum=True), DATA),
        (_zstd_unsized(DATA), DATA),
        (_zstd_frame(b""), b""),
        (_zstd_frame(b"\0" * WHOLE_LIMIT), b"\0" * WHOLE_LIMIT),
    ]:
        assert _zstd.decode_whole(blob, WHOLE_LIMIT) == data


def test_zstd_bad_checksum_declines():
    blob = bytearray(_zstd_frame(DATA, write_checksum=True))
    blob[-1] ^= 1
    assert _zstd.decode_whole(bytes(blob), WHOLE_LIMIT) is None
    assert verdict("zstd", bytes(blob))[0] == "error"


def _gzip_member(data: bytes, flags: int = 0, extra: bytes = b"") -> bytes:
    """One member with header ``flags`` and their fields (``extra`` goes after the fixed part)."""
    body = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = body.compress(data) + body.flush()
    header = struct.pack("<BBBBIBB", 0x1F, 0x8B, 8, flags, 0, 0, 3) + extra
    return header + deflated + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def _with_hcrc(data: bytes) -> bytes:
    header = struct.pack("<BBBBIBB", 0x1F, 0x8B, 8, 0x02, 0, 0, 3)
    header += struct.pack("<H", zlib.crc32(header) & 0xFFFF)
    body = zlib.compressobj(6, zlib.DEFLATED, -15)
    return header + body.compress(data) + body.flush() + struct.pack("<II", zlib.crc32(data), len(data))


@pytest.mark.parametrize(
    "blob",
    [
        gzip.compress(DATA) + gzip.compress(b"more"),  # two members
        gzip.compress(DATA) + b"\0" * 8,  # trailing garbage
        gzip.compress(DATA)[:-1],  # cut short
        _gzip_member(DATA, 0x04, b"\x06\x00BC\x02\x00\x00\x00"),  # FEXTRA (BGZF's field)
        _with_hcrc(DATA),  # FHCRC: the strict decoder checks it, the backend would not
        _gzip_member(DATA, 0x20),  # a reserved flag
        gzip.compress(b"\0" * (WHOLE_LIMIT + 1)),  # decodes to more than a stream's piece
        gzip.compress(DATA)[:-4] + struct.pack("<I", len(DATA) + 1),  # a wrong ISIZE
        gzip.compress(DATA)[:-8] + struct.pack("<I", 0) + gzip.compress(DATA)[-4:],  # a wrong CRC32
        _gzip_member(DATA, 0x08, b"no terminating NUL"),  # a name that never ends
        b"",
    ],
    ids=["two", "garbage", "cut", "fextra", "fhcrc", "reserved", "large", "isize", "crc", "name", "empty"],
)
def test_gzip_declines(blob, deflate_backend):
    assert _gzip.decode_whole(blob, WHOLE_LIMIT) is None


def test_gzip_takes_names_comments_and_empty_members(deflate_backend):
    for blob, data in [
        (gzip.compress(DATA), DATA),
        (_gzip_member(DATA, 0x08, b"log.txt\0"), DATA),
        (_gzip_member(DATA, 0x18, b"log.txt\0a comment\0"), DATA),
        (_gzip_member(DATA, 0x01), DATA),  # FTEXT says nothing a decoder checks
        (gzip.compress(b""), b""),
    ]:
        assert _gzip.decode_whole(blob, WHOLE_LIMIT) == data


def test_gzip_takes_a_member_larger_than_a_slice_of_the_streaming_inflater(deflate_backend):
    # Compressed 2:1, as logs of 10 KiB are: more input than the first slice the streaming
    # inflater gives ISA-L, yet one call (a decode_whole that fed a slice declined such files).
    rng = random.Random(3)
    data = bytes(rng.choice(b"abcdefghij \n") for _ in range(40_000))
    blob = gzip.compress(data)
    assert 8 << 10 < len(blob) and len(data) < 3 * len(blob)
    assert _gzip.decode_whole(blob, WHOLE_LIMIT) == data


@pytest.mark.parametrize("fmt", ["zstd", "gzip"])
def test_small_file_reads_like_a_stream(tmp_path, fmt):
    # Through input_stream by path (read whole, decoded in one call): every kind of read, and
    # the compressed stream below consumed as the streaming reader leaves it.
    blob = _zstd_unsized(DATA) if fmt == "zstd" else gzip.compress(DATA)
    path = tmp_path / f"log{EXTENSIONS[fmt]}"
    path.write_bytes(blob)
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert isinstance(stream._reader, WholeReader)
        assert not stream.seekable() and stream.tell() == 0
        assert stream.read(10) == DATA[:10] and stream.tell() == 10
        assert stream.read1(5) == DATA[10:15]
        assert bytes(stream.read_view(5)) == DATA[15:20]
        target = bytearray(7)
        assert stream.readinto(target) == 7 and bytes(target) == DATA[20:27]
        assert stream.readline() == DATA[27 : DATA.index(b"\n", 27) + 1]
        assert stream.read() == DATA[DATA.index(b"\n", 27) + 1 :]
        assert stream.read(1) == b"" and stream.read_view(10) == b"" and stream.tell() == len(DATA)
        assert stream.raw.tell() == len(blob)
        assert stream.compressed_read is None
    assert stream.closed and stream.raw.closed


@pytest.mark.parametrize("fmt", ["zstd", "gzip"])
@pytest.mark.parametrize("damage", ["cut", "garbage", "flip"])
def test_damaged_small_file_fails_as_the_stream_does(tmp_path, fmt, damage):
    # The one call declines; the stream reads the same bytes first and fails with the same
    # message and offset as the streaming decoder fed from a buffer.
    blob = _zstd_unsized(DATA) if fmt == "zstd" else gzip.compress(DATA)
    if damage == "cut":
        blob = blob[: len(blob) // 2]
    elif damage == "garbage":
        blob += b"\x01\x02\x03\x04"
    else:
        blob = blob[:-6] + bytes([blob[-6] ^ 0x40]) + blob[-5:]
    path = tmp_path / f"log{EXTENSIONS[fmt]}"
    path.write_bytes(blob)
    kind, expected = verdict("auto", blob)
    assert kind == "error"
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert not isinstance(stream._reader, WholeReader)
        with pytest.raises(arrowio.ArrowIOError) as caught:
            stream.read()
    assert str(caught.value) == expected
