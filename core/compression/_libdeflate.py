"""gzip members decoded by libdeflate straight into memory the caller owns, through ctypes.

A BGZF block is a whole gzip member of at most 64 KiB whose decoded size its trailer states:
libdeflate's one-shot ``libdeflate_gzip_decompress_ex`` inflates it into the caller's buffer and
checks its CRC32 and length, with no stream object, no intermediate ``bytes`` and no copy (ISA-L's
Python binding hands out a new object per member that must then be copied in). ctypes releases
the GIL for the call, so threads decode members side by side. htslib's ``bgzip`` decodes this way.

The library is found by its soname (Debian: ``libdeflate0``, which ``tabix`` installs); without it
:func:`decoder` is None and callers use ISA-L or zlib. ``ARROWIO_NO_LIBDEFLATE=1`` hides it too,
as the tests do to run every case on both paths.
"""

from __future__ import annotations

import ctypes
import weakref
from functools import cache

from ._clib import PerThread, load_library

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["decoder", "MemberDecoder", "SUCCESS"]

SUCCESS = 0  # LIBDEFLATE_SUCCESS; BAD_DATA 1, SHORT_OUTPUT 2, INSUFFICIENT_SPACE 3
INSUFFICIENT_SPACE = 3
_SONAMES = ("libdeflate.so.0", "libdeflate.so")


@cache
def _library() -> Any:
    """The loaded libdeflate with its prototypes declared, or None where it is absent."""
    lib = load_library(_SONAMES, "deflate")
    if lib is None:
        return None
    size_p = ctypes.POINTER(ctypes.c_size_t)
    lib.libdeflate_alloc_decompressor.argtypes = []
    lib.libdeflate_alloc_decompressor.restype = ctypes.c_void_p
    lib.libdeflate_free_decompressor.argtypes = [ctypes.c_void_p]
    lib.libdeflate_free_decompressor.restype = None
    lib.libdeflate_gzip_decompress_ex.argtypes = [
        ctypes.c_void_p,  # decompressor
        ctypes.c_void_p,  # in
        ctypes.c_size_t,  # in_nbytes
        ctypes.c_void_p,  # out
        ctypes.c_size_t,  # out_nbytes_avail
        size_p,  # actual_in_nbytes_ret
        size_p,  # actual_out_nbytes_ret
    ]
    lib.libdeflate_gzip_decompress_ex.restype = ctypes.c_int
    return lib


class MemberDecoder:
    """One thread's libdeflate decompressor (freed when the thread's last reference goes)."""

    __slots__ = ("_handle", "_call", "_in_used", "_out_used", "_in_ref", "_out_ref", "__weakref__")

    def __init__(self, lib: Any) -> None:
        handle = lib.libdeflate_alloc_decompressor()
        if not handle:
            raise MemoryError("libdeflate_alloc_decompressor failed")
        self._handle = handle
        self._call = lib.libdeflate_gzip_decompress_ex
        self._in_used, self._out_used = ctypes.c_size_t(), ctypes.c_size_t()
        self._in_ref, self._out_ref = ctypes.byref(self._in_used), ctypes.byref(self._out_used)
        weakref.finalize(self, lib.libdeflate_free_decompressor, handle)

    def member(self, src: int, src_len: int, out: int, room: int) -> tuple[int, int, int]:
        """Decode the gzip member at address ``src`` (``src_len`` bytes, possibly followed by
        more) into at most ``room`` bytes at address ``out``: the status, the compressed bytes
        it took (its trailer included) and the bytes it wrote. Only SUCCESS means a whole,
        checked member."""
        status = self._call(self._handle, src, src_len, out, room, self._in_ref, self._out_ref)
        return status, self._in_used.value, self._out_used.value


_DECODERS = PerThread("ARROWIO_NO_LIBDEFLATE", _library, MemberDecoder)


def decoder() -> MemberDecoder | None:
    """This thread's libdeflate decoder, or None where libdeflate is absent or hidden."""
    return _DECODERS.get()
