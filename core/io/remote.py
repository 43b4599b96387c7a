"""RemoteFile: a NativeFile over a file in an object store or distributed filesystem.

Every URL goes through fsspec (``s3://`` through s3fs, ``hdfs://``, ``webhdfs://``, ``gs://``,
``http(s)://``, ``file://``, ``memory://`` and whatever other implementations are installed);
arrowio has no client of its own. Credentials and endpoints come from ``storage_options``, then
the fsspec configuration, then the implementation's defaults (the ``AWS_*`` variables and
``~/.aws`` for S3). No credential ever appears in an error message.

Reading (``'rb'``) is random access by ranged reads: ``size()`` comes from the listing at open,
``seek`` is free, ``read_at`` fetches just the range asked for (in parallel parts when large), and
sequential reads are served from a read-ahead window of ``read_ahead`` blocks of ``block_size``
bytes fetched in parallel into pool memory, reused block after block. ``read_buffer`` returns a zero-copy slice of a block
when the range lies in one, and reads larger ranges straight into one pool buffer.

Writing (``'wb'``) uploads in parts of ``block_size`` bytes while the caller writes; the file
appears only when ``close()`` succeeds. An exception in a ``with`` block, :meth:`RemoteFile.abort`,
dropping the file unclosed, or the process dying leaves no object (or the old one untouched).
"""

from __future__ import annotations

import errno
import weakref
from collections import deque
from collections.abc import Mapping

from ..buffer import Buffer, allocate_buffer
from ..errors import ArrowInvalid, ArrowIOError
from ..memory import MemoryPool
from ._fetch import make_fetcher
from ._readahead import ReadAhead
from ._remote_fs import Location, redact, resolve, translated
from ._upload import Upload
from ._views import fitted
from .native_file import NativeFile

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from concurrent.futures import Future
    from typing import Any

__all__ = ["RemoteFile", "DEFAULT_BLOCK_SIZE", "DEFAULT_PART_SIZE", "DEFAULT_READ_AHEAD"]

#: Bytes per ranged read: large enough that per-request overhead is small next to the transfer
#: (4 MiB reads as fast as 8 MiB against a local S3 store, benchmarks/bench_remote.py), small
#: enough that the window (4 + 2 blocks of pool memory) keeps a reader under 100 MiB peak RSS.
DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024
#: Bytes per uploaded part: at least S3's 5 MiB minimum part size.
DEFAULT_PART_SIZE = 8 * 1024 * 1024
#: Blocks fetched ahead of a sequential reader, and ranged reads in flight for one large read.
DEFAULT_READ_AHEAD = 4
_MODES = {"r": "rb", "rb": "rb", "w": "wb", "wb": "wb"}
_EMPTY = memoryview(b"")


def locate(url: str, filesystem: Any = None, storage_options: Mapping[str, Any] | None = None) -> Location:
    """``url`` resolved through fsspec, or taken as a path of the given fsspec ``filesystem``."""
    if filesystem is None:
        return resolve(url, storage_options)
    from ._remote_fs import collect_secrets

    path = filesystem._strip_protocol(url)
    return Location(
        filesystem,
        path,
        filesystem.unstrip_protocol(path),
        collect_secrets(url, storage_options, getattr(filesystem, "storage_options", None)),
    )


def _window(block_size: int, read_ahead: int | None) -> tuple[int, int]:
    """``block_size`` and ``read_ahead`` (None: the default) checked."""
    block_size = int(block_size)
    read_ahead = DEFAULT_READ_AHEAD if read_ahead is None else int(read_ahead)
    if block_size <= 0 or read_ahead < 0:
        raise ArrowInvalid(f"block_size must be positive and read_ahead non-negative, got {block_size}, {read_ahead}")
    return block_size, read_ahead


