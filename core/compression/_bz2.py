"""bzip2 through the stdlib: concatenated streams (``pbzip2``, ``cat a.bz2 b.bz2``) are read
through; each stream's block and combined CRCs are verified by libbz2; anything after the
last stream that is not another stream is trailing garbage and an error."""

from __future__ import annotations

import bz2

from ..errors import ArrowIOError
from ._base import BlockEncoder, Decoder, Encoder, MemberDecoder

__all__ = ["decoder", "encoder"]

_MAGIC = b"BZh"


class Bz2Decoder(MemberDecoder):
    format = "bz2"
    _unit = "stream"
    _backend_errors = (OSError, EOFError, ValueError)

    def _between(self) -> bz2.BZ2Decompressor | None:
        head = self._in.peek(len(_MAGIC))
        if head != _MAGIC[: len(head)]:
            what = "trailing garbage after the last bz2 stream" if self._members else "not in bz2 format"
            raise self._error(self._in.pos, what)
        return bz2.BZ2Decompressor() if len(head) == len(_MAGIC) else None


class Bz2Encoder(BlockEncoder):
    format = "bz2"  # blocks of 100-900 kB leave as they fill

    def __init__(self, level: int) -> None:
        if not 1 <= level <= 9:  # libbz2's block sizes; Arrow passes the level on and fails so
            raise ArrowIOError(
                f"bz2 compressor init failed: wrong parameter to bz2 library (compression level {level}; "
                "bzip2 has 1..9)"
            )
        super().__init__(bz2.BZ2Compressor(level))


def decoder() -> Decoder:
    return Bz2Decoder()


def encoder(level: int, threads: int = 0) -> Encoder:
    return Bz2Encoder(level)
