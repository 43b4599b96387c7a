"""Random access into ordinary (single-member) gzip files, through a checkpoint index.

A deflate stream can only be entered where the decoder's state is known: at checkpoints that
record the 32 KiB window every few MiB (zlib's zran). We do not write zran again: ``rapidgzip``
(PyPI, maintained, MIT/Apache) builds the index while decoding on every core, reaching ISA-L's
single-core speed or better, so building it costs about one full decode (indexed_gzip, the
other well-kept choice, builds it with single-threaded zlib: two to three times slower than
our ISA-L decode, beyond the 1.2x the issue allows). The index is saved in indexed_gzip's
format (readable by both libraries) as ``<file>.gzidx``; one older than the file is ignored,
and rapidgzip refuses an index whose recorded file size differs. rapidgzip is optional:
``pip install 'arrowio[gzip-index]'``.

rapidgzip's decoder threads abort the interpreter if a file is still open at exit, so every
file opened here is closed by a finalizer and at exit.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from typing import Any

from ..errors import ArrowIOError, ArrowNotImplementedError

__all__ = ["CHECKPOINT_SUFFIX", "build_checkpoints", "checkpoint_index", "CheckpointAccess"]

CHECKPOINT_SUFFIX = ".gzidx"
_HINT = "pip install rapidgzip (or arrowio[gzip-index])"
_open_files: weakref.WeakSet[Any] = weakref.WeakSet()


def _rapidgzip() -> Any:
    try:
        import rapidgzip
    except ImportError as exc:
        raise ArrowNotImplementedError(
            f"random access into single-member gzip needs rapidgzip ({exc}); install with: {_HINT}"
        ) from None
    return rapidgzip


@atexit.register
def _close_all() -> None:
    for f in list(_open_files):
        f.close()


def _open(path: str, workers: int) -> Any:
    f = _rapidgzip().open(path, parallelization=max(workers, 1))
    _open_files.add(f)
    return f


def checkpoint_index(path: str) -> str | None:
    """The checkpoint index beside ``path``, or None when there is none or it is older than the file."""
    index = path + CHECKPOINT_SUFFIX
    try:
        if os.stat(index).st_mtime_ns >= os.stat(path).st_mtime_ns:
            return index
    except FileNotFoundError:
        pass
    return None


def build_checkpoints(path: str, workers: int | None = None) -> str:
    """Decode the gzip file ``path`` once on ``workers`` threads (default: every core), checking
    every CRC32, and save its checkpoint index beside it; returns the index's path."""
    from ._frameread import default_workers

    index = path + CHECKPOINT_SUFFIX
    tmp = f"{index}.tmp{os.getpid()}"
    f = _open(path, workers or default_workers())
    try:
        f.seek(0, os.SEEK_END)  # decodes everything, recording checkpoints
        f.export_index(tmp)
    except ValueError as exc:  # rapidgzip's word for bad data
        raise ArrowIOError(f"gzip: {path}: {exc}") from None
    finally:
        f.close()
    os.replace(tmp, index)  # never a half-written index under the real name
    return index


class CheckpointAccess:
    """Random access to a gzip file with a checkpoint index: readers from any position and
    positional reads (serialized: a rapidgzip file has one position)."""

    def __init__(self, path: str, index: str, workers: int) -> None:
        self._file = _open(path, workers)
        self._lock = threading.Lock()
        try:
            self._file.import_index(index)
        except ValueError as exc:
            self.close()
            raise ArrowIOError(f"gzip: {index}: unusable checkpoint index ({exc})") from None
        self.size: int = self._file.size()
        self._finalizer = weakref.finalize(self, self._file.close)

    def readinto_at(self, view: memoryview, offset: int) -> int:
        with self._lock:
            self._file.seek(offset)
            return self._fill(view)

    def _fill(self, view: memoryview) -> int:
        filled = 0
        while filled < len(view):
            try:
                got = self._file.readinto(view[filled:])
            except ValueError as exc:
                raise ArrowIOError(f"gzip: {exc}") from None
            if not got:
                break
            filled += got
        return filled

    def reader(self, position: int) -> CheckpointReader:
        with self._lock:
            self._file.seek(position)
        return CheckpointReader(self, position)

    def close(self) -> None:
        self._file.close()


class CheckpointReader:
    """Sequential reads from ``position`` on, in the interface of the other stream readers."""

    def __init__(self, access: CheckpointAccess, position: int) -> None:
        self._access = access
        self.position = position

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        with self._access._lock:
            self._access._file.seek(self.position)  # read_at may have moved it
            n = self._access._fill(view)
        self.position += n
        return n

    def read1(self, n: int = -1) -> bytes:
        return self.read(n if n >= 0 else 1 << 20)

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            parts = []
            while chunk := self.read(1 << 20):
                parts.append(chunk)
            return b"".join(parts)
        buffer = bytearray(n)
        got = self.readinto(buffer)
        return bytes(buffer[:got])

    def close(self) -> None:
        pass  # the access object owns the file
