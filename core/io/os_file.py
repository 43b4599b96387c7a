"""OSFile: a file on the local file system, read and written through its OS file descriptor."""

from __future__ import annotations

import errno
import os
import stat
import sys

from ..buffer import Buffer, allocate_buffer
from ..errors import ArrowInvalid
from ..memory import MemoryPool
from ._views import fitted
from .native_file import NativeFile

__all__ = ["OSFile", "open_descriptor"]

_MODES = {"r": "rb", "rb": "rb", "w": "wb", "wb": "wb", "a": "ab", "ab": "ab"}
_FLAGS = {
    "rb": os.O_RDONLY,
    "wb": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
    "ab": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
    "rb+": os.O_RDWR,
    "wb+": os.O_RDWR | os.O_CREAT,  # memory_map(path, 'w'): created when missing, never truncated
}
#: ioctl request for a block device's size in bytes (linux/fs.h: _IOR(0x12, 114, size_t)).
_BLKGETSIZE64 = 0x80081272
#: Reads larger than this are first cut to what the file holds, so that ``read(2**40)`` on a
#: small file does not try to allocate a terabyte; smaller reads skip the two syscalls.
_CLAMP_ABOVE = 1 << 20
#: A regular file of at most this size (when opened) is read whole by its first peek, in one
#: read: detection and decoding then work on memory, and the next read knows the end is
#: reached. A decoder's first read takes this much anyway.
_WHOLE_UP_TO = 256 * 1024


def open_descriptor(
    path: str | bytes | os.PathLike, mode: str, create_mode: int = 0o666, *, regular_only: str | None = None
) -> tuple[int, os.stat_result]:
    """Open ``path`` for an arrowio mode ('rb', 'wb', 'ab', 'rb+', 'wb+'); refuse directories.

    New files get ``create_mode & ~umask``. Returns the descriptor and its stat result.
    ``regular_only`` (what needs it, e.g. "memory-mapped") refuses anything but a regular file,
    opening without blocking so that a FIFO without a writer cannot hang the caller.
    """
    flags = _FLAGS[mode] | os.O_CLOEXEC | (os.O_NONBLOCK if regular_only else 0)
    fd = os.open(path, flags, create_mode)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):  # read-only opens of a directory succeed on Linux
            raise IsADirectoryError(errno.EISDIR, "Expected file path, but it is a directory", os.fsdecode(path))
        if regular_only:
            if not stat.S_ISREG(info.st_mode):
                raise OSError(errno.ENODEV, f"Not a regular file, cannot be {regular_only}", os.fsdecode(path))
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def _adopt_descriptor(fd: int) -> os.stat_result:
    """The stat result of ``fd``, an open descriptor handed over by the caller; refuse
    directories. On a refusal ``fd`` is left open: it is still the caller's."""
    info = os.fstat(fd)  # EBADF for a descriptor that is not open
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, f"Expected file descriptor {fd} of a file, but it is a directory")
    return info