class RemoteFile(NativeFile):
    """A remote file for reading (``mode='rb'``, seekable) or writing (``'wb'``, a stream).

    ``url``: a URL with a scheme, or a path of ``filesystem`` (an fsspec filesystem) when given.
    ``storage_options``: options for the fsspec implementation (s3fs: ``key``, ``secret``,
    ``endpoint_url``, ``anon``, ``client_kwargs``, ...). ``block_size``: bytes per ranged read
    (default 4 MiB) or per uploaded part (default 8 MiB). ``read_ahead``: blocks fetched ahead of
    a sequential reader (default 4; 0 fetches only what is read). Memory for blocks comes from
    ``memory_pool``.
    """

    _abandon = False

    def __init__(
        self,
        url: str,
        mode: str = "rb",
        *,
        storage_options: Mapping[str, Any] | None = None,
        filesystem: Any = None,
        block_size: int | None = None,
        read_ahead: int | None = None,
        memory_pool: MemoryPool | None = None,
    ) -> None:
        if mode not in _MODES:
            raise ArrowInvalid(f"Invalid mode for a remote file: {mode!r} (expected 'rb' or 'wb')")
        mode = _MODES[mode]
        if block_size is None:
            block_size = DEFAULT_BLOCK_SIZE if mode == "rb" else DEFAULT_PART_SIZE
        block_size, read_ahead = _window(block_size, read_ahead)
        self._location = location = locate(url, filesystem, storage_options)
        self._block_size, self._depth = block_size, read_ahead
        if mode == "rb":
            with self._translated():
                # A listing cached by an earlier glob or ls may predate the latest write.
                location.fs.invalidate_cache(location.path)
                details = location.fs.info(location.path)
            if details.get("type") == "directory":
                raise IsADirectoryError(errno.EISDIR, "Is a directory", location.shown)
            if details.get("size") is None:
                raise ArrowIOError(f"{location.shown}: the server does not report the file's size")
            self._details = details
            self._file_size = int(details["size"])
            self._fetcher = make_fetcher(location.fs, location.path, details)
            self._engine = ReadAhead(self._fetcher, self._file_size, block_size, read_ahead, memory_pool)
            self._pos = 0
            self._block: Buffer | None = None
            self._block_start = 0
            self._block_view = _EMPTY
            self._lent: list[weakref.ref[Buffer]] = []  # zero-copy slices of _block handed out
        else:
            self._upload = Upload(location, block_size)
            self._written = 0
        super().__init__(mode, seekable=mode == "rb", memory_pool=memory_pool)

    @property
    def url(self) -> str:
        """The file's URL, credentials redacted."""
        return self._location.shown

    @property
    def path(self) -> str:
        """The file's URL, credentials redacted (compression detection reads its extension)."""
        return self._location.shown

    def _translated(self) -> Any:
        return translated(self._location.shown, self._location.secrets)

    def set_read_ahead(self, read_ahead: int | None = None, block_size: int | None = None) -> None:
        """Read ``read_ahead`` blocks of ``block_size`` bytes ahead from the next fetch on (None:
        the defaults, 4 and 4 MiB); what is already fetched or in flight stays. For a reader that
        turns out faster or slower than expected once the content is known (a plain copy after
        detection found no compression)."""
        self._check_open()
        if not self._readable_flag:
            raise ArrowInvalid("set_read_ahead: the file is open for writing")
        self._block_size, self._depth = _window(DEFAULT_BLOCK_SIZE if block_size is None else block_size, read_ahead)
        self._engine.resize(self._block_size, self._depth)

    # -- closing ---------------------------------------------------------------------------------
    def abort(self) -> None:
        """Close without making a write visible (a reader just closes); harmless when closed."""
        if not self._closed:
            self._abandon = True
            self.close()

    @property
    def _commits_on_close(self) -> bool:  # type: ignore[override]
        # Only a successful close() publishes a write: dropped unclosed, it is aborted (NativeFile.__del__).
        return self._writable_flag

    def _close(self) -> None:
        if self._readable_flag:
            self._engine.reset()
            self._fetcher.close()
            self._block, self._block_view = None, _EMPTY
        elif self._abandon:
            self._upload.discard()
        else:
            self._upload.commit()

    def __repr__(self) -> str:
        location = getattr(self, "_location", None)  # None when the constructor failed
        shown = location.shown if location is not None else None
        return f"<arrowio.{type(self).__name__} {shown!r} mode={self._mode!r} closed={self._closed}>"

    def _metadata(self) -> dict[str, str]:
        if not self._readable_flag:
            return {}
        return {
            str(k): redact(str(v), self._location.secrets)
            for k, v in self._details.items()
            if isinstance(v, (str, int, float)) or hasattr(v, "isoformat")
        }

    # -- position --------------------------------------------------------------------------------
    def _tell(self) -> int:
        return self._pos if self._readable_flag else self._written

    def _seek(self, position: int) -> None:
        self._pos = position

    def _size(self) -> int:
        if not self._readable_flag:
            return super()._size()  # an upload has no size to ask for
        return self._file_size

    # -- sequential reads ------------------------------------------------------------------------
    def _available(self) -> memoryview:
        """The current block from the position on, fetching it first when needed; empty at the end."""
        pos = self._pos
        offset = pos - self._block_start
        if 0 <= offset < len(self._block_view):
            return self._block_view[offset:]
        if pos >= self._file_size:
            return _EMPTY
        self._give_back_block()
        with self._translated():
            start, block = self._engine.block_at(pos)
        self._block, self._block_start, self._block_view = block, start, block._memview()
        return self._block_view[pos - start :]

    def _give_back_block(self) -> None:
        """Hand the current block back to the read-ahead for reuse, unless a slice of it that
        read_buffer returned is still alive (it would see the next fetch's bytes)."""
        block, lent = self._block, self._lent
        self._block, self._block_view, self._lent = None, _EMPTY, []
        if block is not None and all(ref() is None for ref in lent):
            self._engine.recycle(block)

    def _readinto(self, view: memoryview) -> int:
        available = self._available()
        count = min(len(view), len(available))
        view[:count] = available[:count]
        self._pos += count
        return count

    def _read_chunk(self, nbytes: int) -> bytes:
        available = self._available()
        count = min(nbytes, len(available))
        self._pos += count
        return bytes(available[:count])

    def _bypasses_read_ahead(self, nbytes: int) -> bool:
        """Whether a read of ``nbytes`` should go straight to its destination: it is large and no
        block already fetched (or in flight) holds its start."""
        pos = self._pos
        return (
            nbytes >= 2 * self._block_size
            and not 0 <= pos - self._block_start < len(self._block_view)
            and not self._engine.holds(pos)
        )

    def _fill(self, view: memoryview) -> int:
        total, size = 0, len(view)
        while total < size:
            if self._bypasses_read_ahead(size - total):
                got = self._read_direct(view[total:], self._pos)
                self._pos += got
                self._engine.continue_at(self._pos)
                return total + got
            got = self._readinto(view[total:])
            if not got:
                break
            total += got
        return total

    def _read_bytes(self, nbytes: int) -> bytes:
        if not nbytes:
            return b""
        if self._bypasses_read_ahead(nbytes):
            data = bytearray(max(0, min(nbytes, self._file_size - self._pos)))
            del data[self._fill(memoryview(data)) :]
            return bytes(data)
        pieces = []  # copied at once: fetching the next block may reuse this one's memory
        while nbytes and (available := self._available()):
            count = min(nbytes, len(available))
            pieces.append(available[:count].tobytes())
            self._pos += count
            nbytes -= count
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def _read_buffer(self, nbytes: int) -> Buffer:
        if nbytes and not self._bypasses_read_ahead(nbytes):
            available = self._available()
            if nbytes <= len(available) and self._block is not None:
                start = self._pos - self._block_start
                self._pos += nbytes
                piece = self._block.slice(start, nbytes)
                if len(self._lent) >= 32:  # many small reads: keep only the slices still alive
                    self._lent = [ref for ref in self._lent if ref() is not None]
                self._lent.append(weakref.ref(piece))
                return piece
        buffer = allocate_buffer(max(0, min(nbytes, self._file_size - self._pos)), self._pool)
        return fitted(buffer, self._fill(buffer._memview()), self._pool)

    # -- positional reads ------------------------------------------------------------------------
    def _read_direct(self, view: memoryview, offset: int) -> int:
        """Fill ``view`` from ``offset`` by ranged reads, ``read_ahead`` (at least 1) in flight at once.

        Returns only when no read is left running, so that ``view`` is never written afterwards.
        """
        count = min(len(view), self._file_size - offset)
        block, limit = self._block_size, max(1, self._depth)
        running: deque[Future[int]] = deque()
        total = 0
        try:
            for start in range(0, max(count, 0), block):
                if len(running) >= limit:
                    total += running.popleft().result()
                running.append(self._fetcher.submit(view[start : min(start + block, count)], offset + start))
            while running:
                total += running.popleft().result()
        except BaseException as exc:
            from concurrent.futures import wait

            for future in running:
                future.cancel()
            wait(running)
            if isinstance(exc, Exception):
                raise self._location.error(exc) from None
            raise
        return total

    def _readinto_at(self, view: memoryview, offset: int) -> int:
        return self._read_direct(view, offset)

    def _read_buffer_at(self, nbytes: int, offset: int) -> Buffer:
        buffer = allocate_buffer(max(0, min(nbytes, self._file_size - offset)), self._pool)
        return fitted(buffer, self._read_direct(buffer._memview(), offset), self._pool)

    # -- writing ---------------------------------------------------------------------------------
    def _write(self, view: memoryview) -> None:
        self._upload.write(view)
        self._written += len(view)
