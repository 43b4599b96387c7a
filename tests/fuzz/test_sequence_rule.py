"""The sequence rule ('auto' reads ``cat a.gz b.zst``) in the decoder and in the fuzz oracle.

Regression cases of :class:`SequenceDecoder` bugs the fuzzing found, and checks that the
oracle's model of the rule accepts exactly the right splits, so that it still catches decoders
that drop, repeat or invent a stream.
"""

from __future__ import annotations

import pytest
from compression_helpers import sequence_decode
from fuzz_corpus import compress_with_tool, tools_missing
from fuzz_oracle import Sequences, check

import arrowio

pytestmark = pytest.mark.skipif(bool(tools_missing()), reason=f"seed tools missing: {tools_missing()}")


@pytest.mark.parametrize("piece", [1, 7, 1 << 20])
def test_a_stream_that_ends_in_the_same_piece_as_the_one_before_hands_over_too(piece):
    """Found: an empty zstd frame and the bz2 stream after it in one piece of input were refused
    (the zstd decoder's report of the bz2 stream was taken for the end), cut finer they were read."""
    data = compress_with_tool("gzip", b"A") + compress_with_tool("zstd", b"") + compress_with_tool("bz2", b"B")
    assert sequence_decode("gzip", data, piece) == b"AB"
    check("gzip", data)


@pytest.mark.parametrize("piece", [1, 2, 5, 1 << 20])
def test_nothing_follows_a_brotli_stream_however_the_input_is_cut(piece):
    """Found: a gzip member after a brotli stream was read when the input came a byte at a time,
    refused otherwise. brotli has no magic number and is decoded only alone."""
    data = compress_with_tool("brotli", b"abc") + compress_with_tool("gzip", b"def")
    with pytest.raises(arrowio.ArrowIOError, match="^brotli: "):
        sequence_decode("brotli", data, piece)
    check("brotli", data)


def test_the_oracle_allows_the_split_at_each_new_magic_and_nothing_else():
    zstd, gzip = compress_with_tool("zstd", b"one\n"), compress_with_tool("gzip", b"two\n")
    xz = compress_with_tool("xz", b"3")
    assert Sequences(zstd + gzip + xz).results("zstd") == {b"one\ntwo\n3"}
    assert Sequences(zstd + gzip + zstd).results("zstd") == {b"one\ntwo\none\n"}
    # The first stream's format reads its own next members; plain data, a cut stream, a stream
    # after snappy or brotli: no result allowed.
    assert Sequences(zstd + zstd + gzip).results("zstd") == {b"one\none\ntwo\n"}
    for bad in (zstd + gzip + b"plain", zstd + gzip[:-1], compress_with_tool("snappy", b"s") + gzip):
        first = "snappy" if bad.startswith(b"\xff\x06") else "zstd"
        assert Sequences(bad).results(first) == set(), bad.hex()
    assert Sequences(compress_with_tool("brotli", b"b") + gzip).results("brotli") == set()


def test_the_oracle_refuses_a_piece_the_strict_single_format_path_refuses():
    """A gzip member with a wrong CRC: gzip -dc refuses it, and so does arrowio's gzip path, so
    no sequence may contain it; with a good CRC the same bytes are allowed."""
    zstd, member = compress_with_tool("zstd", b"one\n"), bytearray(compress_with_tool("gzip", b"two\n"))
    assert Sequences(zstd + bytes(member)).results("zstd") == {b"one\ntwo\n"}
    member[-8] ^= 1
    assert Sequences(zstd + bytes(member)).results("zstd") == set()


def test_every_path_of_a_real_concatenation_passes_the_invariant():
    kinds = ("gzip", "zstd", "lz4", "bz2", "xz", "snappy")
    data = b"".join(compress_with_tool(kind, b"part %d\n" % n) for n, kind in enumerate(kinds))
    check("gzip", data)
