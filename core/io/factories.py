"""input_stream and output_stream: the one place that turns "something" into the right stream."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from typing import Any

from ..buffer import Buffer
from . import _compression_hook as compression_hook
from ._remote_fs import is_url
from .buffer_reader import BufferReader
from .buffered import BufferedInputStream, BufferedOutputStream, check_buffer_size
from .fixed_size_writer import FixedSizeBufferWriter
from .native_file import NativeFile, abort_or_close
from .os_file import OSFile
from .python_file import PythonFile, is_text_file

__all__ = ["input_stream", "output_stream"]


def _buffer_size(buffer_size: object) -> int:
    """0 for "unbuffered" (None or 0), else a valid positive size."""
    if buffer_size is None or (type(buffer_size) is int and buffer_size == 0):
        return 0
    return check_buffer_size(buffer_size)


def _python_file(source: Any, direction: str) -> PythonFile:
    if is_text_file(source):
        raise TypeError("binary file expected, got text file")
    check = getattr(source, "readable" if direction == "r" else "writable", None)
    if check is not None and not check():
        raise TypeError(f"{'readable' if direction == 'r' else 'writable'} file expected")
    return PythonFile(source, mode=direction)


def _check_source(source: Any, function: str, methods: tuple[str, ...]) -> None:
    """TypeError for a source of no kind ``function`` takes: checked first, as PyArrow does,
    so a bad source is named even when the compression is bad too."""
    if isinstance(source, (NativeFile, str, os.PathLike, Buffer, memoryview, io.IOBase)):
        return
    if any(hasattr(source, method) for method in methods):
        return
    verb = "read from" if function == "input_stream" else "write to"
    raise TypeError(
        f"{function}() cannot {verb} {type(source).__name__!r}: expected a path, "
        "Buffer, memoryview, binary file or NativeFile"
    )


def _open_path(source: str | os.PathLike[str], direction: str, storage_options: Mapping[str, Any] | None) -> NativeFile:
    """An OSFile for a local path; for a URL with a scheme, a RemoteFile through fsspec."""
    if is_url(source):
        from .urls import open_url

        return open_url(source, direction + "b", storage_options=storage_options)  # type: ignore[arg-type]
    return OSFile(source, direction)


def _wrap(stream: NativeFile, source: Any, owned: bool, wrap: Any) -> NativeFile:
    """``wrap(stream)``; on failure close what we opened, and never the caller's own stream."""
    try:
        return wrap(stream)
    except BaseException:
        if owned:
            abort_or_close(stream)  # a remote write must not publish an empty object
        elif stream is not source and isinstance(stream, (BufferedInputStream, BufferedOutputStream)):
            stream.detach()
        raise


def input_stream(
    source: Any,
    compression: str | None = "detect",
    buffer_size: int | None = None,
    *,
    storage_options: Mapping[str, Any] | None = None,
) -> NativeFile:
    """A readable stream over ``source``.

    ``source``: a path (str or os.PathLike) → OSFile; a URL with a scheme (``s3://…``,
    ``hdfs://…``, ...) → :class:`~arrowio.io.remote.RemoteFile` through fsspec, configured by
    ``storage_options`` (ignored for other sources); a Buffer or memoryview → BufferReader;
    a binary Python file or an object with ``read`` → PythonFile (a file not open for reading
    raises TypeError "readable file expected"); a NativeFile → itself. Other objects (bytearray,
    text files such as StringIO, ...) raise TypeError.

    ``compression``:

    * ``'detect'`` (the default) is PyArrow's rule to the letter: only a path is decompressed,
      and only by its extension, exactly ``.gz``, ``.bz2``, ``.lz4`` or ``.zst``
      (case-sensitive); a Buffer, memoryview, Python file or NativeFile, and a path with any
      other extension (``.xz``, ``.br``, ``.sz``, ``.GZ``, none), is read raw.
    * ``'auto'`` is arrowio's wider detection: every format, by its magic number at the start
      of the content, then by the path's extension, on every kind of source (pipes and Python
      files included: the peek consumes nothing). The command line uses it.
    * None reads raw; a codec name decodes as that format whatever the source.

    ``buffer_size``: > 0 reads through a BufferedInputStream of that size; None or 0 do not.
    """
    _check_source(source, "input_stream", ("read", "read_buffer"))
    compression = compression_hook.check_compression(compression)
    size = _buffer_size(buffer_size)
    path: str | None = None
    owned = False
    if isinstance(source, NativeFile):
        if not source.readable():
            raise TypeError("readable file expected")
        stream = source
    elif isinstance(source, (str, os.PathLike)):
        path = os.fsdecode(source)
        stream, owned = _open_path(source, "r", storage_options), True
    elif isinstance(source, (Buffer, memoryview)):
        stream = BufferReader(source)
    else:
        stream = _python_file(source, "r")
    if size:
        stream = _wrap(stream, source, owned, lambda raw: BufferedInputStream(raw, size))
    if compression is not None:
        stream = _wrap(stream, source, owned, lambda raw: compression_hook.wrap_input(raw, compression, path))
    return stream


def output_stream(
    source: Any,
    compression: str | None = "detect",
    buffer_size: int | None = None,
    *,
    storage_options: Mapping[str, Any] | None = None,
) -> NativeFile:
    """A writable stream to ``source``.

    ``source``: a path (str or os.PathLike) → OSFile in mode ``'w'``; a URL → RemoteFile (the
    object appears only when the stream is closed without an error); a Buffer or memoryview →
    FixedSizeBufferWriter (it must be writable); a binary Python file or an object with ``write``
    → PythonFile (a file not open for writing raises TypeError "writable file expected"); a
    NativeFile → itself. Other objects (bytearray, text files such as StringIO, ...) raise TypeError.

    ``compression`` and ``buffer_size`` as for :func:`input_stream`: ``'detect'`` compresses
    only a path ending in ``.gz``, ``.bz2``, ``.lz4`` or ``.zst``; ``'auto'`` any path whose
    extension names a format (``.xz``, ``.br``, ``.sz``, ``.zstd``...). An output stream dropped
    without being closed is flushed and closed by its finalizer, so the file is complete; over a
    remote upload, which only close() publishes, it is aborted instead (no object appears).
    """
    _check_source(source, "output_stream", ("write",))
    compression = compression_hook.check_compression(compression)
    size = _buffer_size(buffer_size)
    path: str | None = None
    owned = False
    if isinstance(source, NativeFile):
        if not source.writable():
            raise TypeError("writable file expected")
        stream = source
    elif isinstance(source, (str, os.PathLike)):
        path = os.fsdecode(source)
        stream, owned = _open_path(source, "w", storage_options), True
    elif isinstance(source, (Buffer, memoryview)):
        stream = FixedSizeBufferWriter(source)
    else:
        stream = _python_file(source, "w")
    if size:
        stream = _wrap(stream, source, owned, lambda raw: BufferedOutputStream(raw, size))
    if compression is not None:
        stream = _wrap(stream, source, owned, lambda raw: compression_hook.wrap_output(raw, compression, path))
    return stream
