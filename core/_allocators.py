"""Allocator backends: libc, jemalloc and mimalloc reached through ctypes.

Each backend hands out 64-byte aligned raw memory and knows how to give unused memory back
to the operating system. Backends raise :class:`ArrowMemoryError` when a request cannot be
satisfied and :class:`ArrowNotImplementedError` when their library cannot be loaded.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys

from .errors import ArrowMemoryError, ArrowNotImplementedError
from .settings import ALIGNMENT, BACKEND_NAMES, JEMALLOC_TLS_TUNABLE

__all__ = ["ALIGNMENT", "Backend", "load_backend", "BACKEND_NAMES", "JEMALLOC_TLS_TUNABLE"]

#: Largest request handed to a backend; beyond it no allocator can succeed and size_t would wrap.
_MAX_SIZE = (1 << 63) - ALIGNMENT
#: Address space reserved for mimalloc's arena when the backend loads (see MimallocBackend).
_MIMALLOC_ARENA = "1GiB"

_size_t = ctypes.c_size_t
_ptr = ctypes.c_size_t  # pointers travel as plain ints: cheaper than c_void_p, never None


class Backend:
    """One allocator library: aligned allocate, reallocate, free, and release of unused memory."""

    name: str

    def allocate(self, size: int) -> int:
        raise NotImplementedError

    def reallocate(self, address: int, old_size: int, new_size: int) -> int:
        raise NotImplementedError

    def free(self, address: int, size: int) -> None:
        raise NotImplementedError

    def release_unused(self) -> None:
        raise NotImplementedError

    def print_native_stats(self) -> None:
        """Let the library print its own statistics to file descriptor 2."""

    @staticmethod
    def _failed(kind: str, size: int) -> ArrowMemoryError:
        return ArrowMemoryError(f"{kind} of size {size} failed: out of memory")


def _fn(lib: ctypes.CDLL, name: str, restype, *argtypes):
    function = getattr(lib, name)
    function.restype = restype
    function.argtypes = list(argtypes)
    return function


class SystemBackend(Backend):
    """glibc: ``posix_memalign``, ``free``, ``malloc_trim``; resizing allocates, copies and frees."""

    name = "system"

    def __init__(self) -> None:
        libc = ctypes.CDLL(_libc_name(), use_errno=True)
        self._memalign = _fn(libc, "posix_memalign", ctypes.c_int, ctypes.c_void_p, _size_t, _size_t)
        self._free = _fn(libc, "free", None, _ptr)
        self._trim = _fn(libc, "malloc_trim", ctypes.c_int, _size_t)
        self._stats = _fn(libc, "malloc_stats", None)

    def allocate(self, size: int) -> int:
        out = ctypes.c_size_t()  # one per call: ctypes drops the GIL, threads allocate at once
        if size > _MAX_SIZE or self._memalign(ctypes.byref(out), ALIGNMENT, size) != 0:
            raise self._failed("malloc", size)
        return out.value

    def reallocate(self, address: int, old_size: int, new_size: int) -> int:
        # glibc has no aligned realloc, and realloc only promises malloc's 16-byte alignment (for
        # large blocks it never gives 64), after which it has already freed the old block: so a
        # new aligned block, a copy, and the old one freed only once the new one exists. Failure
        # leaves the old block as it was.
        aligned = self.allocate(new_size)
        ctypes.memmove(aligned, address, min(old_size, new_size))
        self._free(address)
        return aligned

    def free(self, address: int, size: int) -> None:
        self._free(address)

    def release_unused(self) -> None:
        self._trim(0)

    def print_native_stats(self) -> None:
        self._stats()


class _AlignedApiBackend(Backend):
    """A library with its own aligned allocate/reallocate calls: the checks are shared here."""

    def _malloc(self, size: int) -> int:
        raise NotImplementedError

    def _realloc(self, address: int, size: int) -> int:
        raise NotImplementedError

    def allocate(self, size: int) -> int:
        address = self._malloc(size) if size <= _MAX_SIZE else 0
        if not address:
            raise self._failed("malloc", size)
        return address

    def reallocate(self, address: int, old_size: int, new_size: int) -> int:
        moved = self._realloc(address, new_size) if new_size <= _MAX_SIZE else 0
        if not moved:
            raise self._failed("realloc", new_size)
        return moved


class JemallocBackend(_AlignedApiBackend):
    """jemalloc's non-standard API: ``mallocx``/``rallocx``/``dallocx`` with MALLOCX_ALIGN(64)."""

    name = "jemalloc"
    _ALIGN_FLAG = ALIGNMENT.bit_length() - 1  # MALLOCX_ALIGN(a) is log2(a) for powers of two
    _ARENAS_ALL = 4096  # MALLCTL_ARENAS_ALL

    def __init__(self) -> None:
        lib = _load_library("jemalloc", "libjemalloc.so.2", "`apt-get install libjemalloc2`")
        self._mallocx = _fn(lib, "mallocx", _ptr, _size_t, ctypes.c_int)
        self._rallocx = _fn(lib, "rallocx", _ptr, _ptr, _size_t, ctypes.c_int)
        self._dallocx = _fn(lib, "dallocx", None, _ptr, ctypes.c_int)
        self._mallctl = _fn(
            lib, "mallctl", ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, _size_t
        )
        self._stats = _fn(lib, "malloc_stats_print", None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p)

    def _malloc(self, size: int) -> int:
        return self._mallocx(size, self._ALIGN_FLAG)

    def _realloc(self, address: int, size: int) -> int:
        return self._rallocx(address, size, self._ALIGN_FLAG)

    def free(self, address: int, size: int) -> None:
        self._dallocx(address, self._ALIGN_FLAG)

    def release_unused(self) -> None:
        self._mallctl(f"arena.{self._ARENAS_ALL}.purge".encode(), None, None, None, 0)

    def set_decay_ms(self, ms: int) -> None:
        value = ctypes.c_ssize_t(ms)
        for key in (b"arenas.dirty_decay_ms", b"arenas.muzzy_decay_ms"):
            rc = self._mallctl(key, None, None, ctypes.byref(value), ctypes.sizeof(value))
            if rc:
                raise ArrowMemoryError(f"jemalloc mallctl({key.decode()}) failed: {os.strerror(rc)}")

    def print_native_stats(self) -> None:
        self._stats(None, None, None)


