"""cuda.BufferReader and cuda.BufferWriter: device memory as a NativeFile.

Reads copy device bytes into host memory (``bytes``, pool Buffers, or the caller's buffer for
``readinto``); writes copy host bytes to the device, optionally gathered in a pinned staging
buffer first (``buffer_size``) so that many small writes cost one copy.
"""

from __future__ import annotations

from .. import _raw
from ..errors import ArrowInvalid, ArrowIOError, ArrowTypeError
from ..io._extent import FixedExtentFile
from ..memory import MemoryPool
from .buffer import CudaBuffer
from .host import HostBuffer, new_host_buffer

__all__ = ["BufferReader", "BufferWriter"]


class BufferReader(FixedExtentFile):
    """Read a CudaBuffer as a seekable file; every read copies from the device into host memory.

    ``read_buffer`` returns host Buffers from ``memory_pool`` (the default pool when None);
    ``read_at`` is safe from several threads at once. Seeking past the end raises ArrowIOError.
    """

    def __init__(self, obj: CudaBuffer, memory_pool: MemoryPool | None = None) -> None:
        if not isinstance(obj, CudaBuffer):
            raise ArrowTypeError(f"cuda.BufferReader reads a CudaBuffer, got {type(obj).__name__}")
        self._buffer = obj
        self._pos = 0
        self._length = obj.size
        super().__init__("rb", seekable=True, memory_pool=memory_pool)

    @property
    def buffer(self) -> CudaBuffer:
        """The device buffer being read."""
        self._check_open()
        return self._buffer

    def _close(self) -> None:
        del self._buffer  # every method checks that the file is open before reaching it

    def _readinto_at(self, view: memoryview, offset: int) -> int:
        count = min(len(view), self._length - offset)
        if count <= 0:
            return 0
        self._buffer.copy_to_host(offset, count, view)
        return count

    def _readinto(self, view: memoryview) -> int:
        count = self._readinto_at(view, self._pos)
        self._pos += count
        return count

    _fill = _readinto  # one copy fills as much as there is: nothing to loop for, no error to keep


class BufferWriter(FixedExtentFile):
    """Write into a mutable CudaBuffer as a seekable file of fixed size (writing past its end raises ArrowIOError).

    With ``buffer_size > 0``, writes smaller than it are gathered in a pinned host buffer of that
    size and copied to the device when it fills, on ``flush``, ``seek`` and ``close``.
    """

    def __init__(self, obj: CudaBuffer, buffer_size: int = 0) -> None:
        if not isinstance(obj, CudaBuffer):
            raise ArrowTypeError(f"cuda.BufferWriter writes into a CudaBuffer, got {type(obj).__name__}")
        if not obj.is_mutable:
            raise ArrowInvalid("cuda.BufferWriter needs a mutable CudaBuffer")
        self._buffer = obj
        self._pos = 0  # the logical position, staged bytes included
        self._length = obj.size
        self._staging: HostBuffer | None = None
        self._staged = 0  # bytes waiting in the staging buffer...
        self._staged_at = 0  # ...for this device offset
        super().__init__("wb", seekable=True)
        self.buffer_size = buffer_size

    @property
    def buffer(self) -> CudaBuffer:
        """The device buffer being written."""
        self._check_open()
        return self._buffer

    @property
    def buffer_size(self) -> int:
        """Size of the staging buffer for small writes (0: every write goes to the device at once)."""
        return self._staging.size if self._staging is not None else 0

    @buffer_size.setter
    def buffer_size(self, size: int) -> None:
        self._check_open()
        size = int(size)
        if size < 0:
            raise ArrowInvalid(f"buffer size must be non-negative, got {size}")
        self._flush()
        self._staging = new_host_buffer(size, self._buffer.context.device_number) if size else None

    @property
    def num_bytes_buffered(self) -> int:
        """Bytes written but not yet copied to the device."""
        return self._staged

    def _close(self) -> None:
        del self._buffer  # every method checks that the file is open before reaching it
        self._staging = None

    def _seek(self, position: int) -> None:
        self._check_seek(position)
        self._flush()  # staged bytes go to where they were written
        self._pos = position

    def _write(self, view: memoryview) -> None:
        count = len(view)
        if self._pos + count > self._length:
            raise ArrowIOError(
                f"Write out of bounds: {count} bytes at position {self._pos} exceed the device buffer of {self._length} bytes"
            )
        staging = self._staging
        if staging is not None and count < staging.size:
            if self._staged + count > staging.size:
                self._flush()
            if not self._staged:
                self._staged_at = self._pos
            _raw.memmove(staging.address + self._staged, _raw.address_of(view), count)
            self._staged += count
        else:
            self._flush()
            self._buffer.copy_from_host(view, self._pos)
        self._pos += count

    def _flush(self) -> None:
        if self._staged:
            assert self._staging is not None  # bytes are staged only where there is a staging buffer
            self._buffer.copy_from_host(self._staging.slice(0, self._staged), self._staged_at)
            self._staged = 0
