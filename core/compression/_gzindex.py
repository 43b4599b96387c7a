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

A checkpoint may fall inside a byte (its block starts in the previous byte's high bits), which
Python's bindings cannot enter: :mod:`._rawinflate` inflates from it, with ISA-L.
"""

from __future__ import annotations

import os
import struct
from bisect import bisect_right
from collections.abc import Callable, Iterator

from ._base import corrupt
from ._rawinflate import inflater

__all__ = ["CheckpointTable", "MemberEnd"]

_MAGIC = b"GZIDX"
_HEAD = struct.Struct("<5sBBQQIII")  # magic, version, flags, sizes, spacing, window size, count
_POINT = struct.Struct("<QQBB")
_PIECE = 256 << 10  # compressed bytes read and inflated per step: a read stops within one


class MemberEnd(Exception):
    """The gzip member ended before the bytes asked for: they lie in a later member, which a
    raw inflater from a checkpoint cannot enter (rapidgzip reads across members)."""


class CheckpointTable:
    """The checkpoints of the gzip file ``path`` from its index ``index`` (windows left on disk).

    The file is read by ``readinto_at(view, offset)`` of the file opened, ``file_size`` bytes:
    not by its name, which may be another file's by then (a log rotated while open)."""

    def __init__(self, path: str, index: str, readinto_at: Callable[[memoryview, int], int], file_size: int) -> None:
        self._path, self._index, self._readinto_at = path, index, readinto_at
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
        if comp_size != file_size:
            raise self._unusable(f"it describes a {comp_size}-byte file, this one has {file_size} bytes")
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
            view[filled : filled + take] = piece[skip : skip + take]
            filled += take
            skip = 0
        if filled < end - offset:
            raise MemberEnd()
        return filled

    def _inflate_from(self, i: int, wanted: int) -> Iterator[memoryview]:
        """Decoded pieces from checkpoint ``i`` on (each valid until the next), at least
        ``wanted`` bytes of them in all."""
        window_at = self._windows[i]
        window = b""
        if window_at is not None:
            with open(self._index, "rb") as f:
                f.seek(window_at)
                window = f.read(self._window)
        bits = self._bits[i] if window_at is not None else 0
        pos = self._comp[i]
        raw = memoryview(bytearray(_PIECE))
        first = raw[0] if bits and self._readinto_at(raw[:1], pos - 1) else 0
        decoder = inflater(window, bits, first >> (8 - bits) if bits else 0)
        try:
            produced = 0
            while produced < wanted:
                got = self._readinto_at(raw, pos)
                if not got:
                    break
                pos += got
                for out in decoder.feed(raw[:got], pos, wanted - produced):
                    produced += len(out)
                    yield out
                if decoder.ended:
                    break
        finally:
            decoder.close()
