"""Concatenated streams of different formats (``cat a.gz b.zst``), decoded one after the other.

The zstd tool decodes ``cat a.gz b.zst | zstd -dc`` whole: each stream by its own format. A
:class:`SequenceDecoder` does the same around the per-format decoders, which stay strict: when
the current one reports trailing garbage after a complete stream, and those bytes start with
another format's magic number, a decoder for that format takes over from them. Bytes with no
known magic (plain data after compressed data, or a brotli stream, which has none), and anything
after a brotli stream (decoded only alone), remain the error the current decoder reported.
Offsets in errors count from the start of the whole input.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import ArrowIOError
from ._base import UNLIMITED, Decoder
from ._registry import FORMATS, MAGIC_PEEK, Format, from_magic

__all__ = ["SequenceDecoder"]

#: The wording every decoder uses for bytes after its last complete stream (and only for them).
_TRAILING = "trailing garbage after"
#: The compressed offsets in the decoders' messages ("(at compressed offset N)", "the member
#: starting at offset N"). A pattern, compiled (and cached by re) only when an error is rewritten:
#: compiling it at import would slow every start.
_OFFSET = r"(?<=offset )\d+"


def _could_start_magic(head: bytes) -> bool:
    return any(magic.startswith(head) for f in FORMATS.values() if f.streaming for magic in f.magics)


class SequenceDecoder(Decoder):
    """``first`` decodes until its stream ends; then each following stream is decoded by
    ``make(format)``'s decoder for the format its magic number names.

    The per-format base bookkeeping (``_in``, ``_fed``) belongs to the current decoder, so
    :meth:`Decoder.__init__` is not run here.
    """

    def __init__(self, first: Decoder, make: Callable[[Format], Decoder]) -> None:
        self._current = first
        self._make = make
        self._held = b""  # the start of a next stream, too short yet to tell its magic
        self._held_error: ArrowIOError | None = None
        self._base = 0  # offset of the current stream in the whole input

    @property
    def format(self) -> str:  # type: ignore[override]  # the format being decoded now
        return self._current.format

    @property
    def needs_input(self) -> bool:  # type: ignore[override]
        return bool(self._held) or self._current.needs_input

    @property
    def fills_buffers(self) -> bool:
        """Whether the current decoder decodes straight into a caller's buffer (:meth:`decode_into`)."""
        return getattr(self._current, "fills_buffers", False)

    def decompress(self, data: bytes | memoryview, max_length: int = UNLIMITED) -> bytes:
        return self._run(lambda piece: self._current.decompress(piece, max_length), data, b"")

    def decode_into(self, data: bytes | memoryview, out: memoryview) -> int:
        """``decode(data, len(out))`` written into ``out``; returns the count. Straight into it
        while the current decoder :attr:`fills_buffers`; a copy of its output once a stream of
        another format took over within the call."""

        def step(piece: bytes | memoryview) -> int:
            current = self._current
            if getattr(current, "fills_buffers", False):
                return int(current.decode_into(piece, out))  # type: ignore[attr-defined]  # fills_buffers says so
            decoded = current.decode(piece, len(out))
            out[: len(decoded)] = decoded
            return len(decoded)

        return self._run(step, data, 0)

    def _run[T](self, step: Callable[[bytes | memoryview], T], data: bytes | memoryview, nothing: T) -> T:
        """``step(data)`` on the current decoder, handing over to the next stream's decoder
        where the current one reports one after its own; ``nothing`` while there is no decoder
        to run yet (a magic number still incomplete)."""
        if self._held:
            data, self._held = self._held + bytes(data), b""
            if not self._switch(data):
                return nothing
        # A loop, not one switch: a following stream may end in the same piece of input (an
        # empty frame gives no output), so the next decoder too may report a stream after its own.
        while True:
            try:
                return step(data)
            except ArrowIOError as exc:
                error = self._shifted(exc)
                if _TRAILING not in str(exc):
                    raise error from None
                self._held_error = error
                data = self._current._in.peek_all()  # what the finished decoder did not consume
                self._base += self._current._in.pos
                if not self._switch(data):
                    return nothing

    def _shifted(self, exc: ArrowIOError) -> ArrowIOError:
        """``exc`` with its offset counted from the start of the whole input."""
        if not self._base:
            return exc
        return ArrowIOError(re.sub(_OFFSET, lambda m: str(int(m.group(0)) + self._base), str(exc)))

    def _switch(self, rest: bytes) -> bool:
        """Hand over to a decoder for the stream ``rest`` starts (True), or hold ``rest`` while
        its magic number is incomplete (False); else raise the finished decoder's error."""
        error = self._held_error
        assert error is not None
        if not FORMATS[self._current.format].magics:
            # No magic number (brotli): nothing marks where such a stream ends and another could
            # start, and no tool reads it in a sequence; it is decoded alone, however it is cut.
            raise error
        fmt = from_magic(rest[:MAGIC_PEEK])
        if fmt is None:
            if len(rest) < MAGIC_PEEK and _could_start_magic(rest):
                self._held = rest  # wait for the rest of the magic number
                return False
            raise error
        if fmt.name == self._current.format:
            raise error  # the decoder itself reads its own format's next streams
        self._current = self._make(fmt)
        self._held_error = None
        return True

    def finish(self) -> None:
        if self._held:
            assert self._held_error is not None
            raise self._held_error
        try:
            self._current.finish()
        except ArrowIOError as exc:
            raise self._shifted(exc) from None
