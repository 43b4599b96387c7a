"""BufferedInputStream and BufferedOutputStream: fewer, larger calls to the stream below.

PyArrow's classes, over another NativeFile that they own (closefd-like: ``detach()`` hands it
back). The input side is deliberately apart from NativeFile's own read-ahead: that one is the
pushback ``peek``/``readline`` need on every file (bytes, consumed first, plus an error deferred
after partial data), while this is a fixed, reused buffer that reads of less than its size are
served from, and that larger reads bypass; a remote file's prefetching is :mod:`._readahead`.
"""

from __future__ import annotations

import operator

from ..buffer import Buffer
from ..errors import ArrowInvalid
from ..memory import MemoryPool
from .native_file import NativeFile

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["BufferedInputStream", "BufferedOutputStream", "check_buffer_size"]


def check_buffer_size(buffer_size: object) -> int:
    """``buffer_size`` as an int; TypeError for non-integers, ArrowInvalid unless positive."""
    if isinstance(buffer_size, bool):
        raise TypeError("buffer_size must be an integer, not bool")
    try:
        size = operator.index(buffer_size)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"buffer_size must be an integer, not {type(buffer_size).__name__}") from None
    if size <= 0:
        raise ArrowInvalid(f"Buffer size must be larger than zero, got {size}")
    return size


class BufferedInputStream(NativeFile):
    """Read ``raw`` (a readable NativeFile) through a buffer of ``buffer_size`` bytes.

    Not seekable. Reads of at least ``buffer_size`` bytes bypass the buffer. :meth:`detach`
    returns ``raw`` (unread buffered bytes are dropped) and closes this stream but not ``raw``;
    :meth:`close` closes both.
    """

    def __init__(self, raw: NativeFile, buffer_size: int, memory_pool: MemoryPool | None = None) -> None:
        size = check_buffer_size(buffer_size)
        if not raw.readable():
            raise TypeError("BufferedInputStream needs a readable stream")
        self._raw = raw
        self._size_limit = size
        self._buf = bytearray(size)
        self._mv = memoryview(self._buf)
        self._start = self._end = 0
        self._owns_raw = True  # closed with this stream, until detach() hands it back
        super().__init__("rb", memory_pool=memory_pool)

    @property
    def raw(self) -> NativeFile:
        """The stream below."""
        return self._raw

    @property
    def buffer_size(self) -> int:
        """Size of the buffer, in bytes."""
        return self._size_limit

    def detach(self) -> NativeFile:  # type: ignore[override]  # the NativeFile below, as in PyArrow
        """Return the stream below and close this one without closing it."""
        self._check_open()
        self._owns_raw = False
        self.close()
        return self._raw

    def _close(self) -> None:
        self._mv.release()
        if self._owns_raw:
            self._raw.close()

    def _tell(self) -> int:
        return self._raw.tell() - (self._end - self._start)

    def _refill(self) -> int:
        self._start = 0
        self._end = self._raw.readinto1(self._mv)
        return self._end

    def _readinto(self, view: memoryview) -> int:
        available = self._end - self._start
        if not available:
            if len(view) >= self._size_limit:
                return self._raw.readinto1(view)
            available = self._refill()
            if not available:
                return 0
        count = min(len(view), available)
        start = self._start
        view[:count] = self._mv[start : start + count]
        self._start = start + count
        return count

    def _read_chunk(self, nbytes: int) -> bytes:
        available = self._end - self._start
        if not available:
            if nbytes >= self._size_limit:
                return self._raw.read1(nbytes)
            available = self._refill()
        count = min(nbytes, available)
        start = self._start
        self._start = start + count
        return self._mv[start : start + count].tobytes()

    def _read_buffer(self, nbytes: int) -> Buffer:
        if self._start == self._end and nbytes >= self._size_limit:
            return self._raw.read_buffer(nbytes)  # zero-copy where the stream below is memory
        return super()._read_buffer(nbytes)


