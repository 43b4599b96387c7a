"""NativeFile: the common base of every arrowio file and stream.

A real :class:`io.BufferedIOBase`, so ``io.TextIOWrapper``, ``shutil.copyfileobj``, pandas and
``isinstance(f, io.IOBase)`` work, plus Arrow's extra methods (``read_buffer``, ``read_at``,
``size``, ``get_stream``, ``upload``, ``download``, ``metadata``).
"""

from __future__ import annotations

import _thread  # threading.Lock itself, without importing threading: start-up time
import io
import operator
import os
from collections.abc import Iterable, Iterator

from ..buffer import Buffer, allocate_buffer, py_buffer
from ..errors import ArrowInvalid, ArrowInvalidPosition, ArrowIOError
from ..memory import MemoryPool
from ._views import byte_view, fitted, writable_view

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    import threading
    from typing import Any, Self

__all__ = ["NativeFile", "UnsupportedOperation"]

#: Bytes that readline/peek read ahead of the caller at a time: large enough that iterating
#: lines costs one raw read per many lines, small enough never to drain a large stream.
_READ_AHEAD = 64 * 1024
#: Size of the chunks read when the remaining size is unknown, and by read1(None).
_CHUNK = 256 * 1024
#: Chunk size of upload/download when none is given.
_COPY_CHUNK = 1024 * 1024

_MODES = ("rb", "wb", "ab", "rb+")

#: The file each open buffering or compressing stream writes into, by the stream's id. Held here,
#: the file cannot be finalized before the stream, which may still have bytes to write into it
#: (the collector finalizes a reference cycle in no set order); the stream lets go as it closes
#: or detaches. Single dict operations: safe from any thread, and from a finalizer, without a lock.
_HELD: dict[int, NativeFile] = {}


class UnsupportedOperation(io.UnsupportedOperation, ArrowIOError):
    """The file does not support this operation (wrong direction, not seekable, ...)."""


