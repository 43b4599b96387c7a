"""CudaBuffer, a Buffer of device memory, and IpcMemHandle, its passport to another process.

A CudaBuffer is an :class:`arrowio.Buffer` with ``is_cpu == False``: size, address, parent and
zero-copy slicing behave as for host buffers, while everything that would read the bytes from
the host (``hex``, ``buf[i]``, ``memoryview``, pickling) raises NotImplementedError. Copies go
through the CUDA runtime and return once the bytes are in place.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from .. import _raw
from ..buffer import Buffer, allocate_buffer, py_buffer
from ..device import Device, DeviceAllocationType, MemoryManager
from ..errors import ArrowInvalid, ArrowNotImplementedError, ArrowTypeError
from ..memory import MemoryPool
from . import _backend
from .device import cuda_memory_manager

if TYPE_CHECKING:
    from .context import Context

__all__ = ["CudaBuffer", "IpcMemHandle"]

CPU_ONLY = "Implemented only for data on CPU device"

# cudaMemcpyKind values (driver_types.h).
_HOST_TO_DEVICE = 1
_DEVICE_TO_HOST = 2
_DEVICE_TO_DEVICE = 3
_LEGACY_DEFAULT_STREAM = 0

#: Device buffers are compared through host copies of this many bytes at a time (no GPU kernels,
#: so a CuPy install without NVRTC still works).
_COMPARE_BLOCK = 16 << 20


class CudaBuffer(Buffer):
    """Device memory on one CUDA device; made by a :class:`Context`, never directly."""

    __slots__ = ("_context",)
    # Set by Buffer._make; declared for type checkers (device buffers always have an address).
    _context: Context
    _address: int
    _size: int
    _mutable: bool

    # -- facts ------------------------------------------------------------------------------------
    @property
    def is_cpu(self) -> bool:
        """False: the memory lives on a CUDA device."""
        return False

    @property
    def device_type(self) -> DeviceAllocationType:
        """``DeviceAllocationType.CUDA``, as in PyArrow."""
        return DeviceAllocationType.CUDA

    @property
    def device(self) -> Device:
        """The CUDA device the memory lives on, as in PyArrow (``device.device_id`` is its number)."""
        return self.memory_manager.device

    @property
    def memory_manager(self) -> MemoryManager:
        """The memory manager of :attr:`device`."""
        return cuda_memory_manager(self._context.device_number)

    @property
    def context(self) -> Context:
        """The Context (device) that holds the memory."""
        return self._context

    @property
    def address(self) -> int:
        """Device address of the first byte."""
        return self._address

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        """A one-dimensional uint8 array view (CUDA Array Interface v3) for CuPy, Numba or PyTorch.

        No stream is named: every arrowio copy has finished when it returns.
        """
        return {
            "shape": (self._size,),
            "typestr": "|u1",
            "data": (self._address if self._size else 0, not self._mutable),
            "strides": None,
            "version": 3,
        }

    def __repr__(self) -> str:
        return (
            f"<arrowio.cuda.CudaBuffer device={self._context.device_number} address={self._address:#x} "
            f"size={self._size} is_mutable={self._mutable}>"
        )

    # -- what only host memory can do -------------------------------------------------------------
    def _memview(self) -> memoryview:
        raise ArrowNotImplementedError(CPU_ONLY)

    def __buffer__(self, flags: int) -> memoryview:
        raise ArrowNotImplementedError(CPU_ONLY)

    def __reduce__(self) -> Any:
        raise ArrowNotImplementedError(CPU_ONLY)

    # -- views ------------------------------------------------------------------------------------
    def _slice(self, offset: int, length: int) -> CudaBuffer:
        return _cuda_buffer(self._context, self._address + offset, length, self._mutable, self, None)

    @staticmethod
    def from_buffer(buf: Buffer) -> CudaBuffer:
        """``buf`` as a CudaBuffer: itself if it is one, else a view of a Buffer whose address is device memory."""
        if isinstance(buf, CudaBuffer):
            return buf
        if not isinstance(buf, Buffer):
            raise ArrowTypeError(f"expected a Buffer, got {type(buf).__name__}")
        from .context import Context  # deferred: context.py imports this module

        rt = _backend.runtime()
        attributes = rt.pointerGetAttributes(buf.address) if buf.size else None
        if attributes is None or attributes.type not in (_backend.MEMORY_TYPE_DEVICE, _backend.MEMORY_TYPE_MANAGED):
            raise ArrowTypeError("buffer is not backed by CUDA device memory")
        return _cuda_buffer(Context(attributes.device), buf.address, buf.size, buf.is_mutable, None, buf)

    # -- copies -----------------------------------------------------------------------------------
    def _range(self, position: int, nbytes: int | None) -> tuple[int, int]:
        position = int(position)
        if position < 0 or position > self._size:
            raise ArrowInvalid(f"position {position} is outside the buffer of {self._size} bytes")
        nbytes = self._size - position if nbytes is None or nbytes < 0 else int(nbytes)
        if position + nbytes > self._size:
            raise ArrowInvalid(f"range [{position}, {position + nbytes}) is outside the buffer of {self._size} bytes")
        return position, nbytes

    def _writable(self) -> None:
        if not self._mutable:
            raise ArrowInvalid("the CudaBuffer is read-only")

    def _memcpy(self, destination: int, source: int, nbytes: int, kind: int) -> None:
        if not nbytes:
            return
        rt = _backend.runtime()
        with self._context._device():
            try:
                rt.memcpy(destination, source, nbytes, kind)
                if kind != _DEVICE_TO_HOST:
                    # cudaMemcpy may return before device-to-device copies and the DMA of pageable
                    # host data have landed; consumers on other streams must see finished bytes.
                    rt.streamSynchronize(_LEGACY_DEFAULT_STREAM)
            except rt.CUDARuntimeError as exc:
                raise _backend.check(exc, f"copying {nbytes} bytes") from None

    def copy_to_host(
        self,
        position: int = 0,
        nbytes: int = -1,
        buf: Any = None,
        memory_pool: MemoryPool | None = None,
    ) -> Buffer:
        """Copy ``nbytes`` from ``position`` (``-1``: to the end) to host memory.

        Into ``buf`` (a mutable Buffer or writable bytes-like object of at least ``nbytes``) when
        given, which is then returned (as a Buffer when it was not one); else into a new Buffer from
        ``memory_pool``.
        """
        position, nbytes = self._range(position, nbytes)
        if buf is None:
            target = allocate_buffer(nbytes, memory_pool)
        else:
            target = buf if isinstance(buf, Buffer) else py_buffer(buf)
            if isinstance(target, CudaBuffer):
                raise ArrowTypeError("copy_to_host needs host memory; use copy_from_device between device buffers")
            if not target.is_mutable:
                raise ArrowInvalid("the host buffer to copy into is read-only")
            if target.size < nbytes:
                raise ArrowInvalid(f"the host buffer holds {target.size} bytes, {nbytes} are to be copied")
        self._memcpy(target.address, self._address + position, nbytes, _DEVICE_TO_HOST)
        return target

    def copy_from_host(self, data: Any, position: int = 0, nbytes: int | None = None) -> int:
        """Copy ``nbytes`` (default: all) of host ``data`` into this buffer at ``position``; returns the count."""
        self._writable()
        source = data if isinstance(data, Buffer) else py_buffer(data)
        if isinstance(source, CudaBuffer):
            raise ArrowTypeError("copy_from_host needs host data; use copy_from_device between device buffers")
        nbytes = source.size if nbytes is None or nbytes < 0 else int(nbytes)
        if nbytes > source.size:
            raise ArrowInvalid(f"{nbytes} bytes requested from host data of {source.size} bytes")
        position, nbytes = self._range(position, nbytes)
        self._memcpy(self._address + position, source.address, nbytes, _HOST_TO_DEVICE)
        return nbytes

    def copy_from_device(self, buf: CudaBuffer, position: int = 0, nbytes: int = -1) -> int:
        """Copy ``nbytes`` (``-1``: all) of device buffer ``buf`` into this one at ``position``; returns the count.

        ``buf`` may live on another device (a peer copy).
        """
        self._writable()
        if not isinstance(buf, CudaBuffer):
            raise ArrowTypeError(f"copy_from_device needs a CudaBuffer, got {type(buf).__name__}")
        nbytes = buf.size if nbytes is None or nbytes < 0 else int(nbytes)
        if nbytes > buf.size:
            raise ArrowInvalid(f"{nbytes} bytes requested from a device buffer of {buf.size} bytes")
        position, nbytes = self._range(position, nbytes)
        if not nbytes:
            return 0
        source_device = buf._context.device_number
        target_device = self._context.device_number
        if source_device == target_device:
            self._memcpy(self._address + position, buf._address, nbytes, _DEVICE_TO_DEVICE)
            return nbytes
        rt = _backend.runtime()
        with self._context._device():
            try:
                rt.memcpyPeer(self._address + position, target_device, buf._address, source_device, nbytes)
                rt.streamSynchronize(_LEGACY_DEFAULT_STREAM)
            except rt.CUDARuntimeError as exc:
                raise _backend.check(exc, f"copying {nbytes} bytes from device {source_device}") from None
        return nbytes

    def to_pybytes(self) -> bytes:
        """A host copy of the contents, as bytes."""
        return self.copy_to_host().to_pybytes()

    def equals(self, other: object) -> bool:
        """Whether ``other``, a CudaBuffer, holds the same bytes; ValueError for host data."""
        if not isinstance(other, CudaBuffer):
            device = other.device_type.name.lower() if isinstance(other, Buffer) else "cpu"
            raise ArrowInvalid(f"cannot compare a buffer on device 'cuda' with one on device '{device}'")
        if other._size != self._size:
            return False
        if other._address == self._address and other._context == self._context:
            return True
        block = min(self._size, _COMPARE_BLOCK)
        mine, theirs = allocate_buffer(block), allocate_buffer(block)
        for position in range(0, self._size, block):
            length = min(block, self._size - position)
            self.copy_to_host(position, length, mine)
            other.copy_to_host(position, length, theirs)
            if mine._memview()[:length] != theirs._memview()[:length]:
                return False
        return True

    # -- interprocess -----------------------------------------------------------------------------
    def export_for_ipc(self) -> IpcMemHandle:
        """A handle that another process opens with :meth:`Context.open_ipc_buffer` to map this memory.

        The memory must come from cudaMalloc (``Context.new_buffer`` and most frameworks' allocators);
        it must stay alive here while the other process uses it.
        """
        if not self._size:
            raise ArrowInvalid("cannot export an empty buffer for IPC")
        rt = _backend.runtime()
        with self._context._device():
            base, _ = _backend.allocation_range(self._address)
            try:
                handle = rt.ipcGetMemHandle(base)
            except rt.CUDARuntimeError as exc:
                raise _backend.check(exc, "exporting device memory for IPC") from None
        return IpcMemHandle(bytes(handle), self._address - base, self._size)


def _cuda_buffer(
    context: Context, address: int, size: int, mutable: bool, parent: Buffer | None, base: object
) -> CudaBuffer:
    buffer = CudaBuffer._make(None, address, size, mutable, parent, base)
    assert isinstance(buffer, CudaBuffer)
    buffer._context = context
    return buffer


class IpcMemHandle:
    """A CUDA IPC memory handle plus the range inside the allocation it names.

    ``serialize()`` gives the bytes to send to another process, which rebuilds the handle with
    :meth:`from_buffer` and maps the memory with :meth:`Context.open_ipc_buffer`.
    """

    __slots__ = ("_handle", "_offset", "_size")

    _MAGIC = b"AIOCUIPC"
    _LAYOUT = struct.Struct("<8s64sQQ")  # magic, cudaIpcMemHandle_t (64 bytes), offset, size

    def __init__(self, handle: bytes, offset: int, size: int) -> None:
        if len(handle) != 64:
            raise ArrowInvalid(f"a CUDA IPC handle has 64 bytes, got {len(handle)}")
        self._handle = bytes(handle)
        self._offset = int(offset)
        self._size = int(size)

    @property
    def handle(self) -> bytes:
        """The 64-byte cudaIpcMemHandle_t of the whole allocation."""
        return self._handle

    @property
    def offset(self) -> int:
        """Where the exported buffer starts inside the allocation."""
        return self._offset

    @property
    def size(self) -> int:
        """Bytes of the exported buffer."""
        return self._size

    def serialize(self, memory_pool: MemoryPool | None = None) -> Buffer:
        """The handle as a host Buffer of bytes to send to another process."""
        packed = self._LAYOUT.pack(self._MAGIC, self._handle, self._offset, self._size)
        target = allocate_buffer(len(packed), memory_pool)
        _raw.memmove(target.address, packed, len(packed))
        return target

    @staticmethod
    def from_buffer(opaque_handle: Any) -> IpcMemHandle:
        """Rebuild a handle from the bytes :meth:`serialize` made (a Buffer or any bytes-like object)."""
        data = opaque_handle.to_pybytes() if isinstance(opaque_handle, Buffer) else bytes(opaque_handle)
        layout = IpcMemHandle._LAYOUT
        if len(data) != layout.size or not data.startswith(IpcMemHandle._MAGIC):
            raise ArrowInvalid(f"not a serialized arrowio IPC handle ({len(data)} bytes; expected {layout.size})")
        _, handle, offset, size = layout.unpack(data)
        return IpcMemHandle(handle, offset, size)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IpcMemHandle) and (self._handle, self._offset, self._size) == (
            other._handle,
            other._offset,
            other._size,
        )

    def __hash__(self) -> int:
        return hash((self._handle, self._offset, self._size))

    def __repr__(self) -> str:
        return f"<arrowio.cuda.IpcMemHandle offset={self._offset} size={self._size}>"
