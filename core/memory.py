"""Memory pools: exact, thread-safe accounting over real aligned memory from an allocator backend.

A pool hands out 64-byte aligned blocks whose sizes are rounded up to a multiple of 64 bytes;
its counters account the rounded sizes. Buffers return their block to the pool that made it
when the last Buffer, slice or exported view of it is gone.

Backend pools keep a bounded cache of recently freed blocks of up to 1 MiB (like an
allocator's thread cache) so that allocate-and-drop loops do not pay two foreign calls each;
cached blocks are not counted as allocated, and :meth:`MemoryPool.release_unused` hands them
back first.
"""

from __future__ import annotations

import _thread  # threading.RLock itself, without importing threading: start-up time
import sys
import warnings

from ._records import NamedTuple
from .errors import ArrowNotImplementedError
from .settings import ALIGNMENT, BACKEND_NAMES, DEFAULT_POOL_ENV, JEMALLOC_TLS_TUNABLE, requested_default_pool

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from ._allocators import Backend

__all__ = [
    "MemoryPool",
    "MemoryPoolStats",
    "LoggingMemoryPool",
    "ProxyMemoryPool",
    "default_memory_pool",
    "system_memory_pool",
    "jemalloc_memory_pool",
    "mimalloc_memory_pool",
    "supported_memory_backends",
    "set_memory_pool",
    "total_allocated_bytes",
    "logging_memory_pool",
    "proxy_memory_pool",
    "log_memory_allocations",
    "jemalloc_set_decay_ms",
    "round_capacity",
    "DEFAULT_POOL_ENV",
    "JEMALLOC_TLS_TUNABLE",
]


#: Freed blocks up to this size are cached for reuse; larger ones go straight back to the backend.
#: 1 MiB covers the chunk size of the streaming readers, whose loops then reuse warm memory.
_CACHE_MAX_BLOCK = 1024 * 1024
#: At most this many cached blocks of one size...
_CACHE_PER_SIZE = 8
#: ...and at most this many cached bytes in all, per pool.
_CACHE_MAX_BYTES = 8 * 1024 * 1024


def round_capacity(size: int) -> int:
    """The capacity a pool gives a request of ``size`` bytes: the next multiple of 64."""
    return (size + ALIGNMENT - 1) & ~(ALIGNMENT - 1)


class MemoryPoolStats(NamedTuple):
    """A snapshot of a pool's counters (bytes are rounded capacities)."""

    backend_name: str
    bytes_allocated: int
    max_memory: int
    total_bytes_allocated: int
    num_allocations: int

    def to_dict(self) -> dict[str, int | str]:
        return dict(self._asdict())


