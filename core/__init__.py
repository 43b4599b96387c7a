"""arrowio: Arrow's memory and IO layer in Python — buffers, memory pools, files and streams.

Mirrors ``import pyarrow as pa``: ``import arrowio as pa`` gives the same names for the same things.
Names are imported on first use (PEP 562), so ``import arrowio`` costs almost nothing and the
command line starts fast; ``dir(arrowio)`` and ``from arrowio import *`` see them all.
"""

from __future__ import annotations

from ._lazy import lazy_exports
from .errors import (
    ArrowCancelled,
    ArrowCapacityError,
    ArrowException,
    ArrowIndexError,
    ArrowInvalid,
    ArrowIOError,
    ArrowKeyError,
    ArrowMemoryError,
    ArrowNotImplementedError,
    ArrowSerializationError,
    ArrowTypeError,
)

__version__ = "0.1.0"

#: Public name -> the submodule that defines it.
_LAZY: dict[str, str] = {
    "Buffer": ".buffer",
    "ResizableBuffer": ".buffer",
    "allocate_buffer": ".buffer",
    "foreign_buffer": ".buffer",
    "py_buffer": ".buffer",
    "Device": ".device",
    "DeviceAllocationType": ".device",
    "MemoryManager": ".device",
    "cpu_count": ".threads",
    "set_cpu_count": ".threads",
    "io_thread_count": ".threads",
    "set_io_thread_count": ".threads",
    "have_libhdfs": ".io.libhdfs",
    "LoggingMemoryPool": ".memory",
    "MemoryPool": ".memory",
    "MemoryPoolStats": ".memory",
    "ProxyMemoryPool": ".memory",
    "default_memory_pool": ".memory",
    "jemalloc_memory_pool": ".memory",
    "jemalloc_set_decay_ms": ".memory",
    "log_memory_allocations": ".memory",
    "logging_memory_pool": ".memory",
    "mimalloc_memory_pool": ".memory",
    "proxy_memory_pool": ".memory",
    "set_memory_pool": ".memory",
    "supported_memory_backends": ".memory",
    "system_memory_pool": ".memory",
    "total_allocated_bytes": ".memory",
    "BufferedInputStream": ".io.buffered",
    "BufferedOutputStream": ".io.buffered",
    "BufferOutputStream": ".io.buffer_output",
    "BufferReader": ".io.buffer_reader",
    "FixedSizeBufferWriter": ".io.fixed_size_writer",
    "HdfsFile": ".io.hdfs",
    "MemoryMappedFile": ".io.memory_map",
    "MockOutputStream": ".io.buffer_output",
    "NativeFile": ".io.native_file",
    "OSFile": ".io.os_file",
    "PythonFile": ".io.python_file",
    "RemoteFile": ".io.remote",
    "TransformInputStream": ".io.transform",
    "create_memory_map": ".io.memory_map",
    "input_stream": ".io.factories",
    "memory_map": ".io.memory_map",
    "output_stream": ".io.factories",
    "open_url": ".io.urls",
    "transcoding_input_stream": ".io.transform",
    "Codec": ".compression",
    "compress": ".compression",
    "decompress": ".compression",
    "CompressedInputStream": ".io.compressed",
    "CompressedOutputStream": ".io.compressed",
}

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:  # what static tools see; at run time __getattr__ imports these on first use
    from .buffer import Buffer, ResizableBuffer, allocate_buffer, foreign_buffer, py_buffer
    from .compression import Codec, compress, decompress
    from .device import Device, DeviceAllocationType, MemoryManager
    from .io import (
        BufferedInputStream,
        BufferedOutputStream,
        BufferOutputStream,
        BufferReader,
        FixedSizeBufferWriter,
        MemoryMappedFile,
        MockOutputStream,
        NativeFile,
        OSFile,
        PythonFile,
        TransformInputStream,
        create_memory_map,
        input_stream,
        memory_map,
        output_stream,
        transcoding_input_stream,
    )
    from .io.compressed import CompressedInputStream, CompressedOutputStream
    from .io.hdfs import HdfsFile
    from .io.libhdfs import have_libhdfs
    from .io.remote import RemoteFile
    from .io.urls import open_url
    from .memory import (
        LoggingMemoryPool,
        MemoryPool,
        MemoryPoolStats,
        ProxyMemoryPool,
        default_memory_pool,
        jemalloc_memory_pool,
        jemalloc_set_decay_ms,
        log_memory_allocations,
        logging_memory_pool,
        mimalloc_memory_pool,
        proxy_memory_pool,
        set_memory_pool,
        supported_memory_backends,
        system_memory_pool,
        total_allocated_bytes,
    )
    from .threads import cpu_count, io_thread_count, set_cpu_count, set_io_thread_count


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)

__all__ = [
    "__version__",
    # buffers
    "Buffer",
    "ResizableBuffer",
    "allocate_buffer",
    "foreign_buffer",
    "py_buffer",
    "Device",
    "DeviceAllocationType",
    "MemoryManager",
    # threads
    "cpu_count",
    "set_cpu_count",
    "io_thread_count",
    "set_io_thread_count",
    # memory pools
    "LoggingMemoryPool",
    "MemoryPool",
    "MemoryPoolStats",
    "ProxyMemoryPool",
    "default_memory_pool",
    "jemalloc_memory_pool",
    "jemalloc_set_decay_ms",
    "log_memory_allocations",
    "logging_memory_pool",
    "mimalloc_memory_pool",
    "proxy_memory_pool",
    "set_memory_pool",
    "supported_memory_backends",
    "system_memory_pool",
    "total_allocated_bytes",
    # files and streams
    "BufferedInputStream",
    "BufferedOutputStream",
    "BufferOutputStream",
    "BufferReader",
    "FixedSizeBufferWriter",
    "HdfsFile",
    "MemoryMappedFile",
    "MockOutputStream",
    "NativeFile",
    "OSFile",
    "PythonFile",
    "RemoteFile",
    "TransformInputStream",
    "create_memory_map",
    "have_libhdfs",
    "input_stream",
    "memory_map",
    "open_url",
    "output_stream",
    "transcoding_input_stream",
    # errors
    "ArrowCancelled",
    "ArrowCapacityError",
    "ArrowException",
    "ArrowIndexError",
    "ArrowInvalid",
    "ArrowIOError",
    "ArrowKeyError",
    "ArrowMemoryError",
    "ArrowNotImplementedError",
    "ArrowSerializationError",
    "ArrowTypeError",
    # compression
    "Codec",
    "CompressedInputStream",
    "CompressedOutputStream",
    "compress",
    "decompress",
]
