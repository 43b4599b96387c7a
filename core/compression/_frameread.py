"""Decoding a file of independent frames: in parallel, from any frame, or just a byte range
(:func:`read_range`: the frame a range ends inside is decoded only as far as the range).

Given a :class:`FrameTable`, the frames are grouped into tasks of about :data:`TASK_BYTES`
compressed bytes (a BGZF block is 64 KiB: one task per block would cost more in hand-over than
in decoding), each read by position and decoded in a worker thread (zlib/ISA-L and libzstd
release the GIL). Tasks finish out of order and are handed out in order; one task per worker
and one more are in flight (at most :data:`IN_FLIGHT` decoded bytes of them where the sizes
are known).

Each task is read into a per-thread input buffer and decoded straight into an output buffer
(:mod:`._framedecode`): of exactly its decoded size where the table knows it, of
:data:`TASK_PLAIN` bytes otherwise. The output buffers form a ring of one per task in flight,
each as large as the largest task, reused task after task, so decoding allocates nothing and
faults no page in after the first tasks (a fresh ``bytes`` per decoded piece cost 20-30 % more
CPU and twice the page faults per 256 MiB). The reader hands out views of them, which its
consumer copies (``readinto``) or writes out (``read_view``: no copy at all) before the buffer
is reused. Frames that do not fit are decoded by the strict streaming decoder instead, so memory
stays bounded whatever the compression ratio: a task of frames of unknown size that overflows
its buffer, by the reading thread; a file with a frame larger than TASK_PLAIN, throughout (a task
then holds at most TASK_PLAIN decoded bytes before it leaves the rest to the reading thread). A
task that failed is decoded again that way, so that its error and the bytes handed out before it
are those of a sequential read.

Every task's output is checked against the sizes the table knows: a frame table that does not
match the data is an error, never silently wrong data.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator
from operator import sub

from ._base import Decoder, corrupt
from ._framedecode import DecodeError, Overflow, decode_into
from ._frametable import FrameTable
from ._stream import OUT_CHUNK, DecodingReader

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

    from ._bgzfwalk import BgzfWalk

__all__ = ["FrameReader", "decode_range", "decode_stream", "read_range", "default_workers"]

TASK_BYTES = 1 << 20  # compressed bytes per task: hand-over costs ~50 us, decoding 1 MiB ~1-3 ms
TASK_PLAIN = 32 << 20  # decoded bytes a task may gather before the reading thread takes over
#: Decoded bytes a task gathers at most from several frames: the ring holds three such buffers,
#: and every page of them is faulted in once per stream (a single larger frame is one task).
TASK_GROUP = 4 << 20
IN_FLIGHT = 64 << 20  # decoded bytes of the tasks in flight, where the table knows them
#: A read that ends inside a frame reads its first HEAD_INPUT compressed bytes (a zstd block is
#: at most 128 KiB: enough for a read near the frame's start), then twice as many each time, up
#: to HEAD_MORE: at most twice the bytes it needs, in a few requests (each a round trip on a
#: remote file), memory bounded for a frame of any size. The decoder is fed HEAD_INPUT bytes at
#: a time and gives at most HEAD_PIECE decoded bytes per call.
HEAD_INPUT = 128 << 10
HEAD_MORE = 8 << 20
HEAD_PIECE = 1 << 20
STREAM_INPUT = 1 << 20  # compressed bytes read at a time where a file is decoded as one stream
#: Decoded bytes of BGZF blocks a step of the walk finds ahead of the tasks planned so far, where
#: the blocks are decoded while the walk goes on: ~250 blocks, a fifth of a millisecond.
WALK_AHEAD = 16 << 20

ReadAt = Callable[[int, int], bytes]
ReadIntoAt = Callable[[memoryview, int], int]
_inputs = threading.local()  # each thread's reused buffer of compressed input


def default_workers() -> int:
    """Decoding threads: one per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _decoder_at(fmt: str, offset: int) -> Decoder:
    """A fresh decoder whose error messages count compressed offsets from ``offset``."""
    from ._registry import lookup

    decoder: Decoder = lookup(fmt).load().decoder()
    decoder._in.pos = decoder._fed = offset  # the range starts there in the file
    if hasattr(decoder, "_member_start"):  # gzip's first member starts there too, not at 0
        decoder._member_start = offset
    return decoder


