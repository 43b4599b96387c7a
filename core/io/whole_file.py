"""``input_stream(path, compression='auto')`` for the many small files of ``cat logs/*.gz``: a small
local file read in one read and decoded in one call, with no stream made for it.

Per small file, the streams around that one decoding call (an OSFile, a CompressedInputStream,
their closes and finalizers) cost as much as the call (issue 15: per-file cost). Where the file
is regular, at most 256 KiB, and plain or one gzip member or zstd frame that the one call is
sure of (:func:`arrowio.compression._whole.decode`), :func:`read_or_open` hands back its content
as a :class:`WholeFile`. Anything else gets the stream ``input_stream`` gives, made over the
descriptor already open and the bytes already read (a FIFO must never be opened twice), by the
same code: results and errors stay those of the stream. (A one-member-looking file that the one
call declines, several gzip members say, is offered to it once more by the stream: the cost of
the unusual file, so that the stream's code stays the one way.)
"""

from __future__ import annotations

import os
import stat

from .._records import NamedTuple
from ..compression._registry import MAGIC_PEEK, resolve
from ..compression._whole import decode
from .factories import _decoded
from .native_file import NativeFile
from .os_file import _WHOLE_UP_TO, OSFile, open_descriptor

__all__ = ["WholeFile", "read_or_open"]


class WholeFile(NamedTuple):
    """A small file's content: ``format`` (None: plain), ``data`` (decoded) and ``size`` (the
    bytes read from the file)."""

    format: str | None
    data: bytes
    size: int


def read_or_open(path: str) -> WholeFile | NativeFile:
    """The content of the local file ``path`` as a :class:`WholeFile` where it is small and read
    and decoded whole with certainty; else the stream ``input_stream(path, compression='auto')``
    returns. Errors are that function's: a missing file, a directory, a read error, a format
    whose backend is not installed."""
    fd, info = open_descriptor(path, "rb")
    data = None
    try:
        size = info.st_size
        if size <= _WHOLE_UP_TO and stat.S_ISREG(info.st_mode):
            # One byte more than the file held when opened: a short answer shows the end.
            data = os.read(fd, size + 1)
            if len(data) <= size:
                whole = _whole(path, data)
                if whole is not None:
                    os.close(fd)
                    return whole
    except BaseException:
        os.close(fd)
        raise
    stream = OSFile._opened(path, fd, info, data)  # its own from here: closed on failure
    try:
        return _decoded(stream, "auto", path)
    except BaseException:
        stream.close()
        raise


def _whole(path: str, data: bytes) -> WholeFile | None:
    """``data``, all of the file ``path``, as its :class:`WholeFile`; None where only the stream
    can tell (detection fails, or the one call is not sure)."""
    try:
        fmt = resolve("detect", path, data[:MAGIC_PEEK])
    except OSError:
        return None  # a name that promises a format the content lacks: the stream says so
    if fmt is None:
        return WholeFile(None, data, len(data))
    decoded = decode(fmt, data)
    return None if decoded is None else WholeFile(fmt.name, decoded, len(data))