class BufferedOutputStream(NativeFile):
    """Write to ``raw`` (a writable NativeFile) through a buffer of ``buffer_size`` bytes.

    Not seekable. A write that would fill the buffer (exactly or more) first passes what is
    buffered to ``raw``; one of at least ``buffer_size`` bytes then goes straight through. :meth:`flush` writes the buffer and flushes ``raw``; :meth:`detach` does the same,
    then returns ``raw`` and closes this stream but not ``raw``; :meth:`close` closes both.

    A write to ``raw`` that fails (a full disk) leaves this stream failed: later writes, flushes
    and the close raise the same error (the close still releases ``raw``, aborting it where it
    can), so bytes lost to the failure can never end in a close that reports success.
    """

    def __init__(self, raw: NativeFile, buffer_size: int, memory_pool: MemoryPool | None = None) -> None:
        size = check_buffer_size(buffer_size)
        if not raw.writable():
            raise TypeError("BufferedOutputStream needs a writable stream")
        self._raw = raw
        self._size_limit = size
        self._buf = bytearray(size)
        self._mv = memoryview(self._buf)
        self._used = 0
        self._owns_raw = True  # closed (or aborted) with this stream, until detach() hands it back
        self._failure: BaseException | None = None  # the error that lost bytes, raised again
        super().__init__("wb", memory_pool=memory_pool)
        self._hold(raw)

    @property
    def raw(self) -> NativeFile:
        """The stream below."""
        return self._raw

    @property
    def buffer_size(self) -> int:
        """Size of the buffer, in bytes."""
        return self._size_limit

    def detach(self) -> NativeFile:  # type: ignore[override]  # the NativeFile below, as in PyArrow
        """Flush, then return the stream below and close this one without closing it."""
        self._check_open()
        self._owns_raw = False
        self.close()
        return self._raw

    def abort(self) -> None:
        """Close without writing what is buffered and abort the stream below (a remote upload
        then publishes nothing; a plain file just closes); harmless when closed."""
        if self._closed:
            return
        self._used = 0
        self._aborting = True  # nothing is flushed, an earlier failure is not raised again, raw is aborted
        self.close()

    def _close_interrupted(self, dropped: bool) -> None:
        # What is buffered still goes down: only the stream below knows whether an interrupted
        # close publishes it (a plain file keeps every byte written, an upload is aborted).
        self._interrupted = dropped
        self.close()

    def _tell(self) -> int:
        return self._raw.tell() + self._used

    def _write(self, view: memoryview) -> None:
        count = len(view)
        used = self._used
        # A write that fills the buffer exactly drains it, as Arrow's does (buffer_pos + nbytes
        # >= buffer_size): what reaches raw, and when, matches PyArrow byte for byte.
        if used + count < self._size_limit and self._failure is None:
            self._mv[used : used + count] = view
            self._used = used + count
            return
        self._drain()
        if count >= self._size_limit:
            self._down(self._raw.write, view)
        else:
            self._mv[:count] = view
            self._used = count

    def _drain(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._used:
            used, self._used = self._used, 0
            self._down(self._raw.write, self._mv[:used])

    def _down(self, call: Any, *args: Any) -> None:
        """Call into ``raw``; a failure there fails this stream for good (see the class)."""
        try:
            call(*args)
        except BaseException as exc:
            self._failure = exc
            raise

    _aborting = False

    def _flush(self) -> None:
        if self._aborting:
            return
        self._drain()
        self._down(self._raw.flush)

    def _close(self) -> None:
        self._let_go()
        try:
            if not self._owns_raw:
                return
            if self._failure is not None or self._aborting:  # a remote upload must not publish what is left
                self._raw.abort()
            else:
                self._close_owned(self._raw)
        finally:
            # Last: it raises BufferError while the failure kept a slice of the buffer alive (its
            # traceback holds the write's arguments), and raw must be released all the same.
            self._mv.release()
