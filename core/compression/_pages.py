"""Large reusable buffers of private anonymous memory, for the frame writer's input and output.

A ``bytearray`` of a frame's size is zero-filled when it is made (16 MiB written before any data),
and fresh ``bytes`` per frame fault in new pages each time. An anonymous mapping costs nothing
until a page is touched, is zeroed by the kernel only then, and a buffer reused for frame after
frame keeps its pages: a 16 MiB frame buffer is faulted in once per stream. A buffer asks for
transparent huge pages (``MADV_HUGEPAGE``; THP's usual mode is ``madvise``), so a frame costs 8
faults instead of 4,096; one made with ``small_head`` keeps its first 2 MiB on small pages, for
an input that may be small and touch only the start (a huge page is zeroed whole when touched).
"""

from __future__ import annotations

import ctypes
import mmap

__all__ = ["PageBuffer"]

_HUGE = 2 << 20  # x86-64's (and arm64's usual) huge page size: the head kept on small pages


class PageBuffer:
    """``length`` bytes of private anonymous memory: ``view`` (writable), ``address`` (for C)."""

    __slots__ = ("view", "address", "_map", "_anchor")

    def __init__(self, length: int, small_head: bool = False) -> None:
        self._map = mmap.mmap(-1, max(length, 1), flags=mmap.MAP_PRIVATE)
        advise = getattr(mmap, "MADV_HUGEPAGE", None)  # Linux only; elsewhere small pages
        head = _HUGE if small_head else 0
        if advise is not None and length >= head + _HUGE:
            try:
                self._map.madvise(advise, head, length - head)
            except OSError:  # a kernel without THP: small pages, as without the hint
                pass
        self.view = memoryview(self._map)
        # The buffer export pins the mapping (it cannot be closed or resized under a C call).
        self._anchor = ctypes.c_char.from_buffer(self._map)
        self.address = ctypes.addressof(self._anchor)

    def __len__(self) -> int:
        return len(self.view)
