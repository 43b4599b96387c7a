"""Streaming over the incremental codecs: a bounded reader and writer, optionally threaded.

:class:`DecodingReader` reads the raw source in :data:`RAW_CHUNK` pieces, decodes them in
pieces of at most :data:`OUT_CHUNK` bytes, and hands those out. With ``threaded=True`` the
reading and decoding run in a background thread (every backend used here releases the GIL
while it works) so that they overlap with the consumer, once that pays: from the piece after
the first :data:`SYNC_PIECES` (so a small source never starts one), and only while the consumer
spends at least :data:`THREAD_WORTH` of the decoding time between its reads (a pipe write that
copies and waits for its reader), unless the consumer says whether it pays
(:attr:`DecodingReader.ahead`: ``arrowio cat`` knows its stdout's kind). Handing pieces over
between threads costs CPU time that only overlap can win back: about 2 % more than decoding
them in the consumer's thread (``cat`` of 256 MiB of zstd into a pipe: 0.443 s against 0.433 s,
through the C queues of :class:`._handover.Handover`; 5 % through ``queue.Queue`` before). The hand-over queue holds at most :data:`QUEUE_DEPTH` pieces, so the decoded data
held at any time is bounded whatever the compression ratio. Decoded pieces are handed out as
they are (no copy) whenever they fit the read. The raw reads of a regular file run ahead in a
thread of their own (:mod:`._readahead`), whether or not a thread decodes ahead: into
/dev/null, where nothing else overlaps, that hides the copy out of the page cache.

Once the consumer copies pieces out (``readinto``) or writes them from the reader's memory
(``read_view``), a decoder that can decode into a caller's buffer (zstd's ``decode_into``)
fills reused buffers instead of making a ``bytes`` object per piece: fresh pieces fault their
pages in again and again (the kernel zeroes each page), reused ones stay warm. While pieces are
decoded in the consumer's thread one buffer is enough (a read releases the piece before it
decodes the next), and one buffer stays in the CPU's cache: a ring of six took 4 % more CPU time
(``cat`` of 256 MiB of zstd into /dev/null, in process: 0.268 s against 0.256 s). The thread,
which decodes ahead, fills a ring of :data:`RING` buffers in turn. The first
:data:`SYNC_PIECES` pieces are still ``bytes``, so a small source never allocates a buffer.

:class:`EncodingWriter` gathers small writes into :data:`RAW_CHUNK` pieces and compresses
them, in a background thread when threaded (with the same bounded queue), writing the
compressed bytes to the raw sink.

Errors raised in the thread reach the consumer at the point of the stream where they
happened: everything decoded before a corruption is read first.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from ..errors import ArrowMemoryError
from ._base import Decoder, Encoder, out_of_memory
from ._handover import Failure, Handover
from ._readahead import ReadAhead

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    import queue
    import threading
    from typing import Any

__all__ = [
    "DecodingReader",
    "EncodingWriter",
    "RAW_CHUNK",
    "OUT_CHUNK",
    "QUEUE_DEPTH",
    "SYNC_PIECES",
    "RING",
    "THREAD_WORTH",
    "SYNC_WINDOW",
]

RAW_CHUNK = 1 << 20  # raw bytes per read of the source: large reads keep syscalls and calls rare
OUT_CHUNK = 1 << 20  # decoded bytes per decoder call
QUEUE_DEPTH = 4  # pieces in flight between the thread and the consumer
#: Large writes reach the encoder in pieces of this size, so that its progress (``encoded``) is
#: seen several times a second even at zstd -19's 1 MB/s; per-piece overhead stays under 1%.
ENCODE_PIECE = 256 << 10
SYNC_PIECES = 2  # pieces decoded in the consumer's thread before a threaded reader starts its thread
#: The consumer's time between reads, as a share of the decoding time, from which the thread pays
#: (into a pipe the share is 0.3 or more, into /dev/null under 0.01).
THREAD_WORTH = 0.125
SYNC_WINDOW = 16  # pieces decoded in the consumer's thread before the share is measured again
_clock = time.perf_counter
#: Ring buffers: while the thread decodes into one, QUEUE_DEPTH wait in the queue and the consumer
#: holds one (the current piece, whose view ``read_view`` handed out); the one before that was
#: released by the read that took the current piece.
RING = QUEUE_DEPTH + 2
_EOF = object()
_FLUSH = object()
_FINISH = object()
_STOP_WAIT = 0.05  # seconds between checks of the stop flag while the queue is full (encoder)


class DecodingReader:
    """Decoded bytes of a compressed source. ``read_raw(n)`` reads up to n raw bytes (b"" at
    its end); ``prefix`` is raw data already read from it (by detection) that comes first;
    ``first_piece`` bounds the first decoded piece (a small source's decoded size, where it is
    known: ISA-L allocates its output for the bound it is given); ``read_ahead`` says that
    ``read_raw`` reads a regular file, whose reads a thread may then make ahead."""

    def __init__(
        self,
        read_raw: Callable[[int], bytes],
        decoder: Decoder,
        prefix: bytes = b"",
        threaded: bool = True,
        first_piece: int = OUT_CHUNK,
        read_ahead: bool = False,
    ) -> None:
        self._ring = _Ring()
        #: The raw reads, made ahead in a thread of their own (``threaded`` and ``read_ahead``:
        #: a regular file, see :mod:`._readahead`), so that reading overlaps decoding.
        self._read_ahead: ReadAhead | None = None
        if threaded and read_ahead:
            read_raw = self._read_ahead = ReadAhead(read_raw)
        self._pieces = _decode(read_raw, decoder, prefix, self._ring, first_piece)
        self._piece: memoryview | bytes = b""
        self._pos = 0
        self.position = 0  # decoded bytes handed out so far
        self._eof = False
        self._error: BaseException | None = None
        self._handover: Handover | None = None  # the decoding thread's pieces: a small file has none
        # The thread starts only once the source has proved longer than SYNC_PIECES pieces: a
        # small file (one piece, then the end) is decoded with no thread at all, which saves
        # its start and the hand-overs (about 0.3 ms a file: most of `cat` of 1,000 logs).
        self._sync_left = SYNC_PIECES if threaded else -1
        self._decoding = self._consuming = 0.0  # seconds, over the pieces decoded in this thread
        self._handed_out: float | None = None  # when the last of them was
        #: Whether the thread pays, where the consumer knows: True starts it after SYNC_PIECES
        #: whatever the timing, False never; None measures (THREAD_WORTH). Wall-clock shares
        #: mislead on a busy machine: a consumer preempted between its reads looks slow.
        self.ahead: bool | None = None

    def _start_thread(self) -> None:
        self._ring.spread()
        self._handover = Handover(_produce, (self._pieces,), QUEUE_DEPTH, "arrowio-decode")

    # -- getting pieces --------------------------------------------------------------------------
    def _next_piece(self) -> bool:
        """Load the next decoded piece; False at the end of the data."""
        if self._eof:
            return False
        if self._error is not None:
            raise self._error
        handover = self._handover
        if handover is None:
            start = _clock()
            if self._handed_out is not None:
                self._consuming += start - self._handed_out
            if self._sync_left == 0:
                ahead = self.ahead
                if ahead is None:
                    ahead = self._consuming >= THREAD_WORTH * self._decoding
                if ahead:
                    self._start_thread()
                    handover = self._handover
                else:  # the consumer hardly waits between reads: overlap would win less than it costs
                    self._sync_left = SYNC_WINDOW
                    self._decoding = self._consuming = 0.0
        if handover is None:
            self._sync_left -= 1
            try:
                item = next(self._pieces, _EOF)
            except Exception as exc:  # kept: a finished generator would read as a clean end next time
                self._error = exc
                raise
            self._handed_out = _clock()
            self._decoding += self._handed_out - start
        else:
            item = handover.get()
        if item is _EOF:
            self._eof = True
            return False
        if isinstance(item, Failure):
            self._error = item.exc
            raise item.exc
        self._piece, self._pos = item, 0  # type: ignore[assignment]  # neither _EOF nor a Failure: a piece
        return True

    # -- reading ---------------------------------------------------------------------------------
    def read1(self, n: int = -1) -> bytes:
        """At most ``n`` bytes (any amount if n < 0) from the current piece; b"" only at the end."""
        if self._pos >= len(self._piece) and not self._next_piece():
            return b""
        piece, pos = self._piece, self._pos
        left = len(piece) - pos
        if n < 0 or n >= left:
            self._piece, self._pos = b"", 0
            self.position += left
            if pos == 0:
                return piece if isinstance(piece, bytes) else bytes(piece)
            return bytes(memoryview(piece)[pos:])
        self._pos = pos + n
        self.position += n
        return bytes(memoryview(piece)[pos : pos + n])

    def read(self, n: int = -1) -> bytes:
        """Exactly ``n`` bytes unless the data ends first (everything left if n < 0).

        With ``n >= 0``, an error after some bytes were gathered returns those bytes and is
        raised by the next call, so no decoded byte is lost to it (as :meth:`NativeFile.read`
        does); reading everything (``n < 0``) raises it at once.
        """
        first = self.read1(n)
        if not first or (n >= 0 and len(first) == n):
            return first
        parts = [first]
        got = len(first)
        while n < 0 or got < n:
            try:
                more = self.read1(-1 if n < 0 else n - got)
            except Exception as exc:  # kept in self._error by _next_piece: raised again next time
                if n >= 0:
                    break
                if isinstance(exc, MemoryError):
                    raise _gathering(exc, n, got) from None
                raise
            if not more:
                break
            parts.append(more)
            got += len(more)
        try:
            return b"".join(parts)
        except MemoryError:
            raise _gathering(None, n, got) from None

    def read_view(self, n: int) -> memoryview | bytes:
        """At most ``n`` bytes (any amount if n < 0) of the current piece, as ``read1`` gives
        them but without its copy: a view of the reader's memory, valid only until the next
        read (which may hand that memory to the decoder again); b"" only at the end."""
        self._ring.wanted = True
        if self._pos >= len(self._piece) and not self._next_piece():
            return b""
        piece, pos = self._piece, self._pos
        n = len(piece) - pos if n < 0 else min(n, len(piece) - pos)
        self._pos = pos + n
        self.position += n
        return piece if pos == 0 and n == len(piece) else memoryview(piece)[pos : pos + n]

    def readinto(self, target: Any) -> int:
        """Copy up to ``len(target)`` bytes of the current decoded piece; 0 only at the end.

        One piece at a time, so a consumer of a slow source sees data as soon as it is decoded,
        and an error in a later piece never takes bytes already handed out with it.
        """
        self._ring.wanted = True
        view = memoryview(target).cast("B")
        if not view or (self._pos >= len(self._piece) and not self._next_piece()):
            return 0
        piece, pos = self._piece, self._pos
        n = min(len(view), len(piece) - pos)
        view[:n] = memoryview(piece)[pos : pos + n]
        self._pos = pos + n
        self.position += n
        return n

    @property
    def eof(self) -> bool:
        return self._eof

    def close(self) -> None:
        """Stop the threads (if any); pending data is dropped."""
        handover, self._handover = self._handover, None
        if handover is not None:
            handover.close()
        if self._read_ahead is not None:  # after the decoding thread, the one that reads from it
            self._read_ahead.close()


def _gathering(exc: MemoryError | None, n: int, got: int) -> ArrowMemoryError:
    """The out-of-memory error of a read that gathers pieces (``read()`` of a whole decompression
    bomb, usually): the cause, and how much the read held or asked for."""
    asked = "read() of everything" if n < 0 else f"read({n})"
    if exc is None:
        return out_of_memory("decoded stream", f"{asked} asked for {got} bytes to join its pieces")
    held = f"{asked} held {got} decoded bytes; read in pieces"
    return ArrowMemoryError(f"{exc}; {held}") if str(exc) else out_of_memory("decoded stream", held)


class _Ring:
    """The reused output buffers of one reader, made as first needed; ``wanted`` once its
    consumer no longer needs a ``bytes`` object per piece (see the module doc). One buffer
    until :meth:`spread`, then :data:`RING` in turn."""

    __slots__ = ("wanted", "_size", "_buffers", "_next")

    def __init__(self) -> None:
        self.wanted = False
        self._size = 1
        self._buffers: list[memoryview] = []
        self._next = 0

    def spread(self) -> None:
        """Pieces are decoded ahead from now on (by a thread): go round :data:`RING` buffers,
        starting past the one that may hold the consumer's current piece."""
        self._size = RING
        self._next = len(self._buffers)  # 0 or 1: one buffer at most was used so far

    def fill(self, decode_into: Callable[[memoryview], int]) -> memoryview:
        """The piece ``decode_into`` writes into the ring's next buffer (see :data:`RING` for
        why its old content is free). The ring moves on only past a buffer that holds a piece:
        RING counts pieces handed out, not calls."""
        buffers, i = self._buffers, self._next
        if i == len(buffers):
            buffers.append(memoryview(bytearray(OUT_CHUNK)))
        n = decode_into(buffers[i])
        if n:
            self._next = (i + 1) % self._size
        return buffers[i][:n]


