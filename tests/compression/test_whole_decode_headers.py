"""Small gzip and zstd files, read whole and decoded in one call where that is sure, against
the stdlib and zstandard as models: every combination of gzip header fields (FTEXT, FEXTRA,
FNAME, FCOMMENT, FHCRC) over one to three members, and zstd frames of every header shape
(content size or not, single segment or not, checksum or not, empty) with skippable frames
around them. A file (read whole) and the same bytes in memory (always streamed) must give the
model's bytes; the seeds of test_whole_decode.py are whole files, these are the header shapes."""

from __future__ import annotations

import gzip
import struct
import zlib

import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

import arrowio

_no_nul = st.binary(max_size=12).map(lambda b: b.replace(b"\0", b"x"))


def _member(data: bytes, ftext: bool, extra: bytes | None, name: bytes | None, comment: bytes | None, hcrc: bool):
    flags = ftext | (hcrc << 1) | ((extra is not None) << 2) | ((name is not None) << 3) | ((comment is not None) << 4)
    head = b"\x1f\x8b\x08" + bytes([flags]) + b"\x01\x02\x03\x04\x00\x03"
    if extra is not None:
        head += struct.pack("<H", len(extra)) + extra
    for field in (name, comment):
        if field is not None:
            head += field + b"\0"
    if hcrc:
        head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = deflate.compress(data) + deflate.flush()
    return head + body + struct.pack("<II", zlib.crc32(data), len(data))


_members = st.lists(
    st.tuples(
        st.binary(max_size=3000),
        st.booleans(),
        st.none() | st.binary(max_size=20),
        st.none() | _no_nul,
        st.none() | _no_nul,
        st.booleans(),
    ),
    min_size=1,
    max_size=3,
)


def _both_ways(tmp_path_factory, blob: bytes, suffix: str, fmt: str) -> tuple[bytes, bytes]:
    path = tmp_path_factory.mktemp("whole") / f"f{suffix}"
    path.write_bytes(blob)
    with arrowio.input_stream(str(path), compression="auto") as stream:
        from_file = stream.read()
    with arrowio.input_stream(arrowio.py_buffer(blob), compression=fmt) as stream:
        from_memory = stream.read()
    return from_file, from_memory


@settings(max_examples=150)
@given(members=_members)
def test_gzip_header_fields(tmp_path_factory, members):
    blob = b"".join(_member(*m) for m in members)
    expected = gzip.decompress(blob)
    assert expected == b"".join(m[0] for m in members)  # the model agrees with how it was made
    assert _both_ways(tmp_path_factory, blob, ".gz", "gzip") == (expected, expected)


_SKIPPABLE = struct.pack("<II", 0x184D2A5E, 3) + b"abc"


@settings(max_examples=150)
@given(
    data=st.binary(max_size=5000) | st.sampled_from([b"", b"a" * 70_000]),
    size=st.booleans(),
    checksum=st.booleans(),
    level=st.sampled_from([1, 3, 19]),
    before=st.booleans(),
    after=st.booleans(),
)
def test_zstd_frame_shapes(tmp_path_factory, data, size, checksum, level, before, after):
    compressor = zstandard.ZstdCompressor(level=level, write_content_size=size, write_checksum=checksum)
    if size:
        frame = compressor.compress(data)
    else:  # as zstd writes from a pipe: no content size in the header
        writer = compressor.compressobj()
        frame = writer.compress(data) + writer.flush()
    blob = (_SKIPPABLE if before else b"") + frame + (_SKIPPABLE if after else b"")
    assert _both_ways(tmp_path_factory, blob, ".zst", "zstd") == (data, data)
