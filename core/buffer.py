"""Buffer: a zero-copy view of contiguous memory plus the owner that keeps it alive.

Buffers are made by factories (:func:`py_buffer`, :func:`foreign_buffer`, :func:`allocate_buffer`)
and export the buffer protocol through ``__buffer__``/``__release_buffer__`` (PEP 688), counting
the views they have handed out. Slicing never copies.
"""

from __future__ import annotations

import _thread  # threading.Lock itself, without importing threading: start-up time
import builtins
import operator
import sys

from . import memory as _memory
from .errors import ArrowIndexError, ArrowInvalid
from .memory import MemoryPool, default_memory_pool, round_capacity

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any, Literal, overload

    from .device import Device, DeviceAllocationType, MemoryManager

__all__ = ["Buffer", "ResizableBuffer", "py_buffer", "foreign_buffer", "allocate_buffer"]

_PyBUF_WRITABLE = 0x0001
_new_object = object.__new__
_FIRST_VIEW_LOCK = _thread.allocate_lock()  # see Buffer._memview
#: The views that Buffer.__buffer__ handed out and that are not released yet, by id. Reachable
#: from here, such a view is never cleared by the cycle collector before the memoryview that holds
#: it: CPython 3.12 clears a view with exports in no set order, leaving it half torn down (its
#: BufferError is printed, "memoryview has 1 exported buffer"), and releasing it afterwards
#: crashes the interpreter (a memoryview of a Buffer in a traceback's reference cycle at exit).
_EXPORTED: dict[int, memoryview] = {}
#: :mod:`._raw`, bound on first use (see :func:`_raw`).
_raw_module: ModuleType | None = None


def _raw() -> ModuleType:
    """:mod:`._raw`, imported on first use: it is built on ctypes (about 2 ms to import), which only
    memory from a pool or an address needs, and ``arrowio cat small.gz`` reads into neither."""
    global _raw_module
    if _raw_module is None:
        from . import _raw as module

        _raw_module = module
    return _raw_module


class _PoolBlock:
    """A block of pool memory that views own; gives it back to the pool when the last goes."""

    __slots__ = ("pool", "address", "capacity")
    pool: MemoryPool | None  # None once disarmed: the memory went back to a ResizableBuffer

    def __init__(self, pool: MemoryPool, address: int, capacity: int) -> None:
        self.pool = pool
        self.address = address
        self.capacity = capacity

    def __del__(self) -> None:
        pool = self.pool
        if pool is not None:
            pool._free(self.address, self.capacity)


