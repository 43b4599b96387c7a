"""MemoryMappedFile, memory_map and create_memory_map: files read and written through mmap(2).

Reads are zero-copy: ``read_buffer`` returns Buffers over the mapped memory whose owner (the
mapping) stays mapped until the last such Buffer is gone, even after the file is closed.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import operator
import os
import weakref

from .. import _raw
from ..buffer import Buffer
from ..errors import ArrowInvalid, ArrowIOError
from ..memory import MemoryPool
from .memory_source import MemorySourceFile
from .os_file import open_descriptor

__all__ = ["MemoryMappedFile", "memory_map", "create_memory_map"]

_MODES = {"r": "rb", "rb": "rb", "r+": "rb+", "rb+": "rb+", "r+b": "rb+", "w": "wb", "wb": "wb"}

_libc = ctypes.CDLL(None, use_errno=True)
_mmap = _libc.mmap
_mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int64]
_mmap.restype = ctypes.c_void_p
_munmap = _libc.munmap
_munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_munmap.restype = ctypes.c_int
_MAP_FAILED = ctypes.c_void_p(-1).value


class _Mapping:
    """One shared mapping of a whole file; unmapped when the last reference to it goes.

    Buffers over the mapping hold it as their base, so it outlives the file that made it.
    """

    __slots__ = ("address", "size", "__weakref__")

    def __init__(self, address: int, size: int) -> None:
        self.address = address
        self.size = size

    def __del__(self) -> None:
        _munmap(self.address, self.size)


def _map_file(fd: int, size: int, writable: bool) -> _Mapping:
    prot = mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0)
    address = _mmap(None, size, prot, mmap.MAP_SHARED, fd, 0)
    if address in (None, _MAP_FAILED):
        code = ctypes.get_errno()
        raise OSError(code, f"mmap of {size} bytes failed: {os.strerror(code)}")
    return _Mapping(address, size)


class MemoryMappedFile(MemorySourceFile):
    """A file mapped into memory, in mode ``'r'`` (read-only), ``'r+'`` (read and write in
    place) or ``'w'`` (write in place); see :func:`memory_map`.

    Writes never grow the file (use :meth:`resize`); a write past the end raises ArrowIOError,
    and so does seeking past the end. Writes land in the file's page cache at once, so a second
    map or a plain read of the same file sees them. Growing a file (:meth:`resize`,
    :func:`create_memory_map`) allocates its blocks first, so a full disk or a file-size limit
    is an OSError there (ENOSPC, EFBIG), never a SIGBUS at a later write into the map.

    ``MemoryMappedFile()`` without a path is an unopened file, as in PyArrow: it reads as
    closed and every operation raises ValueError "I/O operation on closed file".
    """

    def __init__(
        self, path: str | bytes | os.PathLike | None = None, mode: str = "r", memory_pool: MemoryPool | None = None
    ) -> None:
        canonical = _MODES.get(mode) if isinstance(mode, str) else None
        if canonical is None:
            raise ArrowInvalid(f"Invalid file mode: {mode!r} (expected one of 'r', 'r+', 'w')")
        self._mappings: weakref.WeakSet[_Mapping] = weakref.WeakSet()  # every mapping still in use
        if path is None:
            self._path = None
            self._fd = -1
            super().__init__(self._mapped(0, writable=False)[0], canonical, memory_pool=memory_pool)
            self.close()
            return
        self._path = os.fspath(path)
        # A writable shared mapping needs a descriptor opened for reading and writing; mode 'w'
        # creates a missing file (0o666 less the umask), as OSFile(path, 'w') does, but keeps
        # what an existing one holds.
        descriptor_mode = {"rb": "rb", "rb+": "rb+", "wb": "wb+"}[canonical]
        self._fd, info = open_descriptor(self._path, descriptor_mode, regular_only="memory-mapped")
        try:
            source, target = self._mapped(info.st_size, writable=canonical != "rb")
        except BaseException:
            os.close(self._fd)
            raise
        super().__init__(source, canonical, target=target, memory_pool=memory_pool)

    @classmethod
    def create(cls, path: str | bytes | os.PathLike, size: int | float) -> MemoryMappedFile:
        """Create (or truncate) ``path`` with ``size`` zero bytes and map it read-write."""
        return create_memory_map(path, size)

    @property
    def path(self) -> str | bytes | None:
        """The path of the mapped file (None for an unopened one)."""
        return self._path

    def _mapped(self, size: int, writable: bool) -> tuple[Buffer, memoryview | None]:
        """A read-only Buffer over a new mapping of the file's first ``size`` bytes, and a
        writable view of the same memory when ``writable``."""
        if size == 0:  # mmap(2) refuses empty mappings; an empty file is an empty buffer
            empty = Buffer._make(_raw.view_of_memory(0, 0, False), 0, 0, False, None, None)
            return empty, _raw.view_of_memory(0, 0, True) if writable else None
        mapping = _map_file(self._fd, size, writable)
        self._mappings.add(mapping)
        # Owned views: a slice that outlives the file and every Buffer still holds the mapping.
        view = _raw.owned_view(mapping.address, size, False, mapping)
        target = _raw.owned_view(mapping.address, size, True, mapping) if writable else None
        return Buffer._make(view, mapping.address, size, False, None, mapping), target

    def fileno(self) -> int:
        self._check_open()
        return self._fd

    def _close(self) -> None:
        super()._close()
        fd, self._fd = self._fd, -1
        if fd >= 0:  # -1: an unopened MemoryMappedFile()
            os.close(fd)

    def resize(self, new_size: int) -> None:
        """Change the file's size to ``new_size`` bytes (new bytes are zero) and map it again.

        Buffers already read stay valid when the file grows; shrinking while buffers read from a
        mapping larger than ``new_size`` are alive raises ArrowIOError, since memory past the
        new end would vanish under them.
        """
        if not self._wr:
            self._refuse("writable")
        new_size = operator.index(new_size)
        if new_size < 0:
            raise ArrowInvalid(f"Invalid size for resize: {new_size}")
        _allocate(self._fd, new_size)  # before anything changes: a failure leaves the map as it was
        self._drop_ahead()
        source = self._source
        self._source = self._view = self._target = None  # type: ignore[assignment]
        probe = weakref.ref(source)
        del source  # now only buffers read from the map keep its mappings alive
        if any(mapping.size > new_size for mapping in self._mappings):
            current = probe()
            if current is not None:
                self._set_source(current, _writable_view(current))
            else:  # only buffers from before an earlier resize are in the way
                self._set_source(*self._mapped(self._length, writable=True))
            raise ArrowIOError("Cannot shrink a memory map while buffers read from it are alive")
        os.ftruncate(self._fd, new_size)
        self._set_source(*self._mapped(new_size, writable=True))

    def _truncate(self, size: int) -> None:
        self.resize(size)


def _writable_view(source: Buffer) -> memoryview:
    """A writable view of the mapping under ``source`` (which owns it), for writes in place."""
    return _raw.owned_view(source.address, source.size, True, source._base)


def memory_map(path: str | bytes | os.PathLike, mode: str = "r") -> MemoryMappedFile:
    """Map the file ``path`` in mode ``'r'``, ``'r+'`` or ``'w'``.

    In modes ``'r'`` and ``'r+'`` a missing file raises FileNotFoundError; mode ``'w'`` creates
    it (empty, 0o666 less the umask) and keeps an existing file's contents. A directory raises
    IsADirectoryError; an empty file maps as a file of size 0.
    """
    return MemoryMappedFile(path, mode)


def _map_size(size: object) -> int:
    """``size`` as an int: ints, and floats with an integral value (``2048.0``), as PyArrow
    takes them; a fractional or negative size is refused rather than rounded."""
    if isinstance(size, float):
        if not size.is_integer():
            raise ArrowInvalid(f"Invalid size for a memory map: {size} (not a whole number of bytes)")
        size = int(size)
    size = operator.index(size)  # type: ignore[arg-type]  # TypeError for strings and other non-numbers
    if size < 0:
        raise ArrowInvalid(f"Invalid size for a memory map: {size}")
    return size


def create_memory_map(path: str | bytes | os.PathLike, size: int | float) -> MemoryMappedFile:
    """Create (or truncate) ``path`` with ``size`` zero bytes and map it in mode ``'r+'``.

    ``size`` is an int or a float with an integral value.
    """
    size = _map_size(size)
    fd, _ = open_descriptor(path, "wb", regular_only="memory-mapped")
    try:
        _allocate(fd, size)
    except OSError as exc:
        os.close(fd)
        os.unlink(path)  # emptied by the open already: a file that cannot hold the map is no output
        raise OSError(exc.errno, exc.strerror, os.fsdecode(path)) from None
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return MemoryMappedFile(path, "r+")


def _allocate(fd: int, size: int) -> None:
    """Give the file ``fd`` a size of at least ``size`` bytes, with its blocks allocated.

    A write into a shared map of a hole the file system then cannot fill (a full disk, a tmpfs
    at its size limit) is a SIGBUS that kills the process; allocating up front turns that into
    an OSError here. On failure the file keeps its former size.
    """
    old = os.fstat(fd).st_size
    if size <= old:
        return
    try:
        os.posix_fallocate(fd, old, size - old)
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
            os.ftruncate(fd, old)  # a partial allocation may have grown it
            raise
        os.ftruncate(fd, size)  # no allocation on this file system: a sparse file, as before
