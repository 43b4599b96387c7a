"""Allocator settings for this process's streaming loops.

Most decoders hand out each decoded piece (about 1 MiB) as a new ``bytes`` object (zstd fills
reused buffers instead once ``cat`` reads a stream, but still reads its input into new ones), and
the threaded encoders take a copy of each chunk (4 MiB) they are given. With glibc's defaults the
larger pieces are mapped and unmapped one by one, and freeing the smaller ones trims the top
of the heap, so every piece faults its pages in again: about 90 page faults per MiB, some 10%
of the time of ``arrowio cat big.gz`` and 5% of ``arrowio compress``. Serving pieces up to
32 MiB from the heap and keeping 16 MiB of padding at its top lets the loops reuse warm pages;
the peak resident memory stays that of the pieces in flight.

The command line owns its process, so it tunes the allocator; the library never does.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["keep_heap_for_streaming"]

_M_TOP_PAD = -2  # mallopt parameter numbers in glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3
TOP_PAD_BYTES = 16 << 20
MMAP_THRESHOLD_BYTES = 32 << 20  # glibc's largest allowed value on 64-bit systems

_done = False


def keep_heap_for_streaming() -> None:
    """Ask glibc's malloc to serve blocks below :data:`MMAP_THRESHOLD_BYTES` from the heap and
    to keep :data:`TOP_PAD_BYTES` of it when it grows or trims.

    Once per process; a no-op where the C library has no ``mallopt`` (or ignores it, as musl does).
    """
    global _done
    if _done:
        return
    _done = True
    mallopt = _c_function("mallopt")
    if mallopt is None:
        return
    mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    mallopt(_M_TOP_PAD, TOP_PAD_BYTES)


def _c_function(name: str) -> Any:
    """The C library's ``int name(int, int)``, callable; None where the process has no such symbol.

    Through ``_ctypes``, the C half of ctypes: the package's Python half (its types, ``struct``,
    ``ctypes._endian``) would make the tuning 1.9 ms instead of 0.7, before the first decoded
    byte of ``cat big.zst``, for two calls of one function.
    """
    try:
        import _ctypes

        address = _ctypes.dlsym(_ctypes.dlopen(None), name)  # type: ignore[arg-type]  # None: this process, as CDLL(None)
    except (ImportError, OSError, AttributeError):  # no ctypes in this build, or no such symbol
        return None

    class CInt(_ctypes._SimpleCData):  # ctypes.c_int
        _type_ = "i"

    class Function(_ctypes.CFuncPtr):  # a ctypes.CFUNCTYPE(c_int, c_int, c_int) prototype
        _flags_ = _ctypes.FUNCFLAG_CDECL
        _restype_ = CInt
        _argtypes_ = (CInt, CInt)

    return Function(address)
