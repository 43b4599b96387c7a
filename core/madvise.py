"""Access-pattern advice for mapped memory: ``madvise(2)`` over a Buffer's pages.

The kernel acts on whole pages, so the range is widened to page boundaries; the advice is a
hint and never changes the memory's content.
"""

from __future__ import annotations

import ctypes
import mmap
import os

from .buffer import Buffer
from .errors import ArrowInvalid

__all__ = ["ADVICE", "madvise"]

#: The advice names accepted, and their madvise(2) constants.
ADVICE = {
    "normal": mmap.MADV_NORMAL,
    "sequential": mmap.MADV_SEQUENTIAL,
    "random": mmap.MADV_RANDOM,
    "willneed": mmap.MADV_WILLNEED,
}
_PAGE = mmap.PAGESIZE
_libc_madvise = None


def madvise(buffer: Buffer, advice: str) -> None:
    """Tell the kernel how ``buffer``'s memory (normally a memory map's) will be read.

    Raises ArrowInvalid for an unknown advice name and OSError when the kernel refuses (for
    example on memory that is not mapped from a file or anonymous mapping).
    """
    global _libc_madvise
    if advice not in ADVICE:
        raise ArrowInvalid(f"unknown advice {advice!r} (valid: {', '.join(ADVICE)})")
    if buffer.size == 0:
        return
    if _libc_madvise is None:
        function = ctypes.CDLL(None, use_errno=True).madvise
        function.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        function.restype = ctypes.c_int
        _libc_madvise = function
    start = buffer.address - buffer.address % _PAGE
    length = buffer.address + buffer.size - start
    if _libc_madvise(start, length, ADVICE[advice]) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"madvise({advice}) failed: {os.strerror(code)}")
