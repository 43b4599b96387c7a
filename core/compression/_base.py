"""What every format module provides: a strict incremental Decoder and an Encoder.

A :class:`Decoder` is pushed compressed bytes and hands back decoded bytes, never more than
``max_length`` per call and never holding more than a bounded amount of decoded data (the
backends are driven with their output limits), whatever the compression ratio. It reads
through concatenated members/frames/streams, verifies every checksum, and raises
:class:`ArrowIOError` naming the format and the compressed offset on corrupt or truncated
input. The calling protocol, shared by all formats::

    out = dec.decompress(data, max_length)   # data: more input, or b"" to drain
    dec.needs_input                          # True: no more output until more input is given
    dec.finish()                             # input ended: raises unless it ended cleanly

An :class:`Encoder` turns bytes into compressed bytes: ``compress(data)``, ``flush()`` (make
everything given so far decodable, where the format can) and ``finish()`` (end the stream).
"""

from __future__ import annotations

from .._records import NamedTuple
from ..errors import ArrowIOError, ArrowMemoryError
from ._input import Cursor

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Decoder", "MemberDecoder", "Encoder", "StreamHeader", "corrupt", "out_of_memory", "UNLIMITED"]

#: ``max_length`` meaning "no limit" (one-shot use on data whose size is known to be fine).
UNLIMITED = -1


def corrupt(fmt: str, offset: int, detail: str) -> ArrowIOError:
    """The error for bad input: names the format and the compressed offset."""
    return ArrowIOError(f"{fmt}: {detail} (at compressed offset {offset})")


def out_of_memory(what: str, asked: str) -> ArrowMemoryError:
    """The error in place of a bare MemoryError (Python's and the backends' say nothing at all):
    ``what`` ran out of memory, and ``asked`` says how many bytes it asked for."""
    return ArrowMemoryError(f"{what}: out of memory: {asked}")


class Decoder:
    """Base of the per-format decoders: offset bookkeeping and the error helpers."""

    format: str = ""

    def __init__(self) -> None:
        self.needs_input = True
        self._in = Cursor()  # the compressed input not yet consumed
        self._fed = 0  # compressed bytes received so far

    def _push(self, data: bytes | memoryview) -> Cursor:
        """Take ``data`` (maybe empty) into the input; returns the input cursor."""
        cursor = self._in
        if data:
            self._fed += len(data)
            cursor.push(data)
        return cursor

    def decompress(self, data: bytes | memoryview, max_length: int = UNLIMITED) -> bytes:
        """Decode more: feed ``data`` (or b"" to drain) and return at most ``max_length`` bytes."""
        raise NotImplementedError

    def finish(self) -> None:
        """Declare the end of input; raises ArrowIOError if it ended inside a member or was empty."""
        raise NotImplementedError

    def decode(self, data: bytes | memoryview, max_length: int) -> bytes:
        """:meth:`decompress`, where running out of memory raises ArrowMemoryError saying how much
        was asked for, instead of a MemoryError without a message."""
        try:
            return self.decompress(data, max_length)
        except ArrowMemoryError:
            raise
        except MemoryError:
            output = "its whole output" if max_length < 0 else f"up to {max_length} bytes of output"
            raise out_of_memory(
                f"{self.format} decoder at compressed offset {self._in.pos}", f"asked for {output}{self._needs()}"
            ) from None

    def _needs(self) -> str:
        """What the decoder holds besides its output (a window), for the out-of-memory message."""
        return ""

    def _error(self, offset: int, detail: str) -> ArrowIOError:
        return corrupt(self.format, offset, detail)

    def _truncated(self, where: str, member_start: int) -> ArrowIOError:
        return corrupt(
            self.format,
            self._fed,
            f"truncated input: it ends inside the {where} of the {self._unit} starting at offset {member_start}",
        )

    def _empty(self) -> ArrowIOError:
        return corrupt(self.format, 0, f"empty input, not in {self.format} format")

    _unit = "member"


class StreamHeader(NamedTuple):
    """What a compressed stream's header may record about its content, as the formats' own tools
    write it: zstd frames the content size (so ``zstd -l`` knows the decoded size), gzip the
    original file name (base name) and modification time (``gzip`` without ``-n``). A format
    records the fields it has room for (modules that do list them in ``RECORDS``); the others
    are ignored. A pledged ``content_size`` that the data does not match is an error at the end.
    """

    content_size: int | None = None
    name: str | None = None
    mtime: int | None = None  # seconds since the epoch; None or 0: not recorded


