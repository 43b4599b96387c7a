"""Property tests: every streaming codec x levels x random chunkings decodes to the original,
through the incremental decoder (random input pieces, random output limits) and the encoder
(random write sizes, flushes in between)."""

from __future__ import annotations

import pytest
from compression_helpers import STREAMING, drive, make_data
from hypothesis import given
from hypothesis import strategies as st

from arrowio import Codec

_LEVELS = {
    "gzip": [1, 3, 6, 9],
    "bz2": [1, 9],
    "xz": [0, 6],
    "zstd": [-3, 1, 3, 19],
    "lz4": [1, 9],
    "brotli": [0, 5, 11],
    "snappy": [None],
}

payloads = st.one_of(
    st.binary(max_size=3000),
    st.builds(
        make_data, st.sampled_from(["text", "zeros", "mixed", "random"]), st.integers(0, 150_000), st.integers(0, 9)
    ),
)
sizes = st.lists(st.integers(1, 70_000), min_size=1, max_size=8)
small_sizes = st.lists(st.integers(1, 300), min_size=1, max_size=8)


@pytest.mark.parametrize("name", STREAMING)
@given(data=payloads, level_index=st.integers(0, 3), chunks=st.one_of(sizes, small_sizes), limits=sizes)
def test_decoder_chunkings(name, data, level_index, chunks, limits):
    levels = _LEVELS[name]
    codec = Codec(name, levels[level_index % len(levels)])
    compressed = codec.compress(data, asbytes=True) if name != "snappy" else _framed(codec, data)
    # Tiny pieces or limits on long data say nothing more than on short data, and take long.
    if min(chunks) < 512 and len(compressed) > 4096:
        chunks = [c + 4096 for c in chunks]
    if min(limits) < 512 and len(data) > 4096:
        limits = [c + 4096 for c in limits]
    assert drive(codec.decoder(), compressed, chunks, limits) == data


@pytest.mark.parametrize("name", STREAMING)
@given(data=payloads, level_index=st.integers(0, 3), writes=sizes, flush_every=st.integers(0, 3))
def test_encoder_write_sizes_and_flushes(name, data, level_index, writes, flush_every):
    levels = _LEVELS[name]
    codec = Codec(name, levels[level_index % len(levels)])
    if min(writes) < 512 and len(data) > 4096:
        writes = [w + 4096 for w in writes]
    encoder = codec.encoder()
    out, pos, count, checks = [], 0, 0, 0
    while pos < len(data):
        size = writes[count % len(writes)]
        out.append(encoder.compress(data[pos : pos + size]))
        pos += size
        count += 1
        if flush_every and count % flush_every == 0:
            flushed = encoder.flush()
            out.append(flushed)
            # After a flush, everything written so far decodes (formats that can flush).
            if name in ("gzip", "zstd", "lz4", "brotli", "snappy") and checks < 3:
                checks += 1
                decoder = codec.decoder()
                so_far = b"".join(out)
                got = decoder.decompress(so_far, -1)
                while not decoder.needs_input:
                    got += decoder.decompress(b"", -1)
                assert got == data[:pos]
    out.append(encoder.finish())
    assert drive(codec.decoder(), b"".join(out), [65536]) == data


def _framed(codec: Codec, data: bytes) -> bytes:
    encoder = codec.encoder()
    return encoder.compress(data) + encoder.finish()


@pytest.mark.parametrize("name", ["gzip", "zstd", "lz4", "bz2", "xz"])
@given(parts=st.lists(st.binary(max_size=5000), min_size=2, max_size=5), chunks=sizes)
def test_concatenated_members_decode_to_the_concatenation(name, parts, chunks):
    codec = Codec(name)
    joined = b"".join(codec.compress(part, asbytes=True) for part in parts)
    assert drive(codec.decoder(), joined, chunks) == b"".join(parts)
    assert codec.decompress(joined, asbytes=True) == b"".join(parts)


@pytest.mark.parametrize("name", STREAMING)
def test_highly_compressible_input_stays_bounded(name):
    # 64 MiB of zeros compresses to almost nothing: every output piece still respects the limit.
    data = bytes(64 << 20) if name not in ("bz2", "xz", "brotli") else bytes(8 << 20)
    codec = Codec(name, 1 if name not in ("snappy", "xz", "brotli") else None)
    compressed = _framed(codec, data)
    decoder = codec.decoder()
    total = 0
    out = decoder.decompress(compressed, 1 << 16)
    while True:
        assert len(out) <= 1 << 16
        total += len(out)
        if decoder.needs_input:
            break
        out = decoder.decompress(b"", 1 << 16)
    decoder.finish()
    assert total == len(data)


@pytest.mark.parametrize("threads", [1, 2, -1])
@pytest.mark.parametrize("level", [1, 6])
@given(data=payloads, writes=sizes, flush_at=st.integers(0, 5))
def test_parallel_gzip_is_one_member(threads, level, data, writes, flush_at):
    import gzip
    import zlib

    encoder = Codec("gzip", level).encoder(threads=threads)
    out, pos, count = [], 0, 0
    while pos < len(data):
        out.append(encoder.compress(data[pos : pos + writes[count % len(writes)]]))
        pos += writes[count % len(writes)]
        count += 1
        if count == flush_at:
            out.append(encoder.flush())
    out.append(encoder.finish())
    compressed = b"".join(out)
    assert gzip.decompress(compressed) == data
    body = zlib.decompressobj(-15)
    assert body.decompress(compressed[10:]) == data and body.unused_data == compressed[-8:]  # one member
