"""arrowio: Arrow's memory and IO layer in Python — buffers, memory pools, files and streams.

Mirrors ``import pyarrow as pa``: ``import arrowio as pa`` gives the same names for the same things.
"""

from __future__ import annotations

from .buffer import Buffer, ResizableBuffer, allocate_buffer, foreign_buffer, py_buffer
from .compression import Codec, compress, decompress
from .io.compressed import CompressedInputStream, CompressedOutputStream
from .errors import (
    ArrowCapacityError,
    ArrowException,
    ArrowIndexError,
    ArrowInvalid,
    ArrowIOError,
    ArrowKeyError,
    ArrowMemoryError,
    ArrowNotImplementedError,
    ArrowTypeError,
)
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

__version__ = "0.1.0"

__all__ = [
    "__version__",
    # buffers
    "Buffer",
    "ResizableBuffer",
    "allocate_buffer",
    "foreign_buffer",
    "py_buffer",
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
    "MemoryMappedFile",
    "MockOutputStream",
    "NativeFile",
    "OSFile",
    "PythonFile",
    "TransformInputStream",
    "create_memory_map",
    "input_stream",
    "memory_map",
    "output_stream",
    "transcoding_input_stream",
    # errors
    "ArrowCapacityError",
    "ArrowException",
    "ArrowIndexError",
    "ArrowInvalid",
    "ArrowIOError",
    "ArrowKeyError",
    "ArrowMemoryError",
    "ArrowNotImplementedError",
    "ArrowTypeError",
    # compression
    "Codec",
    "CompressedInputStream",
    "CompressedOutputStream",
    "compress",
    "decompress",
]
