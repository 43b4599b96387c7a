"""Brotli (RFC 7932) through ``brotli``: one stream per file (the format has no magic number
and no concatenation), decoded with the backend's output limit; anything after the end of the
stream is an error."""

from __future__ import annotations

import brotli

from ._base import UNLIMITED, Decoder, Encoder, Pending
from ._input import FEED_FIRST

__all__ = ["decoder", "encoder"]


class BrotliDecoder(Decoder):
    format = "brotli"
    _unit = "stream"

    def __init__(self) -> None:
        super().__init__()
        self._obj = brotli.Decompressor()
        # The backend's limit stops the growth of its output buffer, so one call can overshoot
        # ``max_length`` by a buffer increment: the excess waits here.
        self._out = Pending()
        self._drained = True

    def decompress(self, data: bytes | memoryview, max_length: int = UNLIMITED) -> bytes:
        cursor = self._push(data)
        while True:
            if self._out:
                out = self._out.get(max_length)
                self.needs_input = False
                return out
            obj = self._obj
            if obj.is_finished():
                if cursor:
                    raise self._error(cursor.pos, "trailing garbage after the end of the brotli stream")
                self.needs_input = True
                return b""
            can_take = obj.can_accept_more_data()
            if can_take and cursor:
                piece = cursor.take(FEED_FIRST)
            elif can_take and self._drained:
                self.needs_input = True
                return b""
            else:
                # The backend may say it can take input while it still holds output (when its
                # last call stopped at the limit): ask with no input until it gives nothing.
                piece = b""
            try:
                if max_length > 0:
                    out = obj.process(piece, output_buffer_limit=max_length)
                else:
                    out = obj.process(piece)
            except brotli.error as exc:
                raise self._error(cursor.pos, f"corrupt data ({exc})") from None
            self._drained = not out
            self._out.put(out)

    def finish(self) -> None:
        if self._fed == 0:
            raise self._empty()
        if not self._obj.is_finished() or self._in:
            raise self._truncated("compressed data", 0)


_QUALITY = (0, 11)  # brotli's qualities; the C encoder clamps others, the binding refuses them


class BrotliEncoder(Encoder):
    format = "brotli"

    def __init__(self, level: int) -> None:
        self._obj = brotli.Compressor(quality=min(max(level, _QUALITY[0]), _QUALITY[1]))

    def compress(self, data: bytes | memoryview) -> bytes:
        return self._obj.process(data)

    def flush(self) -> bytes:
        return self._obj.flush()

    def finish(self) -> bytes:
        return self._obj.finish()


def decoder() -> Decoder:
    return BrotliDecoder()


def encoder(level: int, threads: int = 0) -> Encoder:
    return BrotliEncoder(level)
