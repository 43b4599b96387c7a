"""Files and streams: the NativeFile family and input_stream/output_stream.

Names are imported on first use (PEP 562), like the top-level package's.
"""

from __future__ import annotations

from .._lazy import lazy_exports

#: Public name -> the module of this package that defines it.
_LAZY: dict[str, str] = {
    "BufferOutputStream": ".buffer_output",
    "BufferReader": ".buffer_reader",
    "BufferedInputStream": ".buffered",
    "BufferedOutputStream": ".buffered",
    "FixedSizeBufferWriter": ".fixed_size_writer",
    "HdfsClient": ".hdfs",
    "HdfsFile": ".hdfs",
    "MemoryMappedFile": ".memory_map",
    "MockOutputStream": ".buffer_output",
    "NativeFile": ".native_file",
    "OSFile": ".os_file",
    "PythonFile": ".python_file",
    "RemoteFile": ".remote",
    "TransformInputStream": ".transform",
    "UnsupportedOperation": ".native_file",
    "create_memory_map": ".memory_map",
    "expand_url_globs": ".urls",
    "is_url": ".urls",
    "input_stream": ".factories",
    "memory_map": ".memory_map",
    "open_url": ".urls",
    "output_stream": ".factories",
    "parse_storage_options": ".urls",
    "redact_url": ".urls",
    "remove_url": ".urls",
    "url_exists": ".urls",
    "transcoding_input_stream": ".transform",
}

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
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
    from .remote import RemoteFile
    from .transform import TransformInputStream, transcoding_input_stream
    from .urls import expand_url_globs, is_url, open_url, parse_storage_options, redact_url, remove_url, url_exists


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)

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
    "redact_url",
    "remove_url",
    "transcoding_input_stream",
    "url_exists",
]
