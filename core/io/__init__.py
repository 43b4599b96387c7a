"""Files and streams: the NativeFile family and input_stream/output_stream."""

from __future__ import annotations

from .buffer_output import BufferOutputStream, MockOutputStream
from .buffer_reader import BufferReader
from .buffered import BufferedInputStream, BufferedOutputStream
from .factories import input_stream, output_stream
from .fixed_size_writer import FixedSizeBufferWriter
from .memory_map import MemoryMappedFile, create_memory_map, memory_map
from .native_file import NativeFile, UnsupportedOperation
from .os_file import OSFile
from .python_file import PythonFile
from .transform import TransformInputStream, transcoding_input_stream

__all__ = [
    "BufferOutputStream",
    "BufferReader",
    "BufferedInputStream",
    "BufferedOutputStream",
    "FixedSizeBufferWriter",
    "MemoryMappedFile",
    "MockOutputStream",
    "NativeFile",
    "OSFile",
    "PythonFile",
    "TransformInputStream",
    "UnsupportedOperation",
    "create_memory_map",
    "input_stream",
    "memory_map",
    "output_stream",
    "transcoding_input_stream",
]
