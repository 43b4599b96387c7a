"""The seam between input_stream/output_stream and compression.

input_stream/output_stream call only these three functions for anything compression-related:

* ``check_compression(value) -> str | None``: ``None``, ``'detect'`` or a codec name (returned
  normalised); anything else raises ValueError "Invalid value for compression".
* ``wrap_input(stream, compression, path)`` and ``wrap_output(...)``: ``stream`` decoded/encoded
  as ``compression`` says (``'detect'`` or a codec name, never None); ``path`` is the source path
  when the source was one, else None. The plain stream comes back when detection finds no
  compression.

Detection (the order is stated once, in :mod:`arrowio.compression._registry`): for input, a
known magic number at the start of the content, then the path's extension; the peek does not
consume anything, also on pipes and Python files. For output, the path's extension.
"""

from __future__ import annotations

from ..compression._registry import FORMATS, MAGIC_PEEK, from_extension, resolve
from ..errors import ArrowInvalid
from .native_file import NativeFile

__all__ = ["check_compression", "wrap_input", "wrap_output"]


def check_compression(value: object) -> str | None:
    """``value`` checked before anything is opened (or truncated): a streaming format whose
    backend loads, ``'detect'`` or None."""
    if value is None or value == "detect":
        return value  # type: ignore[return-value]
    if isinstance(value, str) and value.lower() in FORMATS:
        fmt = FORMATS[value.lower()]
        if not fmt.streaming:
            raise ArrowInvalid(
                f"{fmt.name} is a raw block format with no stream form: use Codec({fmt.name!r}) "
                "for one-shot compression"
            )
        fmt.load()  # a missing backend says what to install, before the file is touched
        return fmt.name
    raise ArrowInvalid(
        f"Invalid value for compression: {value!r} (expected 'detect', None or one of {', '.join(FORMATS)})"
    )


def wrap_input(stream: NativeFile, compression: str, path: str | None) -> NativeFile:
    from .compressed import CompressedInputStream

    detecting = compression == "detect"
    if detecting:
        fmt = resolve("detect", path, stream.peek(MAGIC_PEEK))
        if fmt is None:
            return stream
        compression = fmt.name
    return CompressedInputStream(stream, compression, sequence=detecting)  # detected: other formats may follow


def wrap_output(stream: NativeFile, compression: str, path: str | None) -> NativeFile:
    from .compressed import CompressedOutputStream

    if compression == "detect":
        fmt = from_extension(path)
        if fmt is None:
            return stream
        compression = fmt.name
    return CompressedOutputStream(stream, compression)
