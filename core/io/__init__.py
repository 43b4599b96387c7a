"""Files and streams: the NativeFile family and input_stream/output_stream."""

from __future__ import annotations

from .buffer_output import BufferOutputStream, MockOutputStream
from .buffer_reader import BufferReader
from .buffered import BufferedInputStream, BufferedOutputStream
from .factories import input_stream, output_stream
from .fixed_size_writer import FixedSizeBufferWriter
from .hdfs import HdfsClient, HdfsFile
from .memory_map import MemoryMappedFile, create_memory_map, memory_map
from .native_file import NativeFile, UnsupportedOperation
from .os_file import OSFile
from .python_file import PythonFile
from .remote import RemoteFile, open_url
from .transform import TransformInputStream, transcoding_input_stream
from .urls import expand_url_globs, is_url, parse_storage_options

__all__ = [
    "BufferOutputStream",
    "BufferReader",
    "BufferedInputStream",
    "BufferedOutputStream",
    "FixedSizeBufferWriter",
    "HdfsClient",
    "HdfsFile",
    "MemoryMappedFile",
    "MockOutputStream",
    "NativeFile",
    "OSFile",
    "PythonFile",
    "RemoteFile",
    "TransformInputStream",
    "UnsupportedOperation",
    "create_memory_map",
    "expand_url_globs",
    "is_url",
    "input_stream",
    "memory_map",
    "open_url",
    "output_stream",
    "parse_storage_options",
    "transcoding_input_stream",
]