def decode_range(read_at: ReadAt, fmt: str, start: int, end: int) -> Iterator[bytes]:
    """The decoded pieces of ``start:end`` of the file, which must begin and end on frame boundaries."""
    data = read_at(end - start, start)
    if len(data) < end - start:
        raise corrupt(
            fmt,
            start + len(data),
            f"truncated input: the file ends before offset {end}, where its frame table says a frame ends",
        )
    decoder = _decoder_at(fmt, start)
    out = decoder.decompress(data, OUT_CHUNK)
    del data  # the decoder keeps what it still needs
    yield from _drained(decoder, out)
    decoder.finish()


def decode_stream(read_at: ReadAt, fmt: str, sequence: bool = False) -> Iterator[bytes]:
    """The decoded pieces of the whole file, from its start, by the strict streaming decoder fed
    STREAM_INPUT bytes at a time (what a sequential read does); ``sequence``: streams of other
    formats that follow the first are decoded too (:class:`._sequence.SequenceDecoder`)."""
    decoder: Decoder = _decoder_at(fmt, 0)
    if sequence:
        from ._sequence import SequenceDecoder

        decoder = SequenceDecoder(decoder, lambda other: other.load().decoder())
    pos = 0
    while data := read_at(STREAM_INPUT, pos):
        pos += len(data)
        out = decoder.decompress(data, OUT_CHUNK)
        del data  # the decoder keeps what it still needs
        yield from _drained(decoder, out)
    decoder.finish()


def _drained(decoder: Decoder, out: bytes) -> Iterator[bytes]:
    """``out`` (if not empty), then the pieces the decoder still makes from the input it was
    given, until it needs more."""
    while True:
        if out:
            yield out
        if decoder.needs_input:
            return
        out = decoder.decompress(b"", OUT_CHUNK)


def _task(
    read_at: ReadAt, fmt: str, start: int, end: int
) -> tuple[list[bytes], Iterator[bytes] | None, Exception | None]:
    """Decode a task in a worker: its pieces, the rest of it when it grew past TASK_PLAIN, and
    the error that stopped it (after the pieces decoded before it)."""
    pieces: list[bytes] = []
    total = 0
    rest = decode_range(read_at, fmt, start, end)
    try:
        for piece in rest:
            pieces.append(piece)
            total += len(piece)
            if total >= TASK_PLAIN:
                return pieces, rest, None
    except Exception as exc:  # handed to the reader, raised after the pieces before it
        exc.__traceback__ = None
        return pieces, None, exc
    return pieces, None, None


def _input(size: int) -> memoryview:
    """This thread's input buffer, grown to at least ``size`` bytes."""
    view: memoryview | None = getattr(_inputs, "view", None)
    if view is None or len(view) < size:
        view = _inputs.view = memoryview(bytearray(max(size, TASK_BYTES)))
    return view


def _task_into(
    read_at: ReadAt, readinto_at: ReadIntoAt | None, fmt: str, bounds: list[int], out: memoryview, exact: bool = True
) -> tuple[int, Exception | None]:
    """Decode the frames starting at ``bounds`` (file offsets; the last one is their end) into
    ``out``, which is as large as the table says they decode to (``exact``) or as large as a task
    may hold: the bytes decoded, and the error that stopped them (after those bytes), which is
    the Overflow itself where they did not fit a buffer of a size the table does not know."""
    start, end = bounds[0], bounds[-1]
    try:
        if readinto_at is not None:
            src = _input(end - start)[: end - start]
            got = readinto_at(src, start)
        else:
            src = memoryview(read_at(end - start, start))
            got = len(src)
        if got < end - start:
            raise corrupt(
                fmt,
                start + got,
                f"truncated input: the file ends before offset {end}, where its frame table says a frame ends",
            )
        filled = decode_into(fmt, src, start, [b - start for b in bounds], out)
    except Overflow as exc:
        if not exact:
            return exc.filled, exc
        return _redecode(read_at, fmt, start, end, out)
    except DecodeError:
        return _redecode(read_at, fmt, start, end, out)
    except Exception as exc:  # handed to the reader, raised after the bytes before it
        exc.__traceback__ = None
        return 0, exc
    if exact and filled != len(out):
        return _redecode(read_at, fmt, start, end, out)
    return filled, None