class Buffer:
    """Contiguous memory with an owner. Build one with :func:`py_buffer`, :func:`foreign_buffer`
    or :func:`allocate_buffer`; never directly."""

    __slots__ = (
        "_view",  # flat unsigned-byte memoryview, made lazily for pool memory
        "_address",  # int, computed lazily for py_buffer
        "_size",
        "_mutable",
        "_parent",  # the Buffer this is a slice of
        "_base",  # the object that owns foreign or Python memory
        "_exports",  # views handed out through __buffer__ and not yet released
        "_pool",  # the MemoryPool that owns this buffer's memory, or None
        "_capacity",  # bytes reserved from _pool (a multiple of 64)
        "__weakref__",
    )
    _view: memoryview | None
    _address: int | None
    _size: int
    _mutable: bool
    _parent: Buffer | None
    _base: object
    _exports: int
    _pool: MemoryPool | None
    _capacity: int

    def __new__(cls, *args: Any, **kwargs: Any) -> Buffer:
        raise TypeError(
            f"Do not call {cls.__name__}'s constructor directly, "
            "use `arrowio.py_buffer`, `arrowio.foreign_buffer` or `arrowio.allocate_buffer` instead."
        )

    @classmethod
    def _make(
        cls,
        view: memoryview | None,
        address: int | None,
        size: int,
        mutable: bool,
        parent: Buffer | None,
        base: object,
    ) -> Buffer:
        """Build a buffer. ``view`` (flat 'B') or ``address`` may be None and is then made lazily."""
        self = object.__new__(cls)
        self._view = view
        self._address = address
        self._size = size
        self._mutable = mutable
        self._parent = parent
        self._base = base
        self._exports = 0
        self._pool = None
        return self

    def __del__(self) -> None:
        # The finalizer of pool memory: runs once the last slice (which holds this buffer as
        # its parent) and the last exported view (which holds it through PEP 688) are gone.
        pool = self._pool
        if pool is not None:
            pool._free(self._address, self._capacity)  # type: ignore[arg-type]  # pool memory has its address

    # -- properties ------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        """Number of bytes."""
        return self._size

    def __len__(self) -> int:
        return self._size

    @property
    def address(self) -> int:
        """Address of the first byte, as an int."""
        if self._address is None:
            # Never null, also when empty, as in PyArrow: C consumers read a null data pointer
            # as "no buffer". Only foreign_buffer(0, 0) says 0, because it was told so.
            self._address = _raw().address_of(self._view) or _memory._zero_size_area()
        return self._address

    @property
    def is_mutable(self) -> bool:
        """Whether the memory may be written through this buffer."""
        return self._mutable

    @property
    def is_cpu(self) -> bool:
        """Whether the memory is host memory (always True for this class)."""
        return True

    @property
    def device_type(self) -> DeviceAllocationType:
        """Where the memory lives: ``DeviceAllocationType.CPU``, as in PyArrow."""
        from .device import DeviceAllocationType  # here: reading a file never asks (start-up time)

        return DeviceAllocationType.CPU

    @property
    def device(self) -> Device:
        """The device the memory lives on: the CPU device."""
        from .device import cpu_device

        return cpu_device()

    @property
    def memory_manager(self) -> MemoryManager:
        """The memory manager of :attr:`device`."""
        from .device import cpu_memory_manager

        return cpu_memory_manager()

    @property
    def parent(self) -> Buffer | None:
        """The buffer this one is a slice of, or None."""
        return self._parent

    # -- views and slices ------------------------------------------------------------------------
    def _memview(self) -> memoryview:
        """The internal flat byte view (writable only if mutable).

        Every view derived from it owns the memory: for pool memory, the first view takes the
        block over from this buffer (a :class:`_PoolBlock` frees it once the buffer and every
        view of it are gone), so a view that outlives its buffer never reaches freed memory.
        """
        view = self._view
        if view is None:
            # Once per buffer, under a lock: two threads taking the block over at once would
            # each make a _PoolBlock, and the memory would go back to the pool twice.
            with _FIRST_VIEW_LOCK:
                view = self._view
                if view is None:
                    owner = self._base
                    pool = self._pool
                    if pool is not None:
                        owner = self._base = _PoolBlock(pool, self._address, self._capacity)  # type: ignore[arg-type]
                        self._pool = None  # the block frees the memory from now on
                    # Only pool memory makes its view lazily, and pool memory has its address.
                    view = self._view = _raw().owned_view(self._address, self._size, self._mutable, owner)
        return view

    def __buffer__(self, flags: int) -> memoryview:
        if flags & _PyBUF_WRITABLE and not self._mutable:
            raise BufferError(f"{type(self).__name__} is not writable")
        view = self._memview()
        view = view[:] if self._mutable else view.toreadonly()
        self._exports += 1
        _EXPORTED[id(view)] = view
        return view

    def __release_buffer__(self, view: memoryview) -> None:
        try:
            self._exports -= 1
        except AttributeError:  # the garbage collector cleared this buffer first (a reference cycle)
            pass
        _EXPORTED.pop(id(view), None)
        view.release()

    def slice(self, offset: int = 0, length: int | None = None) -> Buffer:
        """A zero-copy, read-only view of ``length`` bytes from ``offset`` (to the end when None).

        Out of range: IndexError for a negative offset, else ArrowIndexError, as PyArrow raises them."""
        offset = int(offset)
        if offset < 0:
            raise IndexError("Offset must be non-negative")
        if offset > self._size:
            raise ArrowIndexError(f"Negative buffer slice length: offset {offset} exceeds buffer size {self._size}")
        if length is None:
            length = self._size - offset
        else:
            length = int(length)
            if length < 0:
                raise ArrowIndexError(f"Negative buffer slice length: {length}")
            if offset + length > self._size:
                raise ArrowIndexError(
                    f"buffer slice would exceed buffer length: [{offset}, {offset + length}) of {self._size} bytes"
                )
        return self._read_only_slice(offset, length)

    def _read_only_slice(self, offset: int, length: int) -> Buffer:
        """A slice as PyArrow gives one: read-only even of mutable memory (Arrow's SliceBuffer; a
        writable slice must be asked for). Device memory keeps its flag (CUDA interop writes)."""
        part = self._slice(offset, length)
        if part.is_cpu:
            part._mutable = False
        return part

    def _slice(self, offset: int, length: int) -> Buffer:
        view = self._memview()[offset : offset + length]
        address = None if self._address is None else self._address + offset
        return Buffer._make(view, address, length, self._mutable, self, None)

    def __getitem__(self, key: int | builtins.slice) -> Any:  # builtins: "slice" here is the method
        if isinstance(key, slice):
            start, stop, step = key.indices(self._size)
            if step != 1:
                raise IndexError("only slices with step 1 supported")
            return self._read_only_slice(start, max(stop - start, 0))
        index = operator.index(key)  # TypeError for floats and strings, as for bytes
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError(f"index {key} out of range for buffer of size {self._size}")
        return self._memview()[index]

    # -- contents --------------------------------------------------------------------------------
    def equals(self, other: object) -> bool:
        """Whether ``other`` (a Buffer or any bytes-like object) holds the same bytes."""
        if isinstance(other, Buffer) and other.device_type != self.device_type:
            mine, theirs = self.device_type.name.lower(), other.device_type.name.lower()
            raise ArrowInvalid(f"cannot compare a buffer on device '{mine}' with one on device '{theirs}'")
        other_view = _byte_view(other)
        if other_view.nbytes != self._size:
            return False
        return self._memview() == other_view

    def __eq__(self, other: object) -> bool:
        return self.equals(other)

    def __ne__(self, other: object) -> bool:
        return not self.equals(other)

    __hash__ = None  # type: ignore[assignment]  # contents may change (mutable buffers)

    def hex(self) -> bytes:
        """Upper-case hexadecimal of the contents, as bytes."""
        return self._memview().hex().upper().encode("ascii")

    def to_pybytes(self) -> bytes:
        """A copy of the contents as bytes."""
        return self._memview().tobytes()

    def __reduce__(self) -> tuple[Any, tuple[bytes | bytearray]]:
        # By value; a mutable buffer comes back mutable.
        return py_buffer, (bytearray(self._memview()) if self._mutable else self.to_pybytes(),)

    def __repr__(self) -> str:
        return (
            f"<arrowio.{type(self).__name__} address={self.address:#x} size={self._size} "
            f"is_cpu={self.is_cpu} is_mutable={self._mutable}>"
        )


