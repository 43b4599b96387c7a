"""The snappy framing encoder (cramjam underneath): one stream identifier, 64 KiB chunks, read by others."""

from __future__ import annotations

import struct

import pytest
from compression_helpers import make_data

import arrowio

IDENTIFIER = b"\xff\x06\x00\x00sNaPpY"


def chunks(stream: bytes) -> list[tuple[int, int]]:
    """(type, length) of every chunk of a framed stream."""
    out, pos = [], 0
    while pos < len(stream):
        kind, length = stream[pos], int.from_bytes(stream[pos + 1 : pos + 4], "little")
        out.append((kind, length))
        pos += 4 + length
    assert pos == len(stream)
    return out


@pytest.mark.parametrize("pieces", [[1], [70_000, 1, 200_000, 5], [65536] * 3, [1 << 20, 300_000]])
def test_stream_has_one_identifier_and_full_chunks_whatever_the_writes(tmp_path, pieces):
    data = make_data("mixed", sum(pieces), seed=len(pieces))
    path = tmp_path / "x.sz"
    with arrowio.CompressedOutputStream(str(path), "snappy") as out:
        at = 0
        for n in pieces:
            out.write(data[at : at + n])
            at += n
    stream = path.read_bytes()
    assert stream.startswith(IDENTIFIER)
    kinds = chunks(stream)
    assert [k for k, _ in kinds].count(0xFF) == 1  # cramjam's own identifiers after the first are dropped
    assert len(kinds) - 1 == -(-len(data) // 65536)  # one chunk per 64 KiB: nothing split short mid-stream
    import cramjam
    import snappy

    assert bytes(cramjam.snappy.decompress(stream)) == data
    assert snappy.StreamDecompressor().decompress(stream) == data
    with arrowio.input_stream(str(path), compression="auto") as stream_in:
        assert stream_in.read() == data


def test_incompressible_chunks_are_stored_uncompressed(tmp_path):
    data = make_data("random", 200_000, seed=3)
    path = tmp_path / "r.sz"
    with arrowio.CompressedOutputStream(str(path), "snappy") as out:
        out.write(data)
    kinds = chunks(path.read_bytes())
    assert [k for k, _ in kinds[1:]] == [0x01] * 4  # uncompressed chunks, as the reference encoder writes
    first = path.read_bytes()[len(IDENTIFIER) + 8 : len(IDENTIFIER) + 8 + 65536]
    assert first == data[:65536]


def test_flush_and_empty_streams(tmp_path):
    path = tmp_path / "f.sz"
    out = arrowio.CompressedOutputStream(str(path), "snappy")
    out.flush()
    assert path.read_bytes() == IDENTIFIER
    out.write(b"abc")
    out.flush()
    out.write(b"def")
    out.close()
    stream = path.read_bytes()
    assert [k for k, _ in chunks(stream)] == [0xFF, 0x01, 0x01]
    assert struct.unpack_from("<I", stream, 0)[0] & 0xFF == 0xFF
    with arrowio.input_stream(str(path), compression="auto") as stream_in:
        assert stream_in.read() == b"abcdef"


CHILD_UNDER_A_LIMIT = r"""
import resource, sys
import arrowio

data = open(sys.argv[1], "rb").read()
used = int(open("/proc/self/statm").read().split()[0]) * 4096
resource.setrlimit(resource.RLIMIT_AS, (used + (64 << 20), resource.getrlimit(resource.RLIMIT_AS)[1]))
try:
    with arrowio.input_stream(arrowio.BufferReader(data), compression="snappy") as f:
        f.read()
except OSError as exc:
    print(type(exc).__name__, exc, sep="\n")
"""


def test_a_chunk_that_records_a_huge_length_is_refused_before_anything_is_allocated(tmp_path):
    # A compressed chunk whose raw block says it decodes to 1 GiB: the Rust backend allocated
    # that itself and, under a memory limit, aborted the whole process. Refused from its header.
    from arrowio.compression._snappy import masked_crc32c

    block = bytes([0x80, 0x80, 0x80, 0x80, 0x04]) + b"\x00" * 8  # varint 1 << 30, then junk
    chunk = struct.pack("<I", masked_crc32c(b"")) + block
    stream = IDENTIFIER + bytes([0x00]) + len(chunk).to_bytes(3, "little") + chunk
    path = tmp_path / "bomb.sz"
    path.write_bytes(stream)
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", CHILD_UNDER_A_LIMIT, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    kind, message = done.stdout.splitlines()
    assert kind == "ArrowIOError"
    assert (
        message == f"snappy: chunk decodes to {1 << 30} bytes, more than 65536 (at compressed offset {len(IDENTIFIER)})"
    )
