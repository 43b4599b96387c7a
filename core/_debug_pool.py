"""The debug memory pool: guard bytes after every allocation, checked when it is freed or resized.

Arrow's ``ARROW_DEBUG_MEMORY_POOL`` catches writes past the end of a buffer this way; arrowio reads
``ARROWIO_DEBUG_MEMORY_POOL`` first, then Arrow's variable, when a backend pool is made. The mode
says what happens when a guard was overwritten: ``abort`` raises SIGABRT, ``trap`` SIGTRAP, ``warn``
only reports, ``none`` (the default) adds no guards. The report goes to stderr and contains
"Wrong size on deallocation" (or "reallocation") as Arrow's does, the allocation's size and address
and, while :mod:`tracemalloc` is tracing (``python -X tracemalloc``), where it was allocated.
"""

from __future__ import annotations

import _thread  # threading.RLock itself, without importing threading: start-up time
import ctypes
import os
import sys
from types import FrameType

from ._allocators import ALIGNMENT, Backend

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    import traceback

__all__ = [
    "MODES",
    "ENV_NAMES",
    "GUARD_SIZE",
    "GuardedBackend",
    "mode_from_environment",
    "check_mode",
    "guarded",
    "caller_stack",
]

MODES = ("abort", "trap", "warn", "none")
#: Read in this order; the first one set (non-empty) decides.
ENV_NAMES = ("ARROWIO_DEBUG_MEMORY_POOL", "ARROW_DEBUG_MEMORY_POOL")
#: One alignment unit, so the allocation itself keeps its alignment and a write up to 64 bytes past
#: its end lands in the guard.
GUARD_SIZE = ALIGNMENT
_MAGIC = 0xA110CA7ED0C0FFEE
_FILL = bytes(range(0xC0, 0xC0 + GUARD_SIZE - 8))
#: A ctypes view of a guard in place: reading .raw costs a third of ctypes.string_at.
_GuardView = ctypes.c_char * GUARD_SIZE
_guards: dict[int, bytes] = {}  # per size, made once: most programs use few sizes
_MAX_CACHED_GUARDS = 4096


def _guard(size: int) -> bytes:
    """The guard for an allocation of ``size`` bytes: its size mixed with a constant, then a fill."""
    guard = _guards.get(size)
    if guard is None:
        guard = ((size ^ _MAGIC) & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little") + _FILL
        if len(_guards) < _MAX_CACHED_GUARDS:
            _guards[size] = guard
    return guard


def mode_from_environment() -> str:
    """The debug mode the environment asks for; an invalid value is reported and means ``none``."""
    for name in ENV_NAMES:
        raw = os.environ.get(name, "")
        if not raw:
            continue
        value = raw.strip().lower()
        if value in MODES:
            return value
        valid = ", ".join(f"'{mode}'" for mode in MODES)
        print(f"Invalid value for {name}: '{raw}'. Valid values are {valid}.", file=sys.stderr, flush=True)
        return "none"
    return "none"


def check_mode(mode: str) -> str:
    """``mode`` lower-cased, or ValueError naming the valid modes."""
    value = mode.strip().lower()
    if value not in MODES:
        raise ValueError(f"invalid debug memory pool mode {mode!r}; valid: {', '.join(MODES)}")
    return value


class GuardedBackend(Backend):
    """Another backend's memory with :data:`GUARD_SIZE` guard bytes after each allocation."""

    def __init__(self, inner: Backend, mode: str) -> None:
        self.inner = inner
        self.name = inner.name
        self.mode = check_mode(mode)
        self._traces: dict[int, traceback.StackSummary] = {}
        self._traces_lock = _thread.RLock()  # reentrant: a finalizer may free while it is held
        # Imported here, not with the module: every pool creation imports this module to read
        # the environment, and tracemalloc, traceback and signal cost ~5 ms of each command's start-up.
        import tracemalloc

        self._tracing = tracemalloc.is_tracing
        self._traceback_limit = tracemalloc.get_traceback_limit

    def allocate(self, size: int) -> int:
        address = self.inner.allocate(size + GUARD_SIZE)
        _GuardView.from_address(address + size).raw = _guard(size)
        if self._tracing():
            self._remember(address)
        return address

    def reallocate(self, address: int, old_size: int, new_size: int) -> int:
        self.check(address, old_size, "reallocation")
        moved = self.inner.reallocate(address, old_size + GUARD_SIZE, new_size + GUARD_SIZE)
        _GuardView.from_address(moved + new_size).raw = _guard(new_size)
        if self._traces:
            with self._traces_lock:
                self._traces.pop(address, None)
        if self._tracing():
            self._remember(moved)
        return moved

    def free(self, address: int, size: int) -> None:
        self.check(address, size, "deallocation")
        if self._traces:
            with self._traces_lock:
                self._traces.pop(address, None)
        self.inner.free(address, size + GUARD_SIZE)

    def release_unused(self) -> None:
        self.inner.release_unused()

    def print_native_stats(self) -> None:
        self.inner.print_native_stats()

    def check(self, address: int, size: int, context: str) -> None:
        """Report (and abort, trap or warn) when the guard after ``address`` is not intact."""
        found = _GuardView.from_address(address + size).raw
        if found != _guard(size):
            self._overwritten(address, size, found, context)

    def _remember(self, address: int) -> None:
        stack = caller_stack(self._traceback_limit())
        with self._traces_lock:
            self._traces[address] = stack

    def _overwritten(self, address: int, size: int, found: bytes, context: str) -> None:
        stored = int.from_bytes(found[:8], "little") ^ _MAGIC
        first = next(i for i, (a, b) in enumerate(zip(found, _guard(size), strict=False)) if a != b)
        lines = [
            f"arrowio debug memory pool: Wrong size on {context}: given size = {size}, actual size = {stored}",
            f"  the {size}-byte allocation at {address:#x} was written past its end "
            f"(guard byte +{first} changed; backend {self.name})",
        ]
        stack = self._traces.get(address)
        if stack is not None:
            lines.append("  allocated at (most recent call last):")
            lines.extend(line.rstrip("\n") for line in stack.format())
        elif not self._tracing():
            lines.append("  (run with python -X tracemalloc to see where it was allocated)")
        print("\n".join(lines), file=sys.stderr, flush=True)
        import signal

        if self.mode == "abort":
            signal.raise_signal(signal.SIGABRT)
        elif self.mode == "trap":
            signal.raise_signal(signal.SIGTRAP)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def caller_stack(depth: int) -> traceback.StackSummary:
    """The ``depth`` innermost frames that called into arrowio's pools: where an allocation was asked for.

    Source lines are read only when the stack is formatted, so recording one is cheap.
    """
    import traceback

    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    entries: list[tuple[FrameType, int]] = []
    while frame is not None and len(entries) < max(1, depth):
        entries.append((frame, frame.f_lineno))
        frame = frame.f_back
    return traceback.StackSummary.extract(reversed(entries), lookup_lines=False)


def guarded(backend: Backend, mode: str | None = None) -> Backend:
    """``backend`` with guards when ``mode`` (default: from the environment) is not ``none``."""
    mode = mode_from_environment() if mode is None else check_mode(mode)
    return backend if mode == "none" else GuardedBackend(backend, mode)
