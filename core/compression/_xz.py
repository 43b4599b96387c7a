"""xz through the stdlib: multi-stream files with stream padding (``xz`` writes them with
``--single-stream`` off, ``cat`` makes them), with each stream's integrity check verified by
liblzma. The stdlib's own ``lzma.decompress`` silently drops every stream after padding: here
padding is zero bytes in multiples of four, followed by another stream or the end."""

from __future__ import annotations

import lzma

from ..errors import ArrowIOError
from ._base import BlockEncoder, Decoder, Encoder, MemberDecoder

__all__ = ["decoder", "encoder"]

_MAGIC = b"\xfd7zXZ\x00"
_PEEK = 4096


class XzDecoder(MemberDecoder):
    format = "xz"
    _unit = "stream"
    _backend_errors = (lzma.LZMAError, EOFError)

    def __init__(self) -> None:
        super().__init__()
        self._padding = 0

    def _between(self) -> lzma.LZMADecompressor | None:
        cursor = self._in
        if self._members:  # stream padding may follow a stream
            while True:
                head = cursor.peek(_PEEK)
                zeros = len(head) - len(head.lstrip(b"\0"))
                cursor.skip(zeros)
                self._padding += zeros
                if zeros < len(head) or not head:
                    break
            if not cursor:
                return None
            if self._padding % 4:
                raise self._error(cursor.pos, f"stream padding of {self._padding} bytes is not a multiple of four")
        head = cursor.peek(len(_MAGIC))
        if head != _MAGIC[: len(head)]:
            what = "trailing garbage after the last xz stream" if self._members else "not in xz format"
            raise self._error(cursor.pos, what)
        if len(head) < len(_MAGIC):
            return None
        self._padding = 0
        return lzma.LZMADecompressor(lzma.FORMAT_XZ)

    def _clean_end(self) -> bool:
        if self._members and self._in:  # trailing zeros are padding only if they are all there
            self._between()
        if self._padding % 4:
            raise self._error(self._in.pos, f"stream padding of {self._padding} bytes is not a multiple of four")
        return super()._clean_end()


class XzEncoder(BlockEncoder):
    format = "xz"

    def __init__(self, level: int) -> None:
        if not 0 <= level <= 9:  # liblzma's presets; it refuses others (LZMA_OPTIONS_ERROR)
            raise ArrowIOError(f"xz compressor init failed: compression level {level}; xz has presets 0..9")
        # CRC64 is what the xz tool writes by default.
        super().__init__(lzma.LZMACompressor(lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=level))


def decoder() -> Decoder:
    return XzDecoder()


def encoder(level: int, threads: int = 0) -> Encoder:
    return XzEncoder(level)
