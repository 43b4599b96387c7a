"""Compression: one registry of formats (:mod:`._registry`), a strict incremental decoder and an
encoder per format (one module each), and PyArrow's ``Codec`` with one-shot ``compress`` and
``decompress``. The streams over them live in :mod:`arrowio.io.compressed`."""

from __future__ import annotations

from ._base import StreamHeader
from ._registry import FORMATS, Format
from .codec import Codec, compress, decompress

__all__ = ["Codec", "compress", "decompress", "Format", "FORMATS", "StreamHeader"]