class ResizableBuffer(Buffer):
    """A mutable pool-owned buffer whose size can change; made by ``allocate_buffer(..., resizable=True)``."""

    __slots__ = ()
    _address: int  # pool memory always has its address

    def resize(self, new_size: int, shrink_to_fit: bool = False) -> None:
        """Change the size, keeping the contents; grows capacity as needed, shrinks it only if asked.

        Bytes added by growing read as zeros. Raises BufferError while a view or slice of the
        buffer is alive, since moving the memory would leave it dangling.
        """
        self._resize(int(new_size), shrink_to_fit, zero_fill=True)

    def _resize(self, new_size: int, shrink_to_fit: bool, zero_fill: bool) -> None:
        """resize() for writers that overwrite the grown bytes themselves (``zero_fill=False``)."""
        if new_size < 0:
            raise ValueError(f"buffer size must be non-negative, got {new_size}")
        if self._exports:
            raise BufferError(f"cannot resize: {self._exports} exported view(s) or slice(s) of the buffer are alive")
        self._reclaim_block()
        wanted = round_capacity(new_size)
        if wanted > self._capacity or (shrink_to_fit and wanted < self._capacity):
            self._address = self._pool._reallocate(self._address, self._capacity, wanted)  # type: ignore[union-attr]
            self._capacity = wanted
        if zero_fill and new_size > self._size:
            # Memory past the old size is whatever the allocator left there: zero it.
            _raw().memset(self._address + self._size, 0, new_size - self._size)
        self._size = new_size
        self._view = None

    def _frozen(self) -> Buffer:
        """A plain, fixed-size Buffer that takes this buffer's memory over, for results that were
        built by growing: ``getvalue()`` and ``decompress()`` return a Buffer, as PyArrow's do.
        This buffer is left empty, owning nothing; its makers drop it."""
        frozen = Buffer._make(self._view, self._address, self._size, True, None, self._base)
        frozen._pool, frozen._capacity = self._pool, self._capacity
        # Memory still with the pool (no view made since the last resize) is freed by `frozen`
        # from now on; memory a view made is owned by its _PoolBlock, which `frozen` holds too.
        self._pool = self._view = self._base = None
        self._size = self._capacity = 0
        return frozen

    def _reclaim_block(self) -> None:
        """Take the memory back from the view-owning block, so that it may move."""
        block = self._base
        if not isinstance(block, _PoolBlock):
            return
        self._view = None
        # Views that _memview() made (the internal fast path: slices of it are not exports, so
        # _exports does not count them) hold the block as their owner; only its reference count
        # sees them. Three references are ours: self._base, `block` and getrefcount's argument.
        if sys.getrefcount(block) > 3:
            raise BufferError("cannot resize: a view of the buffer's memory is still alive")
        self._pool, self._capacity = block.pool, block.capacity
        block.pool = None  # disarmed: the memory is ours again
        self._base = None

    @property
    def capacity(self) -> int:
        """Bytes reserved (a multiple of 64)."""
        block = self._base
        return block.capacity if isinstance(block, _PoolBlock) else self._capacity

    def _slice(self, offset: int, length: int) -> Buffer:
        # A slice pins the memory through the buffer protocol, so resize() refuses while it lives.
        view = memoryview(self)[offset : offset + length]
        return Buffer._make(view, self._address + offset, length, True, self, None)