class MemoryPool:
    """A source of aligned memory with exact counters. Obtain one from the module functions."""

    def __init__(self) -> None:
        if type(self) is MemoryPool:
            raise TypeError("MemoryPool is abstract; use default_memory_pool() or a *_memory_pool() function")
        # Reentrant: a garbage collection (or a tracer such as coverage's) can run a Buffer's
        # finalizer, which frees into this pool, between two statements that hold the lock.
        self._lock = _thread.RLock()
        self._bytes_allocated = 0
        self._max_memory = 0
        self._total_bytes = 0
        self._num_allocations = 0

    # -- public API ---------------------------------------------------------------------------
    @property
    def backend_name(self) -> str:
        """Name of the allocator that provides the memory: 'system', 'jemalloc' or 'mimalloc'."""
        raise NotImplementedError

    def bytes_allocated(self) -> int:
        """Bytes currently allocated from this pool and not yet returned."""
        return self._bytes_allocated

    def max_memory(self) -> int:
        """Peak of :meth:`bytes_allocated` over the pool's life."""
        return self._max_memory

    def total_bytes_allocated(self) -> int:
        """Sum of every allocation's size, and of every growth by reallocation."""
        return self._total_bytes

    def num_allocations(self) -> int:
        """Number of allocations and reallocations made."""
        return self._num_allocations

    def stats(self) -> MemoryPoolStats:
        """All counters at once, read under the pool's lock."""
        with self._lock:
            return MemoryPoolStats(
                self.backend_name, self._bytes_allocated, self._max_memory, self._total_bytes, self._num_allocations
            )

    def release_unused(self) -> None:
        """Return memory held but unused by this pool's allocator to the operating system."""
        raise NotImplementedError

    def print_stats(self) -> None:
        """Print the counters, then the allocator's own statistics, to stderr."""
        stats = self.stats()
        print(
            f"{type(self).__name__}({stats.backend_name}): bytes_allocated={stats.bytes_allocated} "
            f"max_memory={stats.max_memory} total_bytes_allocated={stats.total_bytes_allocated} "
            f"num_allocations={stats.num_allocations}",
            file=sys.stderr,
            flush=True,
        )

    def __repr__(self) -> str:
        # PyArrow's form; the class shown is the public one (MemoryPool for the backend pools).
        name = next(cls.__name__ for cls in type(self).__mro__ if not cls.__name__.startswith("_"))
        return (
            f"<arrowio.{name} backend_name={self.backend_name} bytes_allocated={self.bytes_allocated()} "
            f"max_memory={self.max_memory()}>"
        )

    # -- used by buffers: sizes passed in are capacities (multiples of 64) ----------------------
    def _allocate(self, capacity: int) -> int:
        address = self._raw_allocate(capacity)
        self._did_allocate(capacity)
        return address

    def _reallocate(self, address: int, old_capacity: int, new_capacity: int) -> int:
        moved = self._raw_reallocate(address, old_capacity, new_capacity)
        self._did_reallocate(old_capacity, new_capacity)
        return moved

    def _free(self, address: int, capacity: int) -> None:
        self._raw_free(address, capacity)
        lock = self._lock
        lock.acquire()
        try:
            self._bytes_allocated -= capacity
        finally:
            lock.release()

    def _raw_allocate(self, capacity: int) -> int:
        raise NotImplementedError

    def _raw_reallocate(self, address: int, old_capacity: int, new_capacity: int) -> int:
        raise NotImplementedError

    def _raw_free(self, address: int, capacity: int) -> None:
        raise NotImplementedError

    def _did_allocate(self, capacity: int) -> None:
        lock = self._lock
        lock.acquire()
        try:
            self._bytes_allocated += capacity
            self._total_bytes += capacity
            self._num_allocations += 1
            if self._bytes_allocated > self._max_memory:
                self._max_memory = self._bytes_allocated
        finally:
            lock.release()

    def _did_reallocate(self, old_capacity: int, new_capacity: int) -> None:
        with self._lock:
            self._bytes_allocated += new_capacity - old_capacity
            if new_capacity > old_capacity:
                self._total_bytes += new_capacity - old_capacity
            self._num_allocations += 1
            if self._bytes_allocated > self._max_memory:
                self._max_memory = self._bytes_allocated


class _BackendMemoryPool(MemoryPool):
    """A pool over one allocator backend, with a bounded cache of freed small blocks."""

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self._backend = backend
        self._cache: dict[int, list[int]] = {}
        self._cached_bytes = 0
        from ._debug_pool import GuardedBackend  # here, as the backends: see _backend_pool

        # The debug pool checks a block's guard bytes when it is freed, also into the cache.
        self._check_guard = backend.check if isinstance(backend, GuardedBackend) else None

    @property
    def backend_name(self) -> str:
        return self._backend.name

    def _allocate(self, capacity: int) -> int:
        # The cache and the counters share one lock, so the hot path takes it once. Plain
        # acquire/release: a with-statement costs twice as much here.
        lock = self._lock
        lock.acquire()
        try:
            blocks = self._cache.get(capacity)
            if blocks:
                address = blocks.pop()
                self._cached_bytes -= capacity
                self._bytes_allocated += capacity
                self._total_bytes += capacity
                self._num_allocations += 1
                if self._bytes_allocated > self._max_memory:
                    self._max_memory = self._bytes_allocated
                return address
        finally:
            lock.release()
        address = self._backend.allocate(capacity) if capacity else _zero_size_area()
        self._did_allocate(capacity)
        return address

    def _raw_reallocate(self, address: int, old_capacity: int, new_capacity: int) -> int:
        if not old_capacity:
            return self._backend.allocate(new_capacity)
        if not new_capacity:
            self._backend.free(address, old_capacity)
            return _zero_size_area()
        return self._backend.reallocate(address, old_capacity, new_capacity)

    def _free(self, address: int, capacity: int) -> None:
        if self._check_guard is not None and capacity:
            self._check_guard(address, capacity, "deallocation")
        lock = self._lock
        lock.acquire()
        try:
            self._bytes_allocated -= capacity
            if not capacity:
                return
            if capacity <= _CACHE_MAX_BLOCK and self._cached_bytes + capacity <= _CACHE_MAX_BYTES:
                blocks = self._cache.get(capacity)
                if blocks is None:
                    blocks = self._cache[capacity] = []
                if len(blocks) < _CACHE_PER_SIZE:
                    blocks.append(address)
                    self._cached_bytes += capacity
                    return
        finally:
            lock.release()
        self._backend.free(address, capacity)

    def _drain_cache(self) -> None:
        with self._lock:
            cache, self._cache, self._cached_bytes = self._cache, {}, 0
        for capacity, blocks in cache.items():
            for address in blocks:
                self._backend.free(address, capacity)

    def release_unused(self) -> None:
        self._drain_cache()
        self._backend.release_unused()

    def print_stats(self) -> None:
        super().print_stats()
        self._backend.print_native_stats()


