"""Sequential read-ahead: a window of blocks fetched in parallel ahead of the reader.

A single ranged GET is latency-bound (one round trip, then one TCP stream); keeping several
blocks in flight hides the latency and uses more than one connection. Memory is bounded: at
most ``depth`` blocks of ``block_size`` bytes are in flight or waiting, plus the one being read.

The window ramps like an operating system's read-ahead: full depth for a reader that starts at
the beginning and keeps going, none after a jump (a seek outside the window), then doubling
with each block the reader consumes in order, so random access does not fetch what it skips.

Block memory is reused: a block the reader hands back with :meth:`ReadAhead.recycle` (it holds
no view of it any more) receives a later fetch, so a long sequential read allocates ``depth +
2`` blocks once instead of one per block, and the allocator has no freed blocks to keep resident.

Not a third copy of stream buffering: this prefetches whole blocks of a remote file by position,
in parallel, to hide latency. The two byte buffers of the stream API sit above it and keep their
own jobs: NativeFile's read-ahead is the small pushback that ``peek``/``readline`` need on any
file, and holds the read error deferred after partial data; BufferedInputStream is PyArrow's
class that turns many small reads of a stream into few large ones (see :mod:`.buffered`).
"""

from __future__ import annotations

from collections import deque

from ..buffer import Buffer, allocate_buffer
from ..memory import MemoryPool
from ._fetch import Fetcher

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["ReadAhead"]


class _Block:
    __slots__ = ("start", "buffer", "future")

    def __init__(self, start: int, buffer: Buffer, future: Future[int]) -> None:
        self.start, self.buffer, self.future = start, buffer, future

    @property
    def end(self) -> int:
        return self.start + self.buffer.size


class ReadAhead:
    """Blocks of one file of ``size`` bytes, fetched by ``fetcher`` into ``pool`` memory."""

    def __init__(self, fetcher: Fetcher, size: int, block_size: int, depth: int, pool: MemoryPool | None) -> None:
        self._fetcher, self._size, self._block_size, self._depth, self._pool = fetcher, size, block_size, depth, pool
        self._window: deque[_Block] = deque()
        self._spare: list[Buffer] = []  # full blocks handed back by the reader, free for the next fetch
        self._ramp = depth
        self._run = max(1, depth // 2)  # blocks per request ahead of the reader (see _top_up)
        self._expected = 0  # where the next block would start for a reader going on in order

    def block_at(self, position: int) -> tuple[int, Buffer]:
        """The block holding ``position`` (< size) as (its start, its bytes); waits for it."""
        window = self._window
        while window and window[0].end <= position:
            self._drop(window.popleft())
        if window and window[0].start <= position:
            block = window.popleft()
            self._ramp = min(self._depth, max(1, 2 * self._ramp))
        else:
            if position != self._expected:
                self._ramp = 0
            elif self._expected:  # in order, but the window had run dry: read further ahead
                self._ramp = min(self._depth, max(1, 2 * self._ramp))
            self._drop_window()
            block = self._submit(position)
        self._expected = block.end
        self._top_up(block.end if not window else window[-1].end)
        got = block.future.result()
        return block.start, block.buffer if got == block.buffer.size else block.buffer.slice(0, got)

    def holds(self, position: int) -> bool:
        """Whether a block fetched or in flight holds ``position``."""
        return any(block.start <= position < block.end for block in self._window)

    def continue_at(self, position: int) -> None:
        """The reader got to ``position`` without us (a large read straight into its memory):
        drop the window and treat a read from ``position`` as one in order."""
        self.reset()
        self._expected = position

    def recycle(self, buffer: Buffer) -> None:
        """Take back a block from :meth:`block_at` that nothing views any more, to fetch into again."""
        if buffer.size == self._block_size and len(self._spare) <= self._depth:
            self._spare.append(buffer)

    def _top_up(self, ahead: int) -> None:
        """Fetch the blocks from ``ahead`` on that the window has room for, in runs.

        A request costs far more than its bytes (about 1.7 ms of client CPU per S3 GET, as much as
        moving 3 MiB), so consecutive blocks share one request, ``run`` of them at most: the
        window refills once a run's worth of it is free (or it is empty). A fetcher may go further
        and continue one run's request in the next (S3: one GET for a whole sequential read).
        """
        window, block_size = self._window, self._block_size
        room = self._ramp - len(window)
        if room <= 0 or ahead >= self._size or (window and room < self._run):
            return
        blocks: list[tuple[int, Buffer]] = []
        while len(blocks) < room and ahead < self._size:
            blocks.append((ahead, self._buffer(min(block_size, self._size - ahead))))
            ahead += block_size
        for first in range(0, len(blocks), self._run):
            run = blocks[first : first + self._run]
            futures = self._fetcher.submit_run([(buffer._memview(), start, buffer) for start, buffer in run])
            window.extend(_Block(start, buffer, future) for (start, buffer), future in zip(run, futures, strict=True))

    def _buffer(self, size: int) -> Buffer:
        if not self._spare:
            return allocate_buffer(size, self._pool)
        # The file's short last block goes into the start of a spare one instead of new memory
        # (a block more at the peak); as a slice it is not taken back for reuse.
        spare = self._spare.pop()
        return spare if size == self._block_size else spare.slice(0, size)

    def _submit(self, start: int) -> _Block:
        buffer = self._buffer(min(self._block_size, self._size - start))
        if self._ramp:  # a reader going on in order: a run, whose request the next runs continue
            future = self._fetcher.submit_run([(buffer._memview(), start, buffer)])[0]
        else:  # after a jump: this block's range alone
            future = self._fetcher.submit(buffer._memview(), start, buffer)
        return _Block(start, buffer, future)

    @staticmethod
    def _drop(block: _Block) -> None:
        # A fetch already running finishes into its buffer, which it holds until then.
        block.future.cancel()

    def resize(self, block_size: int, depth: int) -> None:
        """Fetch ``depth`` blocks of ``block_size`` bytes ahead from the next fetch on; blocks
        fetched or in flight stay as they are (a block of the old size is not reused)."""
        self._block_size, self._depth = block_size, depth
        self._run = max(1, depth // 2)
        self._ramp = min(self._ramp, depth)
        self._spare.clear()

    def reset(self) -> None:
        """Forget every block in flight and every spare block (at close, or when the reader has
        gone ahead on its own)."""
        self._spare.clear()
        self._drop_window()

    def _drop_window(self) -> None:
        while self._window:
            self._drop(self._window.popleft())
