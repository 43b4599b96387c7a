"""arrowio.cuda: device buffers, pinned host memory and copies between them (like ``pyarrow.cuda``).

Built on CuPy (device memory, streams, events, pinned memory) and nvidia-ml-py (device facts),
both optional: ``pip install 'arrowio[cuda12]'`` or ``'arrowio[cuda13]'``. Importing this module
needs neither; what needs a device then raises ArrowNotImplementedError (no CuPy) or ArrowIOError,
an OSError (no driver, no device). :func:`unavailable_reason` says which without raising.

    >>> from arrowio import cuda
    >>> ctx = cuda.Context(0)
    >>> dbuf = ctx.buffer_from_data(b"hello")       # host -> device
    >>> dbuf.copy_to_host().to_pybytes()            # device -> host
    b'hello'
"""

from __future__ import annotations

from ._backend import unavailable_reason
from .buffer import CudaBuffer, IpcMemHandle
from .context import Context
from .device import DeviceInfo, device_info
from .host import HostBuffer, PinnedMemoryPool, new_host_buffer, pinned_memory_pool
from .io import BufferReader, BufferWriter
from .transfer import DeviceCopy, TransferRun, TransferStats, copy_to_device

__all__ = [
    "BufferReader",
    "BufferWriter",
    "Context",
    "CudaBuffer",
    "DeviceCopy",
    "DeviceInfo",
    "HostBuffer",
    "IpcMemHandle",
    "PinnedMemoryPool",
    "TransferRun",
    "TransferStats",
    "copy_to_device",
    "device_info",
    "new_host_buffer",
    "pinned_memory_pool",
    "unavailable_reason",
]