class Encoder:
    """Base of the per-format encoders."""

    format: str = ""

    def compress(self, data: bytes | memoryview) -> bytes:
        """Compress ``data``; returns whatever compressed bytes are ready (maybe none)."""
        raise NotImplementedError

    def flush(self) -> bytes:
        """Everything given so far, made decodable by a reader of the output so far."""
        raise NotImplementedError

    def finish(self) -> bytes:
        """End the stream; the encoder cannot be used afterwards."""
        raise NotImplementedError


class BlockEncoder(Encoder):
    """An encoder over a stdlib-style compressor (``compress``/``flush``) of a block format with
    no sync flush (bz2, xz): data leaves block by block, and ``flush()`` adds nothing."""

    def __init__(self, compressor: Any) -> None:
        self._obj = compressor

    def compress(self, data: bytes | memoryview) -> bytes:
        return self._obj.compress(data)

    def flush(self) -> bytes:
        return b""

    def finish(self) -> bytes:
        return self._obj.flush()


class MemberDecoder(Decoder):
    """A decoder for formats made of concatenated members, each decoded by a backend object
    with the bz2-style interface (``decompress(data, max_length)``, ``needs_input``, ``eof``,
    ``unused_data``). Subclasses say what may stand between members (:meth:`_between`: a
    header to parse, the previous member's trailer to check) and which backend exceptions mean
    corrupt data (``_backend_errors``); the other hooks have defaults that suit most formats:
    :meth:`_begin_member`, :meth:`_end_member`, :meth:`_clean_end`, :meth:`_where`."""

    _backend_errors: tuple[type[BaseException], ...] = ()
    #: What a backend error means, in the message (before "in the member starting at ...").
    _corrupt = "corrupt data"

    def __init__(self) -> None:
        super().__init__()
        self._backend: Any = None
        self._members = 0
        self._member_start = 0

    def decompress(self, data: bytes | memoryview, max_length: int = UNLIMITED) -> bytes:
        cursor = self._push(data)
        while True:
            backend = self._backend
            if backend is None:
                backend = self._between()
                if backend is None:
                    self.needs_input = True
                    return b""
                self._backend = backend
                self._begin_member(cursor)
            if backend.needs_input:
                if not cursor:
                    self.needs_input = True
                    return b""
                piece = cursor.take_feed()
            else:
                piece = b""
            try:
                out = backend.decompress(piece, max_length)
            except self._backend_errors as exc:
                raise self._error(
                    cursor.pos, f"{self._corrupt} in the {self._unit} starting at offset {self._member_start} ({exc})"
                ) from None
            if backend.eof:
                cursor.give_back(backend.unused_data)
                self._backend = None
                self._members += 1
                self._end_member(backend)
            if out:
                self.needs_input = False
                return out

    def finish(self) -> None:
        if self._fed == 0:
            raise self._empty()
        if self._backend is None and self._clean_end():
            return
        raise self._truncated(self._where(), self._member_start)

    def _between(self) -> Any:
        """At a member boundary: consume what may stand between members and return a backend
        for the next member, or None when more input is needed; raise on anything else."""
        raise NotImplementedError

    def _begin_member(self, cursor: Cursor) -> None:
        """The backend :meth:`_between` returned takes over at ``cursor``: by default its
        member starts there (formats whose header :meth:`_between` consumed say otherwise)."""
        self._member_start = cursor.pos
        cursor.start_member()

    def _end_member(self, backend: Any) -> None:
        """The member ``backend`` decoded has ended (its unused input is given back already)."""

    def _clean_end(self) -> bool:
        """Whether input may end here (between members)."""
        return self._members > 0 and not self._in

    def _where(self) -> str:
        """The part of the member that a truncated input ended in, for the error."""
        return "compressed data"


class Pending:
    """Decoded bytes waiting to be handed out in pieces of at most ``max_length``; whole
    chunks are handed out as they are (no copy) whenever they fit."""

    __slots__ = ("_chunks",)

    def __init__(self) -> None:
        self._chunks: list[bytes | memoryview] = []

    def __bool__(self) -> bool:
        return bool(self._chunks)

    def put(self, chunk: bytes) -> None:
        if chunk:
            self._chunks.append(chunk)

    def get(self, max_length: int) -> bytes:
        chunks = self._chunks
        if not chunks:
            return b""
        chunk = chunks[0]
        if max_length < 0 or len(chunk) <= max_length:
            del chunks[0]
            return chunk if isinstance(chunk, bytes) else chunk.tobytes()
        view = chunk if isinstance(chunk, memoryview) else memoryview(chunk)
        chunks[0] = view[max_length:]
        return view[:max_length].tobytes()
