"""The position of a file over memory of a fixed size, shared by the memory-backed files."""

from __future__ import annotations

from ..errors import ArrowIOError
from .native_file import NativeFile

__all__ = ["FixedExtentFile"]


class FixedExtentFile(NativeFile):
    """A NativeFile whose position ``_pos`` moves within ``0.._length`` (set by the subclass):
    seeking past the end raises ArrowIOError, naming the file as ``_extent_name``."""

    _pos = 0
    _length = 0
    _extent_name = "file"

    def _tell(self) -> int:
        return self._pos

    def _seek(self, position: int) -> None:
        self._check_seek(position)
        self._pos = position

    def _check_seek(self, position: int) -> None:
        if position > self._length:
            raise ArrowIOError(
                f"Seek out of bounds: position {position} is past the end of the {self._extent_name} "
                f"(size {self._length})"
            )

    def _size(self) -> int:
        return self._length
