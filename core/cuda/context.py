"""Context: one CUDA device, the device memory arrowio allocates on it, and the ways to wrap or copy data there."""

from __future__ import annotations

import math
import sys
import threading
from typing import Any

from ..buffer import Buffer, py_buffer
from ..errors import ArrowInvalid, ArrowTypeError
from . import _backend
from .buffer import CudaBuffer, IpcMemHandle, _cuda_buffer

__all__ = ["Context"]


class _DeviceAccounting:
    """Exact counters of the device memory arrowio allocated on one device (shared by its Contexts)."""

    __slots__ = ("lock", "bytes_allocated", "max_memory", "total_bytes_allocated", "num_allocations")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bytes_allocated = 0
        self.max_memory = 0
        self.total_bytes_allocated = 0
        self.num_allocations = 0

    def allocated(self, size: int) -> None:
        with self.lock:
            self.bytes_allocated += size
            self.total_bytes_allocated += size
            self.num_allocations += 1
            if self.bytes_allocated > self.max_memory:
                self.max_memory = self.bytes_allocated

    def freed(self, size: int) -> None:
        with self.lock:
            self.bytes_allocated -= size


_accounting: dict[int, _DeviceAccounting] = {}
_accounting_lock = threading.Lock()


def _accounting_for(device_number: int) -> _DeviceAccounting:
    with _accounting_lock:
        accounting = _accounting.get(device_number)
        if accounting is None:
            accounting = _accounting[device_number] = _DeviceAccounting()
        return accounting


class _DeviceAllocation:
    """Owns one cudaMalloc block; frees it (and un-counts it) when the last buffer over it is gone."""

    __slots__ = ("address", "size", "device_number", "accounting")

    def __init__(self, address: int, size: int, device_number: int, accounting: _DeviceAccounting) -> None:
        self.address = address
        self.size = size
        self.device_number = device_number
        self.accounting = accounting

    def __del__(self) -> None:
        self.accounting.freed(self.size)
        if self.address and not sys.is_finalizing():  # at exit CUDA tears the context down itself
            cupy = _backend.cupy()
            with cupy.cuda.Device(self.device_number):
                cupy.cuda.runtime.free(self.address)


class _IpcMapping:
    """Owns a mapping of another process's device memory; closes it with the last buffer over it."""

    __slots__ = ("address", "device_number")

    def __init__(self, address: int, device_number: int) -> None:
        self.address = address
        self.device_number = device_number

    def __del__(self) -> None:
        if not sys.is_finalizing():
            cupy = _backend.cupy()
            with cupy.cuda.Device(self.device_number):
                cupy.cuda.runtime.ipcCloseMemHandle(self.address)


