"""The two thread budgets, named as PyArrow names them.

* ``cpu_count()``: threads for CPU work. It sizes threaded compression when one thread per
  core is asked for (``threads=-1``: ``arrowio compress -T0``, ``CompressedOutputStream(...,
  threads=-1)``) and caps the threads of FixedSizeBufferWriter's parallel memcopy.
  Default: the cores this process may run on, or ``OMP_NUM_THREADS`` / ``OMP_THREAD_LIMIT``
  when set, as in Arrow.
* ``io_thread_count()``: threads for I/O waits, the shared pool that reads remote files ahead.
  Default 8, or ``ARROW_IO_THREADS``, as in Arrow.

A new count applies to work started afterwards.
"""

from __future__ import annotations

import operator
import os
import threading

__all__ = ["cpu_count", "set_cpu_count", "io_thread_count", "set_io_thread_count"]

_DEFAULT_IO_THREADS = 8  # Arrow's kDefaultIOThreads
_lock = threading.Lock()
_cpu: int | None = None
_io: int | None = None


def _env_count(*names: str) -> int | None:
    """The first of the environment variables ``names`` that holds a positive integer."""
    for name in names:
        try:
            value = int(os.environ.get(name, ""))
        except ValueError:
            continue
        if value > 0:
            return value
    return None


def _checked(count: object, what: str) -> int:
    count = operator.index(count)  # type: ignore[arg-type]
    if count <= 0:
        raise ValueError(f"{what} count must be strictly positive")
    return count


def cpu_count() -> int:
    """Threads arrowio uses for CPU work (see the module docstring)."""
    global _cpu
    if _cpu is None:
        with _lock:
            if _cpu is None:
                env = _env_count("OMP_NUM_THREADS")
                limit = _env_count("OMP_THREAD_LIMIT")
                cores = env or len(os.sched_getaffinity(0)) or os.cpu_count() or 1
                _cpu = min(cores, limit) if limit else cores
    return _cpu


def set_cpu_count(count: int) -> None:
    """Use ``count`` (> 0) threads for CPU work."""
    global _cpu
    _cpu = _checked(count, "CPU")


def io_thread_count() -> int:
    """Threads arrowio uses for I/O (see the module docstring)."""
    global _io
    if _io is None:
        with _lock:
            if _io is None:
                _io = _env_count("ARROW_IO_THREADS") or _DEFAULT_IO_THREADS
    return _io


def set_io_thread_count(count: int) -> None:
    """Use ``count`` (> 0) threads for I/O."""
    global _io
    _io = _checked(count, "IO thread")