def _redecode(read_at: ReadAt, fmt: str, start: int, end: int, out: memoryview) -> tuple[int, Exception | None]:
    """Decode a task that failed again, by the strict streaming decoder, so that the error and
    the bytes handed out before it are those of a sequential read (``cat`` and ``info --scan``
    say the same): what fits of its output in ``out``, and its error, or the table's."""
    filled = got = 0
    try:
        for piece in decode_range(read_at, fmt, start, end):
            got += len(piece)
            take = min(len(piece), len(out) - filled)
            out[filled : filled + take] = memoryview(piece)[:take]
            filled += take
    except Exception as exc:  # handed to the reader, raised after the bytes before it
        exc.__traceback__ = None
        return filled, exc
    return filled, None if got == len(out) else _mismatch(fmt, start, end, got, len(out))


def _fits(table: FrameTable) -> bool:
    """Whether each task can be decoded into a buffer: of its size where every frame's is known
    and at most TASK_PLAIN, of TASK_PLAIN where none is known (a larger frame is streamed:
    memory stays bounded)."""
    plain = table.plain
    return plain is None or max(map(sub, plain[1:], plain), default=0) <= TASK_PLAIN  # in C: at every open


def _buffer(size: int) -> Any:
    """A ring buffer: private anonymous memory, its pages faulted in only when written (where the
    size is a capacity the data may not fill, most are never touched), in huge pages where the
    kernel grants them on request (Linux THP "madvise"): a 16 MiB buffer then takes 8 page faults,
    not 4,096, and decoding the corpus's zstd frames 8 % less CPU than into a bytearray."""
    import mmap

    # Private: mmap's default shared anonymous memory is shmem, with dearer faults and no THP.
    buffer = mmap.mmap(-1, max(size, 1), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    hugepage = getattr(mmap, "MADV_HUGEPAGE", None)
    if hugepage is not None:
        try:
            buffer.madvise(hugepage)
        except OSError:  # a kernel without THP: ordinary pages
            pass
    return buffer


def _mismatch(fmt: str, start: int, end: int, got: int, expected: int) -> Exception:
    return corrupt(
        fmt,
        end,
        f"the frames at offsets {start}..{end} decode to {got} bytes, where the frame table says {expected}",
    )


def _tasks(table: FrameTable, first: int, alone: bool = False) -> Iterator[tuple[int, int]]:
    """Frame ranges ``[i, j)`` from frame ``first``: about TASK_BYTES compressed, and several frames
    only up to TASK_GROUP decoded; with ``alone``, frame ``first`` is a task of its own."""
    i = first
    if alone and i < table.frames:
        yield i, i + 1
        i += 1
    while i < table.frames:
        task = _next_task(table.comp, table.plain, i, table.frames)
        yield task
        i = task[1]


def _next_task(comp: Any, plain: Any, i: int, frames: int) -> tuple[int, int]:
    """The task that starts at frame ``i`` < ``frames`` (see :func:`_tasks`)."""
    j = i + 1
    while j < frames and comp[j] - comp[i] < TASK_BYTES and (plain is None or plain[j + 1] - plain[i] <= TASK_GROUP):
        j += 1
    return i, j


class FrameReader(DecodingReader):
    """The decoded content of a framed file from decoded ``position`` (which needs decoded sizes
    in ``table`` unless it is 0), decoded by ``workers`` threads (0: by the reading thread).
    ``table`` may be a BGZF walk (:class:`._bgzfwalk.BgzfWalk`), walked to its end at the first
    read; where it then finds the file is not BGZF to its end, the file is decoded as one stream
    (``sequence``: with the streams of other formats after it, as a sequential read does)."""

    def __init__(
        self,
        read_at: ReadAt,
        fmt: str,
        table: FrameTable | BgzfWalk,
        position: int = 0,
        workers: int = 0,
        readinto_at: ReadIntoAt | None = None,
        sequence: bool = False,
    ) -> None:
        super().__init__(_nothing, None, threaded=False)  # type: ignore[arg-type]  # pieces come from _generate
        self._read_at = read_at
        self._readinto_at = readinto_at
        self._fmt = fmt
        self._pool: Any = None
        if workers > 0:
            from ._workers import Workers

            self._pool = Workers(workers, "arrowio-frames")
        self._ahead = max(workers, 1) + 1  # every worker busy, and one task ready for the reader
        self.position = position
        self.compressed_read = 0
        #: After a seek, the frame holding the position is decoded alone, and nothing ahead of
        #: it until the consumer reads past it: ``cat --offset N --length 64`` decoded three
        #: tasks of ~3 MiB each (most of its CPU time) for 64 bytes.
        self._alone = position > 0
        if isinstance(table, FrameTable):
            self._table = table
            self._pieces = self._start(position)
        else:  # walked to its end at the first read (a stream only read by position never is)
            self._pieces = self._walked(table, position, sequence)

    def _start(self, position: int) -> Iterator[bytes | memoryview]:
        """The pieces from decoded ``position`` on (which needs decoded sizes in the table unless it is 0)."""
        table = self._table
        size = table.size
        if size is not None and position >= size:
            self.compressed_read = table.comp[-1]
            return iter(())
        first, skip = 0, 0
        if position:
            first = table.frame_at(position)  # asserts that the table has decoded sizes
            skip = position - table.plain[first]  # type: ignore[index]  # checked by frame_at
        self.compressed_read = table.comp[first]  # the end of the frames handed to the reader so far
        return self._decode(first, skip)

    def _walked(self, walk: BgzfWalk, position: int, sequence: bool) -> Iterator[bytes | memoryview]:
        """The pieces from ``position`` on of a file whose blocks are walked now: by the table,
        or where the file is not BGZF to its end, decoded from its start by the strict streaming
        decoder, as a sequential read of a file that is not BGZF does (``sequence``: streams of
        other formats that follow are decoded too). From the start, with workers, the blocks
        found first are decoded while the walk goes on (:meth:`_walking`)."""
        done = 0  # blocks whose bytes were handed out
        if position == 0 and self._pool is not None and not walk.done:
            done = yield from self._walking(walk)
        table = walk.finish()
        if table is not None:
            self._table = table
            if done == 0:
                yield from self._start(position)
            elif done < table.frames:
                yield from self._decode(done, 0)
            return
        skip = position + walk.plain[done]  # what the blocks decoded so far handed out
        for piece in decode_stream(self._read_at, self._fmt, sequence):
            if skip >= len(piece):
                skip -= len(piece)
                continue
            yield memoryview(piece)[skip:] if skip else piece
            skip = 0
        self.compressed_read = walk.file_size

    def _walking(self, walk: BgzfWalk) -> Generator[bytes | memoryview, None, int]:
        """The pieces of the BGZF blocks from the file's start, decoded by the workers while the
        walk finds more, WALK_AHEAD decoded bytes at a time, between hand-overs: the walk of a
        large file (~4 ms for the 4,000 blocks of 256 MiB) was the last step of ``cat`` before
        any decoding started. Returns the count of blocks handed out, all of them where the walk
        reaches the end; fewer where it finds that the file is not BGZF to its end, or a block
        of more than TASK_GROUP (or TASK_PLAIN) decoded bytes, not BGZF's at most 64 KiB: the
        caller decodes the rest as it would have without this."""
        self._table = walk.prefix()  # its lists, which grow as the walk goes on
        comp, plain = walk.comp, walk.plain  # plain grows last: len(plain) - 1 blocks are whole
        pending: deque[tuple[tuple[int, int], Any, Any]] = deque()
        free: list[Any] = []
        planned = done = 0
        largest = min(TASK_GROUP, TASK_PLAIN)  # decoded bytes of a task, and of each ring buffer
        stop = False
        while True:
            while not stop and self._room(pending, plain):
                if planned == len(plain) - 1:  # every block found so far is planned
                    if walk.done:
                        break
                    walk.covering(plain[-1] + WALK_AHEAD)
                    continue
                task = _next_task(comp, plain, planned, len(plain) - 1)
                size = plain[task[1]] - plain[task[0]]
                if size > largest:
                    stop = True
                    break
                buffer = free.pop() if free else _buffer(largest)
                bounds = comp[task[0] : task[1] + 1]
                args = (self._read_at, self._readinto_at, self._fmt, bounds, memoryview(buffer)[:size])
                pending.append((task, buffer, self._pool.submit(_task_into, *args)))
                planned = task[1]
            if not pending:
                return done
            task, buffer, future = pending.popleft()
            filled, error = future.result()
            self.compressed_read = comp[task[1]]
            view = memoryview(buffer)
            for start in range(0, filled, OUT_CHUNK):
                yield view[start : min(start + OUT_CHUNK, filled)]
            if error is not None:
                raise error
            done = task[1]
            free.append(buffer)

    def _decode(self, first: int, skip: int) -> Iterator[bytes | memoryview]:
        """The pieces from frame ``first`` on, the way to decode them chosen at the first read, not
        at open: :func:`_fits` goes through the whole table (0.6 ms for the 4,000 blocks of 256 MiB
        of BGZF, a sixth of a 64-byte read_at), which a stream only read by position never needs."""
        yield from self._generate_into(first, skip) if _fits(self._table) else self._generate(first, skip)

    def _run(self, task: tuple[int, int]) -> Any:
        comp = self._table.comp
        args = (self._read_at, self._fmt, comp[task[0]], comp[task[1]])
        if self._pool is None:
            return _Done(_task(*args))
        return self._pool.submit(_task, *args)

    def _room(self, pending: deque[Any], plain: Any) -> bool:
        """Whether another task may start: fewer than ``_ahead`` in flight and, where the decoded
        sizes are known, under IN_FLIGHT decoded bytes from the oldest pending task (whose entries
        start with its ``(first, last)`` frame indexes) to the newest; only one while the frame
        after a seek is read alone."""
        if len(pending) >= self._ahead or (self._alone and pending):
            return False
        return plain is None or not pending or plain[pending[-1][0][1]] - plain[pending[0][0][0]] < IN_FLIGHT

    def _generate(self, first: int, skip: int) -> Iterator[bytes | memoryview]:
        tasks = _tasks(self._table, first, self._alone)
        pending: deque[tuple[tuple[int, int], Any]] = deque()
        plain = self._table.plain
        while True:
            while self._room(pending, plain):
                task = next(tasks, None)
                if task is None:
                    break
                pending.append((task, self._run(task)))
            if not pending:
                return
            task, future = pending.popleft()
            self._alone = False  # the next tasks start when the consumer has read this one
            pieces, rest, error = future.result()
            self.compressed_read = self._table.comp[task[1]]
            got = 0
            piece: bytes | memoryview
            for piece in _chain(pieces, rest):
                got += len(piece)
                if skip:
                    if skip >= len(piece):
                        skip -= len(piece)
                        continue
                    piece, skip = memoryview(piece)[skip:], 0
                yield piece
            if error is not None:
                raise error
            if plain is not None and got != plain[task[1]] - plain[task[0]]:
                comp = self._table.comp
                raise corrupt(
                    self._fmt,
                    comp[task[1]],
                    f"the frames at offsets {comp[task[0]]}..{comp[task[1]]} decode to "
                    f"{got} bytes, where the frame table says {plain[task[1]] - plain[task[0]]}",
                )

    def _generate_into(self, first: int, skip: int) -> Iterator[bytes | memoryview]:
        """Pieces of the ring's buffers, decoded by the workers. Where the table does not know
        the decoded sizes, a buffer holds TASK_PLAIN bytes (anonymous memory: only the pages
        written are ever faulted in), and a task that does not fit is streamed by this thread."""
        table = self._table
        comp, plain = table.comp, table.plain
        planned = list(_tasks(table, first, self._alone))
        tasks = iter(planned)
        # Every buffer of the ring holds the largest task: tasks of varying sizes never make it
        # drop a buffer for a larger one (each new buffer's pages are faulted in again).
        capacity = TASK_PLAIN if plain is None else max((plain[j] - plain[i] for i, j in planned), default=0)
        pending: deque[tuple[tuple[int, int], Any, Any]] = deque()
        free: list[Any] = []  # the ring: one buffer per task in flight, reused
        while True:
            while self._room(pending, plain):
                task = next(tasks, None)
                if task is None:
                    break
                size = TASK_PLAIN if plain is None else plain[task[1]] - plain[task[0]]
                buffer = free.pop() if free else _buffer(capacity)
                out = memoryview(buffer)[:size]
                bounds = list(comp[task[0] : task[1] + 1])
                args = (self._read_at, self._readinto_at, self._fmt, bounds, out, plain is not None)
                future = _Done(_task_into(*args)) if self._pool is None else self._pool.submit(_task_into, *args)
                pending.append((task, buffer, future))
            if not pending:
                return
            task, buffer, future = pending.popleft()
            self._alone = False  # the next tasks start when the consumer has read this one
            filled, error = future.result()
            self.compressed_read = comp[task[1]]
            if isinstance(error, Overflow):  # frames of unknown size, too large to hold: streamed
                free.append(buffer)
                yield from decode_range(self._read_at, self._fmt, comp[task[0]], comp[task[1]])
                continue
            view = memoryview(buffer)
            for start in range(skip, filled, OUT_CHUNK):
                yield view[start : min(start + OUT_CHUNK, filled)]
            skip = 0  # the position lies in the first task
            if error is not None:
                raise error
            free.append(buffer)  # the consumer asked for the next piece: done with this buffer

    def close(self) -> None:
        """Stop the workers: queued tasks are cancelled, running ones (a few ms) are waited for,
        so that none reads the file after its owner closed it."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown()


class _Done:
    """A task run in the reading thread, shaped like a finished future."""

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    def result(self) -> Any:
        return self._value


def _chain(pieces: list[bytes], rest: Iterator[bytes] | None) -> Iterator[bytes]:
    yield from pieces
    if rest is not None:
        yield from rest


def _nothing(n: int) -> bytes:
    return b""


def read_range(
    read_at: ReadAt, fmt: str, table: FrameTable, view: memoryview, offset: int, readinto_at: ReadIntoAt | None = None
) -> int:
    """Decode into ``view`` the bytes at decoded ``offset``, decoding only the frames that hold
    them; returns the count (short at the end of the data). Thread-safe if ``read_at`` is.

    The frames the range covers to their end are decoded whole, their checksums verified and
    their sizes checked against the table. The frame the range ends inside is decoded from its
    start only as far as the range's last byte (:func:`_frame_head`): like zstd's own seekable
    library, such a read cannot verify that frame's content checksum (zstd) or CRC32 (gzip), nor
    that it ends where the table says, unless it decodes the frame's last block; damage beyond
    the blocks it decodes goes unseen. Damage on the way to the range is an error naming its
    compressed offset, as in a sequential read."""
    assert table.plain is not None
    plain, comp = table.plain, table.comp
    end = min(offset + len(view), plain[-1])
    if offset >= end:
        return 0
    first, last = table.frame_at(offset), table.frame_at(end - 1)
    partial = end < plain[last + 1]  # the range ends inside its last frame
    stop = last if partial else last + 1  # frames first..stop-1 are decoded whole
    filled = 0
    if stop > first:
        filled = _whole_frames(read_at, readinto_at, fmt, table, first, stop, view[: end - offset], offset)
    if partial:
        skip = max(offset - plain[last], 0)
        size = plain[last + 1] - plain[last]
        _frame_head(read_at, fmt, (comp[last], comp[last + 1], size), skip, view[filled : end - offset])
    return end - offset


def _whole_frames(
    read_at: ReadAt,
    readinto_at: ReadIntoAt | None,
    fmt: str,
    table: FrameTable,
    first: int,
    stop: int,
    view: memoryview,
    offset: int,
) -> int:
    """Decode frames ``first``..``stop - 1`` whole (checked) into ``view``, which starts at decoded
    ``offset`` in the first of them, as far as they reach into it; returns the bytes written."""
    plain, comp = table.plain, table.comp
    assert plain is not None
    skip = offset - plain[first]
    want = min(plain[stop] - offset, len(view))
    expected = plain[stop] - plain[first]
    if expected <= TASK_PLAIN:  # decoded whole into one buffer (their size is checked too)
        out = memoryview(bytearray(expected))
        _, error = _task_into(read_at, readinto_at, fmt, list(comp[first : stop + 1]), out)
        if error is not None:
            raise error
        view[:want] = out[skip : skip + want]
        return want
    filled = got = 0  # frames too large to hold: streamed, what lies outside the range dropped
    for piece in decode_range(read_at, fmt, comp[first], comp[stop]):
        got += len(piece)
        if skip >= len(piece) or filled == want:
            skip = max(skip - len(piece), 0)
            continue
        take = min(len(piece) - skip, want - filled)
        view[filled : filled + take] = memoryview(piece)[skip : skip + take]
        filled += take
        skip = 0
    if got != expected:
        raise _mismatch(fmt, comp[first], comp[stop], got, expected)
    return filled


def _frame_head(read_at: ReadAt, fmt: str, frame: tuple[int, int, int], skip: int, view: memoryview) -> None:
    """Fill ``view`` with the decoded bytes from ``skip`` on of the frame ``(start, end, size)``
    (its compressed offsets and decoded size, as the table says), decoding it only so far (a
    seekable zstd frame of 4 MiB takes ~4.5 ms whole). The strict streaming decoder is fed the
    frame HEAD_INPUT bytes at a time (:func:`_frame_input`), and asked for no more than is still
    wanted, so it decodes at most one block beyond the range. Its errors name the compressed
    offset; a frame that decodes to less than the table says, or a file that ends first, is an
    error too."""
    start, end, size = frame
    decoder = _decoder_at(fmt, start)
    feed = _frame_input(read_at, fmt, start, end)
    want = skip + len(view)  # decoded bytes of the frame needed
    decoded = 0
    while decoded < want:
        data: bytes | memoryview = b""
        if decoder.needs_input:
            fed = next(feed, None)
            if fed is None:  # the frame's bytes are all in: it decodes to less than the table says
                decoder.finish()  # a frame cut off is named as such
                raise corrupt(
                    fmt,
                    end,
                    f"the frame at offsets {start}..{end} decodes to {decoded} bytes, where the frame table says {size}",
                )
            data = fed
        piece = decoder.decode(data, min(want - decoded, HEAD_PIECE))
        if decoded + len(piece) > skip:  # the piece reaches into the range
            at = max(skip - decoded, 0)
            put = decoded + at - skip
            view[put : put + len(piece) - at] = memoryview(piece)[at:]
        decoded += len(piece)


def _frame_input(read_at: ReadAt, fmt: str, start: int, end: int) -> Iterator[memoryview]:
    """The compressed bytes ``start:end`` of the file in pieces of HEAD_INPUT, read HEAD_INPUT,
    then twice as many at a time up to HEAD_MORE."""
    pos, ask = start, HEAD_INPUT
    while pos < end:
        data = read_at(min(ask, end - pos), pos)
        ask = min(2 * ask, HEAD_MORE)
        if not data:
            raise corrupt(
                fmt,
                pos,
                f"truncated input: the file ends at offset {pos}, inside the frame at offsets {start}..{end} "
                "of its frame table",
            )
        view = memoryview(data)
        for at in range(0, len(view), HEAD_INPUT):
            yield view[at : at + HEAD_INPUT]
        pos += len(view)
