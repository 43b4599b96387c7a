"""Choosing how a compressed file is read: by its independent frames, through a gzip checkpoint
index, or (None) as one sequential stream. :class:`arrowio.CompressedInputStream` asks
:func:`open_access` once, when it opens a file."""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:  # imported where a file has frames: most files are one stream, opened faster without
    from types import ModuleType
    from typing import Any

    from ._bgzfwalk import BgzfWalk
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
    """Random access to a file of independent frames whose decoded sizes are known: by its
    table, or by a BGZF walk (:class:`._bgzfwalk.BgzfWalk`) taken as far as each read needs
    (``size``, a seek and a sequential read walk it to the end). Where such a walk finds that
    the file is not BGZF to its end, what lies beyond the blocks found is decoded from the
    file's start by the strict streaming decoder (``sequence``: with the streams of other
    formats that follow), as a sequential read of it does: slowly, but never wrong."""

    def __init__(
        self,
        read_at: ReadAt,
        fmt: str,
        table: FrameTable | BgzfWalk,
        workers: int,
        readinto_at: ReadIntoAt | None = None,
        sequence: bool = False,
    ) -> None:
        self._read_at, self._fmt, self._workers = read_at, fmt, workers
        self._readinto_at = readinto_at
        self._sequence = sequence
        self._walk: BgzfWalk | None = None
        self._table: FrameTable | None = None
        self._size: int | None = None
        if hasattr(table, "finish"):
            self._walk = table  # type: ignore[assignment]  # a BgzfWalk, by its method
        else:
            self._table = table
            self._size = table.size
            assert self._size is not None

    @property
    def size(self) -> int:
        """The decoded size of the whole file."""
        if self._size is None:
            table = self._whole()
            if table is not None:
                self._size = table.size
            else:
                from ._frameread import decode_stream

                self._size = sum(map(len, decode_stream(self._read_at, self._fmt, self._sequence)))
        assert self._size is not None
        return self._size

    def _whole(self) -> FrameTable | None:
        """The table of every frame (None: the walk found that the file is not BGZF to its end)."""
        if self._table is None and self._walk is not None:
            self._table = self._walk.finish()
        return self._table

    def reader(self, position: int) -> FrameReader:
        """Decoded content from ``position`` on, on ``workers`` threads."""
        from ._frameread import FrameReader

        table = self._whole()
        return FrameReader(
            self._read_at,
            self._fmt,
            table if table is not None else self._walk,  # type: ignore[arg-type]  # one of them is set
            position,
            self._workers,
            self._readinto_at,
            self._sequence,
        )

    def readinto_at(self, view: memoryview, offset: int) -> int:
        """Decode only the frames that hold ``offset`` .. ``offset + len(view)``."""
        from ._frameread import read_range

        table, walk = self._table, self._walk
        if table is None and walk is not None:
            if not walk.covering(offset + len(view)):
                return self._streamed_into(view, offset)
            table = walk.table if walk.table is not None else walk.prefix()  # its blocks cover the range
        assert table is not None
        return read_range(self._read_at, self._fmt, table, view, offset, self._readinto_at)

    def _streamed_into(self, view: memoryview, offset: int) -> int:
        """``readinto_at`` of a file that is not BGZF to its end: decoded from its start."""
        from ._frameread import decode_stream

        filled, skip = 0, offset
        for piece in decode_stream(self._read_at, self._fmt, self._sequence):
            if skip >= len(piece):
                skip -= len(piece)
                continue
            take = min(len(piece) - skip, len(view) - filled)
            view[filled : filled + take] = memoryview(piece)[skip : skip + take]
            filled += take
            skip = 0
            if filled == len(view):
                break
        return filled

    def close(self) -> None:
        if self._walk is not None:
            self._walk.close()  # the next open of the file goes on from the blocks found


def open_access(
    raw: Any, fmt: str, path: str | None, threaded: bool, whole: bytes | None = None, sequence: bool = False
) -> tuple[Any, Any]:
    """``(reader, access)`` for ``raw``, a compressed file of format ``fmt`` named ``path``:
    a reader of its frames from the start (None: read it as one stream) and, where it allows
    random access, the object that provides it (None otherwise). ``threaded``: frames are
    decoded on one thread per core, else in the reading thread.

    ``whole``: all of ``raw``, already read (a small local file, read whole when opened, as
    ``OSFile._snapshot`` hands it over): it is not read again by position, and no index beside
    it is looked for: decoded from memory, it is done sooner than an index could be opened.
    ``sequence``: streams of other formats after the first are decoded too, where a file taken
    for BGZF turns out not to be BGZF to its end (see :class:`FramedAccess`)."""
    if fmt not in ("zstd", "gzip") or not raw.seekable():
        return None, None  # no other format has independent frames; a pipe cannot be walked
    scan = _framescan or _scanner()
    table = scan.find_table(raw, fmt, path, whole, lazy=True)
    if table is not None:
        from ._frameread import FrameReader, default_workers

        workers = default_workers() if threaded else 0
        # Compressed input is read into reused buffers where the file reads into memory by position.
        readinto_at = getattr(raw, "_readinto_at", None)
        reader = FrameReader(raw.read_at, fmt, table, 0, workers, readinto_at, sequence)
        # A BGZF walk (no size attribute) knows every block's decoded size as it goes.
        sized = getattr(table, "size", 0) is not None
        access = FramedAccess(raw.read_at, fmt, table, workers, readinto_at, sequence) if sized else None
        return reader, access
    if fmt == "gzip" and whole is None and path is not None and scan.is_local(raw):
        from ._gzcheckpoint import CheckpointAccess, checkpoint_index

        index = checkpoint_index(path, raw)
        if index is not None:
            from ._frameread import default_workers

            workers = default_workers() if threaded else 0
            # Read from the start by our own strict decoder; the checkpoints serve seeks and read_at.
            return None, CheckpointAccess(path, index, workers, raw)
    return None, None
