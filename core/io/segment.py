"""FileSegment: the stream that ``NativeFile.get_stream`` returns."""

from __future__ import annotations

from ..buffer import Buffer
from .native_file import NativeFile

__all__ = ["FileSegment"]


class FileSegment(NativeFile):
    """A non-seekable input stream over ``nbytes`` bytes of ``file`` from ``offset``.

    Reads go through the file's positional primitives, so several segments and the file itself
    can be read at once without disturbing each other. Closing the segment leaves the file open.
    """

    def __init__(self, file: NativeFile, offset: int, nbytes: int) -> None:
        self._file = file
        self._pos = offset
        self._end = offset + nbytes
        self._start = offset
        super().__init__("rb", seekable=False, memory_pool=file._pool)

    def _close(self) -> None:
        self._file = None  # type: ignore[assignment]

    def _parent_file(self) -> NativeFile:
        file = self._file
        file._check_open()  # reading a closed file's fd could read a file opened after it
        return file

    def _tell(self) -> int:
        return self._pos - self._start

    def _remaining(self) -> int:
        return max(self._end - self._pos, 0)

    # A read of nothing still asks the file, which refuses a segment that starts past its end
    # (memory-backed files: "Read out of bounds", as in PyArrow).
    def _readinto(self, view: memoryview) -> int:
        count = min(len(view), self._end - self._pos)
        if count < 0:
            return 0
        got = self._parent_file()._readinto_at(view[:count] if count < len(view) else view, self._pos)
        self._pos += got
        return got

    _fill = _readinto  # positional reads fill what they can: nothing to loop for, no error to keep

    def _read_bytes(self, nbytes: int) -> bytes:
        count = min(nbytes, self._end - self._pos)
        if count < 0:
            return b""
        data = self._parent_file()._read_bytes_at(count, self._pos)
        self._pos += len(data)
        return data

    _read_chunk = _read_bytes

    def _read_buffer(self, nbytes: int) -> Buffer:
        count = max(min(nbytes, self._end - self._pos), 0)
        buffer = self._parent_file()._read_buffer_at(count, self._pos)
        self._pos += buffer.size
        return buffer
