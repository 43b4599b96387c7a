"""Compression: one registry of formats (:mod:`._registry`), a strict incremental decoder and an
encoder per format (one module each), and PyArrow's ``Codec`` with one-shot ``compress`` and
``decompress``. The streams over them live in :mod:`arrowio.io.compressed`."""

from __future__ import annotations

from ._base import StreamHeader
from ._registry import FORMATS, Format
from .codec import Codec, compress, decompress

__all__ = ["Codec", "compress", "decompress", "Format", "FORMATS", "build_index", "build_gzip_index", "StreamHeader"]


def build_index(path: str, *, save: bool = True, index_path: str | None = None) -> object:
    """Find every frame of the zstd or gzip file ``path`` and its decoded size, by a scan where
    the file declares nothing (multi-member gzip, multi-frame zstd), and with ``save`` write the
    index beside the file (``path + '.arrowio-index'``, or ``index_path``). Every later open of
    the file finds it: the stream is then seekable (``seek``, ``read_at``, ``cat --offset``
    decode only the frames they need) and decoded on all cores. An index of a file that changed
    since is ignored. Returns the table (``comp``/``plain``: compressed and decoded offsets)."""
    from ._framescan import build_index as build

    return build(path, save=save, index_path=index_path)


def build_gzip_index(path: str, workers: int | None = None) -> str:
    """Give the gzip file ``path`` (an ordinary single-member one too) random access: decode it
    once on ``workers`` threads (default: one, the cheapest), CRCs checked, and save a checkpoint index
    beside it (``path + '.gzidx'``, indexed_gzip's format, built by rapidgzip, which must be
    installed: ``pip install rapidgzip``). Later opens of the file (if larger than 256 KiB: a
    smaller one is decoded whole from memory) are seekable; ``seek`` and
    ``read_at`` then decode from the nearest checkpoint (``read_at`` reads only its window). An index older than the file is
    ignored. Returns the index's path."""
    from ._gzcheckpoint import build_checkpoints

    return build_checkpoints(path, workers)
