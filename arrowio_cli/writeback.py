"""Writing a file back to disk while it is still being written, so that its fsync waits for little.

An atomic output is fsynced before it is renamed into place (:mod:`.atomic`). Left alone, Linux
writes dirty pages back only after about 30 s or above its dirty threshold, so that fsync found
the whole output still in memory and waited, after all the compressing, for the disk to take all
of it: 48 ms for the 61 MiB that ``compress -3 -o`` makes of the 256 MiB corpus here, what
``zstd -o`` followed by ``sync`` pays too. Asking the kernel to start writing each finished
stretch as soon as it is complete (``sync_file_range`` with ``SYNC_FILE_RANGE_WRITE``: start,
do not wait) lets the disk work while we compress; the fsync then waits for the last stretch.
The fsync stays: starting writeback promises nothing about durability.
"""

from __future__ import annotations

import errno
import os

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Writeback", "STRETCH"]

#: Bytes per writeback request: whole multiples of any page size, so that no page is handed to
#: the disk while a later write may still change it (it would be written twice, or the write
#: would wait for it on a device that needs stable pages), and the fsync's wait is at most this.
STRETCH = 4 << 20
_SYNC_FILE_RANGE_WRITE = 2  # <linux/fs.h>
#: The call exists but not for this file (a FIFO, a file system or kernel without it).
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ESPIPE, errno.EOPNOTSUPP, errno.ENOTSUP}

_call: Any = None  # libc's sync_file_range once looked up; False where there is none


def _sync_file_range() -> Any:
    """libc's ``sync_file_range`` (``os`` has none), or False where this system lacks it."""
    global _call
    if _call is None:
        try:
            import ctypes  # already loaded by arrowio's memory pool: nothing to pay here

            function = ctypes.CDLL(None, use_errno=True).sync_file_range
        except (ImportError, OSError, AttributeError):  # not Linux, or a libc without it
            _call = False
        else:
            function.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
            function.restype = ctypes.c_int
            _call = function
    return _call


class Writeback:
    """Starts the writeback of the file open as ``fd`` behind its writer, in whole stretches of
    :data:`STRETCH` bytes. ``started`` is how far it has been asked for."""

    __slots__ = ("_fd", "_call", "started")

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._call = _sync_file_range()
        self.started = 0

    def advance(self, written: int) -> None:
        """The file holds ``written`` bytes from its start: start writing back the whole
        stretches among them not started yet. An error of the disk (EIO) is raised here, as the
        fsync would raise it later; where the call does not apply, writeback is left to fsync."""
        end = written - written % STRETCH
        if end <= self.started or not self._call:
            return
        if self._call(self._fd, self.started, end - self.started, _SYNC_FILE_RANGE_WRITE) != 0:
            import ctypes

            code = ctypes.get_errno()
            if code in _UNSUPPORTED:
                self._call = False
                return
            raise OSError(code, os.strerror(code))
        self.started = end
