"""MemorySourceFile: a seekable file over one Buffer of host memory, where every read is a slice.

The shared machinery of :class:`~arrowio.io.BufferReader` and
:class:`~arrowio.io.MemoryMappedFile`, and the base to use for any file whose contents are
already in host memory: ``read_buffer`` returns zero-copy slices that keep the memory alive
after the file is closed, and ``read_at`` is lock-free.
"""

from __future__ import annotations

from ..buffer import Buffer
from ..errors import ArrowIOError
from ..memory import MemoryPool
from ._extent import FixedExtentFile

__all__ = ["MemorySourceFile"]


class MemorySourceFile(FixedExtentFile):
    """A seekable file over ``source``.

    ``target``, when given, is a writable flat byte view of the same memory, and makes the file
    writable in place (``mode`` ``'wb'`` or ``'rb+'``): writes never grow the file, and a write
    past the end raises ArrowIOError. A subclass that swaps the memory (a resized map) calls
    :meth:`_set_source` again.
    """

    def __init__(
        self,
        source: Buffer,
        mode: str = "rb",
        *,
        target: memoryview | None = None,
        memory_pool: MemoryPool | None = None,
    ) -> None:
        self._pos = 0
        self._set_source(source, target)
        super().__init__(mode, seekable=True, memory_pool=memory_pool)

    def _set_source(self, source: Buffer, target: memoryview | None) -> None:
        self._source = source
        # A counted export: it owns the memory, and a ResizableBuffer refuses to move under it.
        self._view = memoryview(source)
        self._target = target
        self._length = source.size
        self._pos = min(self._pos, self._length)

    def _close(self) -> None:
        # Slices handed out keep `source` alive through their parent; we just let go of it.
        self._source = self._view = self._target = None  # type: ignore[assignment]

    # -- sequential reads --------------------------------------------------------------------------
    def _readinto(self, view: memoryview) -> int:
        pos = self._pos
        count = min(len(view), self._length - pos)
        if count <= 0:
            return 0
        view[:count] = self._view[pos : pos + count]
        self._pos = pos + count
        return count

    _fill = _readinto  # one copy fills as much as there is: nothing to loop for, no error to keep

    def _read_bytes(self, nbytes: int) -> bytes:
        pos = self._pos
        end = min(pos + nbytes, self._length)
        if end <= pos:
            return b""
        self._pos = end
        return self._view[pos:end].tobytes()

    _read_chunk = _read_bytes

    def _read_all(self) -> bytes:
        return self._read_bytes(self._length)

    def _read_buffer(self, nbytes: int) -> Buffer:
        pos = self._pos
        count = max(min(nbytes, self._length - pos), 0)
        self._pos = pos + count
        return self._source.slice(pos, count)

    # -- positional reads: no state is touched, so no lock is needed ---------------------------------
    def _bounded(self, nbytes: int, offset: int) -> int:
        if offset > self._length:
            raise ArrowIOError(
                f"Read out of bounds (offset = {offset}, size = {nbytes}) in file of size {self._length}"
            )
        return min(nbytes, self._length - offset)

    def _readinto_at(self, view: memoryview, offset: int) -> int:
        count = self._bounded(len(view), offset)
        view[:count] = self._view[offset : offset + count]
        return count

    def _read_bytes_at(self, nbytes: int, offset: int) -> bytes:
        count = self._bounded(nbytes, offset)
        return self._view[offset : offset + count].tobytes()

    def _read_buffer_at(self, nbytes: int, offset: int) -> Buffer:
        return self._source.slice(offset, self._bounded(nbytes, offset))

    # -- writes in place ---------------------------------------------------------------------------
    def _write(self, view: memoryview) -> None:
        pos = self._pos
        end = pos + len(view)
        if end > self._length:
            raise ArrowIOError(
                f"Write out of bounds (offset = {pos}, size = {len(view)}) in file of size {self._length}"
            )
        self._target[pos:end] = view  # type: ignore[index]
        self._pos = end
