"""Fuzzing of every decoder through every read path (the invariant: see fuzz_oracle).

The normal run is bounded and derandomized (the same cases every time, about 20 s here): every
truncation of each format's tiny seeds, the decoder bugs found so far, and a few dozen hypothesis
mutants per format. ``pytest -m fuzz`` runs the campaign: fresh random mutants (many more, see
``ARROWIO_FUZZ_EXAMPLES``) and every single-bit flip of the small seeds.
"""

from __future__ import annotations

import os

import pytest
from fuzz_corpus import KINDS, MUTATIONS, apply, flip_bit, seeds, tools_missing
from fuzz_oracle import check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arrowio

pytestmark = pytest.mark.skipif(bool(tools_missing()), reason=f"seed tools missing: {tools_missing()}")

CAMPAIGN_EXAMPLES = int(os.environ.get("ARROWIO_FUZZ_EXAMPLES", "1500"))
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]


#: One to four mutations: which, where (any number: taken modulo the length), and some bytes.
MUTANTS = st.lists(
    st.tuples(st.sampled_from(sorted(MUTATIONS)), st.integers(0, 1 << 16), st.binary(max_size=8)),
    min_size=1,
    max_size=4,
)


def _seed(kind: str, index: int) -> bytes:
    pool = seeds(kind)
    return pool[index % len(pool)]


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=_QUIET, database=None)
@given(seed=st.integers(0, 9), mutations=MUTANTS)
def test_mutants(kind, seed, mutations):
    check(kind, apply(_seed(kind, seed), mutations))


@pytest.mark.parametrize("kind", KINDS)
def test_every_truncation_of_a_tiny_file(kind):
    good = seeds(kind)[1]  # a short text: every header, block and trailer byte is a cut point
    for keep in range(len(good) + 1):
        check(kind, good[:keep])


@pytest.mark.fuzz
@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=CAMPAIGN_EXAMPLES, deadline=None, suppress_health_check=_QUIET)
@given(seed=st.integers(0, 9), mutations=MUTANTS)
def test_campaign_mutants(kind, seed, mutations):
    check(kind, apply(_seed(kind, seed), mutations))


@pytest.mark.fuzz
@pytest.mark.parametrize("kind", KINDS)
def test_campaign_every_bit_flip(kind):
    for good in seeds(kind)[:3]:
        for bit in range(8 * len(good)):
            check(kind, flip_bit(good, bit, b""))


#: Inputs the fuzzer found that broke the invariant, kept as regression cases (kind, hex, what broke).
FOUND = [
    # zstd: a frame whose header records 128 bytes and whose one block holds none was accepted
    # (empty output, no error) when the reads cut it before its checksum: libzstd checks the
    # content size only when the last block and the checksum come in one call.
    ("zstd", "28b52ffd248001000099e9d851"),
    ("zstd", "28b52ffd240101000099e9d851"),
    # zstd: a compressed block of size 0 was refused by libzstd only when the whole frame came
    # in one call (the content checksum is that of empty data, so nothing else catches it).
    ("zstd", "28b52ffd240005000099e9d851"),
    # Not a bug: a window descriptor asking for 144 MiB, which arrowio accepts (up to 2 GiB, as
    # zstd --long=31) and the zstd CLI refuses by default; the reference now has arrowio's limit.
    ("zstd", "28b52ffd048961000068656c6c6f2c2066757a7a0a16a44aa0"),
    # info --scan named another compressed offset than cat: it fed the decoder other pieces.
    ("zstd", "28b52ffd24008be17cc401000099e9d851"),
    ("lz4", "04224d183440a700000000055dcc02"),
    ("bz2", "425a683917724538507f00000000"),
    ("brotli", "8e058068656c6c6f2c2066757a7a0a03"),
    # bgzf: a block whose BSIZE (0) leaves no room for its trailer crashed the BGZF walk of
    # input_stream (struct.error reading the ISIZE before the block's start).
    ("bgzf", "1f8b08040000000000ff060042430200000000000000000000"),
    # Not bugs: 'auto' (cat) reads streams of different formats in sequence, which the oracle
    # took for the first format's reference alone. A zstd frame, then a snappy-framing stream:
    (
        "zstd",
        "28b52ffd045861000068656c6c6f2c2066757a7a0a16a44aa0"
        "ff060000734e6150705901100000e9a4967468656c6c6f2c2066757a7a0a",
    ),
    # and one, in input.zst, that info --scan refused while cat read it: a zstd frame, then an
    # empty gzip member.
    ("zstd", "28b52ffd045861000068656c6c6f2c2066757a7a0a16a44aa01f8b080000000000000303000000000000000000"),
]


@pytest.mark.parametrize(("kind", "hex_input"), FOUND)
def test_found_by_fuzzing(kind, hex_input):
    check(kind, bytes.fromhex(hex_input))


@pytest.mark.parametrize("piece", [1, 3, 9, 13])
def test_zstd_content_size_is_checked_however_the_input_is_cut(piece):
    data = bytes.fromhex("28b52ffd248001000099e9d851")  # records 128 bytes, holds an empty raw block
    decoder = arrowio.Codec("zstd").decoder()
    with pytest.raises(arrowio.ArrowIOError, match="zstd: .*(records 128|Data corruption)"):
        for start in range(0, len(data), piece):
            decoder.decompress(data[start : start + piece])
        decoder.finish()


@pytest.mark.parametrize("piece", [1, 9, 13])
def test_zstd_refuses_an_empty_compressed_block_however_the_input_is_cut(piece):
    data = bytes.fromhex("28b52ffd240005000099e9d851")  # last block: compressed, size 0
    decoder = arrowio.Codec("zstd").decoder()
    with pytest.raises(arrowio.ArrowIOError, match="zstd: compressed block of size 0"):
        for start in range(0, len(data), piece):
            decoder.decompress(data[start : start + piece])
        decoder.finish()
