"""FixedSizeBufferWriter: a seekable stream that writes into a mutable Buffer, in parallel when large."""

from __future__ import annotations

import operator

from ..buffer import Buffer, py_buffer
from ..errors import ArrowInvalid, ArrowIOError, ArrowTypeError
from ._extent import FixedExtentFile

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor
    from typing import Any

__all__ = ["FixedSizeBufferWriter"]


class FixedSizeBufferWriter(FixedExtentFile):
    """Write into a mutable ``buffer`` (a Buffer or writable buffer-protocol object) in place.

    Seekable within the buffer; a write or seek past its end raises ArrowIOError. Writes of at
    least :meth:`set_memcopy_threshold` bytes are split across :meth:`set_memcopy_threads`
    threads (numpy copies, which release the GIL), at :meth:`set_memcopy_blocksize`-aligned
    boundaries of the destination.
    """

    _extent_name = "buffer"

    def __init__(self, buffer: Any) -> None:
        if isinstance(buffer, str):
            raise TypeError("FixedSizeBufferWriter needs a mutable buffer, not 'str'")
        if not isinstance(buffer, Buffer):
            buffer = py_buffer(buffer)
        if not buffer.is_mutable:
            raise ArrowTypeError("FixedSizeBufferWriter needs a mutable buffer")
        self._buffer = buffer
        # A counted export: it owns the memory, and a ResizableBuffer refuses to move under it.
        self._view = memoryview(buffer)
        self._length = buffer.size
        self._pos = 0
        self._threads = 1
        self._blocksize = 64
        self._threshold = 1 << 20
        self._executor: ThreadPoolExecutor | None = None
        super().__init__("wb", seekable=True)

    # -- parallel copy settings ------------------------------------------------------------------
    def set_memcopy_threads(self, num_threads: int) -> None:
        """Copy large writes with this many threads (1: no parallelism, the default)."""
        num_threads = operator.index(num_threads)
        if num_threads < 1:
            raise ArrowInvalid(f"memcopy threads must be at least 1, got {num_threads}")
        if num_threads != self._threads:
            self._stop_executor()
            self._threads = num_threads

    def set_memcopy_blocksize(self, blocksize: int) -> None:
        """Align the threads' pieces to multiples of ``blocksize`` bytes (default 64)."""
        blocksize = operator.index(blocksize)
        if blocksize < 1:
            raise ArrowInvalid(f"memcopy block size must be at least 1, got {blocksize}")
        self._blocksize = blocksize

    def set_memcopy_threshold(self, threshold: int) -> None:
        """Copy writes of at least ``threshold`` bytes in parallel (default 1 MiB)."""
        threshold = operator.index(threshold)
        if threshold < 0:
            raise ArrowInvalid(f"memcopy threshold must be non-negative, got {threshold}")
        self._threshold = threshold

    # -- the file ----------------------------------------------------------------------------------
    def _write(self, view: memoryview) -> None:
        pos = self._pos
        count = len(view)
        end = pos + count
        if end > self._length:
            raise ArrowIOError(f"Write out of bounds (offset = {pos}, size = {count}) in buffer of size {self._length}")
        if self._threads > 1 and count >= self._threshold:
            self._parallel_copy(pos, view)
        else:
            self._view[pos:end] = view
        self._pos = end

    def _parallel_copy(self, pos: int, view: memoryview) -> None:
        import numpy as np

        count = len(view)
        dst = np.frombuffer(self._view, dtype=np.uint8, count=count, offset=pos)
        src = np.frombuffer(view, dtype=np.uint8)
        # Whole blocks of the destination go to the threads; the unaligned head and tail are
        # copied here.
        head = min(-(self._buffer.address + pos) % self._blocksize, count)
        blocks = (count - head) // self._blocksize
        if blocks < self._threads:  # too few whole blocks to share out
            self._view[pos : pos + count] = view
            return
        per_thread = -(-blocks // self._threads) * self._blocksize
        bounds = [
            (start, min(start + per_thread, head + blocks * self._blocksize))
            for start in range(head, head + blocks * self._blocksize, per_thread)
        ]
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            from ..threads import cpu_count

            # At most cpu_count() threads copy at once, the caller's included, as Arrow's
            # parallel memcopy runs on its CPU pool.
            workers = max(min(self._threads, cpu_count()) - 1, 1)
            self._executor = ThreadPoolExecutor(workers, thread_name_prefix="arrowio-memcopy")
        futures = [self._executor.submit(np.copyto, dst[a:b], src[a:b]) for a, b in bounds[1:]]
        if bounds:
            a, b = bounds[0]
            np.copyto(dst[a:b], src[a:b])
        tail = head + blocks * self._blocksize
        np.copyto(dst[:head], src[:head])
        np.copyto(dst[tail:], src[tail:])
        for future in futures:
            future.result()

    def _stop_executor(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _close(self) -> None:
        self._stop_executor()
        self._buffer = self._view = None  # type: ignore[assignment]