class ProxyMemoryPool(MemoryPool):
    """Counts its own allocations while taking the memory from a parent pool (which counts them too)."""

    def __init__(self, parent: MemoryPool) -> None:
        super().__init__()
        self._parent = parent

    @property
    def backend_name(self) -> str:
        return self._parent.backend_name

    def _raw_allocate(self, capacity: int) -> int:
        return self._parent._allocate(capacity)

    def _raw_reallocate(self, address: int, old_capacity: int, new_capacity: int) -> int:
        return self._parent._reallocate(address, old_capacity, new_capacity)

    def _raw_free(self, address: int, capacity: int) -> None:
        self._parent._free(address, capacity)

    def release_unused(self) -> None:
        self._parent.release_unused()


class LoggingMemoryPool(MemoryPool):
    """Logs every allocate, reallocate and free to stderr and forwards it to the parent pool."""

    def __init__(self, parent: MemoryPool) -> None:
        super().__init__()
        self._parent = parent

    @property
    def backend_name(self) -> str:
        return self._parent.backend_name

    def bytes_allocated(self) -> int:
        return self._parent.bytes_allocated()

    def max_memory(self) -> int:
        return self._parent.max_memory()

    def total_bytes_allocated(self) -> int:
        return self._parent.total_bytes_allocated()

    def num_allocations(self) -> int:
        return self._parent.num_allocations()

    def stats(self) -> MemoryPoolStats:
        return self._parent.stats()

    def release_unused(self) -> None:
        self._parent.release_unused()

    def _allocate(self, capacity: int) -> int:
        address = self._parent._allocate(capacity)
        _log(f"Allocate: size = {capacity}, address = {address:#x}")
        return address

    def _reallocate(self, address: int, old_capacity: int, new_capacity: int) -> int:
        moved = self._parent._reallocate(address, old_capacity, new_capacity)
        _log(f"Reallocate: old_size = {old_capacity}, new_size = {new_capacity}, address = {address:#x} -> {moved:#x}")
        return moved

    def _free(self, address: int, capacity: int) -> None:
        self._parent._free(address, capacity)
        _log(f"Free: size = {capacity}, address = {address:#x}")


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# -- the zero-size area: a valid, aligned, never-freed address for empty allocations -------------
_ZERO_AREA: int | None = None


def _zero_size_area() -> int:
    global _ZERO_AREA
    if _ZERO_AREA is None:
        import ctypes

        keep = (ctypes.c_char * (2 * ALIGNMENT))()
        _zero_size_area.keep = keep  # type: ignore[attr-defined]
        _ZERO_AREA = round_capacity(ctypes.addressof(keep))
    return _ZERO_AREA


# -- the backend pools, made once each, on first use --------------------------------------------
_pools: dict[str, _BackendMemoryPool] = {}
_load_failures: dict[str, str] = {}  # messages only: a kept exception would pin its frames
_pools_lock = _thread.RLock()
_default_pool: MemoryPool | None = None
_unlogged_default: MemoryPool | None = None


def _backend_pool(name: str) -> _BackendMemoryPool:
    pool = _pools.get(name)
    if pool is None:
        # The backends (ctypes: about 2 ms to import) load with the first pool: reading a small
        # file allocates from none, and `arrowio cat small.gz` starts faster without them.
        from ._allocators import load_backend
        from ._debug_pool import guarded

        with _pools_lock:
            pool = _pools.get(name)
            if pool is None:
                if name in _load_failures:  # a library that failed to load will not load later
                    raise ArrowNotImplementedError(_load_failures[name])
                try:
                    backend = guarded(load_backend(name))  # ARROWIO_DEBUG_MEMORY_POOL
                except ArrowNotImplementedError as exc:
                    _load_failures[name] = str(exc)
                    raise
                pool = _pools[name] = _BackendMemoryPool(backend)
    return pool


