"""Memory diagnostics for tests and CI gates: debug pools, allocation traces, PyArrow's counters, samples.

The pieces ``arrowio pool-stats`` and the pytest plugin (:mod:`arrowio.pytest_plugin`) are made of:

- :func:`debug_memory_pool`: a fresh pool whose allocations carry guard bytes (see ``ARROWIO_DEBUG_MEMORY_POOL``);
- :class:`TracingMemoryPool`: a proxy pool that remembers where each live allocation was made;
- :func:`pyarrow_pool_counters`: PyArrow's default pool counters, where the process imported PyArrow;
- :class:`MemorySampler`: a thread that samples a pool's bytes, its peak and the process RSS.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field

from . import _debug_pool
from .memory import MemoryPool, ProxyMemoryPool, default_memory_pool

__all__ = [
    "DEBUG_POOL_MODES",
    "debug_memory_pool",
    "TracingMemoryPool",
    "LiveAllocation",
    "PyArrowPoolCounters",
    "pyarrow_pool_counters",
    "MemorySampler",
    "Sample",
    "current_rss",
]

DEBUG_POOL_MODES = _debug_pool.MODES


def debug_memory_pool(mode: str, backend: str | None = None) -> MemoryPool:
    """A new pool over ``backend`` (default: the default pool's) whose allocations carry guard bytes.

    ``mode`` is what an overwritten guard does: ``abort``, ``trap``, ``warn`` (``none`` gives a
    plain pool of its own). Only memory allocated from this pool is checked.
    """
    from . import memory

    name = backend or default_memory_pool().backend_name
    inner = memory._backend_pool(name)._backend
    if isinstance(inner, _debug_pool.GuardedBackend):
        inner = inner.inner
    return memory._BackendMemoryPool(_debug_pool.guarded(inner, mode))


@dataclass(frozen=True)
class LiveAllocation:
    """One allocation still alive: its size (a capacity) and, where traced, the stack that made it."""

    size: int
    traceback: tuple[str, ...]  # "file:line in function", outermost first


class TracingMemoryPool(ProxyMemoryPool):
    """A proxy pool that keeps, for each live allocation, its size and the stack that made it."""

    def __init__(self, parent: MemoryPool, depth: int = 10) -> None:
        super().__init__(parent)
        self._depth = depth
        self._live: dict[int, tuple[int, traceback.StackSummary]] = {}

    def _allocate(self, capacity: int) -> int:
        address = super()._allocate(capacity)
        stack = _debug_pool.caller_stack(self._depth)
        with self._lock:
            self._live[address] = (capacity, stack)
        return address

    def _reallocate(self, address: int, old_capacity: int, new_capacity: int) -> int:
        moved = super()._reallocate(address, old_capacity, new_capacity)
        with self._lock:
            _, stack = self._live.pop(address, (old_capacity, traceback.StackSummary()))
            self._live[moved] = (new_capacity, stack)
        return moved

    def _free(self, address: int, capacity: int) -> None:
        super()._free(address, capacity)
        with self._lock:
            self._live.pop(address, None)

    def live_allocations(self, largest: int | None = None) -> list[LiveAllocation]:
        """The allocations still alive, largest first (at most ``largest`` of them)."""
        with self._lock:
            entries = sorted(self._live.values(), key=lambda entry: entry[0], reverse=True)
        entries = entries[:largest] if largest is not None else entries
        return [
            LiveAllocation(size, tuple(f"{f.filename}:{f.lineno} in {f.name}" for f in stack))
            for size, stack in entries
        ]


@dataclass(frozen=True)
class PyArrowPoolCounters:
    """PyArrow's default pool: bytes allocated now, its peak (over the whole process), its backend."""

    backend_name: str
    bytes_allocated: int
    max_memory: int

    def to_dict(self) -> dict[str, int | str]:
        return asdict(self)


def pyarrow_pool_counters() -> PyArrowPoolCounters | None:
    """PyArrow's default pool counters, or None where this process has not imported PyArrow.

    Never imports PyArrow itself. PyArrow cannot reset its pool's peak, so ``max_memory`` is the
    peak since the process started, not since any workload did.
    """
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is None or not hasattr(pyarrow, "default_memory_pool"):
        return None
    pool = pyarrow.default_memory_pool()
    return PyArrowPoolCounters(pool.backend_name, pool.bytes_allocated(), pool.max_memory())


def current_rss() -> int:
    """The process's resident memory now, from ``/proc/self/statm`` (cheap enough to sample often)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class Sample:
    """One sample: seconds since the start, the pool's bytes and peak, the process RSS, PyArrow's pool bytes."""

    seconds: float
    pool_bytes: int
    pool_peak: int
    rss_bytes: int
    pyarrow_bytes: int | None  # None while the process has not imported PyArrow


@dataclass
class MemorySampler:
    """Samples ``pool`` and the process RSS every ``interval`` seconds in a thread, between start and stop.

    The thread needs the GIL to take a sample, so a workload that holds it in one long C call
    leaves a gap in the samples; the last sample is taken by :meth:`stop` itself.
    """

    pool: MemoryPool
    interval: float = 0.005
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = 0.0

    def _sample(self) -> None:
        pool = self.pool
        pyarrow_total = getattr(sys.modules.get("pyarrow"), "total_allocated_bytes", None)
        pyarrow_bytes = pyarrow_total() if pyarrow_total is not None else None
        self.samples.append(
            Sample(
                time.perf_counter() - self._start,
                pool.bytes_allocated(),
                pool.max_memory(),
                current_rss(),
                pyarrow_bytes,
            )  # fmt: skip
        )

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> None:
        self._start = time.perf_counter()
        self._sample()
        self._thread = threading.Thread(target=self._run, name="arrowio-memory-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> list[Sample]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        return self.samples