def _decode(
    read_raw: Callable[[int], bytes], decoder: Decoder, prefix: bytes, ring: _Ring, limit: int = OUT_CHUNK
) -> Any:
    """Yield the decoded pieces (each at most OUT_CHUNK bytes, the first decoder call's at most
    ``limit``) of the whole source: ``bytes``, or views of ``ring``'s buffers where the decoder
    can fill them and the consumer wants them."""
    data = prefix
    made = 0
    while True:
        if not data and decoder.needs_input:
            data = read_raw(RAW_CHUNK)
            if not data:
                decoder.finish()
                return
        out: bytes | memoryview
        if made >= SYNC_PIECES and ring.wanted and getattr(decoder, "fills_buffers", False):
            out = ring.fill(functools.partial(decoder.decode_into, data))  # type: ignore[attr-defined]  # fills_buffers says so
        else:
            out = decoder.decode(data, limit)
        data, limit = b"", OUT_CHUNK
        if out:
            made += 1
            yield out


def _produce(handover: Handover, pieces: Any) -> None:
    """The thread: each decoded piece waits for a free place in the queue (the ring's buffers
    are not reused before the consumer is done with them); the end, which holds no buffer, goes
    in at once (a failure too: see :mod:`._handover`)."""
    for piece in pieces:
        if not handover.room():
            return
        handover.put(piece)
    handover.put(_EOF)