def system_memory_pool() -> MemoryPool:
    """The pool over libc's allocator."""
    return _backend_pool("system")


def jemalloc_memory_pool() -> MemoryPool:
    """The pool over jemalloc; ArrowNotImplementedError names what is missing when it cannot load."""
    return _backend_pool("jemalloc")


def mimalloc_memory_pool() -> MemoryPool:
    """The pool over mimalloc; ArrowNotImplementedError names what is missing when it cannot load."""
    return _backend_pool("mimalloc")


def supported_memory_backends() -> list[str]:
    """Names of the backends that load in this process, in order of preference."""
    names = []
    for name in BACKEND_NAMES:
        try:
            _backend_pool(name)
        except ArrowNotImplementedError:
            continue
        names.append(name)
    return names


def _initial_default() -> MemoryPool:
    request = requested_default_pool()
    if request is not None:
        variable, wanted = request
        if wanted not in BACKEND_NAMES:
            warnings.warn(
                f"{variable}={wanted!r} is not a memory pool backend "
                f"(valid: {', '.join(BACKEND_NAMES)}); using the default",
                RuntimeWarning,
                stacklevel=3,
            )
        else:
            try:
                return _backend_pool(wanted)
            except ArrowNotImplementedError as exc:
                warnings.warn(f"{variable}={wanted}: {exc}; using the default", RuntimeWarning, stacklevel=3)
    # Arrow's order of preference: jemalloc, mimalloc, system.
    for name in BACKEND_NAMES:
        try:
            return _backend_pool(name)
        except ArrowNotImplementedError:
            continue
    raise AssertionError("the system backend always loads")


def default_memory_pool() -> MemoryPool:
    """The pool used when none is given.

    ``ARROWIO_DEFAULT_MEMORY_POOL`` or, as in PyArrow, ``ARROW_DEFAULT_MEMORY_POOL`` (the
    first wins when both are set) picks its backend: system, jemalloc or mimalloc. Otherwise
    the first that loads of jemalloc, mimalloc (from the cmeel-mimalloc wheel, a dependency),
    system. An unknown name warns once, naming the valid ones, and falls back.
    """
    global _default_pool
    pool = _default_pool
    if pool is None:
        with _pools_lock:
            if _default_pool is None:
                _default_pool = _initial_default()
            pool = _default_pool
    return pool


def set_memory_pool(pool: MemoryPool) -> None:
    """Make ``pool`` the default pool."""
    global _default_pool
    if not isinstance(pool, MemoryPool):
        raise TypeError(f"expected a MemoryPool, got {type(pool).__name__}")
    _default_pool = pool


def total_allocated_bytes() -> int:
    """Bytes currently allocated from the default pool."""
    return default_memory_pool().bytes_allocated()


def logging_memory_pool(parent: MemoryPool) -> MemoryPool:
    """A pool that logs each allocation, reallocation and free of ``parent`` to stderr."""
    return LoggingMemoryPool(parent)


def proxy_memory_pool(parent: MemoryPool) -> MemoryPool:
    """A pool with its own counters over ``parent``'s memory."""
    return ProxyMemoryPool(parent)


def log_memory_allocations(enable: bool = True) -> None:
    """Log every allocation of the default pool to stderr (or stop doing so)."""
    global _unlogged_default
    with _pools_lock:
        current = default_memory_pool()
        if enable and not isinstance(current, LoggingMemoryPool):
            _unlogged_default = current
            set_memory_pool(LoggingMemoryPool(current))
        elif not enable and isinstance(current, LoggingMemoryPool):
            set_memory_pool(_unlogged_default or current._parent)
            _unlogged_default = None


def jemalloc_set_decay_ms(decay_ms: int) -> None:
    """Set jemalloc's dirty and muzzy page decay time (ms); -1 never returns pages, 0 at once.

    Where jemalloc cannot be loaded this warns and does nothing.
    """
    try:
        backend = _backend_pool("jemalloc")._backend
    except ArrowNotImplementedError as exc:
        warnings.warn(f"jemalloc_set_decay_ms has no effect: {exc}", RuntimeWarning, stacklevel=2)
        return
    from ._allocators import JemallocBackend
    from ._debug_pool import GuardedBackend

    backend = backend.inner if isinstance(backend, GuardedBackend) else backend
    assert isinstance(backend, JemallocBackend)
    backend.set_decay_ms(int(decay_ms))