def _byte_view(obj: object) -> memoryview:
    if isinstance(obj, Buffer):
        return obj._memview()
    return _flat_view(obj)


def _flat_view(obj: object) -> memoryview:
    """A flat unsigned-byte view of any contiguous buffer exporter (C or Fortran order)."""
    if isinstance(obj, str):
        raise TypeError("a bytes-like object is required, not 'str'")
    try:
        view = memoryview(obj)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"a bytes-like object is required, not {type(obj).__name__!r}") from None
    if view.ndim == 1 and view.format == "B" and view.c_contiguous:
        return view
    if view.c_contiguous:
        try:
            return view.cast("B")
        except TypeError:  # a format that cast() refuses (structs, byte-order prefixes)
            pass
    elif not view.f_contiguous:
        raise ValueError(f"{type(obj).__name__} is not contiguous")
    import numpy as np

    # Same bytes, reinterpreted: numpy reads any layout that is contiguous in memory order.
    array = np.asarray(view)
    flat = array.reshape(-1, order="A").view(np.uint8)
    return memoryview(flat)


def py_buffer(obj: object) -> Buffer:
    """A zero-copy Buffer over any object with the buffer protocol; keeps ``obj`` alive."""
    view = _flat_view(obj)
    return Buffer._make(view, None, view.nbytes, not view.readonly, None, obj)


#: Addresses are unsigned 64-bit, as PyArrow's uintptr_t: anything else cannot be memory.
_ADDRESS_LIMIT = 1 << 64


class _AddressOverflow(OverflowError, ValueError):
    """An address outside [0, 2**64): PyArrow raises OverflowError (the conversion to uintptr_t
    fails); it is also a ValueError, like the other refused arguments."""


def foreign_buffer(address: int, size: int, base: object = None) -> Buffer:
    """A read-only Buffer over raw memory at ``address``; ``base`` is kept alive while it lives."""
    address, size = int(address), int(size)
    if size < 0:
        raise ValueError(f"buffer size must be non-negative, got {size}")
    if not 0 <= address < _ADDRESS_LIMIT:
        raise _AddressOverflow(f"address {address} is outside the 64-bit address space [0, 2**64)")
    if address + size > _ADDRESS_LIMIT:
        raise _AddressOverflow(f"address {address} + size {size} runs past the end of the 64-bit address space")
    if size and not address:
        raise ValueError("a foreign buffer of non-zero size needs a non-null address")
    view = _raw().owned_view(address, size, False, base)
    return Buffer._make(view, address, size, False, None, base)


if TYPE_CHECKING:  # overloads for type checkers; typing is not imported at run time

    @overload
    def allocate_buffer(size: int, memory_pool: MemoryPool | None = ..., resizable: Literal[False] = ...) -> Buffer: ...
    @overload
    def allocate_buffer(size: int, memory_pool: MemoryPool | None, resizable: Literal[True]) -> ResizableBuffer: ...
    @overload
    def allocate_buffer(
        size: int, memory_pool: MemoryPool | None = ..., *, resizable: Literal[True]
    ) -> ResizableBuffer: ...
    @overload
    def allocate_buffer(size: int, memory_pool: MemoryPool | None = ..., resizable: bool = ...) -> Buffer: ...


def allocate_buffer(size: int, memory_pool: MemoryPool | None = None, resizable: bool = False) -> Buffer:
    """A mutable Buffer (or ResizableBuffer) of ``size`` bytes of pool memory.

    The bytes are not initialised, except the padding between ``size`` and the 64-byte
    rounded capacity, which is zeroed.
    """
    if size < 0:
        raise ValueError(f"buffer size must be non-negative, got {size}")
    pool = memory_pool or _memory._default_pool or default_memory_pool()  # the global first: hot path
    capacity = (size + 63) & ~63
    address = pool._allocate(capacity)
    if capacity != size:
        _raw().memset(address + size, 0, capacity - size)
    # Built inline rather than through Buffer._make: this is the allocation hot path.
    buffer = _new_object(ResizableBuffer if resizable else Buffer)
    buffer._view = None
    buffer._address = address
    buffer._size = size
    buffer._mutable = True
    buffer._parent = None
    buffer._base = None
    buffer._exports = 0
    buffer._pool = pool
    buffer._capacity = capacity
    return buffer