class EncodingWriter:
    """Compresses what is written to it into ``write_raw``."""

    def __init__(self, write_raw: Callable[[bytes], Any], encoder: Encoder, threaded: bool = True) -> None:
        import threading  # here: a reader makes no encoder, and cat of a small file starts faster

        self._write_raw = write_raw
        self._encoder = encoder
        self._buffer = bytearray()
        self._queue: queue.Queue[Any] | None = None
        self._done = threading.Event()  # set by the thread after each flush/finish it carried out
        self._failure: list[BaseException] = []
        self._thread: threading.Thread | None = None
        self._finished = False
        self._encoded = [0]  # input bytes the encoder has compressed (shared with the thread)
        if threaded:
            import queue

            self._queue = queue.Queue(QUEUE_DEPTH)
            self._thread = threading.Thread(
                target=_consume,
                args=(self._queue, encoder, write_raw, self._done, self._failure, self._encoded),
                name="arrowio-encode",
                daemon=True,
            )
            self._thread.start()

    def _check(self) -> None:
        if self._failure:
            raise self._failure[0]

    @property
    def encoded(self) -> int:
        """Bytes written that the encoder has compressed so far (not those still queued)."""
        return self._encoded[0]

    def _hand_over(self, item: Any) -> None:
        if self._queue is None:
            self._encoded[0] += _encode(item, self._encoder, self._write_raw)
            return
        self._check()
        self._queue.put(item)

    def write(self, data: Any) -> int:
        """Compress ``data`` (any bytes-like object); returns its length."""
        if self._finished:
            raise ValueError("write to a finished compressed stream")
        view = memoryview(data).cast("B")
        size = len(view)
        buffer = self._buffer
        if buffer or size < RAW_CHUNK:
            buffer += view
            if len(buffer) >= RAW_CHUNK:
                self._buffer = bytearray()
                self._hand_over(bytes(buffer))
        else:  # large writes go in ENCODE_PIECE pieces; copied only for a thread, if the caller could change them
            copy = self._queue is not None and not isinstance(data, bytes)
            for start in range(0, size, ENCODE_PIECE):
                piece = view[start : start + ENCODE_PIECE]
                self._hand_over(piece.tobytes() if copy else piece)
        return size

    def flush(self) -> None:
        """Compress and write out everything written so far (a sync flush where the format has one)."""
        self._drain(_FLUSH)

    def finish(self) -> None:
        """End the compressed stream; further writes are refused."""
        if self._finished:
            return
        self._finished = True
        try:
            self._drain(_FINISH)
        finally:
            self._stop_thread()

    def _drain(self, marker: object) -> None:
        if self._buffer:
            data, self._buffer = bytes(self._buffer), bytearray()
            self._hand_over(data)
        if self._queue is None:
            self._encoded[0] += _encode(marker, self._encoder, self._write_raw)
            return
        self._done.clear()
        self._hand_over(marker)
        while not self._done.wait(_STOP_WAIT):
            if self._thread is None or not self._thread.is_alive():
                break
        self._check()

    def abandon(self) -> None:
        """Stop the thread without finishing the stream (after an error elsewhere)."""
        self._finished = True
        self._stop_thread()

    def _stop_thread(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None and self._queue is not None:
            self._queue.put(None)  # ends the thread unless a finish already did
            thread.join()


def _encode(item: Any, encoder: Encoder, write_raw: Callable[[bytes], Any]) -> int:
    """Encode one queued item; returns the input bytes it compressed (0 for a flush or finish)."""
    if item is _FLUSH:
        out = encoder.flush()
    elif item is _FINISH:
        out = encoder.finish()
    else:
        out = encoder.compress(item)
    if out:
        write_raw(out)
    return 0 if item is _FLUSH or item is _FINISH else len(item)


def _consume(
    queue_: queue.Queue[Any],
    encoder: Encoder,
    write_raw: Callable[[bytes], Any],
    done: threading.Event,
    failure: list[BaseException],
    encoded: list[int],
) -> None:
    while True:
        item = queue_.get()
        if item is None:
            return
        if not failure:
            try:
                encoded[0] += _encode(item, encoder, write_raw)
            except BaseException as exc:  # raised in the writer's thread at its next call
                failure.append(exc)
        if item is _FLUSH or item is _FINISH:
            done.set()
            if item is _FINISH:
                return