class MimallocBackend(_AlignedApiBackend):
    """mimalloc: ``mi_malloc_aligned``/``mi_realloc_aligned``/``mi_free``, ``mi_collect`` to release."""

    name = "mimalloc"

    def __init__(self) -> None:
        # Without an arena, mimalloc maps every huge block (about 8 MiB and up) afresh and unmaps
        # it on free, so a loop over large buffers pays a page fault per 4 KiB each time (2 GB/s
        # instead of 30+ for 16 MiB blocks here). Its start-up option reserves one (address space
        # only, no RSS); mi_reserve_os_memory() called later does not get the same reuse. The
        # variable is set just for the load and restored, so child processes do not inherit it.
        with _Environment(MIMALLOC_RESERVE_OS_MEMORY=_MIMALLOC_ARENA):
            lib = _load_mimalloc()
        self._malloc_aligned = _fn(lib, "mi_malloc_aligned", _ptr, _size_t, _size_t)
        self._realloc_aligned = _fn(lib, "mi_realloc_aligned", _ptr, _ptr, _size_t, _size_t)
        self._free = _fn(lib, "mi_free", None, _ptr)
        self._collect = _fn(lib, "mi_collect", None, ctypes.c_bool)
        self._stats = _fn(lib, "mi_stats_print", None, ctypes.c_void_p)

    def _malloc(self, size: int) -> int:
        return self._malloc_aligned(size, ALIGNMENT)

    def _realloc(self, address: int, size: int) -> int:
        return self._realloc_aligned(address, size, ALIGNMENT)

    def free(self, address: int, size: int) -> None:
        self._free(address)

    def release_unused(self) -> None:
        self._collect(True)

    def print_native_stats(self) -> None:
        self._stats(None)


def _libc_name() -> str:
    try:
        ctypes.CDLL("libc.so.6")  # glibc: the common case, without find_library's cost
        return "libc.so.6"
    except OSError:
        from ctypes.util import find_library

        return find_library("c") or "libc.so.6"


class _Environment:
    """Set environment variables (unless the user set them) for the duration of the block.

    A class, not a ``contextlib.contextmanager``: this module is imported at every start, and
    contextlib would be imported with it for the one backend that uses this."""

    def __init__(self, **values: str) -> None:
        self._values = values
        self._added: list[str] = []

    def __enter__(self) -> None:
        self._added = [key for key in self._values if key not in os.environ]
        os.environ.update({key: self._values[key] for key in self._added})

    def __exit__(self, *exc_info: object) -> None:
        for key in self._added:
            os.environ.pop(key, None)


def _load_library(name: str, soname: str, install: str) -> ctypes.CDLL:
    try:
        return ctypes.CDLL(soname)
    except OSError as exc:
        reason = str(exc)
    if "static TLS" in reason:
        raise ArrowNotImplementedError(
            f"{name} backend unavailable: {soname} cannot be loaded into a running process "
            f"(cannot allocate memory in static TLS block); start the process with "
            f"GLIBC_TUNABLES={JEMALLOC_TLS_TUNABLE} or with LD_PRELOAD={soname}"
        )
    raise ArrowNotImplementedError(
        f"{name} backend unavailable: {soname} not found ({reason}); install it with {install}"
    )


def _wheel_mimalloc() -> str | None:
    """Path of the libmimalloc that the cmeel-mimalloc wheel (a dependency) installed, or None.

    cmeel wheels put C libraries under ``<site-packages>/cmeel.prefix/lib``; the versioned
    name (``libmimalloc.so.3``) is the one the wheel's own files link against. Looked up on
    ``sys.path`` rather than through importlib.metadata, whose import and RECORD parsing
    cost about 40 ms of every command's start-up.
    """
    for entry in sys.path:
        lib = os.path.join(entry or os.curdir, "cmeel.prefix", "lib")
        try:
            names = sorted(os.listdir(lib))
        except OSError:
            continue
        for name in names:
            if re.fullmatch(r"libmimalloc\.so\.\d+", name):
                return os.path.join(lib, name)
    return None


def _load_mimalloc() -> ctypes.CDLL:
    """mimalloc from the cmeel-mimalloc wheel first (any machine with a plain pip install has
    it), else the system's libmimalloc.so.2 (Debian: libmimalloc2.0)."""
    path = _wheel_mimalloc()
    if path is not None:
        try:
            return ctypes.CDLL(path)
        except OSError:
            pass  # a broken wheel install: the system library may still serve
    return _load_library(
        "mimalloc", "libmimalloc.so.2", "`pip install cmeel-mimalloc` or `apt-get install libmimalloc2.0`"
    )


_BACKEND_TYPES = {"system": SystemBackend, "jemalloc": JemallocBackend, "mimalloc": MimallocBackend}


def load_backend(name: str) -> Backend:
    """Load the named backend; ArrowNotImplementedError says what is missing when it cannot."""
    try:
        backend_type = _BACKEND_TYPES[name]
    except KeyError:
        raise ValueError(f"unknown memory pool backend {name!r}; valid: {', '.join(BACKEND_NAMES)}") from None
    return backend_type()
