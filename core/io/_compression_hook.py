"""The seam between input_stream/output_stream and compression.

input_stream/output_stream call only these three functions for anything compression-related;
the compression package replaces this module's body with its registry and streams, keeping
the signatures:

* ``check_compression(value) -> str | None``: ``None``, ``'detect'`` or a codec name (returned
  normalised); anything else raises ValueError "Invalid value for compression".
* ``wrap_input(stream, compression, path) -> NativeFile`` and ``wrap_output(...)``: ``stream``
  decoded/encoded as ``compression`` says (``'detect'`` or a codec name, never None); ``path`` is
  the source path when the source was one, else None. The plain stream comes back when
  detection finds no compression.

Until then detection knows the extensions, so that ``'detect'`` passes plain files through,
and every codec raises ArrowNotImplementedError.
"""

from __future__ import annotations

import os

from ..errors import ArrowInvalid, ArrowNotImplementedError
from .native_file import NativeFile

__all__ = ["check_compression", "wrap_input", "wrap_output"]

_CODECS = ("gzip", "bz2", "brotli", "lz4", "lz4_raw", "zstd", "snappy", "xz")
_EXTENSIONS = (".gz", ".tgz", ".bgz", ".bz2", ".br", ".lz4", ".zst", ".zstd", ".xz", ".sz")


def check_compression(value: object) -> str | None:
    if value is None or value == "detect":
        return value  # type: ignore[return-value]
    if isinstance(value, str) and value.lower() in _CODECS:
        return value.lower()
    raise ArrowInvalid(f"Invalid value for compression: {value!r} (expected 'detect', None or one of {', '.join(_CODECS)})")


def _named_by_extension(path: str | None) -> bool:
    return path is not None and os.path.splitext(path)[1].lower() in _EXTENSIONS


def _wrap(stream: NativeFile, compression: str, path: str | None) -> NativeFile:
    if compression == "detect" and not _named_by_extension(path):
        return stream
    raise ArrowNotImplementedError("compression support has not landed")


def wrap_input(stream: NativeFile, compression: str, path: str | None) -> NativeFile:
    return _wrap(stream, compression, path)


def wrap_output(stream: NativeFile, compression: str, path: str | None) -> NativeFile:
    return _wrap(stream, compression, path)
