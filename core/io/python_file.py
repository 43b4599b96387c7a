"""PythonFile: a NativeFile over a Python binary file object or any object with read/write."""

from __future__ import annotations

import errno
import io

from ..buffer import Buffer, py_buffer
from ..errors import ArrowInvalid
from .native_file import NativeFile, UnsupportedOperation

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["PythonFile"]


def _wait_writable(handle: Any) -> None:
    """Until ``handle``'s descriptor takes more (a handle without one is retried at once)."""
    try:
        fd = handle.fileno()
    except (AttributeError, OSError, ValueError):
        return
    import select  # here: only a full non-blocking output waits, and most runs never import it

    select.select([], [fd], [])


_MODES = {
    "r": "rb", "rb": "rb",
    "w": "wb", "wb": "wb", "x": "wb", "xb": "wb",
    "a": "ab", "ab": "ab",
    "r+": "rb+", "rb+": "rb+", "r+b": "rb+", "w+": "rb+", "wb+": "rb+", "w+b": "rb+",
    "a+": "rb+", "ab+": "rb+", "a+b": "rb+", "x+": "rb+", "xb+": "rb+", "x+b": "rb+",
}  # fmt: skip


def is_text_file(handle: Any) -> bool:
    """Whether ``handle`` is a text (str) file rather than a binary one."""
    return isinstance(handle, io.TextIOBase) or (
        not isinstance(handle, (io.RawIOBase, io.BufferedIOBase)) and isinstance(getattr(handle, "encoding", None), str)
    )


def _infer_mode(handle: Any) -> str:
    mode = getattr(handle, "mode", None)
    if isinstance(mode, str) and mode.replace("b", "") in ("r", "w", "x", "a", "r+", "w+", "x+", "a+"):
        return _MODES[mode.replace("b", "")]
    readable = writable = None
    try:
        readable = bool(handle.readable())
        writable = bool(handle.writable())
    except (AttributeError, ValueError, OSError):  # duck types, or a closed handle
        pass
    if readable is None:
        readable = hasattr(handle, "read") or hasattr(handle, "read_buffer")
        writable = hasattr(handle, "write")
    if readable and writable:
        return "rb+"
    if readable:
        return "rb"
    if writable:
        return "wb"
    raise ValueError(f"could not infer the mode of {handle!r}: pass mode='r' or mode='w'")


