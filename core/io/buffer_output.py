"""BufferOutputStream (write into growing pool memory) and MockOutputStream (count, keep nothing)."""

from __future__ import annotations

import io

from ..buffer import Buffer, ResizableBuffer, allocate_buffer
from ..memory import MemoryPool
from ._views import byte_view
from .native_file import NativeFile

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["BufferOutputStream", "MockOutputStream"]

#: First capacity of the pool buffer; later growth doubles it, so n bytes cost O(log n) resizes.
_MIN_CAPACITY = 64 * 1024
#: Small writes are gathered in a staging area of this size (cache-resident) by io.BufferedWriter,
#: whose write() is C: a Python-level call per small write would cost more than the copy itself.
_STAGING = 64 * 1024


class _PoolSink(io.RawIOBase):
    """The raw end of the staging writer: appends into a pool-allocated ResizableBuffer."""

    def __init__(self, pool: MemoryPool | None) -> None:
        self.buffer: ResizableBuffer = allocate_buffer(0, pool, resizable=True)
        self.view = self.buffer._memview()  # cached: an append is one slice assignment
        self.capacity = 0
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = byte_view(data)
        count = len(view)
        start = self.size
        end = start + count
        if end > self.capacity:
            self._grow(end)
        self.view[start:end] = view
        self.size = end
        return count

    def _grow(self, needed: int) -> None:
        capacity = max(needed, 2 * self.capacity, _MIN_CAPACITY)
        self.view = None  # type: ignore[assignment]
        self.buffer._resize(capacity, False, zero_fill=False)  # every byte gets written before use
        self.view = self.buffer._memview()
        self.capacity = capacity

    def finish(self) -> Buffer:
        """The buffer cut to the bytes written; the sink lets go of it."""
        self.view = None  # type: ignore[assignment]
        buffer = self.buffer
        # Give back the slack of the last doubling when it is large; a small one is not worth a realloc.
        buffer.resize(self.size, shrink_to_fit=self.capacity - self.size > self.size // 4)
        self.buffer = None  # type: ignore[assignment]
        return buffer._frozen()


class BufferOutputStream(NativeFile):
    """An output stream into a pool-allocated ResizableBuffer that grows geometrically.

    :meth:`getvalue` closes the stream and returns the Buffer of everything written; writing
    afterwards raises ValueError.
    """

    def __init__(self, memory_pool: MemoryPool | None = None) -> None:
        self._sink = _PoolSink(memory_pool)
        self._staging = io.BufferedWriter(self._sink, _STAGING)
        self._staged_write = self._staging.write  # C: a small write costs no Python frame below this one
        self._result: Buffer | None = None
        super().__init__("wb", memory_pool=memory_pool)

    def write(self, data: Any) -> int:
        """Append ``data`` (anything with the buffer protocol; str raises TypeError); returns the count."""
        if not self._wr:
            self._refuse("writable")
        try:
            return self._staged_write(data)
        except (ValueError, BufferError):  # layouts the C writer refuses (Fortran order, ...)
            return self._staged_write(byte_view(data))

    def _write(self, view: memoryview) -> None:
        self._staging.write(view)

    def _flush(self) -> None:
        self._staging.flush()

    def _tell(self) -> int:
        self._staging.flush()
        return self._sink.size

    def _close(self) -> None:
        self._staging.close()  # hands the staged bytes to the sink
        self._result = self._sink.finish()

    def getvalue(self) -> Buffer:
        """Close the stream (if still open) and return the Buffer of everything written."""
        self.close()
        return self._result  # type: ignore[return-value]


class MockOutputStream(NativeFile):
    """An output stream that counts the bytes written to it and stores none: ``size()``/``tell()``."""

    def __init__(self) -> None:
        self._pos = 0
        super().__init__("wb")

    def write(self, data: Any) -> int:
        if not self._wr:
            self._refuse("writable")
        count = len(data) if type(data) is bytes else byte_view(data).nbytes
        self._pos += count
        return count

    def _write(self, view: memoryview) -> None:
        self._pos += len(view)

    def _tell(self) -> int:
        return self._pos

    def _size(self) -> int:
        return self._pos
