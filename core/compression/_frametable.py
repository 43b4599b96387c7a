"""Where the independent frames of a compressed file start, and how to store that on disk.

A :class:`FrameTable` lists the compressed and the decoded offset of every frame (a zstd
frame or a gzip member) that can be decoded on its own. Three on-disk forms are read:

* zstd's seekable format: a skippable frame at the end of the file, magic 0x184D2A5E, holding
  ``(compressed size, decompressed size[, checksum])`` per frame, then a 9-byte footer
  (frame count, descriptor, magic 0x8F92EAB1). It is also written (``--seekable``).
* bgzip's ``.gzi`` index of a BGZF file: a count, then ``(compressed, decoded)`` offset pairs
  (uint64, little endian) of every block but the first.
* arrowio's own index, saved beside a file after a scan (:data:`INDEX_SUFFIX`): the offsets of
  every frame, and the size and modification time of the file it describes, so that an index
  of an older version of the file is never used.
"""

from __future__ import annotations

import os
import struct
from bisect import bisect_right
from collections.abc import Callable

from .._records import NamedTuple
from ._base import corrupt

__all__ = [
    "FrameTable",
    "SEEKABLE_MAGIC",
    "SEEK_TABLE_MAGIC",
    "FOOTER_SIZE",
    "read_seek_table",
    "seek_table_bytes",
    "read_gzi",
    "INDEX_SUFFIX",
    "load_index",
    "save_index",
]

SEEK_TABLE_MAGIC = 0x184D2A5E  # the skippable frame that holds the seek table
SEEKABLE_MAGIC = 0x8F92EAB1  # the footer's last four bytes
FOOTER_SIZE = 9  # frame count (4), descriptor (1), magic (4)
_MAX_FRAMES = 0x8000000  # the format's limit on the number of frames
_CHECKSUM_FLAG = 0x80
_RESERVED_BITS = 0x7C

INDEX_SUFFIX = ".arrowio-index"
_INDEX_MAGIC = b"ARROWIDX"
_INDEX_HEAD = struct.Struct("<8sIQQQ")  # magic, version, file size, mtime_ns, frame count
_INDEX_VERSION = 1


class FrameTable(NamedTuple):
    """Frame ``i`` is ``comp[i]:comp[i+1]`` of the file and decodes to ``plain[i]:plain[i+1]``.

    ``comp`` has one entry more than there are frames (the end of the last one); ``plain`` too,
    or is None when the decoded sizes are not known (frames without a content size): such a
    table allows decoding in parallel, not seeking.
    """

    comp: tuple[int, ...]
    plain: tuple[int, ...] | None

    @property
    def frames(self) -> int:
        return len(self.comp) - 1

    @property
    def size(self) -> int | None:
        """The decoded size of the whole file, where known."""
        return None if self.plain is None else self.plain[-1]

    def frame_at(self, position: int) -> int:
        """The frame holding decoded byte ``position`` (the last frame for the end and beyond)."""
        assert self.plain is not None
        return min(max(bisect_right(self.plain, position) - 1, 0), self.frames - 1)


def read_seek_table(read_at: Callable[[int, int], bytes], file_size: int) -> FrameTable | None:
    """The seek table at the end of a file of ``file_size`` bytes read by ``read_at(n, offset)``,
    or None when the file has no seekable-format footer. A footer whose table is cut off,
    corrupt or inconsistent with the file raises ArrowIOError: such a file is damaged."""
    if file_size < FOOTER_SIZE:
        return None
    footer = read_at(FOOTER_SIZE, file_size - FOOTER_SIZE)
    if len(footer) < FOOTER_SIZE or struct.unpack_from("<I", footer, 5)[0] != SEEKABLE_MAGIC:
        return None
    footer_at = file_size - FOOTER_SIZE
    count, descriptor = struct.unpack_from("<IB", footer)
    if descriptor & _RESERVED_BITS:
        raise corrupt("zstd", footer_at + 4, f"corrupt seek table: reserved descriptor bits set ({descriptor:#04x})")
    if count > _MAX_FRAMES:
        raise corrupt("zstd", footer_at, f"corrupt seek table: {count} frames, more than the format allows")
    entry = 12 if descriptor & _CHECKSUM_FLAG else 8
    table_size = 8 + count * entry + FOOTER_SIZE  # skippable frame header, entries, footer
    start = file_size - table_size
    if start < 0:
        raise corrupt(
            "zstd",
            0,
            f"truncated seek table: its footer lists {count} frames, which need {table_size} "
            f"bytes, but the file has {file_size}",
        )
    table = read_at(table_size, start)
    magic, frame_size = struct.unpack_from("<II", table)
    if magic != SEEK_TABLE_MAGIC:
        raise corrupt(
            "zstd",
            start,
            f"corrupt seek table: the footer lists {count} frames, but no seek table frame "
            f"(magic {SEEK_TABLE_MAGIC:#x}) starts {table_size} bytes before the end (truncated or damaged table)",
        )
    if frame_size != table_size - 8:
        raise corrupt("zstd", start + 4, f"corrupt seek table: frame size {frame_size}, expected {table_size - 8}")
    comp, plain = [0], [0]
    for i in range(count):
        csize, dsize = struct.unpack_from("<II", table, 8 + i * entry)
        comp.append(comp[-1] + csize)
        plain.append(plain[-1] + dsize)
    if comp[-1] != start:
        raise corrupt(
            "zstd",
            start,
            f"corrupt seek table: its {count} frames cover {comp[-1]} bytes, but the table starts at offset {start}",
        )
    if count == 0:
        return None  # nothing to seek in (the table of an empty input)
    return FrameTable(tuple(comp), tuple(plain))


