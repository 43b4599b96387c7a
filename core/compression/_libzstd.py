"""zstd frames decoded by libzstd in one call straight into memory the caller owns, through ctypes.

``zstandard``'s stream reader decodes a frame that does not declare its content size (``pzstd``
writes none) into libzstd's window buffer and copies it out: a tenth of the CPU of decoding a
pzstd file. libzstd's single-pass ``ZSTD_decompressDCtx`` decodes a whole run of frames into the
caller's buffer, checksums verified, skippable frames skipped, with no window buffer at all; ctypes
releases the GIL for the call. ``ZSTD_findFrameCompressedSize`` finds each frame's end in C.

The system library is used (Debian: ``libzstd1``); without it :func:`decoder` is None and the
caller uses ``zstandard``. ``ARROWIO_NO_LIBZSTD=1`` hides it too, as the tests do to run every case
on both paths.
"""

from __future__ import annotations

import ctypes
import weakref
from functools import cache

from ._clib import PerThread, load_library

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["decoder", "FrameDecoder", "DST_TOO_SMALL"]

DST_TOO_SMALL = 70  # ZSTD_error_dstSize_tooSmall
_SONAMES = ("libzstd.so.1", "libzstd.so")


@cache
def _library() -> Any:
    """The loaded libzstd with its prototypes declared, or None where it is absent."""
    lib = load_library(_SONAMES, "zstd")
    if lib is None:
        return None
    size_t, void_p = ctypes.c_size_t, ctypes.c_void_p
    lib.ZSTD_createDCtx.argtypes = []
    lib.ZSTD_createDCtx.restype = void_p
    lib.ZSTD_freeDCtx.argtypes = [void_p]
    lib.ZSTD_freeDCtx.restype = size_t
    lib.ZSTD_decompressDCtx.argtypes = [void_p, void_p, size_t, void_p, size_t]
    lib.ZSTD_decompressDCtx.restype = size_t
    lib.ZSTD_findFrameCompressedSize.argtypes = [void_p, size_t]
    lib.ZSTD_findFrameCompressedSize.restype = size_t
    lib.ZSTD_isError.argtypes = [size_t]
    lib.ZSTD_isError.restype = ctypes.c_uint
    lib.ZSTD_getErrorCode.argtypes = [size_t]
    lib.ZSTD_getErrorCode.restype = ctypes.c_int
    lib.ZSTD_getErrorName.argtypes = [size_t]
    lib.ZSTD_getErrorName.restype = ctypes.c_char_p
    return lib


class FrameDecoder:
    """One thread's libzstd decompression context (freed when the thread's last reference goes)."""

    __slots__ = ("_lib", "_dctx", "_decompress", "_frame_size", "_is_error", "__weakref__")

    def __init__(self, lib: Any) -> None:
        dctx = lib.ZSTD_createDCtx()
        if not dctx:
            raise MemoryError("ZSTD_createDCtx failed")
        self._lib, self._dctx = lib, dctx
        self._decompress, self._frame_size = lib.ZSTD_decompressDCtx, lib.ZSTD_findFrameCompressedSize
        self._is_error = lib.ZSTD_isError
        weakref.finalize(self, lib.ZSTD_freeDCtx, dctx)

    def frame_size(self, src: int, size: int) -> int:
        """The compressed size of the frame (or skippable frame) at address ``src``, found by
        its block headers; -1 where it is cut off or not a frame."""
        found: int = self._frame_size(src, size)
        return -1 if self._is_error(found) else found

    def decompress(self, src: int, size: int, out: int, room: int) -> tuple[int, int]:
        """Decode the frames at address ``src`` (exactly ``size`` bytes of whole frames) into at
        most ``room`` bytes at address ``out``: (bytes written, 0), or (0, libzstd's error code)."""
        got: int = self._decompress(self._dctx, out, room, src, size)
        if self._is_error(got):
            return 0, self._lib.ZSTD_getErrorCode(got) or -1
        return got, 0


_DECODERS = PerThread("ARROWIO_NO_LIBZSTD", _library, FrameDecoder)


def decoder() -> FrameDecoder | None:
    """This thread's libzstd decoder, or None where libzstd is absent or hidden."""
    return _DECODERS.get()
