"""Files and streams: the NativeFile family and input_stream/output_stream."""

from __future__ import annotations

from .buffer_reader import BufferReader
from .memory_map import MemoryMappedFile, create_memory_map, memory_map
from .native_file import NativeFile, UnsupportedOperation
from .os_file import OSFile

__all__ = [
    "BufferReader",
    "MemoryMappedFile",
    "NativeFile",
    "OSFile",
    "UnsupportedOperation",
    "create_memory_map",
    "memory_map",
]
