"""A remote write that becomes visible only when committed.

Object stores whose fsspec files are transactional (``autocommit=False``) write by multipart
upload: parts go up while the caller keeps writing, and the object appears (or replaces the old
one) only when ``commit()`` completes the upload; ``discard()`` aborts it. A process killed in
between leaves an unfinished multipart upload, which is invisible and which the store's lifecycle
rules expire. Every other filesystem (local, HDFS through pyarrow, SFTP, ...) writes a hidden
temporary file beside the target and renames it over the target on commit.

Parts are handed to fsspec on a background thread, one at a time, so that producing the next
part overlaps with uploading the last one; memory stays at two parts. Every part must be taken
whole (a file that reports a short count fails the write), and after the commit the store must
report the object's size as the bytes written, where it reports a size at all.
"""

from __future__ import annotations

import uuid

from ..errors import ArrowIOError
from ._fetch import _thread_pool
from ._remote_fs import Location, translated

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from concurrent.futures import Future
    from typing import Any

__all__ = ["Upload"]

#: fsspec filesystems whose files honour autocommit=False with commit()/discard().
_TRANSACTIONAL = frozenset({"S3FileSystem", "GCSFileSystem", "WebHDFS"})


def _transactional(fs: Any) -> bool:
    return any(cls.__name__ in _TRANSACTIONAL for cls in type(fs).__mro__)


class Upload:
    """Bytes written to ``location`` in parts of ``part_size``; visible after :meth:`commit`."""

    def __init__(self, location: Location, part_size: int) -> None:
        self._location, self._part_size = location, part_size
        self._part = bytearray()
        self._sending: Future[Any] | None = None
        self._temporary: str | None = None
        self._failed = False  # a part failed to go up: the file can only be discarded now
        self._sent = 0  # bytes fsspec took, all parts together
        fs, path = location.fs, location.path
        with translated(location.shown, location.secrets):
            if _transactional(fs):
                self._file = fs.open(path, "wb", autocommit=False, block_size=part_size)
            else:
                head, _, name = path.rpartition("/")
                # Cut so that the temporary name fits in NAME_MAX (255 bytes) wherever the target's does.
                name = name.encode()[: 255 - len(".arrowio-.tmp.") - 12].decode(errors="ignore")
                self._temporary = f"{head}/.{name}.arrowio-{uuid.uuid4().hex[:12]}.tmp" if head else f".{name}.tmp"
                self._file = fs.open(self._temporary, "wb")

    def write(self, view: memoryview) -> None:
        while view:
            room = self._part_size - len(self._part)
            self._part += view[:room]
            view = view[room:]
            if len(self._part) >= self._part_size:
                self._send(wait=False)

    def _send(self, wait: bool) -> None:
        if self._failed:
            raise ArrowIOError(f"{self._location.shown}: an earlier part failed to upload; the write is lost")
        self._finish_sending()
        part, self._part = self._part, bytearray()
        if wait:
            self._guarded(self._write_part, part)
        else:
            self._sending = _thread_pool().submit(self._write_part, part)

    def _write_part(self, part: bytearray) -> None:
        taken = self._file.write(part)
        # fsspec files answer the count (None from a few that take everything or raise).
        if taken is not None and taken != len(part):
            raise ArrowIOError(f"{self._location.shown}: short write ({taken} of {len(part)} bytes taken)")
        self._sent += len(part)

    def _finish_sending(self) -> None:
        sending, self._sending = self._sending, None
        if sending is not None:
            self._guarded(sending.result)

    def _guarded(self, call: Any, *args: Any) -> Any:
        try:
            with translated(self._location.shown, self._location.secrets):
                return call(*args)
        except BaseException:
            self._failed = True
            raise

    def commit(self) -> None:
        """Upload what is left and make the file visible; on failure nothing becomes visible."""
        location = self._location
        try:
            self._send(wait=True)
            with translated(location.shown, location.secrets):
                self._file.close()
                if self._temporary is None:
                    self._file.commit()
                else:
                    self._rename()
        except BaseException:
            self.discard()
            raise
        self._check_stored()

    def _check_stored(self) -> None:
        """The published object must hold every byte written (a store that silently kept less
        must not let a caller delete the only other copy)."""
        location = self._location
        with translated(location.shown, location.secrets):
            try:
                size = location.fs.size(location.path)
            except NotImplementedError:  # a filesystem that cannot tell sizes: nothing to compare
                return
        if size is not None and size != self._sent:
            raise ArrowIOError(f"{location.shown}: the store holds {size} bytes after {self._sent} were written")

    def _rename(self) -> None:
        fs, path = self._location.fs, self._location.path
        try:
            fs.mv(self._temporary, path)
        except OSError:
            # Some filesystems (HDFS) refuse to rename over an existing file.
            if not fs.exists(path):
                raise
            fs.rm(path)
            fs.mv(self._temporary, path)

    def discard(self) -> None:
        """Abandon the write: abort the multipart upload or remove the temporary file."""
        sending, self._sending = self._sending, None
        self._part = bytearray()
        if sending is not None and not sending.cancel():
            sending.exception()  # running: wait, the fsspec file is not ours until it returns
        file = self._file
        try:
            if self._temporary is None:
                file.discard()
            else:
                file.close()
                self._location.fs.rm(self._temporary)
        except Exception:
            pass  # best effort: the target was never touched, whatever is left is invisible
        finally:
            # A discarded fsspec file must not flush or commit from its finalizer.
            try:
                file.closed = True
            except AttributeError:
                pass
