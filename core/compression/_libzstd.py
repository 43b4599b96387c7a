"""zstd frames decoded by libzstd in one call straight into memory the caller owns, through ctypes.

``zstandard``'s stream reader decodes a frame that does not declare its content size (``pzstd``
writes none) into libzstd's window buffer and copies it out: a tenth of the CPU of decoding a
pzstd file. libzstd's single-pass ``ZSTD_decompressDCtx`` decodes a whole run of frames into the
caller's buffer, checksums verified, skippable frames skipped, with no window buffer at all; ctypes
releases the GIL for the call. ``ZSTD_findFrameCompressedSize`` finds each frame's end in C.

Frames are compressed the same way (:func:`new_compressor`): ``ZSTD_compress2`` reads the input
where it lies and writes the frame into the caller's buffer, with a context reused frame after
frame, where ``zstandard`` makes a new ``bytes`` object (fresh pages) per frame and
a context for each (its tables allocated and faulted in again).

The system library is used (Debian: ``libzstd1``); without it :func:`decoder` and
:func:`new_compressor` are None and the caller uses ``zstandard``. ``ARROWIO_NO_LIBZSTD=1`` hides it
too, as the tests do to run every case on both paths.
"""

from __future__ import annotations

import ctypes
import os
import weakref
from functools import cache

from ._clib import PerThread, load_library

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["decoder", "FrameDecoder", "DST_TOO_SMALL", "new_compressor", "FrameCompressor", "compress_bound", "version"]

DST_TOO_SMALL = 70  # ZSTD_error_dstSize_tooSmall
MEMORY_ALLOCATION = 64  # ZSTD_error_memory_allocation
# ZSTD_cParameter values (zstd.h: stable API)
_C_COMPRESSION_LEVEL, _C_CONTENT_SIZE_FLAG, _C_CHECKSUM_FLAG = 100, 200, 201
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


@cache
def _encoding_library() -> Any:
    """:func:`_library` with the compression prototypes declared too, or None."""
    lib = _library()
    if lib is None:
        return None
    size_t, void_p, c_int = ctypes.c_size_t, ctypes.c_void_p, ctypes.c_int
    lib.ZSTD_createCCtx.argtypes = []
    lib.ZSTD_createCCtx.restype = void_p
    lib.ZSTD_freeCCtx.argtypes = [void_p]
    lib.ZSTD_freeCCtx.restype = size_t
    lib.ZSTD_CCtx_setParameter.argtypes = [void_p, c_int, c_int]
    lib.ZSTD_CCtx_setParameter.restype = size_t
    lib.ZSTD_compress2.argtypes = [void_p, void_p, size_t, void_p, size_t]
    lib.ZSTD_compress2.restype = size_t
    lib.ZSTD_versionNumber.argtypes = []
    lib.ZSTD_versionNumber.restype = ctypes.c_uint
    lib.ZSTD_getErrorString.argtypes = [c_int]
    lib.ZSTD_getErrorString.restype = ctypes.c_char_p
    return lib


def version() -> int | None:
    """The loaded libzstd's version as ZSTD_versionNumber gives it (1.5.4: 10504), or None."""
    lib = _encoding_library()
    return None if lib is None else int(lib.ZSTD_versionNumber())


def compress_bound(size: int) -> int:
    """The most a frame of ``size`` input bytes can take (zstd.h's ZSTD_COMPRESSBOUND)."""
    margin = ((128 << 10) - size) >> 11 if size < 128 << 10 else 0
    return size + (size >> 8) + margin


class FrameCompressor:
    """One thread's libzstd compression context, writing frames that record their content size
    and checksum, as ``zstd FILE`` writes them (freed when the thread's last reference goes)."""

    __slots__ = ("_lib", "_cctx", "_compress", "_is_error", "_level", "__weakref__")

    def __init__(self, lib: Any) -> None:
        cctx = lib.ZSTD_createCCtx()
        if not cctx:
            raise MemoryError("ZSTD_createCCtx failed")
        self._lib, self._cctx = lib, cctx
        self._compress, self._is_error = lib.ZSTD_compress2, lib.ZSTD_isError
        weakref.finalize(self, lib.ZSTD_freeCCtx, cctx)
        self._level: int | None = None
        self._set(_C_CONTENT_SIZE_FLAG, 1)
        self._set(_C_CHECKSUM_FLAG, 1)

    def _set(self, parameter: int, value: int) -> None:
        result = self._lib.ZSTD_CCtx_setParameter(self._cctx, parameter, value)
        if self._is_error(result):
            raise ValueError(f"zstd parameter {parameter} = {value}: {self._lib.ZSTD_getErrorName(result).decode()}")

    def compress(self, level: int, src: int, size: int, out: int, room: int) -> tuple[int, int]:
        """One frame of the ``size`` bytes at address ``src``, at ``level``, written into at most
        ``room`` bytes at address ``out``: (bytes written, 0), or (0, libzstd's error code)."""
        if level != self._level:  # parameters stay with the context from frame to frame
            self._set(_C_COMPRESSION_LEVEL, level)  # libzstd clamps it to its range, as Arrow's does
            self._level = level
        got: int = self._compress(self._cctx, out, room, src, size)
        if self._is_error(got):
            return 0, self._lib.ZSTD_getErrorCode(got) or -1
        return got, 0

    def error_name(self, code: int) -> str:
        """libzstd's words for an error code of :meth:`compress`."""
        name: bytes = self._lib.ZSTD_getErrorString(code)
        return name.decode()


def new_compressor() -> FrameCompressor | None:
    """A libzstd frame compressor for one thread at a time (its context is freed with it), or
    None where libzstd is absent or hidden."""
    if os.environ.get("ARROWIO_NO_LIBZSTD"):
        return None
    lib = _encoding_library()
    return None if lib is None else FrameCompressor(lib)