class PythonFile(NativeFile):
    """Wrap a Python binary file object (or any object with ``read``/``read_buffer``/``write``).

    ``mode`` (``'r'``, ``'w'``, ``'a'``, ``'r+'``, with or without ``b``) defaults to the handle's
    own: its ``mode`` attribute, else ``readable()``/``writable()``, else which of the methods it
    has. Text handles raise TypeError. Closing the PythonFile closes the handle; dropping it
    only flushes. A write-only PythonFile (``'w'``, ``'a'``) is an output stream, not seekable
    (as in PyArrow); one that reads keeps ``seek`` when the handle can seek.
    """

    def __init__(self, handle: Any, mode: str | None = None) -> None:
        if is_text_file(handle):
            raise TypeError("binary file expected, got text file")
        canonical: str | None
        if mode is None:
            canonical = _infer_mode(handle)
        else:
            canonical = _MODES.get(mode) if isinstance(mode, str) else None
            if canonical is None:
                raise ArrowInvalid(f"Invalid file mode: {mode!r}")
        self.handle = handle
        # Write-only is an output stream, as in PyArrow: not seekable whatever the handle says.
        try:
            seekable = canonical in ("rb", "rb+") and bool(handle.seekable())
        except (AttributeError, ValueError, OSError):
            seekable = False
        self._readinto_fn = getattr(handle, "readinto", None)
        read = getattr(handle, "read", None)
        if read is None and hasattr(handle, "read_buffer"):
            read = lambda nbytes: bytes(handle.read_buffer(nbytes))  # noqa: E731
        self._read_fn: Any = read  # None for write-only handles, whose reads are refused before it is called
        super().__init__(canonical, seekable=seekable)

    @property
    def closed(self) -> bool:
        return self._closed or bool(getattr(self.handle, "closed", False))

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file")

    def __del__(self) -> None:
        # Dropping the wrapper must not close the caller's handle: flush what we wrote, no more.
        if not self._closed and self._writable_flag:
            try:
                self._flush()
            except Exception:
                pass

    def fileno(self) -> int:
        self._check_open()
        return self.handle.fileno()

    def isatty(self) -> bool:
        self._check_open()
        isatty = getattr(self.handle, "isatty", None)
        return bool(isatty()) if isatty is not None else False

    def _close(self) -> None:
        if isinstance(self.handle, NativeFile):  # an arrowio file below is closed the way this one is
            self._close_owned(self.handle)
            return
        close = getattr(self.handle, "close", None)
        if close is not None:
            close()

    def _close_interrupted(self, dropped: bool) -> None:
        if isinstance(self.handle, NativeFile):  # an upload below publishes nothing: pass it on
            self._interrupted = dropped
            self.close()
        else:
            super()._close_interrupted(dropped)

    def _flush(self) -> None:
        flush = getattr(self.handle, "flush", None)
        if flush is not None and not getattr(self.handle, "closed", False):
            flush()

    # -- position --------------------------------------------------------------------------------
    def _tell(self) -> int:
        tell = getattr(self.handle, "tell", None)
        if tell is None:  # a duck-typed reader or writer that keeps no position
            raise UnsupportedOperation(f"{type(self.handle).__name__} object has no tell()")
        return tell()

    def _seek(self, position: int) -> None:
        self.handle.seek(position)

    def _size(self) -> int:
        size = getattr(self.handle, "size", None)
        if callable(size):
            return size()
        here = self.handle.tell()
        end = self.handle.seek(0, io.SEEK_END)
        self.handle.seek(here)
        return end

    # -- reads -----------------------------------------------------------------------------------
    def _readinto(self, view: memoryview) -> int:
        if self._readinto_fn is not None:
            return self._readinto_fn(view) or 0
        data = self._read_fn(len(view))
        count = len(data)
        view[:count] = data
        return count

    def _read_chunk(self, nbytes: int) -> bytes:
        return bytes(self._read_fn(nbytes))

    def _read_bytes(self, nbytes: int) -> bytes:
        data = bytes(self._read_fn(nbytes))
        if len(data) == nbytes or not data:
            return data
        parts = [data]  # raw files and sockets may return short reads before the end
        got = len(data)
        try:
            while got < nbytes and (more := self._read_fn(nbytes - got)):
                parts.append(bytes(more))
                got += len(more)
        except Exception as exc:  # the bytes read so far first, the error on the next read
            self._defer(exc)
        return b"".join(parts)

    def _read_buffer(self, nbytes: int) -> Buffer:
        read_buffer = getattr(self.handle, "read_buffer", None)
        if read_buffer is not None:
            result = read_buffer(nbytes)
            return result if isinstance(result, Buffer) else py_buffer(result)
        return py_buffer(self._read_bytes(nbytes))  # zero-copy over the bytes just read

    # -- writes ----------------------------------------------------------------------------------
    def _write(self, view: memoryview) -> None:
        # Views of our memory own it, so a handle may even keep what it is given.
        handle = self.handle
        raw = isinstance(handle, io.RawIOBase)
        size = len(view)
        written = 0
        while written < size:
            try:
                count = handle.write(view[written:] if written else view)
            except BlockingIOError as exc:  # a buffered writer over a non-blocking descriptor is full
                written += exc.characters_written
                _wait_writable(handle)
                continue
            if count is None:
                if not raw:  # a duck type that returns nothing took it all (or raised)
                    return
                _wait_writable(handle)  # a raw non-blocking file would block: it took nothing yet
                continue
            if count <= 0:  # no error and no progress: never let the caller think it was written
                raise OSError(errno.EIO, f"{type(handle).__name__}.write took no bytes ({size - written} left)")
            written += count

    def _truncate(self, size: int) -> None:
        self.handle.truncate(size)
