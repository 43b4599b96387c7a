"""A pledged zstd content size holds whoever compresses: data of another size fails the frame
(libzstd checks it alone, but its workers end a frame whose header records a size its data does
not have)."""

from __future__ import annotations

import io

import pytest
import zstandard

import arrowio as pa
from arrowio.compression import StreamHeader

DATA = b"".join(b"%09d a file that changes size while it is compressed\n" % i for i in range(200_000))


@pytest.mark.parametrize("threads", [0, 1, 2])
@pytest.mark.parametrize("extra", [-1, 1], ids=["short", "long"])
def test_data_of_another_size_than_pledged_fails_the_frame(threads, extra):
    sink = io.BytesIO()
    stream = pa.CompressedOutputStream(
        sink, "zstd", threads=threads, header=StreamHeader(content_size=len(DATA) + extra)
    )
    with pytest.raises(pa.ArrowInvalid, match="pledged"):  # the library's error, a ValueError
        stream.write(DATA)
        stream.close()
    assert stream.closed  # aborted: no frame end was written


@pytest.mark.parametrize("threads", [0, 1])
def test_the_pledged_size_exactly_is_recorded(threads):
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd", threads=threads, header=StreamHeader(content_size=len(DATA))) as out:
        for at in range(0, len(DATA), 1 << 20):
            out.write(DATA[at : at + (1 << 20)])
    frame = bytes(sink.getvalue())
    assert zstandard.get_frame_parameters(frame).content_size == len(DATA)
    assert zstandard.ZstdDecompressor().decompress(frame) == DATA
