"""Random access into ordinary (single-member) gzip files, through a checkpoint index.

A deflate stream can only be entered where the decoder's state is known: at checkpoints that
record the 32 KiB window every few MiB (zlib's zran). We do not write zran again: ``rapidgzip``
(PyPI, maintained, MIT/Apache) builds the index while decoding, with ISA-L where the window is
known, stopping at block boundaries through its own patch of ISA-L (stock ISA-L, which our
decoder uses, cannot stop there: a zran of ours would need zlib). indexed_gzip, the other
well-kept choice, builds it with zlib: 2.4x the CPU of our ISA-L decode, beyond the 1.2x the
issue allows. By default it builds on one thread: on the 256 MiB corpus 1.16-1.17x the CPU of
our decode in process, 1.20-1.21x as a process against ``arrowio cat`` (0.48 s for 0.40 s).
The file is decoded once, and ISA-L's share of a profile is the same on both sides; the rest is
rapidgzip's own: zero-filling the buffers it decodes into and their page faults (about 10 %),
the checks of which window bytes are used and the windows' compression in memory (about 5 %),
then their export (5 ms, not synced: the index is a cache that a later build remakes). No
setting its Python API has makes that cheaper: larger chunks save 1-2 % but space checkpoints
wider (see _CHUNK). Its parallel mode (decoding chunks before their windows are known, then
resolving them) costs 2.2-2.4x the CPU, so on two cores it takes as long or longer.
The index is saved in indexed_gzip's format (readable by both libraries) as ``<file>.gzidx``;
one older than the file is ignored, one of another file refused. Positional reads use only the
checkpoint they need (:mod:`._gzindex`); rapidgzip loads the whole index for readers from a
position (``seek``). rapidgzip is optional: ``pip install 'arrowio[gzip-index]'``.

rapidgzip's decoder threads abort the interpreter if a file is still open at exit, so every
file opened here is closed by a finalizer and at exit.
"""

from __future__ import annotations

import _thread  # threading.Lock itself, without importing threading: start-up time
import errno
import io
import os

from ..errors import ArrowIOError, ArrowNotImplementedError
from ._base import corrupt

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any
    from weakref import WeakSet

__all__ = ["CHECKPOINT_SUFFIX", "build_checkpoints", "checkpoint_index", "CheckpointAccess"]

CHECKPOINT_SUFFIX = ".gzidx"
_HINT = "pip install rapidgzip (or arrowio[gzip-index])"
#: What rapidgzip raises for bad data (C++'s std::invalid_argument, std::domain_error: ValueError;
#: std::runtime_error, as for a size or a trailer that does not match: RuntimeError).
_BAD_DATA = (ValueError, RuntimeError)
#: The rapidgzip files open, closed at exit: made with the first (see _open).
_open_files: WeakSet[Any] | None = None
_open_files_lock = _thread.allocate_lock()


def _rapidgzip() -> Any:
    try:
        import rapidgzip
    except ImportError as exc:
        raise ArrowNotImplementedError(
            f"random access into single-member gzip needs rapidgzip ({exc}); install with: {_HINT}"
        ) from None
    return rapidgzip


def _first_line(exc: Exception) -> str:
    """rapidgzip's message without the lines of offsets it adds to some: an error is one line."""
    return str(exc).strip().partition("\n")[0]


def _close_all() -> None:
    for f in list(_open_files or ()):
        f.close()


# rapidgzip's chunk (compressed bytes; its default), which sets the spacing of checkpoints (a
# quarter of it): about 3.6 MiB of the corpus decoded between two, 4.4 at most. Larger chunks
# build a little cheaper (6 MiB: 1-1.5 % less CPU, 8 MiB: 1.5-2 %) but a read decodes more from
# its checkpoint (8 MiB: up to 9.4 MiB, 0.035 of a full decode, for 0.017): the reads' 0.02 is
# the tighter goal.
_CHUNK = 4 << 20


def _open(path: str, workers: int) -> Any:
    global _open_files
    f = _rapidgzip().RapidgzipFile(path, parallelization=max(workers, 1), chunk_size=_CHUNK)
    with _open_files_lock:
        if _open_files is None:
            # Here, not at import: a gzip file without an index only asks checkpoint_index, and
            # `arrowio cat` of one starts faster without weakref and atexit.
            import atexit
            from weakref import WeakSet

            _open_files = WeakSet()
            atexit.register(_close_all)
        _open_files.add(f)
    return f


def checkpoint_index(path: str, raw: Any = None) -> str | None:
    """The checkpoint index beside ``path``, or None when there is none or it is older than the file
    (than its last change: a copy that kept an older file's time, ``cp -p``, is a change too).
    ``raw``: the file open as ``path``, which must still be the file of that name (the index
    beside the name is another file's once the name was given to it)."""
    index = path + CHECKPOINT_SUFFIX
    try:
        status = os.stat(path)
        opened = _fstat(raw)
        if opened is not None:
            if (opened.st_dev, opened.st_ino) != (status.st_dev, status.st_ino):
                return None
            status = opened
        # The change time, not only the modification time, which writers set (cp -p, tar, rsync -t).
        if os.stat(index).st_mtime_ns >= max(status.st_mtime_ns, status.st_ctime_ns):
            return index
    except FileNotFoundError:
        pass
    return None


def _fstat(raw: Any) -> os.stat_result | None:
    try:
        return os.fstat(raw.fileno())
    except (AttributeError, OSError, ValueError):  # no descriptor (memory): only the name tells
        return None


