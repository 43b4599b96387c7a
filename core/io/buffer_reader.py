"""BufferReader: a seekable file over a Buffer or any buffer-protocol object."""

from __future__ import annotations

from ..buffer import Buffer, py_buffer
from .memory_source import MemorySourceFile

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["BufferReader"]


class BufferReader(MemorySourceFile):
    """Read a Buffer, bytes, memoryview or any buffer-protocol object as a file (str raises TypeError).

    ``read_buffer`` and ``read_at`` are zero-copy and lock-free; buffers read keep ``obj`` alive.
    Seeking past the end raises ArrowIOError.
    """

    def __init__(self, obj: Any) -> None:
        if isinstance(obj, str):
            raise TypeError("BufferReader needs a bytes-like object, not 'str'")
        super().__init__(obj if isinstance(obj, Buffer) else py_buffer(obj))
