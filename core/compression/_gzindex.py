"""Positional reads of a single-member gzip file from one checkpoint of its index, read lazily.

A checkpoint index (indexed_gzip's format, which rapidgzip exports) is a small table of
checkpoints followed by a 32 KiB window per checkpoint::

    "GZIDX" version(1) flags(1) | compressed size, decoded size (uint64) | spacing, window
    size, count (uint32) | per checkpoint: compressed offset, decoded offset (uint64), bits,
    has-window (uint8) | the windows, in checkpoint order

Loading all of it into rapidgzip costs more than the read it serves (2 MiB of windows for a
256 MiB file: a tenth of a full decode for a 64-byte read). Here the table alone is read when
the file is opened, and a read reads the one window it needs and inflates from that checkpoint
with ISA-L (zlib without it), stopping as soon as the bytes asked for are out.

A checkpoint may fall inside a byte: its deflate block starts ``bits`` bits before the byte at
its compressed offset, in that previous byte's high bits. Shifting the bytes into alignment
does not work (a stored block pads to the boundaries of the original bytes), and Python's zlib
bindings lack ``inflatePrime``, so the inflating is done by the zlib that Python's own ``zlib``
module loads (``libz.so.1``), through ctypes, which releases the GIL while it works.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import struct
from bisect import bisect_right

from ._base import corrupt

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["CheckpointTable", "MemberEnd"]

_MAGIC = b"GZIDX"
_HEAD = struct.Struct("<5sBBQQIII")  # magic, version, flags, sizes, spacing, window size, count
_POINT = struct.Struct("<QQBB")
_PIECE = 256 << 10  # compressed bytes shifted and inflated per step: a read stops within one


class MemberEnd(Exception):
    """The gzip member ended before the bytes asked for: they lie in a later member, which a
    raw inflater from a checkpoint cannot enter (rapidgzip reads across members)."""


class CheckpointTable:
    """The checkpoints of the gzip file ``path`` from its index ``index`` (windows left on disk)."""

    def __init__(self, path: str, index: str) -> None:
        self._path, self._index = path, index
        with open(index, "rb") as f:
            head = f.read(_HEAD.size)
            if len(head) < _HEAD.size or not head.startswith(_MAGIC):
                raise self._unusable("not an indexed_gzip/rapidgzip index")
            _, version, _, comp_size, size, _, window, count = _HEAD.unpack(head)
            if version != 1:
                raise self._unusable(f"index version {version}, this arrowio reads 1")
            table = f.read(count * _POINT.size)
        if len(table) != count * _POINT.size:
            raise self._unusable(f"truncated: {count} checkpoints listed")
        if comp_size != os.path.getsize(path):
            raise self._unusable(f"it describes a {comp_size}-byte file, this one has {os.path.getsize(path)} bytes")
        points = [_POINT.unpack_from(table, i * _POINT.size) for i in range(count)]
        self.size: int = size
        self._window = window
        self._comp = [p[0] for p in points]
        self._plain = [p[1] for p in points]
        self._bits = [p[2] for p in points]
        # Where each checkpoint's window lies in the index file (None: it has none).
        self._windows: list[int | None] = []
        at = _HEAD.size + count * _POINT.size
        for point in points:
            self._windows.append(at if point[3] else None)
            at += window if point[3] else 0
        if os.path.getsize(index) != at:
            raise self._unusable(f"it holds {os.path.getsize(index)} bytes where its table says {at}")

    def _unusable(self, why: str) -> Exception:
        return corrupt("gzip", 0, f"{self._index}: unusable checkpoint index ({why})")

    def readinto_at(self, view: memoryview, offset: int) -> int:
        """Decode ``len(view)`` bytes (fewer at the end) at decoded ``offset`` into ``view``;
        raises MemberEnd where they reach past the end of the member the checkpoint is in."""
        end = min(offset + len(view), self.size)
        if offset >= end:
            return 0
        i = bisect_right(self._plain, offset) - 1
        while i > 0 and self._windows[i] is None:  # a checkpoint without a window is no way in
            i -= 1
        skip = offset - self._plain[i]
        filled = 0
        for piece in self._inflate_from(i, skip + end - offset):
            if skip >= len(piece):
                skip -= len(piece)
                continue
            take = min(len(piece) - skip, end - offset - filled)
            view[filled : filled + take] = memoryview(piece)[skip : skip + take]
            filled += take
            skip = 0
        if filled < end - offset:
            raise MemberEnd()
        return filled

    def _inflate_from(self, i: int, wanted: int) -> Any:
        """Decoded pieces from checkpoint ``i`` on, at least ``wanted`` bytes of them in all."""
        window_at = self._windows[i]
        window = b""
        if window_at is not None:
            with open(self._index, "rb") as f:
                f.seek(window_at)
                window = f.read(self._window)
        bits = self._bits[i] if window_at is not None else 0
        pos = self._comp[i]
        fd = os.open(self._path, os.O_RDONLY)
        try:
            first = os.pread(fd, 1, pos - 1)[0] if bits else 0
            with _Inflater(window, bits, first >> (8 - bits) if bits else 0) as inflater:
                produced = 0
                while produced < wanted:
                    raw = os.pread(fd, _PIECE, pos)
                    if not raw:
                        break
                    pos += len(raw)
                    for out in inflater.feed(raw, pos, wanted - produced):
                        produced += len(out)
                        yield out
                    if inflater.ended:
                        break
        finally:
            os.close(fd)


class _ZStream(ctypes.Structure):
    """zlib's ``z_stream`` (zlib.h: a public, stable layout)."""

    _fields_ = [
        ("next_in", ctypes.c_void_p),
        ("avail_in", ctypes.c_uint),
        ("total_in", ctypes.c_ulong),
        ("next_out", ctypes.c_void_p),
        ("avail_out", ctypes.c_uint),
        ("total_out", ctypes.c_ulong),
        ("msg", ctypes.c_char_p),
        ("state", ctypes.c_void_p),
        ("zalloc", ctypes.c_void_p),
        ("zfree", ctypes.c_void_p),
        ("opaque", ctypes.c_void_p),
        ("data_type", ctypes.c_int),
        ("adler", ctypes.c_ulong),
        ("reserved", ctypes.c_ulong),
    ]


