"""Measurements of a piece of work: pool counters, process memory, page faults, wall time.

The library counts, callers render: every result is a plain dataclass whose ``to_dict()`` keys
are stable. :func:`measure` runs a block with the default pool swapped for a proxy (so only the
block's allocations are counted) and records what the block cost::

    with arrowio.stats.measure() as m:
        work()
    m.result.max_memory, m.result.peak_rss_bytes, m.result.minor_faults
"""

from __future__ import annotations

import gc
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from .memory import MemoryPool, default_memory_pool, proxy_memory_pool, set_memory_pool

__all__ = ["ProcessMemory", "Measurement", "Measuring", "StreamStats", "measure", "process_memory", "reset_peak_rss"]


@dataclass(frozen=True)
class ProcessMemory:
    """The process's resident memory now and at its peak, and its page faults so far."""

    rss_bytes: int
    peak_rss_bytes: int
    minor_faults: int
    major_faults: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def process_memory() -> ProcessMemory:
    """A snapshot from ``/proc/self/status`` (VmRSS, VmHWM) and ``getrusage``."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss = peak = 0
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith(b"VmHWM:"):
                    peak = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    # ru_maxrss is in KiB on Linux; it never resets, so it is only the fallback for VmHWM.
    return ProcessMemory(rss, peak or usage.ru_maxrss * 1024, usage.ru_minflt, usage.ru_majflt)


def reset_peak_rss() -> bool:
    """Restart the peak-RSS high-water mark at the current RSS (Linux >= 4.0); False where impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # "5": reset the peak RSS, see proc(5)
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Measurement:
    """What a measured block cost.

    Pool fields count only the block's allocations (through a proxy pool): ``bytes_allocated``
    is what was still allocated when the block ended after a garbage collection (a leak),
    ``max_memory`` the peak. ``peak_rss_bytes`` covers the block when ``peak_rss_scope`` is
    ``"block"``, and the whole process life when the kernel cannot reset it (``"process"``).
    """

    backend: str
    seconds: float
    bytes_allocated: int
    max_memory: int
    total_bytes_allocated: int
    num_allocations: int
    rss_bytes: int
    peak_rss_bytes: int
    peak_rss_scope: str
    minor_faults: int
    major_faults: int

    def to_dict(self) -> dict[str, int | float | str]:
        return asdict(self)


@dataclass
class StreamStats:
    """One stream's traffic: ``bytes_in`` read from the source (None where unknown), ``bytes_out``
    decoded or written, ``format`` the compression (``"plain"`` when none), ``error`` a failure."""

    source: str
    format: str = "plain"
    bytes_in: int | None = None
    bytes_out: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        """bytes_out / bytes_in: how many times larger the decoded data is."""
        return self.bytes_out / self.bytes_in if self.bytes_in else None

    @property
    def bytes_per_second(self) -> float | None:
        """Decoded (or written) bytes per second."""
        return self.bytes_out / self.seconds if self.seconds > 0 else None

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "ratio": self.ratio, "bytes_per_second": self.bytes_per_second}


class Measuring:
    """The handle :func:`measure` yields: ``pool`` during the block, ``result`` after it."""

    def __init__(self, pool: MemoryPool) -> None:
        self.pool = pool
        self.result: Measurement | None = None


@contextmanager
def measure(pool: MemoryPool | None = None) -> Iterator[Measuring]:
    """Run the block with a proxy over ``pool`` (default: the default pool) as the default pool.

    The previous default pool comes back when the block ends, also on an exception; the
    measurement is taken either way.
    """
    parent = default_memory_pool() if pool is None else pool
    proxy = proxy_memory_pool(parent)
    handle = Measuring(proxy)
    previous = default_memory_pool()
    scope = "block" if reset_peak_rss() else "process"
    before = process_memory()
    start = time.perf_counter()
    set_memory_pool(proxy)
    try:
        yield handle
    finally:
        seconds = time.perf_counter() - start
        set_memory_pool(previous)
        gc.collect()  # what only a cycle still holds is not a leak
        after = process_memory()
        counters = proxy.stats()
        handle.result = Measurement(
            backend=parent.backend_name,
            seconds=seconds,
            bytes_allocated=counters.bytes_allocated,
            max_memory=counters.max_memory,
            total_bytes_allocated=counters.total_bytes_allocated,
            num_allocations=counters.num_allocations,
            rss_bytes=after.rss_bytes,
            peak_rss_bytes=after.peak_rss_bytes,
            peak_rss_scope=scope,
            minor_faults=after.minor_faults - before.minor_faults,
            major_faults=after.major_faults - before.major_faults,
        )
