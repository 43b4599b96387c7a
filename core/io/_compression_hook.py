"""The seam between input_stream/output_stream and compression.

input_stream/output_stream call only these three functions for anything compression-related:

* ``check_compression(value) -> str | None``: ``None``, ``'detect'``, ``'auto'`` or a codec
  name (returned normalised); anything else raises ValueError "Invalid value for compression".
* ``wrap_input(stream, compression, path)`` and ``wrap_output(...)``: ``stream`` decoded/encoded
  as ``compression`` says (``'detect'``, ``'auto'`` or a codec name, never None); ``path`` is
  the source path when the source was one, else None. The plain stream comes back when
  detection finds no compression.

Two detection rules:

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

from ..compression._registry import FORMATS, MAGIC_PEEK, from_extension, resolve
from ..errors import ArrowInvalid, ArrowNotImplementedError
from .native_file import NativeFile

__all__ = ["check_compression", "wrap_input", "wrap_output", "PYARROW_EXTENSIONS"]

#: PyArrow's ``_detect_compression``: these suffixes, compared case-sensitively, and no others.
PYARROW_EXTENSIONS = {".gz": "gzip", ".bz2": "bz2", ".lz4": "lz4", ".zst": "zstd"}
_RULES = ("detect", "auto")


def check_compression(value: object) -> str | None:
    """``value`` checked before anything is opened (or truncated): a streaming format whose
    backend loads, ``'detect'``, ``'auto'`` or None."""
    if value is None or value in _RULES:
        return value
    if not isinstance(value, str):  # TypeError, as PyArrow raises it
        raise TypeError(f"compression must be a str or None, not {type(value).__name__}")
    if isinstance(value, str) and value.lower() in FORMATS:
        fmt = FORMATS[value.lower()]
        if not fmt.streaming:  # NotImplementedError, as PyArrow raises it
            raise ArrowNotImplementedError(
                f"{fmt.name} is a raw block format with no stream form: use Codec({fmt.name!r}) "
                "for one-shot compression"
            )
        fmt.load()  # a missing backend says what to install, before the file is touched
        return fmt.name
    raise ArrowInvalid(
        f"Invalid value for compression: {value!r} (expected 'detect', 'auto', None or one of {', '.join(FORMATS)})"
    )


def pyarrow_detect(path: str | None) -> str | None:
    """The format PyArrow's ``compression='detect'`` gives ``path`` (None: read raw)."""
    if path is None:
        return None
    for suffix, name in PYARROW_EXTENSIONS.items():
        if path.endswith(suffix):
            return name
    return None


def wrap_input(stream: NativeFile, compression: str, path: str | None) -> NativeFile:
    from .compressed import CompressedInputStream

    sequence = compression == "auto"  # detected from the bytes: other formats may follow
    if compression == "detect":
        name = pyarrow_detect(path)
        if name is None:
            return stream
        compression = name
    elif sequence:
        fmt = resolve("detect", path, stream.peek(MAGIC_PEEK))
        if fmt is None:
            return stream
        compression = fmt.name
    return CompressedInputStream(stream, compression, sequence=sequence)


def wrap_output(stream: NativeFile, compression: str, path: str | None) -> NativeFile:
    from .compressed import CompressedOutputStream

    if compression == "detect":
        name = pyarrow_detect(path)
        if name is None:
            return stream
        compression = name
    elif compression == "auto":
        fmt = from_extension(path)
        if fmt is None:
            return stream
        compression = fmt.name
    return CompressedOutputStream(stream, compression)