_Z_OK, _Z_STREAM_END, _Z_BUF_ERROR = 0, 1, -5
_OUT = 1 << 20  # decoded bytes per inflate call
_zlib: Any = None


def _libz() -> Any:
    global _zlib
    if _zlib is None:
        try:  # the name CPython's zlib module links to; find_library runs ldconfig (milliseconds)
            lib = ctypes.CDLL("libz.so.1")
        except OSError:
            lib = ctypes.CDLL(ctypes.util.find_library("z"))
        lib.zlibVersion.restype = ctypes.c_char_p
        for name in ("inflateInit2_", "inflateSetDictionary", "inflatePrime", "inflate", "inflateEnd"):
            getattr(lib, name).restype = ctypes.c_int
        _zlib = lib
    return _zlib


class _Inflater:
    """Raw inflate from a checkpoint: ``window`` as the dictionary, ``bits`` bits of ``value`` first."""

    def __init__(self, window: bytes, bits: int, value: int) -> None:
        self._lib = lib = _libz()
        self._stream = _ZStream()
        self._out = ctypes.create_string_buffer(_OUT)
        self.ended = False
        ref = ctypes.byref(self._stream)
        if lib.inflateInit2_(ref, -15, lib.zlibVersion(), ctypes.sizeof(_ZStream)) != _Z_OK:
            raise MemoryError("zlib: inflateInit2 failed")
        self._open = True
        if (window and lib.inflateSetDictionary(ref, window, len(window)) != _Z_OK) or (
            bits and lib.inflatePrime(ref, bits, value) != _Z_OK
        ):
            self.__exit__()
            raise corrupt("gzip", 0, "unusable checkpoint (its window or bit offset)")

    def feed(self, data: bytes, end: int, wanted: int) -> Any:
        """Inflate ``data`` (ending at compressed offset ``end``): decoded pieces, at most
        ``wanted`` bytes in all (the rest of ``data`` is then dropped)."""
        stream, lib = self._stream, self._lib
        keep = ctypes.create_string_buffer(data, len(data))  # alive while zlib reads it
        stream.next_in = ctypes.addressof(keep)
        stream.avail_in = len(data)
        ref = ctypes.byref(stream)
        while wanted > 0 and stream.avail_in:
            stream.next_out = ctypes.addressof(self._out)
            stream.avail_out = room = min(_OUT, wanted)
            status = lib.inflate(ref, 0)
            got = room - stream.avail_out
            if status not in (_Z_OK, _Z_STREAM_END, _Z_BUF_ERROR):
                detail = (stream.msg or b"error %d" % status).decode(errors="replace")
                raise corrupt("gzip", end - stream.avail_in, f"corrupt deflate data after a checkpoint ({detail})")
            if got:
                wanted -= got
                yield ctypes.string_at(self._out, got)
            if status == _Z_STREAM_END:
                self.ended = True
                return
            if status == _Z_BUF_ERROR and not got:
                return

    def __enter__(self) -> _Inflater:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._open:
            self._open = False
            self._lib.inflateEnd(ctypes.byref(self._stream))