class NativeFile(io.BufferedIOBase):
    """Base class of arrowio's files and streams.

    Use it like any binary Python file; the Arrow extras are documented on each method.

    **Subclassing contract** (stable; compressed, CUDA and remote files build on it):

    * Call ``super().__init__(mode, seekable=..., memory_pool=...)`` once the subclass is ready
      (until then the object counts as closed, so a failed constructor leaves nothing to clean up).
      ``mode`` is one of ``'rb'``, ``'wb'``, ``'ab'``, ``'rb+'`` and decides :meth:`readable` and
      :meth:`writable` (``'rb'``/``'rb+'`` read, ``'wb'``/``'ab'``/``'rb+'`` write); ``seekable``
      decides :meth:`seekable`. These never change after construction.
    * Override the *primitives* below (names start with one underscore); the public methods do the
      argument checks, the closed/readable/writable/seekable checks (ValueError on a closed
      file, :class:`UnsupportedOperation` otherwise), the read-ahead bookkeeping of
      :meth:`readline`/:meth:`peek`, and everything else.

      Readable files must implement
        ``_readinto(view) -> int``: one raw read of up to ``len(view)`` bytes at the current
        position into the flat writable byte memoryview; fewer bytes are fine, 0 means end of file.
      and may override, for speed (the defaults are built on ``_readinto``):
        ``_read_chunk(n) -> bytes``: one raw read of up to ``n`` bytes (used by ``read1``/``readline``);
        ``_read_bytes(n) -> bytes``: exactly ``n`` bytes, fewer only at end of file;
        ``_read_buffer(n) -> Buffer``: the same as a Buffer (default: pool memory from
        ``self._pool`` filled by ``_readinto``). **Memory sources** return zero-copy slices
        here (``source.slice(pos, n)``) whose parent/base keeps the memory alive after close:
        subclass :class:`arrowio.io.memory_source.MemorySourceFile` to get that for free.
        ``_read_all() -> bytes``: everything up to end of file.
      Seekable files must implement ``_tell() -> int``, ``_seek(position) -> None`` (absolute,
      ``position >= 0`` is checked already; refuse positions the file cannot take) and
      ``_size() -> int``; they get ``read_at``/``get_stream`` through a locked seek-read-seek
      fallback unless they override the positional primitives, which must not move the
      position and must be safe from several threads at once:
        ``_readinto_at(view, offset) -> int`` (fills ``view``, short only at end of file),
        ``_read_bytes_at(n, offset) -> bytes``, ``_read_buffer_at(n, offset) -> Buffer``.
      Non-seekable files implement ``_tell()`` if they can tell (streams count bytes).
      Writable files must implement ``_write(view) -> None`` (write all of the flat byte view)
      and may implement ``_flush()``. Any file may implement ``_close()`` (release resources;
      called once, after a final ``_flush()`` of writable files), ``_truncate(size)``,
      ``_metadata() -> dict``, and override ``fileno()``/``isatty()``.
    * A subclass may override a public method for speed (BufferOutputStream.write does) as long
      as it keeps the checks above.
    * **Closing.** :meth:`close` commits (flushes, ends a compressed stream, publishes an upload);
      :meth:`abort` gives the file up without committing. A file whose close is what publishes
      its writes (a remote upload) sets ``_commits_on_close``: an exception in its ``with`` block
      or dropping it unclosed aborts it instead (:meth:`_close_interrupted`).
    * **Streams over another file** (buffered, compressed, transforming) keep it as ``_raw`` and
      say themselves whether they own it (``_owns_raw``, set by their constructor, cleared by
      ``detach()``; like ``closefd``): an owning stream closes it, aborts it from :meth:`abort`,
      and passes an interrupted close on to it (:meth:`_close_owned`). A stream that writes into
      it also holds it while open (:meth:`_hold`), so that the file outlives the stream's finalizer.
    """

    # Class-level defaults: an instance whose __init__ never ran (a constructor that raised)
    # reads as closed, so the finalizer of io.IOBase has nothing to do.
    _closed = True
    _rd = False  # open and readable: the one attribute the read hot paths test
    _wr = False  # open and writable
    _sk = False  # open and seekable
    _ahead = b""  # bytes read ahead by readline/peek, not yet consumed
    _deferred: Exception | None = None  # a read error kept until the next read (see _fill)...
    _ahead_pos = 0  # ...starting at this index
    _mode = "rb"
    _readable_flag = False
    #: True where close() is what publishes the writes (a remote upload): dropped unclosed or
    #: closed by a ``with`` block that raised, such a file is aborted, never published.
    _commits_on_close = False
    #: How a stream is being closed, for :meth:`_close_owned`: None normally, else the
    #: ``dropped`` argument of :meth:`_close_interrupted`.
    _interrupted: bool | None = None
    _writable_flag = False
    _seekable_flag = False

    def __init__(self, mode: str = "rb", *, seekable: bool = False, memory_pool: MemoryPool | None = None) -> None:
        if mode not in _MODES:
            raise ArrowInvalid(f"Invalid file mode: {mode!r} (expected one of {', '.join(_MODES)})")
        self._mode = mode
        self._readable_flag = mode in ("rb", "rb+")
        self._writable_flag = mode != "rb"
        self._seekable_flag = bool(seekable)
        self._pool = memory_pool
        self._closed = False
        self._rd = self._readable_flag
        self._wr = self._writable_flag
        self._sk = self._seekable_flag

    # -- state ---------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        """The mode: ``'rb'``, ``'wb'``, ``'ab'`` or ``'rb+'``."""
        return self._mode

    @property
    def closed(self) -> bool:
        """Whether the file is closed."""
        return self._closed

    def readable(self) -> bool:
        """Whether reads are allowed."""
        self._check_open()
        return self._readable_flag

    def writable(self) -> bool:
        """Whether writes are allowed."""
        self._check_open()
        return self._writable_flag

    def seekable(self) -> bool:
        """Whether seek, size, read_at and get_stream are allowed."""
        self._check_open()
        return self._seekable_flag

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("I/O operation on closed file")

    def _refuse(self, what: str) -> None:
        """Raise the error for a refused operation: ValueError when closed, a read error kept by
        :meth:`_fill` (once), else UnsupportedOperation."""
        self._check_open()
        deferred = self._deferred
        if deferred is not None and what == "readable":
            self._deferred = None
            self._rd = True
            raise deferred
        raise UnsupportedOperation(f"only valid on {what} files")

    def _check_random_access(self) -> None:
        if not self._rd:
            self._refuse("readable")
        if not self._sk:
            self._refuse("seekable")

    def close(self) -> None:
        """Flush written data and release the file; closing twice is harmless."""
        if self._closed:
            return
        try:
            if self._writable_flag:
                self._flush()
        finally:
            self._closed = True
            self._rd = self._wr = self._sk = False
            self._ahead = b""
            self._ahead_pos = 0
            self._deferred = None
            self._close()

    def _close(self) -> None:
        """Release resources (primitive). Default: nothing to release."""

    def abort(self) -> None:
        """Give the file up: close it without committing what was written.

        A remote upload publishes nothing (an older object stays as it was); a compressing
        stream writes no end of stream; a stream that owns the file below aborts it too. Files
        with nothing to commit just close. Harmless on a closed file.
        """
        self.close()

    def _close_interrupted(self, dropped: bool) -> None:
        """Close a file whose writer did not finish: it was ``dropped`` unclosed (its finalizer),
        or its ``with`` block raised. Default: abort where close would publish, else close.

        Streams that own a file below override this to pass the interruption on to it (a
        buffered stream over an upload: the upload is aborted either way).
        """
        if self._commits_on_close:
            self.abort()
        else:
            self.close()

    def _close_owned(self, raw: NativeFile) -> None:
        """Close ``raw``, which this stream owns, the way this stream is being closed."""
        if self._interrupted is None:
            raw.close()
        else:
            raw._close_interrupted(self._interrupted)

    def _hold(self, raw: NativeFile) -> None:
        """Keep ``raw``, which this open stream writes into, from being finalized before it."""
        _HELD[id(self)] = raw

    def _let_go(self) -> None:
        """Undo :meth:`_hold`, once this stream has written its last bytes."""
        _HELD.pop(id(self), None)

    def __del__(self) -> None:
        if self._closed:
            return
        try:
            self._close_interrupted(dropped=True)
        except Exception:  # as io.IOBase's finalizer does: no caller is left to tell
            pass

    def __enter__(self) -> Self:
        self._check_open()
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        if exc_type is None:
            self.close()
        else:  # an interrupted write must never look complete (a remote upload publishes nothing)
            self._close_interrupted(dropped=False)

    def __repr__(self) -> str:
        return (
            f"<arrowio.{type(self).__name__} closed={self._closed} mode={self._mode!r} "
            f"is_seekable={self._seekable_flag} is_writable={self._writable_flag} is_readable={self._readable_flag}>"
        )

    def fileno(self) -> int:
        """The OS file descriptor; UnsupportedOperation for files without one."""
        self._check_open()
        raise UnsupportedOperation(f"{type(self).__name__} has no file descriptor")

    def isatty(self) -> bool:
        """Whether the file is a terminal."""
        self._check_open()
        return False

    def metadata(self) -> dict[str, str]:
        """File metadata (empty for local files; remote files report what the server says)."""
        self._check_open()
        return self._metadata()

    def _metadata(self) -> dict[str, str]:
        return {}

    # -- position --------------------------------------------------------------------------------
    def tell(self) -> int:
        """The current position (bytes read or written so far for streams)."""
        self._check_open()
        return self._tell() - (len(self._ahead) - self._ahead_pos)

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move to ``offset`` relative to the start (0), the current position (1) or the end (2).

        Returns the new absolute position. A negative result raises ArrowInvalid.
        """
        if not self._sk:
            self._refuse("seekable")
        offset = operator.index(offset)
        if whence == 0:
            position = offset
        elif whence == 1:
            position = self.tell() + offset
        elif whence == 2:
            position = self._size() + offset
        else:
            raise ArrowInvalid(f"Invalid value of whence: {whence}")
        if position < 0:
            raise ArrowInvalidPosition(f"Invalid position: {position} (seek before the start of the file)")
        self._drop_ahead()
        self._seek(position)
        return position

    def size(self) -> int:
        """The file's size in bytes."""
        self._check_open()
        return self._size()

    def _tell(self) -> int:
        raise UnsupportedOperation(f"{type(self).__name__} cannot tell its position")

    def _seek(self, position: int) -> None:
        raise UnsupportedOperation("only valid on seekable files")

    def _size(self) -> int:
        raise UnsupportedOperation("size is only valid on seekable files")

    # -- reading ---------------------------------------------------------------------------------
    def read(self, nbytes: int | None = None) -> bytes:
        """Read up to ``nbytes`` bytes (everything left when None or negative) as bytes."""
        if not self._rd:
            self._refuse("readable")
        if nbytes is None or nbytes < 0:
            if self._ahead:
                return self._take_ahead(len(self._ahead)) + self._read_all()
            return self._read_all()
        if self._ahead:
            head = self._take_ahead(nbytes)
            if len(head) == nbytes:
                return head
            try:
                return head + self._read_bytes(nbytes - len(head))
            except Exception as exc:  # the bytes read ahead go out first, as _fill does
                self._defer(exc)
                return head
        return self._read_bytes(nbytes)

    def readall(self) -> bytes:
        """Read everything up to the end of the file."""
        return self.read()

    def read1(self, nbytes: int | None = None) -> bytes:
        """Read up to ``nbytes`` bytes with at most one raw read (a chunk when None)."""
        if not self._rd:
            self._refuse("readable")
        if nbytes is None or nbytes < 0:
            nbytes = _CHUNK
        if self._ahead:
            return self._take_ahead(nbytes)
        return self._read_chunk(nbytes)

    def readinto(self, b: Any) -> int:
        """Read into the writable buffer ``b`` until it is full or the file ends; returns the count."""
        if not self._rd:
            self._refuse("readable")
        view = writable_view(b)
        done = 0
        if self._ahead:
            head = self._take_ahead(len(view))
            done = len(head)
            view[:done] = head
        return done + self._fill(view[done:] if done else view)

    def readinto1(self, b: Any) -> int:
        """Read into ``b`` with at most one raw read; returns the count."""
        if not self._rd:
            self._refuse("readable")
        view = writable_view(b)
        if self._ahead:
            head = self._take_ahead(len(view))
            view[: len(head)] = head
            return len(head)
        return self._readinto(view)

    def read_buffer(self, nbytes: int | None = None) -> Buffer:
        """Read up to ``nbytes`` bytes (everything left when None) as a Buffer.

        Zero-copy where the file is memory (BufferReader, memory maps): the Buffer is a slice of
        that memory and keeps it alive after the file is closed.
        """
        if not self._rd:
            self._refuse("readable")
        if nbytes is None:
            if self._ahead:
                return py_buffer(self.read())
            remaining = self._remaining()
            if remaining is None:
                return py_buffer(self._read_all())
            nbytes = remaining
        elif nbytes < 0:
            try:
                where = f"offset = {self.tell()}, "
            except OSError:  # a stream that cannot tell
                where = ""
            raise ArrowInvalid(f"Invalid read ({where}size = {nbytes})")
        if self._ahead:
            return py_buffer(self.read(nbytes))
        return self._read_buffer(nbytes)

    def peek(self, nbytes: int = 1) -> bytes:
        """The next ``nbytes`` bytes without consuming them (fewer only at the end of the file);
        works on non-seekable streams too (magic-number detection uses it)."""
        if not self._rd:
            self._refuse("readable")
        available = len(self._ahead) - self._ahead_pos
        if available < nbytes:
            more = self._read_bytes(nbytes - available)
            self._ahead = self._ahead[self._ahead_pos :] + more
            self._ahead_pos = 0
        return self._ahead[self._ahead_pos : self._ahead_pos + nbytes]

    def readline(self, size: int | None = None) -> bytes:
        """Read one line, up to and including ``b"\\n"`` (at most ``size`` bytes when given).

        Reads ahead in bounded chunks, so a large file is never drained to find a line.
        """
        if not self._rd:
            self._refuse("readable")
        limit = -1 if size is None else operator.index(size)
        if limit == 0:
            return b""
        parts: list[bytes] = []
        taken = 0
        while True:
            ahead, start = self._ahead, self._ahead_pos
            if start >= len(ahead):
                ahead = self._read_chunk(_READ_AHEAD)
                if not ahead:
                    break
                self._ahead, self._ahead_pos = ahead, start = ahead, 0
            end = ahead.find(b"\n", start)
            stop = len(ahead) if end < 0 else end + 1
            if limit >= 0 and taken + stop - start > limit:
                stop = start + limit - taken
            parts.append(ahead[start:stop])
            taken += stop - start
            self._ahead_pos = stop
            if stop >= len(ahead):
                self._ahead, self._ahead_pos = b"", 0
            if end >= 0 and stop == end + 1 or taken == limit:
                break
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readlines(self, hint: int | None = None) -> list[bytes]:
        """Read lines until the file ends or their total size reaches ``hint`` (when positive)."""
        lines: list[bytes] = []
        total = 0
        for line in self:
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        self._check_open()
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def read_at(self, nbytes: int, offset: int) -> bytes:
        """Read up to ``nbytes`` bytes at ``offset`` without moving the position.

        Safe from several threads at once. Files without positional reads of their own (a
        PythonFile) seek there and back under a lock, which sequential reads in another thread
        do not take: do not mix the two on such a file.
        """
        self._check_random_access()
        self._check_range(nbytes, offset)
        return self._read_bytes_at(nbytes, offset)

    def _check_range(self, nbytes: int, offset: int) -> None:
        if nbytes < 0 or offset < 0:
            raise ArrowInvalid(f"Invalid read (offset = {offset}, size = {nbytes})")

    def get_stream(self, file_offset: int, nbytes: int) -> NativeFile:
        """A non-seekable input stream of ``nbytes`` bytes from ``file_offset`` (fewer past the end),
        reading by position so that it does not disturb this file or other streams."""
        self._check_random_access()
        if file_offset < 0:
            raise ArrowInvalid(f"file_offset should be a positive value, got: {file_offset}")
        if nbytes < 0:
            raise ArrowInvalid(f"nbytes should be a positive value, got: {nbytes}")
        from .segment import FileSegment

        return FileSegment(self, file_offset, nbytes)

    # -- read-ahead bookkeeping --------------------------------------------------------------------
    # The one pushback of the stream API: bytes peek/readline read beyond the caller (consumed
    # first by every read) and the error deferred after partial data. Buffering for fewer raw
    # calls is BufferedInputStream's job, prefetching remote blocks _readahead's (see there).
    def _take_ahead(self, nbytes: int) -> bytes:
        start = self._ahead_pos
        stop = min(start + nbytes, len(self._ahead))
        chunk = self._ahead[start:stop]
        if stop >= len(self._ahead):
            self._ahead, self._ahead_pos = b"", 0
        else:
            self._ahead_pos = stop
        return chunk

    def _drop_ahead(self) -> None:
        """Forget read-ahead bytes, moving a seekable file back to the logical position."""
        if self._ahead:
            unread = len(self._ahead) - self._ahead_pos
            self._ahead, self._ahead_pos = b"", 0
            if self._seekable_flag and unread:
                self._seek(self._tell() - unread)

    def _remaining(self) -> int | None:
        """Bytes left before the end, or None when the file cannot tell."""
        if not self._seekable_flag:
            return None
        return max(self._size() - self._tell(), 0)

    # -- default read primitives, built on _readinto ---------------------------------------------
    def _readinto(self, view: memoryview) -> int:
        raise UnsupportedOperation("only valid on readable files")

    def _fill(self, view: memoryview) -> int:
        """Call _readinto until ``view`` is full or the file ends; returns the count.

        A read that fails after some bytes arrived hands those bytes out first and keeps the
        error for the next read of the file, so nothing is lost either way. Files whose one
        ``_readinto`` always fills what it can (memory) may set ``_fill = _readinto``.
        """
        total, size = 0, len(view)
        while total < size:
            try:
                got = self._readinto(view[total:] if total else view)
            except Exception as exc:
                if not total:
                    raise
                self._defer(exc)
                break
            if not got:
                break
            total += got
        return total

    def _defer(self, exc: Exception) -> None:
        """Keep ``exc`` for the next read: reads check ``_rd`` first, and :meth:`_refuse` raises it."""
        self._deferred = exc
        self._rd = False

    def _read_chunk(self, nbytes: int) -> bytes:
        chunk = bytearray(nbytes)
        got = self._readinto(memoryview(chunk))
        return _first(chunk, got)

    def _read_bytes(self, nbytes: int) -> bytes:
        chunk = bytearray(nbytes)
        got = self._fill(memoryview(chunk))
        return _first(chunk, got)

    def _read_buffer(self, nbytes: int) -> Buffer:
        buffer = allocate_buffer(nbytes, self._pool)
        return fitted(buffer, self._fill(buffer._memview()), self._pool)

    def _read_all(self) -> bytes:
        remaining = self._remaining()
        parts = [self._read_bytes(remaining)] if remaining else []
        while chunk := self._read_chunk(_CHUNK):  # the file may have grown, or cannot tell its size
            parts.append(chunk)
        return b"".join(parts)

    # -- default positional primitives: seek, read, seek back, under a lock -----------------------
    @property
    def _position_lock(self) -> threading.Lock:
        """The lock of the seek-read-seek fallback, made on its first use: most files never
        take it, and opening a file should not allocate one. dict.setdefault is atomic, so
        threads that race here all get the one lock that was stored."""
        lock = self.__dict__.get("_position_lock_")
        if lock is None:
            lock = self.__dict__.setdefault("_position_lock_", _thread.allocate_lock())
        return lock

    def _readinto_at(self, view: memoryview, offset: int) -> int:
        with self._position_lock:
            saved = self._tell()
            self._seek(offset)
            try:
                # Not _fill: an error raises at once, as there is no next call to keep it for.
                total = 0
                while total < len(view) and (got := self._readinto(view[total:])):
                    total += got
                return total
            finally:
                self._seek(saved)

    def _read_bytes_at(self, nbytes: int, offset: int) -> bytes:
        chunk = bytearray(nbytes)
        got = self._readinto_at(memoryview(chunk), offset)
        return _first(chunk, got)

    def _read_buffer_at(self, nbytes: int, offset: int) -> Buffer:
        buffer = allocate_buffer(nbytes, self._pool)
        return fitted(buffer, self._readinto_at(buffer._memview(), offset), self._pool)

    # -- writing ---------------------------------------------------------------------------------
    def write(self, data: Any) -> int:
        """Write ``data`` (anything with the buffer protocol; str raises TypeError); returns the count."""
        if not self._wr:
            self._refuse("writable")
        view = byte_view(data)
        if self._ahead:
            self._drop_ahead()
        self._write(view)
        return view.nbytes

    def writelines(self, lines: Iterable[Any]) -> None:
        """Write each bytes-like object of ``lines``."""
        if not self._wr:  # refused even for no lines, as PyArrow refuses
            self._refuse("writable")
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Hand written data to the layer below (a no-op for files that keep nothing back)."""
        self._check_open()
        if self._writable_flag:
            self._flush()

    def truncate(self, size: int | None = None) -> int:
        """Resize the file to ``size`` bytes (the current position when None); returns the size."""
        if not self._wr:
            self._refuse("writable")
        size = self.tell() if size is None else operator.index(size)
        if size < 0:
            raise ArrowInvalid(f"Invalid size for truncate: {size}")
        self._truncate(size)
        return size

    def _write(self, view: memoryview) -> None:
        raise UnsupportedOperation("only valid on writable files")

    def _flush(self) -> None:
        """Push buffered data down (primitive). Default: nothing is buffered."""

    def _truncate(self, size: int) -> None:
        raise UnsupportedOperation(f"{type(self).__name__} cannot be truncated")

    # -- copying to and from Python streams ------------------------------------------------------
    def upload(self, stream: Any, buffer_size: int | None = None) -> None:
        """Write everything read from the Python stream ``stream`` into this file."""
        if not self._wr:
            self._refuse("writable")
        chunk_size = buffer_size or _COPY_CHUNK
        while chunk := stream.read(chunk_size):
            self.write(chunk)

    def download(self, stream_or_path: Any, buffer_size: int | None = None) -> None:
        """Copy this whole file (from its start when seekable) to a local path or writable stream."""
        if not self._rd:
            self._refuse("readable")
        chunk_size = buffer_size or _COPY_CHUNK
        if self._seekable_flag:
            self.seek(0)
        if isinstance(stream_or_path, (str, os.PathLike)):
            with open(stream_or_path, "wb") as out:
                self._copy_to(out, chunk_size)
        else:
            self._copy_to(stream_or_path, chunk_size)

    def _copy_to(self, out: Any, chunk_size: int) -> None:
        while True:
            chunk = self.read_buffer(chunk_size)
            if not chunk.size:
                break
            out.write(chunk)


def _first(chunk: bytearray, count: int) -> bytes:
    """The first ``count`` bytes of ``chunk`` as bytes (never resizes it: a read error kept for
    later may still hold a view of it)."""
    return bytes(chunk) if count == len(chunk) else bytes(memoryview(chunk)[:count])


def abort_or_close(stream: Any) -> None:
    """Give ``stream`` up: ``abort()`` where it has one (every NativeFile; a remote upload then
    publishes nothing), else ``close()`` (a plain Python file)."""
    abort = getattr(stream, "abort", None)
    if abort is not None:
        abort()
    else:
        stream.close()