def build_checkpoints(path: str, workers: int | None = None) -> str:
    """Decode the gzip file ``path`` once on ``workers`` threads (default: one, the cheapest:
    see above), checking every CRC32, and save its checkpoint index beside it; returns the
    index's path. A failed build leaves nothing behind: no index, no temporary file."""
    index = path + CHECKPOINT_SUFFIX
    tmp = f"{index}.tmp{os.getpid()}"
    size = os.path.getsize(path)
    f = _open(path, workers or 1)
    try:
        try:
            f.seek(0, os.SEEK_END)  # decodes everything, recording checkpoints
        except _BAD_DATA as exc:
            raise ArrowIOError(f"gzip: {path}: {_first_line(exc)}") from None
        # A file that ends inside a deflate stream is no error to rapidgzip: it says so on stderr
        # and stops there, and its index would describe what it read. Read through, the last
        # offset it records (in bits) is the end of the last member's trailer: the file's end.
        end = max(f.block_offsets(), default=0) // 8
        if end != size:
            raise corrupt("gzip", size, f"{path}: truncated input: it ends inside a member (read through offset {end})")
        _export(f, tmp, index)
    finally:
        f.close()
    os.replace(tmp, index)  # never a half-written index under the real name
    return index


def _export(f: Any, tmp: str, index: str) -> None:
    """Write the index of the rapidgzip file ``f`` to ``tmp``: all of it, or an error and no ``tmp``."""
    sink = _IndexSink(tmp, "wb")
    try:
        with sink:
            f.export_index(sink)
        if sink.error is not None:
            raise sink.error
    except OSError as exc:
        os.remove(tmp)
        if exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, index) from None  # named by the index, not its temporary
    except BaseException:
        os.remove(tmp)
        raise


class _IndexSink(io.FileIO):
    """The temporary file rapidgzip exports an index into. An exception raised by a Python file
    inside ``export_index`` aborts the interpreter (rapidgzip 0.16: std::terminate, from a full
    disk or a file-size limit alike), so a failed write is kept here, the rest of the export is
    dropped, and :func:`_export` raises it when rapidgzip is done."""

    error: BaseException | None = None

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        if self.error is None:
            try:
                done = 0
                while done < len(view):  # a short write (a file-size limit, a filling disk) goes on
                    written = super().write(view[done:])
                    if not written:  # a regular file never takes nothing: never spin on it
                        raise OSError(errno.EIO, "the index file took no bytes")
                    done += written
            except BaseException as exc:  # KeyboardInterrupt too: nothing may reach rapidgzip
                self.error = exc
        return len(view)


def _opened_path(raw: Any, path: str) -> str:
    """A name of the file ``raw`` has open, for rapidgzip to open: its descriptor's link in
    /proc (the open file, even once renamed over), else (no /proc, no descriptor) ``path``."""
    try:
        link = f"/proc/self/fd/{raw.fileno()}"
    except (OSError, ValueError, AttributeError):
        return path
    return link if os.path.exists(link) else path


class CheckpointAccess:
    """Random access to a gzip file with a checkpoint index: positional reads from the one
    checkpoint they need (:class:`CheckpointTable`, thread-safe), and readers from any position
    through rapidgzip, which loads the whole index on the first seek (serialized: a rapidgzip
    file has one position)."""

    def __init__(self, path: str, index: str, workers: int, raw: Any) -> None:
        from ._gzindex import CheckpointTable

        self._path, self._index, self._workers = path, index, workers
        # The file opened (``raw``), not the name, which may be another file's by the next read.
        self._table = CheckpointTable(path, index, raw._readinto_at, raw.size())  # cheap, checked against the file
        self._opened_file = _opened_path(raw, path)
        self.size: int = self._table.size
        self._lock = _thread.allocate_lock()
        self._opened: Any = None

    @property
    def _file(self) -> Any:
        """The rapidgzip file with the whole index loaded (on first use)."""
        if self._opened is None:
            opened = _open(self._opened_file, self._workers)
            try:
                opened.import_index(self._index)
            except _BAD_DATA as exc:
                opened.close()
                raise ArrowIOError(f"gzip: {self._index}: unusable checkpoint index ({_first_line(exc)})") from None
            import weakref  # here: only a file with an index opened (start-up time, see _open)

            self._opened = opened
            self._finalizer = weakref.finalize(self, opened.close)
        return self._opened

    def readinto_at(self, view: memoryview, offset: int) -> int:
        from ._gzindex import MemberEnd

        try:
            return self._table.readinto_at(view, offset)
        except MemberEnd:  # a file of several members, read across one's end: rapidgzip's way
            with self._lock:
                self._file.seek(offset)
                return self._fill(view)

    def _fill(self, view: memoryview) -> int:
        filled = 0
        while filled < len(view):
            try:
                got = self._file.readinto(view[filled:])
            except _BAD_DATA as exc:
                raise ArrowIOError(f"gzip: {_first_line(exc)}") from None
            if not got:
                break
            filled += got
        return filled

    def reader(self, position: int) -> CheckpointReader:
        with self._lock:
            self._file.seek(position)
        return CheckpointReader(self, position)

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()


class CheckpointReader:
    """Sequential reads from ``position`` on, in the interface of the other stream readers."""

    def __init__(self, access: CheckpointAccess, position: int) -> None:
        self._access = access
        self.position = position

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        with self._access._lock:
            self._access._file.seek(self.position)  # another reader of the file may have moved it
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
