"""input_stream and output_stream: the one place that turns "something" into the right stream.

The raw stream comes from :func:`~arrowio.io._sources.open_raw` (as it does for the compressed
streams); on top go buffering, then decoding or encoding by one of two detection rules:

* ``'detect'`` is PyArrow's rule to the letter, so that ported code never changes its result:
  only a path is decompressed, and only by its extension, exactly ``.gz``, ``.bz2``, ``.lz4``
  and ``.zst`` (case-sensitive). Buffers, Python files, NativeFiles and other extensions
  (``.xz``, ``.br``, ``.GZ``...) stay raw.
* ``'auto'`` is arrowio's wider rule (stated in :mod:`arrowio.compression._registry`): for
  input, a known magic number at the start of the content, then the path's extension, on
  every source (the peek consumes nothing, also on pipes and Python files); for output,
  every format's extensions.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..compression._registry import FORMATS, MAGIC_PEEK, Format, from_extension, resolve
from ..errors import ArrowInvalid, ArrowNotImplementedError
from ._sources import check_source, open_raw
from .native_file import NativeFile, abort_or_close

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

    from .compressed import CompressedInputStream

__all__ = ["input_stream", "output_stream"]

#: PyArrow's ``_detect_compression``: these suffixes, compared case-sensitively, and no others.
PYARROW_EXTENSIONS = {".gz": "gzip", ".bz2": "bz2", ".lz4": "lz4", ".zst": "zstd"}
_RULES = ("detect", "auto")
#: CompressedInputStream, bound on first use: importing it at start-up would load every codec
#: module, and an import statement per decoded file costs more than this global.
_compressed_input: type[CompressedInputStream] | None = None


def _buffer_size(buffer_size: object) -> int:
    """0 for "unbuffered" (None or 0), else a valid positive size."""
    if buffer_size is None or (type(buffer_size) is int and buffer_size == 0):
        return 0
    from .buffered import check_buffer_size  # imported only when asked for: most streams are unbuffered

    return check_buffer_size(buffer_size)


def _check_compression(value: object) -> str | None:
    """``value`` checked before anything is opened (or truncated): a streaming format whose
    backend loads (its name, normalised), ``'detect'``, ``'auto'`` or None."""
    if value is None or value in _RULES:
        return value
    if not isinstance(value, str):  # TypeError, as PyArrow raises it
        raise TypeError(f"compression must be a str or None, not {type(value).__name__}")
    fmt = FORMATS.get(value.lower())
    if fmt is None:
        raise ArrowInvalid(
            f"Invalid value for compression: {value!r} (expected 'detect', 'auto', None or one of {', '.join(FORMATS)})"
        )
    if not fmt.streaming:  # NotImplementedError, as PyArrow raises it
        raise ArrowNotImplementedError(
            f"{fmt.name} is a raw block format with no stream form: use Codec({fmt.name!r}) for one-shot compression"
        )
    fmt.load()  # a missing backend says what to install, before the file is touched
    return fmt.name


def _pyarrow_detect(path: str | None) -> str | None:
    """The format PyArrow's ``compression='detect'`` gives ``path`` (None: read raw)."""
    if path is not None:
        for suffix, name in PYARROW_EXTENSIONS.items():
            if path.endswith(suffix):
                return name
    return None


def _decoded(stream: NativeFile, compression: str, path: str | None) -> NativeFile:
    """``stream`` decoded as ``compression`` says (``'detect'``, ``'auto'`` or a name); the
    plain stream itself when detection finds no compression."""
    sequence = compression == "auto"  # detected from the bytes: other formats may follow
    fmt: Format | None
    if compression == "detect":
        name = _pyarrow_detect(path)
        fmt = None if name is None else FORMATS[name]
    elif sequence:
        fmt = resolve("detect", path, stream.peek(MAGIC_PEEK))
    else:
        fmt = FORMATS[compression]  # a name _check_compression normalised
    if fmt is None:
        return stream
    global _compressed_input
    if _compressed_input is None:
        from .compressed import CompressedInputStream

        _compressed_input = CompressedInputStream
    return _compressed_input._over(stream, fmt, sequence)


def _encoded(stream: NativeFile, compression: str, path: str | None) -> NativeFile:
    """``stream`` encoding as ``compression`` says; the plain stream when the path names no format."""
    if compression == "detect":
        name = _pyarrow_detect(path)
        if name is None:
            return stream
        compression = name
    elif compression == "auto":
        fmt = from_extension(path)
        if fmt is None:
            return stream
        compression = fmt.name
    from .compressed import CompressedOutputStream

    return CompressedOutputStream(stream, compression)


def _wrap(stream: NativeFile, source: Any, owned: bool, wrap: Any) -> NativeFile:
    """``wrap(stream)``; on failure close what we opened, and never the caller's own stream."""
    try:
        return wrap(stream)
    except BaseException:
        _give_up(stream, source, owned)
        raise


def _give_up(stream: NativeFile, source: Any, owned: bool) -> None:
    """After a wrapper over ``stream`` failed: close what we opened, never the caller's own stream."""
    from .buffered import BufferedInputStream, BufferedOutputStream

    if owned:
        abort_or_close(stream)  # a remote write must not publish an empty object
    elif stream is not source and isinstance(stream, (BufferedInputStream, BufferedOutputStream)):
        stream.detach()


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
    # The checks and the decoding are called here without a wrapper: opening many small files
    # (``cat`` of 1,000 logs) pays for every call in this function once per file.
    if type(source) is not str:
        check_source(source, "r")
    if compression is not None and compression not in _RULES:
        compression = _check_compression(compression)
    size = 0 if buffer_size is None else _buffer_size(buffer_size)
    stream, path, owned = open_raw(source, "r", storage_options)
    if size:
        from .buffered import BufferedInputStream

        stream = _wrap(stream, source, owned, lambda raw: BufferedInputStream(raw, size))
    if compression is not None:
        try:
            stream = _decoded(stream, compression, path)
        except BaseException:
            _give_up(stream, source, owned)
            raise
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
    check_source(source, "w")
    compression = _check_compression(compression)
    size = _buffer_size(buffer_size)
    stream, path, owned = open_raw(source, "w", storage_options)
    if size:
        from .buffered import BufferedOutputStream

        stream = _wrap(stream, source, owned, lambda raw: BufferedOutputStream(raw, size))
    if compression is not None:
        stream = _wrap(stream, source, owned, lambda raw: _encoded(raw, compression, path))
    return stream
