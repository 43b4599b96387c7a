"""The raw deflate Inflater under gzip: the input it is given whole comes out whole, on both
backends, and ISA-L is fed slices it uses up (so that it copies no leftover input)."""

from __future__ import annotations

import zlib
from typing import Any

import pytest
from compression_helpers import make_data

from arrowio.compression._deflate import Inflater, backend

MIB = 1 << 20
#: Text, then zeros, then random bytes: the compression ratio changes twice.
CONTENT = make_data("text", 3 * MIB, seed=7) + bytes(2 * MIB) + make_data("random", MIB, seed=8)
TRAILER = b"\x1f\x8b after the stream"


def _deflated(data: bytes) -> bytes:
    obj = zlib.compressobj(6, zlib.DEFLATED, -15)
    return obj.compress(data) + obj.flush()


STREAM = _deflated(CONTENT)


def _inflate(inflater: Inflater, data: bytes, chunk: int, max_length: int) -> bytes:
    """Feed ``data`` in ``chunk``-byte pieces only when the inflater asks for input, taking at
    most ``max_length`` bytes a call, until the stream ends."""
    out, at = bytearray(), 0
    while not inflater.eof:
        piece = b""
        if inflater.needs_input:
            assert at < len(data), "the stream did not end"
            piece, at = data[at : at + chunk], at + chunk
        got = inflater.decompress(piece, max_length)
        assert len(got) <= max_length
        out += got
    assert inflater.unused_data + data[at:] == TRAILER  # what followed the stream, nothing lost
    return bytes(out)


@pytest.mark.parametrize("chunk", [len(STREAM) + len(TRAILER), MIB, 65_536])
@pytest.mark.parametrize("max_length", [MIB, 100_003])
def test_the_stream_comes_out_whole_with_what_follows_it(deflate_backend, chunk, max_length):
    inflater = Inflater()
    assert _inflate(inflater, STREAM + TRAILER, chunk, max_length) == CONTENT
    assert inflater.crc == zlib.crc32(CONTENT)


class _Feeds:
    """ISA-L's decompressor, recording each input it is given and whether it used it up."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj
        self.calls: list[tuple[int, bool]] = []

    def decompress(self, data: Any, max_length: int) -> bytes:
        out = self._obj.decompress(data, max_length)
        self.calls.append((len(data), self._obj.needs_input or self._obj.eof))
        return bytes(out)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


def test_isal_is_fed_slices_it_uses_up():
    # ISA-L only (a dependency): zlib keeps unused input in unconsumed_tail, without a copy of its own.
    assert backend() == "isal"
    inflater = Inflater()
    feeds = inflater._obj = _Feeds(inflater._obj)
    assert _inflate(inflater, STREAM + TRAILER, MIB, MIB) == CONTENT  # 1 MiB reads, as the reader's
    fed = sum(size for size, _ in feeds.calls)
    left = sum(size for size, used_up in feeds.calls if not used_up)
    # Slices are left unfinished only where the ratio changed under them (here 24 % of the input
    # went in such calls); given each 1 MiB read whole, ISA-L had input left from 74 %.
    assert fed == len(STREAM) + len(TRAILER) and left < fed * 2 // 5
