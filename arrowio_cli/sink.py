"""Standard output for data: plain writes, and kernel copies from files (sendfile) and pipes (splice).

A plain file sent to a pipe or a file never passes through Python: ``sendfile`` moves it inside
the kernel, by position (like ``pread``), so a byte range costs only its own length. Where the
kernel refuses (a terminal, an ``O_APPEND`` file, a captured stream without a descriptor) the
copy reports how far it got and the caller reads the rest itself.
"""

from __future__ import annotations

import errno
import io
import os
import select
import sys
from typing import Any, BinaryIO

__all__ = ["Stdout"]

#: Most Linux moves in one sendfile/splice call (0x7ffff000); asking for more is harmless.
_KERNEL_CHUNK = 0x7FFFF000
#: Pipe-to-anything splice moves at most a pipe's capacity per call; ask for plenty.
_SPLICE_CHUNK = 1 << 20
#: errno values meaning "this pair of descriptors cannot be copied by the kernel": fall back.
_NO_KERNEL_COPY = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.ESPIPE, errno.EBADF}


def _fileno(stream: Any) -> int | None:
    try:
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


class Stdout:
    """The binary standard output (``sys.stdout.buffer``, looked up at creation) unless given."""

    def __init__(self, stream: BinaryIO | None = None) -> None:
        self.stream: BinaryIO = stream if stream is not None else sys.stdout.buffer
        self.fd = _fileno(self.stream)

    def isatty(self) -> bool:
        try:
            return self.stream.isatty()
        except (AttributeError, ValueError):
            return False

    def write(self, data: Any) -> None:
        self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()

    def send_file(self, fd: int, offset: int, count: int | None = None) -> int:
        """Copy up to ``count`` bytes (None: to the end) of regular file ``fd`` from ``offset``.

        The file's own position is not used or moved. Returns the bytes copied: fewer than
        asked at the end of the file, or where the kernel cannot copy to this output (then
        the caller reads the rest itself).
        """
        if self.fd is None:
            return 0
        self.stream.flush()  # what was written through the stream goes first
        done = 0
        while count is None or done < count:
            want = _KERNEL_CHUNK if count is None else min(_KERNEL_CHUNK, count - done)
            try:
                sent = os.sendfile(self.fd, fd, offset + done, want)
            except BlockingIOError:  # a non-blocking stdout: wait until it takes more
                select.select([], [self.fd], [])
                continue
            except OSError as exc:
                if exc.errno in _NO_KERNEL_COPY:
                    return done
                raise
            if sent == 0:
                break
            done += sent
        return done

    def splice_from(self, fd: int, count: int | None = None) -> int:
        """Move up to ``count`` bytes (None: until end of input) from pipe ``fd`` to stdout.

        Returns the bytes moved; fewer than asked at the end of the input or where the kernel
        cannot splice this pair (then the caller copies the rest itself).
        """
        if self.fd is None or not hasattr(os, "splice"):
            return 0
        self.stream.flush()
        done = 0
        while count is None or done < count:
            want = _SPLICE_CHUNK if count is None else min(_SPLICE_CHUNK, count - done)
            try:
                moved = os.splice(fd, self.fd, want)
            except BlockingIOError:
                select.select([fd], [self.fd], [])
                continue
            except OSError as exc:
                if exc.errno in _NO_KERNEL_COPY:
                    return done
                raise
            if moved == 0:
                break
            done += moved
        return done