class OSFile(NativeFile):
    """A local file opened by path with mode ``'r'``/``'rb'``, ``'w'``/``'wb'`` or ``'a'``/``'ab'``.

    Read mode is seekable (for regular files and block devices) and ``read_at`` uses ``pread``,
    so several threads may read one OSFile at once. Write and append modes are streams.
    Seeks and reads use 64-bit offsets. A missing file raises FileNotFoundError, a directory
    IsADirectoryError.

    ``path`` may also be an open file descriptor (an int), as in PyArrow: the OSFile takes it
    over as it is (nothing is truncated or moved, except that append mode starts counting at
    the end) and closes it when closed.
    """

    def __init__(
        self, path: int | str | bytes | os.PathLike, mode: str = "r", memory_pool: MemoryPool | None = None
    ) -> None:
        canonical = _MODES.get(mode) if isinstance(mode, str) else None
        if canonical is None:
            raise ArrowInvalid(f"Invalid file mode: {mode!r} (expected one of {', '.join(_MODES)})")
        if isinstance(path, int) and not isinstance(path, bool):
            self._path: int | str | bytes = path
            fd, info = path, _adopt_descriptor(path)
        else:
            self._path = os.fspath(path)  # type: ignore[arg-type]  # a bool is refused by fspath's TypeError
            fd, info = open_descriptor(self._path, canonical)
        self._setup(fd, info, canonical, not isinstance(path, int), memory_pool)

    @classmethod
    def _opened(cls, path: str, fd: int, info: os.stat_result, data: bytes | None) -> OSFile:
        """The OSFile that ``OSFile(path)`` would be, over ``fd``, which ``open_descriptor(path,
        'rb')`` opened (``info`` its stat result), once its whole-file read got ``data`` (None:
        nothing read yet). What a caller that opened and read the file itself hands on, so that
        nothing is opened or read twice (a FIFO cannot be)."""
        self = cls.__new__(cls)
        self._path = path
        self._setup(fd, info, "rb", True, None)
        if data is not None:
            self._took_whole(0, data, info.st_size + 1)
        return self

    def _setup(
        self, fd: int, info: os.stat_result, canonical: str, by_path: bool, memory_pool: MemoryPool | None
    ) -> None:
        # The file position, where known without asking the kernel (-1: ask it): a path we opened
        # for reading starts at 0; the whole-file read and seeks keep it, every other read forgets
        # it. So a small file costs no lseek (see _read_whole). Moves made through fileno() by
        # others are not seen in that window; positional reads (pread, sendfile) move nothing.
        self._known_pos = -1
        self._fd = fd
        self._regular = stat.S_ISREG(info.st_mode)
        if canonical == "rb" and self._regular and by_path:
            self._known_pos = 0  # a pipe's tell() stays the kernel's error
        self._block_device = stat.S_ISBLK(info.st_mode)
        if canonical == "ab" and self._regular:
            os.lseek(fd, 0, os.SEEK_END)  # so that tell() counts from the end, as writes will
        seekable = canonical == "rb" and (self._regular or self._block_device)
        # Whole-file peek (see peek): the size when opened, -1 once used or where it does not apply.
        self._peek_whole = info.st_size if canonical == "rb" and self._regular else -1
        self._whole: bytes | None = None  # the file from offset 0, as that peek read it
        self._at_end = False  # that peek read to the end: the next sequential read is empty
        super().__init__(canonical, seekable=seekable, memory_pool=memory_pool)

    @property
    def path(self) -> int | str | bytes:
        """The path the file was opened with (the descriptor, for one given as such)."""
        return self._path

    def fileno(self) -> int:
        self._check_open()
        return self._fd

    def isatty(self) -> bool:
        self._check_open()
        return os.isatty(self._fd)

    def _close(self) -> None:
        fd, self._fd = self._fd, -1
        os.close(fd)

    # -- position --------------------------------------------------------------------------------
    def _tell(self) -> int:
        known = self._known_pos
        return known if known >= 0 else os.lseek(self._fd, 0, os.SEEK_CUR)

    def _seek(self, position: int) -> None:
        self._at_end = False
        self._known_pos = -1  # unknown should the seek fail
        self._known_pos = os.lseek(self._fd, position, os.SEEK_SET)

    def _size(self) -> int:
        if self._block_device:  # st_size is 0 for devices: ask the kernel for the device's size
            import fcntl

            answer = fcntl.ioctl(self._fd, _BLKGETSIZE64, b"\0" * 8)
            return int.from_bytes(answer, sys.byteorder)
        return os.fstat(self._fd).st_size

    def _clamp(self, nbytes: int) -> int:
        if nbytes > _CLAMP_ABOVE and (self._regular or self._block_device):
            return min(nbytes, max(self._size() - self._tell(), 0))
        return nbytes

    # -- reads -----------------------------------------------------------------------------------
    def peek(self, nbytes: int = 1) -> bytes:
        """As :meth:`NativeFile.peek`; the first peek of a small regular file reads all the rest
        of it ahead (see :meth:`_read_whole`)."""
        self._read_whole(nbytes)
        return super().peek(nbytes)

    def _read_whole(self, at_least: int = 0) -> None:
        """Read the rest of a small regular file ahead in one read, once, while nothing is
        ahead yet; asking one byte more than it held when opened (and ``at_least``), so that a
        short answer shows the end and the next read needs no syscall to find it."""
        size = self._peek_whole
        if not 0 <= size <= _WHOLE_UP_TO or self._ahead or not self._rd:
            return
        self._peek_whole = -1  # once, also when the read fails
        position = self._tell()
        want = max(size - position, at_least) + 1
        self._took_whole(position, os.read(self._fd, want), want)

    def _took_whole(self, position: int, data: bytes, want: int) -> None:
        """The state after the whole-file read asked for ``want`` bytes at ``position`` and got ``data``."""
        self._peek_whole = -1
        self._known_pos = position + len(data)
        self._at_end = len(data) < want  # a regular file answers short only at its end
        if self._at_end and position == 0:
            self._whole = data
        self._ahead, self._ahead_pos = data, 0

    def _snapshot(self) -> bytes | None:
        """The whole file, handed over once, when :meth:`_read_whole` read all of it from the start
        and none of it was consumed yet (table detection then reads memory, not the file);
        None otherwise."""
        whole, self._whole = self._whole, None
        if whole is not None and self._ahead is whole and self._ahead_pos == 0:
            return whole
        return None

    def _readinto(self, view: memoryview) -> int:
        if self._at_end:
            self._at_end = False
            return 0
        self._known_pos = -1
        return os.readv(self._fd, (view,))

    def _read_chunk(self, nbytes: int) -> bytes:
        if self._at_end:
            self._at_end = False
            return b""
        self._known_pos = -1
        return os.read(self._fd, nbytes)

    def _read_bytes(self, nbytes: int) -> bytes:
        if self._at_end:
            self._at_end = False
            return b""
        nbytes = self._clamp(nbytes)
        self._known_pos = -1
        data = os.read(self._fd, nbytes)
        if len(data) == nbytes or not data:
            return data
        parts = [data]  # a pipe, or a file that ended: read on until full or at the end
        got = len(data)
        try:
            while got < nbytes and (more := os.read(self._fd, nbytes - got)):
                parts.append(more)
                got += len(more)
        except OSError as exc:  # the bytes read so far first, the error on the next read
            self._defer(exc)
        return b"".join(parts)

    def _read_buffer(self, nbytes: int) -> Buffer:
        if self._at_end:
            self._at_end = False
            nbytes = 0
        nbytes = self._clamp(nbytes)
        buffer = allocate_buffer(nbytes, self._pool)
        if not nbytes:
            return buffer
        from .. import _raw  # here: ctypes, which pool memory has loaded by now (start-up time)

        # Straight into pool memory, no copy; the buffer outlives the call.
        self._known_pos = -1
        got = os.readv(self._fd, (_raw.syscall_target(buffer.address, nbytes),))
        if got == nbytes:
            return buffer
        if got:
            got += self._fill(buffer._memview()[got:])
        return fitted(buffer, got, self._pool)

    # -- positional reads: pread never moves the shared file position -----------------------------
    def _readinto_at(self, view: memoryview, offset: int) -> int:
        total, size = 0, len(view)
        while total < size:
            got = os.preadv(self._fd, (view[total:] if total else view,), offset + total)
            if not got:
                break
            total += got
        return total

    def _read_bytes_at(self, nbytes: int, offset: int) -> bytes:
        if nbytes > _CLAMP_ABOVE:
            nbytes = min(nbytes, max(self._size() - offset, 0))
        data = os.pread(self._fd, nbytes, offset)
        if len(data) == nbytes or not data:
            return data
        parts = [data]
        got = len(data)
        while got < nbytes and (more := os.pread(self._fd, nbytes - got, offset + got)):
            parts.append(more)
            got += len(more)
        return b"".join(parts)

    def _read_buffer_at(self, nbytes: int, offset: int) -> Buffer:
        if nbytes > _CLAMP_ABOVE:
            nbytes = min(nbytes, max(self._size() - offset, 0))
        buffer = allocate_buffer(nbytes, self._pool)
        if not nbytes:
            return buffer
        from .. import _raw  # here: ctypes, which pool memory has loaded by now (start-up time)

        got = os.preadv(self._fd, (_raw.syscall_target(buffer.address, nbytes),), offset)
        if 0 < got < nbytes:
            got += self._readinto_at(buffer._memview()[got:], offset + got)
        return fitted(buffer, got, self._pool)

    # -- writes ----------------------------------------------------------------------------------
    def _write(self, view: memoryview) -> None:
        fd = self._fd
        done = os.write(fd, view)
        size = len(view)
        # Writes of more than 2 GiB, to pipes, under a file-size limit or onto a filling disk may
        # be partial; the next call then writes on or raises the error (EFBIG, ENOSPC).
        while done < size:
            count = os.write(fd, view[done:])
            if not count:  # no error and no progress: never let the caller think it was written
                raise OSError(errno.EIO, f"write took no bytes ({size - done} left)", self._path)
            done += count

    def _truncate(self, size: int) -> None:
        os.ftruncate(self._fd, size)
