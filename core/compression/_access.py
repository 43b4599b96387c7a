"""Choosing how a compressed file is read: by its independent frames, through a gzip checkpoint
index, or (None) as one sequential stream. :class:`arrowio.CompressedInputStream` asks
:func:`open_access` once, when it opens a file."""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:  # imported where a file has frames: most files are one stream, opened faster without
    from types import ModuleType
    from typing import Any

    from ._frameread import FrameReader, ReadAt, ReadIntoAt
    from ._frametable import FrameTable

__all__ = ["FramedAccess", "open_access"]

#: The _framescan module, bound on first use (it is not needed to start): an import statement
#: per opened file costs more than reading this global.
_framescan: ModuleType | None = None


def _scanner() -> ModuleType:
    global _framescan
    if _framescan is None:
        from . import _framescan as module

        _framescan = module
    return _framescan


class FramedAccess:
    """Random access to a file of independent frames whose decoded sizes are known."""

    def __init__(
        self, read_at: ReadAt, fmt: str, table: FrameTable, workers: int, readinto_at: ReadIntoAt | None = None
    ) -> None:
        assert table.size is not None
        self._read_at, self._fmt, self._table, self._workers = read_at, fmt, table, workers
        self._readinto_at = readinto_at
        self.size: int = table.size

    def reader(self, position: int) -> FrameReader:
        """Decoded content from ``position`` on, on ``workers`` threads."""
        from ._frameread import FrameReader

        return FrameReader(self._read_at, self._fmt, self._table, position, self._workers, self._readinto_at)

    def readinto_at(self, view: memoryview, offset: int) -> int:
        """Decode only the frames that hold ``offset`` .. ``offset + len(view)``."""
        from ._frameread import read_range

        return read_range(self._read_at, self._fmt, self._table, view, offset, self._readinto_at)

    def close(self) -> None:
        pass


def open_access(raw: Any, fmt: str, path: str | None, threaded: bool, whole: bytes | None = None) -> tuple[Any, Any]:
    """``(reader, access)`` for ``raw``, a compressed file of format ``fmt`` named ``path``:
    a reader of its frames from the start (None: read it as one stream) and, where it allows
    random access, the object that provides it (None otherwise). ``threaded``: frames are
    decoded on one thread per core, else in the reading thread.

    ``whole``: all of ``raw``, already read (a small local file, read whole when opened, as
    ``OSFile._snapshot`` hands it over): it is not read again by position, and no index beside
    it is looked for: decoded from memory, it is done sooner than an index could be opened."""
    if fmt not in ("zstd", "gzip") or not raw.seekable():
        return None, None  # no other format has independent frames; a pipe cannot be walked
    scan = _framescan or _scanner()
    table = scan.find_table(raw, fmt, path, whole)
    if table is not None:
        from ._frameread import FrameReader, default_workers

        workers = default_workers() if threaded else 0
        # Compressed input is read into reused buffers where the file reads into memory by position.
        readinto_at = getattr(raw, "_readinto_at", None)
        reader = FrameReader(raw.read_at, fmt, table, 0, workers, readinto_at)
        access = FramedAccess(raw.read_at, fmt, table, workers, readinto_at) if table.size is not None else None
        return reader, access
    if fmt == "gzip" and whole is None and path is not None and scan.is_local(raw):
        from ._gzcheckpoint import CheckpointAccess, checkpoint_index

        index = checkpoint_index(path)
        if index is not None:
            from ._frameread import default_workers

            workers = default_workers() if threaded else 0
            # Read from the start by our own strict decoder; the checkpoints serve seeks and read_at.
            return None, CheckpointAccess(path, index, workers)
    return None, None
