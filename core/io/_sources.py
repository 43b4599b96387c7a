"""The one place where a source or sink ("something") becomes the raw NativeFile below any
buffering or compression: :func:`open_raw` serves ``input_stream``/``output_stream`` and
``CompressedInputStream``/``CompressedOutputStream`` alike, so each opens and checks the same way
and none of them imports another to do it."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping

from .._records import NamedTuple
from ..buffer import Buffer
from .native_file import NativeFile

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

    from .os_file import OSFile

__all__ = ["Raw", "check_source", "open_raw", "path_of"]

#: What each direction needs of a duck-typed source, and the name of the function it was given to.
_NEEDS = {"r": (("read", "read_buffer"), "input_stream"), "w": (("write",), "output_stream")}
#: OSFile, bound on first use (its module loads ctypes): the local-path fast path of open_raw
#: reads this global rather than running an import statement per file.
_os_file: type[OSFile] | None = None


def _os_file_class() -> type[OSFile]:
    global _os_file
    if _os_file is None:
        from .os_file import OSFile

        _os_file = OSFile
    return _os_file


class Raw(NamedTuple):
    """An opened raw stream, the path it came from (None unless the source was a path) and
    whether we opened it (so it is ours to close when a wrapper over it fails)."""

    stream: NativeFile
    path: str | None
    owned: bool


def path_of(source: Any) -> str | None:
    """The path ``source`` names, or None when it is not a path."""
    return os.fsdecode(source) if isinstance(source, (str, os.PathLike)) else None


def check_source(source: Any, direction: str) -> None:
    """TypeError for a source of no kind the direction ('r' or 'w') takes. Callers run it before
    anything else, as PyArrow does, so a bad source is named even when other arguments are bad too."""
    # str first: a path is the usual source, and the checks against the ABCs cost more.
    if isinstance(source, (str, NativeFile, os.PathLike, Buffer, memoryview, io.IOBase)):
        return
    methods, function = _NEEDS[direction]
    if any(hasattr(source, method) for method in methods):
        return
    verb = "read from" if direction == "r" else "write to"
    raise TypeError(
        f"{function}() cannot {verb} {type(source).__name__!r}: expected a path, "
        "Buffer, memoryview, binary file or NativeFile"
    )


def open_raw(source: Any, direction: str, storage_options: Mapping[str, Any] | None = None) -> Raw:
    """``source`` as a raw NativeFile for reading ('r') or writing ('w'), nothing decoded.

    A path → OSFile; a URL with a scheme → RemoteFile through fsspec (``storage_options`` go to
    its filesystem); a Buffer or memoryview → BufferReader (reading) or FixedSizeBufferWriter
    (writing); a binary Python file or a duck-typed object → PythonFile; a NativeFile → itself,
    once checked to work in that direction.
    """
    if type(source) is str and "://" not in source:
        # The common case first, with none of the checks other kinds of source need: a local path.
        return Raw((_os_file or _os_file_class())(source, direction), source, True)
    check_source(source, direction)
    wanted = "readable" if direction == "r" else "writable"
    if isinstance(source, NativeFile):
        if not (source.readable() if direction == "r" else source.writable()):
            raise TypeError(f"{wanted} file expected")
        return Raw(source, None, False)
    if isinstance(source, (str, os.PathLike)):
        path = os.fsdecode(source)
        from ._remote_fs import is_url  # here: a local path needs none of the URL code

        if isinstance(source, str) and is_url(source):  # an os.PathLike is always local
            from .urls import open_url

            return Raw(open_url(source, direction + "b", storage_options=storage_options), path, True)
        return Raw(_os_file_class()(source, direction), path, True)
    if isinstance(source, (Buffer, memoryview)):
        if direction == "r":
            from .buffer_reader import BufferReader

            return Raw(BufferReader(source), None, False)
        from .fixed_size_writer import FixedSizeBufferWriter

        return Raw(FixedSizeBufferWriter(source), None, False)
    from .python_file import PythonFile, is_text_file

    if is_text_file(source):
        raise TypeError("binary file expected, got text file")
    check = getattr(source, wanted, None)
    if check is not None and not check():
        raise TypeError(f"{wanted} file expected")
    return Raw(PythonFile(source, mode=direction), None, False)
