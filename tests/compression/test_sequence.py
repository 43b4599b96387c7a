"""Streams of different formats one after the other, decoded by detection (SequenceDecoder)."""

from __future__ import annotations

import gzip

import pytest
from compression_helpers import sequence_decode

import arrowio

A, B = b"first part\n" * 5000, b"second part\n" * 7000


def joined() -> bytes:
    return (
        gzip.compress(A)
        + arrowio.Codec("zstd").compress(B, asbytes=True)
        + arrowio.Codec("bz2").compress(A, asbytes=True)
    )


@pytest.mark.parametrize("size", [1, 2, 3, 7, 4096, 1 << 20])
def test_magic_numbers_split_across_pieces(size):
    """A next stream's magic number may arrive a byte at a time: it is waited for, not refused."""
    assert sequence_decode("gzip", joined(), size) == A + B + A


def test_detected_streams_switch_and_explicit_ones_do_not():
    data = joined()
    with arrowio.CompressedInputStream(arrowio.BufferReader(data), "detect") as detected:
        assert detected.read() == A + B + A
    with arrowio.CompressedInputStream(arrowio.BufferReader(data), "gzip") as explicit:
        with pytest.raises(arrowio.ArrowIOError, match="trailing garbage after the last gzip member"):
            explicit.read()


def test_an_unknown_tail_and_a_cut_magic_stay_errors():
    for tail in (b"plain", b"\x28\xb5"):  # no magic; the start of zstd's and then the end
        with pytest.raises(arrowio.ArrowIOError, match="trailing garbage"):
            sequence_decode("gzip", gzip.compress(A) + tail, 1 << 20)
