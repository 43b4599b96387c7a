"""Page-locked ("pinned") host memory: the fast path for copies between host and device.

:func:`new_host_buffer` returns a :class:`HostBuffer`, an ordinary CPU Buffer whose memory comes
from cudaHostAlloc and is accounted in :func:`pinned_memory_pool`. The device can DMA straight
from and into it, so copies run at the bus's full rate and may run asynchronously.
"""

from __future__ import annotations

import sys
import threading

from .. import _raw
from ..buffer import Buffer
from ..errors import ArrowInvalid
from ..memory import MemoryPool, round_capacity
from . import _backend

__all__ = ["HostBuffer", "PinnedMemoryPool", "new_host_buffer", "pinned_memory_pool"]

# cudaHostAlloc flags: usable from every device's context, and mapped into the device address space
# (so Context.get_device_address works for it).
_HOST_ALLOC_PORTABLE = 0x01
_HOST_ALLOC_MAPPED = 0x02


class PinnedMemoryPool(MemoryPool):
    """A MemoryPool over cudaHostAlloc/cudaFreeHost, with the same exact counters as the other pools.

    There is one per process (:func:`pinned_memory_pool`); it caches nothing, so freed memory is
    unpinned at once (pinned pages are a scarce, system-wide resource).
    """

    @property
    def backend_name(self) -> str:
        return "cuda_pinned"

    def release_unused(self) -> None:
        """Nothing to release: every free goes straight back to the driver."""

    def _raw_allocate(self, capacity: int) -> int:
        if not capacity:
            return 0
        rt = _backend.runtime()
        try:
            return rt.hostAlloc(capacity, _HOST_ALLOC_PORTABLE | _HOST_ALLOC_MAPPED)
        except rt.CUDARuntimeError as exc:
            raise _backend.check(exc, f"allocating {capacity} bytes of pinned host memory") from None

    def _raw_reallocate(self, address: int, old_capacity: int, new_capacity: int) -> int:
        # Pinned memory cannot grow in place: move the contents to a new block.
        moved = self._raw_allocate(new_capacity)
        if moved and address:
            _raw.memmove(moved, address, min(old_capacity, new_capacity))
        self._raw_free(address, old_capacity)
        return moved

    def _raw_free(self, address: int, capacity: int) -> None:
        if address and not sys.is_finalizing():  # at exit the driver releases everything itself
            _backend.runtime().freeHost(address)


_pool: PinnedMemoryPool | None = None
_pool_lock = threading.Lock()


def pinned_memory_pool() -> PinnedMemoryPool:
    """The process's pool of pinned host memory (needs CuPy and a usable driver to allocate)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = PinnedMemoryPool()
        return _pool


class HostBuffer(Buffer):
    """A mutable CPU Buffer of pinned host memory; made by :func:`new_host_buffer`."""

    __slots__ = ()
    # Buffer's pool bookkeeping, set here as allocate_buffer sets it; declared for type checkers.
    _pool: MemoryPool | None
    _capacity: int


def new_host_buffer(size: int, device_number: int = 0) -> HostBuffer:
    """A HostBuffer of ``size`` bytes of pinned host memory (not initialised).

    ``device_number`` names the device whose driver allocates it; the memory is usable from all.
    Raises ArrowNotImplementedError without CuPy and ArrowIOError without a driver or device.
    """
    size = int(size)
    if size < 0:
        raise ArrowInvalid(f"buffer size must be non-negative, got {size}")
    cupy = _backend.cupy()
    _backend.require_device(device_number)
    pool = pinned_memory_pool()
    capacity = round_capacity(size)
    with cupy.cuda.Device(device_number):
        address = pool._allocate(capacity)
    if capacity != size:
        _raw.memset(address + size, 0, capacity - size)
    buffer = HostBuffer._make(None, address, size, True, None, None)
    assert isinstance(buffer, HostBuffer)
    # Like allocate_buffer's buffers: the Buffer finalizer gives the block back to its pool.
    buffer._pool = pool
    buffer._capacity = capacity
    return buffer