class Context:
    """A CUDA device and arrowio's allocations on it.

    ``Context(0)`` raises ArrowNotImplementedError when CuPy is not installed and ArrowIOError
    (an OSError) when there is no driver or no such device. Contexts of the same device share
    their counters.
    """

    __slots__ = ("_device_number", "_accounting")

    def __init__(self, device_number: int = 0) -> None:
        device_number = int(device_number)
        _backend.require_device(device_number)
        self._device_number = device_number
        self._accounting = _accounting_for(device_number)

    # -- facts ------------------------------------------------------------------------------------
    @property
    def device_number(self) -> int:
        """The CUDA device number (as the CUDA runtime numbers the visible devices)."""
        return self._device_number

    @staticmethod
    def get_num_devices() -> int:
        """How many CUDA devices are visible (0 where the driver reports none)."""
        return _backend._device_count()

    @property
    def bytes_allocated(self) -> int:
        """Bytes of device memory allocated through arrowio on this device and not yet freed."""
        return self._accounting.bytes_allocated

    @property
    def max_memory(self) -> int:
        """Peak of :attr:`bytes_allocated` over the life of the process."""
        return self._accounting.max_memory

    def synchronize(self) -> None:
        """Wait until all work queued on the device has finished."""
        with self._device():
            _backend.runtime().deviceSynchronize()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Context) and other._device_number == self._device_number

    def __hash__(self) -> int:
        return hash((Context, self._device_number))

    def __repr__(self) -> str:
        return f"<arrowio.cuda.Context device_number={self._device_number} bytes_allocated={self.bytes_allocated}>"

    def _device(self) -> Any:
        """A context manager making this device current (cupy.cuda.Device)."""
        return _backend.cupy().cuda.Device(self._device_number)

    # -- device memory ----------------------------------------------------------------------------
    def new_buffer(self, size: int) -> CudaBuffer:
        """A mutable CudaBuffer of ``size`` bytes of fresh device memory (not initialised)."""
        size = int(size)
        if size < 0:
            raise ArrowInvalid(f"buffer size must be non-negative, got {size}")
        rt = _backend.runtime()
        address = 0
        if size:
            with self._device():
                try:
                    address = rt.malloc(size)
                except rt.CUDARuntimeError as exc:
                    raise _backend.check(exc, f"allocating {size} bytes on CUDA device {self._device_number}") from None
        self._accounting.allocated(size)
        owner = _DeviceAllocation(address, size, self._device_number, self._accounting)
        return _cuda_buffer(self, address, size, True, None, owner)

    def foreign_buffer(self, address: int, size: int, base: object = None) -> CudaBuffer:
        """A CudaBuffer over device memory at ``address`` that arrowio does not own; ``base`` is kept alive."""
        address, size = int(address), int(size)
        if size < 0:
            raise ArrowInvalid(f"buffer size must be non-negative, got {size}")
        if size and not address:
            raise ArrowInvalid("a foreign buffer of non-zero size needs a non-null address")
        return _cuda_buffer(self, address, size, True, None, base)

    def buffer_from_data(self, obj: object, offset: int = 0, size: int = -1) -> CudaBuffer:
        """A new device buffer holding a copy of ``obj[offset:offset + size]`` (``size=-1``: to the end).

        ``obj`` is host data (a Buffer or anything with the buffer protocol), a CudaBuffer, or an
        object with ``__cuda_array_interface__``.
        """
        if isinstance(obj, CudaBuffer) or hasattr(obj, "__cuda_array_interface__"):
            source: Buffer = obj if isinstance(obj, CudaBuffer) else self.buffer_from_object(obj)
        else:
            source = obj if isinstance(obj, Buffer) else py_buffer(obj)
        offset = int(offset)
        size = source.size - offset if size is None or size < 0 else int(size)
        if offset < 0 or offset + size > source.size:
            raise ArrowInvalid(f"range [{offset}, {offset + size}) is outside data of {source.size} bytes")
        target = self.new_buffer(size)
        if isinstance(source, CudaBuffer):
            target.copy_from_device(source._slice(offset, size))
        else:
            target.copy_from_host(source.slice(offset, size))
        return target

    def buffer_from_object(self, obj: object) -> CudaBuffer:
        """A zero-copy CudaBuffer over the device memory of ``obj`` (anything with ``__cuda_array_interface__``).

        The object is kept alive while the buffer lives. Its memory must be C-contiguous and on this device.
        """
        if isinstance(obj, CudaBuffer):
            return obj._slice(0, obj.size)
        interface = getattr(obj, "__cuda_array_interface__", None)
        if interface is None:
            raise ArrowTypeError(
                f"{type(obj).__name__} has no __cuda_array_interface__; "
                "to copy host memory to the device use Context.buffer_from_data"
            )
        address, readonly = interface["data"]
        if interface.get("mask") is not None:
            raise ArrowInvalid("arrays with a mask are not supported")
        shape = tuple(interface["shape"])
        itemsize = int(interface["typestr"][2:])
        size = math.prod(shape) * itemsize
        strides = interface.get("strides")
        if strides is not None and size and tuple(strides) != _c_strides(shape, itemsize):
            raise ArrowInvalid(f"{type(obj).__name__} is not C-contiguous (strides {tuple(strides)})")
        rt = _backend.runtime()
        stream = interface.get("stream")
        if stream is not None:  # CUDA Array Interface v3: the producer's pending work must finish first
            rt.streamSynchronize(stream)
        if size:
            attributes = rt.pointerGetAttributes(address)
            if attributes.type not in (_backend.MEMORY_TYPE_DEVICE, _backend.MEMORY_TYPE_MANAGED):
                raise ArrowInvalid(f"{type(obj).__name__}'s memory at {address:#x} is not device memory")
            if attributes.device != self._device_number:
                raise ArrowInvalid(
                    f"{type(obj).__name__}'s memory is on CUDA device {attributes.device}, "
                    f"not on this context's device {self._device_number}"
                )
        return _cuda_buffer(self, int(address), size, not readonly, None, obj)

    def get_device_address(self, host_address: int) -> int:
        """The device address of page-locked host memory at ``host_address`` (such as a HostBuffer's)."""
        rt = _backend.runtime()
        with self._device():
            attributes = rt.pointerGetAttributes(int(host_address))
        if attributes.type != _backend.MEMORY_TYPE_HOST:
            raise ArrowInvalid(f"address {int(host_address):#x} is not page-locked host memory known to CUDA")
        return int(attributes.devicePointer)

    # -- interprocess -----------------------------------------------------------------------------
    def open_ipc_buffer(self, ipc_handle: IpcMemHandle) -> CudaBuffer:
        """The device memory another process exported with :meth:`CudaBuffer.export_for_ipc`.

        Must be called in a different process from the exporter (CUDA refuses to map a process's
        own memory). The mapping closes when the last buffer over it is gone.
        """
        if not isinstance(ipc_handle, IpcMemHandle):
            raise ArrowTypeError(f"expected an IpcMemHandle, got {type(ipc_handle).__name__}")
        rt = _backend.runtime()
        with self._device():
            try:
                base = rt.ipcOpenMemHandle(ipc_handle.handle)
            except rt.CUDARuntimeError as exc:
                raise _backend.check(exc, "opening a CUDA IPC memory handle") from None
        owner = _IpcMapping(base, self._device_number)
        return _cuda_buffer(self, base + ipc_handle.offset, ipc_handle.size, True, None, owner)


def _c_strides(shape: tuple[int, ...], itemsize: int) -> tuple[int, ...]:
    strides = []
    step = itemsize
    for extent in reversed(shape):
        strides.append(step)
        step *= extent
    return tuple(reversed(strides))
