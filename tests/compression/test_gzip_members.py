"""gzip's member loop (a MemberDecoder with header and trailer hooks): which part of which member
an error names, for every way the input is fed, on ISA-L and on zlib."""

from __future__ import annotations

import gzip
import re

import pytest
from compression_helpers import drive

from arrowio import ArrowIOError, Codec

FIRST = gzip.compress(b"first member\n" * 100, mtime=0)
SECOND = gzip.compress(b"second\n" * 50, mtime=0)
BOTH = FIRST + SECOND
SECOND_AT = len(FIRST)
FEEDS = [[1], [7], [1 << 20]]


def rejected(data: bytes | bytearray, chunks: list[int]) -> str:
    with pytest.raises(ArrowIOError) as info:
        drive(Codec("gzip").decoder(), bytes(data), chunks, [10])
    return str(info.value)


@pytest.mark.parametrize("chunks", FEEDS)
def test_members_decode_to_their_concatenation(deflate_backend, chunks) -> None:
    assert drive(Codec("gzip").decoder(), BOTH * 3, chunks, [10, 1 << 16]) == (gzip.decompress(BOTH) * 3)


@pytest.mark.parametrize("chunks", FEEDS)
@pytest.mark.parametrize(
    ("cut", "part", "member"),
    [
        (5, "header", 0),
        (20, "deflate data", 0),
        (SECOND_AT - 3, "trailer", 0),
        (SECOND_AT + 5, "header", SECOND_AT),
        (SECOND_AT + 20, "deflate data", SECOND_AT),
        (len(BOTH) - 3, "trailer", SECOND_AT),
    ],
)
def test_truncation_names_the_part_and_the_member(deflate_backend, chunks, cut, part, member) -> None:
    message = rejected(BOTH[:cut], chunks)
    assert f"it ends inside the {part} of the member starting at offset {member} (at compressed offset {cut})" in (
        message
    )


@pytest.mark.parametrize("chunks", FEEDS)
def test_trailer_checks_name_the_trailer_field(deflate_backend, chunks) -> None:
    crc_at, size_at = SECOND_AT - 8, SECOND_AT - 4
    bad_crc = bytearray(BOTH)
    bad_crc[crc_at] ^= 1
    assert re.search(rf"CRC32 mismatch in the trailer: .* \(at compressed offset {crc_at}\)", rejected(bad_crc, chunks))
    bad_size = bytearray(BOTH)
    bad_size[size_at] ^= 1
    message = rejected(bad_size, chunks)
    assert re.search(rf"length mismatch in the trailer: stored \d+, decoded 1300 .*offset {size_at}\)", message)


@pytest.mark.parametrize("chunks", FEEDS)
def test_corrupt_deflate_data_names_its_member(deflate_backend, chunks) -> None:
    bad = bytearray(BOTH)
    bad[SECOND_AT + 10] = 0b111  # the first deflate block: final, of the reserved type 3
    message = rejected(bad, chunks)
    assert f"zlib inflate failed: corrupt deflate data in the member starting at offset {SECOND_AT} (" in message


def test_what_follows_a_member_is_judged_by_the_bytes_seen_first(deflate_backend) -> None:
    # One byte at a time, a lone 0x1f after a member may start another one: the header then
    # refuses the next byte; in one piece both bytes are seen at once, and they are garbage.
    assert "not in gzip format (bad magic number)" in rejected(BOTH + b"\x1f\x8c", [1])
    assert "trailing garbage after the last gzip member" in rejected(BOTH + b"\x1f\x8c", [1 << 20])
    assert "trailing garbage after the last gzip member" in rejected(BOTH + b"\0", [1])
