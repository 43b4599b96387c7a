"""BufferOutputStream (write into growing pool memory) and MockOutputStream (count, keep nothing)."""

from __future__ import annotations

from typing import Any

from ..buffer import Buffer, ResizableBuffer, allocate_buffer
from ..memory import MemoryPool
from .native_file import NativeFile, byte_view

__all__ = ["BufferOutputStream", "MockOutputStream"]

#: First capacity; later growth doubles, so n bytes cost O(log n) reallocations.
_MIN_CAPACITY = 4096


class BufferOutputStream(NativeFile):
    """An output stream into a pool-allocated ResizableBuffer that grows geometrically.

    :meth:`getvalue` closes the stream and returns the Buffer of everything written; writing
    afterwards raises ValueError.
    """

    def __init__(self, memory_pool: MemoryPool | None = None) -> None:
        self._buffer: ResizableBuffer = allocate_buffer(0, memory_pool, resizable=True)  # type: ignore[assignment]
        self._view = self._buffer._memview()  # cached: writes are one slice assignment
        self._capacity = 0
        self._pos = 0
        self._result: Buffer | None = None
        super().__init__("wb", memory_pool=memory_pool)

    def write(self, data: Any) -> int:
        """Append ``data`` (any buffer-protocol object; str raises TypeError); returns the count."""
        if not self._wr:
            self._refuse("writable")
        if type(data) is bytes:  # the common case, without building a view
            count = len(data)
        else:
            data = byte_view(data)
            count = len(data)
        pos = self._pos
        end = pos + count
        if end > self._capacity:
            self._grow(end)
        self._view[pos:end] = data
        self._pos = end
        return count

    def _write(self, view: memoryview) -> None:
        self.write(view)

    def _grow(self, needed: int) -> None:
        capacity = max(needed, 2 * self._capacity, _MIN_CAPACITY)
        self._view = None  # type: ignore[assignment]
        self._buffer.resize(capacity)
        self._view = self._buffer._memview()
        self._capacity = capacity

    def _tell(self) -> int:
        return self._pos

    def _close(self) -> None:
        self._view = None  # type: ignore[assignment]
        buffer = self._buffer
        buffer.resize(self._pos, shrink_to_fit=True)
        self._result = buffer
        self._buffer = None  # type: ignore[assignment]

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