def seek_table_bytes(sizes: list[tuple[int, int]]) -> bytes:
    """The seek table (a skippable frame) for frames of ``(compressed, decompressed)`` sizes,
    without per-frame checksums (every frame carries its own content checksum)."""
    entries = b"".join(struct.pack("<II", c, d) for c, d in sizes)
    footer = struct.pack("<IBI", len(sizes), 0, SEEKABLE_MAGIC)
    return struct.pack("<II", SEEK_TABLE_MAGIC, len(entries) + len(footer)) + entries + footer


def read_gzi(path: str) -> list[tuple[int, int]]:
    """The ``(compressed, decoded)`` offsets of a bgzip ``.gzi`` index, the first block's (0, 0) included."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise corrupt("gzip", 0, f"{path}: truncated .gzi index ({len(data)} bytes)")
    (count,) = struct.unpack_from("<Q", data)
    if len(data) != 8 + 16 * count:
        raise corrupt(
            "gzip", 0, f"{path}: corrupt .gzi index: {count} entries need {8 + 16 * count} bytes, it has {len(data)}"
        )
    pairs = [(0, 0)] + [struct.unpack_from("<QQ", data, 8 + 16 * i) for i in range(count)]
    for (c0, d0), (c1, d1) in zip(pairs, pairs[1:], strict=False):
        if c1 <= c0 or d1 < d0:
            raise corrupt(
                "gzip", 0, f"{path}: corrupt .gzi index: offsets do not increase ({c0}, {d0}) -> ({c1}, {d1})"
            )
    return pairs


def _stamp(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def save_index(table: FrameTable, source: str, index_path: str | None = None) -> str:
    """Write ``table`` (with decoded sizes) beside ``source``; returns the index's path."""
    assert table.plain is not None
    index_path = index_path or source + INDEX_SUFFIX
    size, mtime = _stamp(source)
    parts = [_INDEX_HEAD.pack(_INDEX_MAGIC, _INDEX_VERSION, size, mtime, table.frames)]
    parts += [struct.pack("<QQ", c, d) for c, d in zip(table.comp, table.plain, strict=False)]
    tmp = f"{index_path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(b"".join(parts))
    os.replace(tmp, index_path)  # never a half-written index under the real name
    return index_path


def load_index(source: str, index_path: str | None = None) -> FrameTable | None:
    """The saved index of ``source``, or None when there is none or it describes another
    version of the file (size or modification time changed). A damaged index raises."""
    index_path = index_path or source + INDEX_SUFFIX
    try:
        with open(index_path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    if len(data) < _INDEX_HEAD.size or not data.startswith(_INDEX_MAGIC):
        raise corrupt("index", 0, f"{index_path}: not an arrowio index")
    magic, version, size, mtime, count = _INDEX_HEAD.unpack_from(data)
    if version != _INDEX_VERSION:
        raise corrupt("index", 8, f"{index_path}: index version {version}, this arrowio reads {_INDEX_VERSION}")
    if len(data) != _INDEX_HEAD.size + 16 * (count + 1):
        raise corrupt("index", _INDEX_HEAD.size, f"{index_path}: truncated index ({count} frames, {len(data)} bytes)")
    if (size, mtime) != _stamp(source):
        return None  # the file changed since: the index is stale
    pairs = [struct.unpack_from("<QQ", data, _INDEX_HEAD.size + 16 * i) for i in range(count + 1)]
    comp = tuple(c for c, _ in pairs)
    plain = tuple(d for _, d in pairs)
    if (
        any(b <= a for a, b in zip(comp, comp[1:], strict=False))
        or any(b < a for a, b in zip(plain, plain[1:], strict=False))
        or comp[-1] != size
    ):
        raise corrupt(
            "index", _INDEX_HEAD.size, f"{index_path}: corrupt index (offsets do not increase to the file's end)"
        )
    return FrameTable(comp, plain)
