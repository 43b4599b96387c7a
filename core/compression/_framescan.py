"""Finding the independent frames of a compressed file: cheaply when it declares them, or by a scan.

:func:`find_table` runs when a compressed file is opened and reads only what the file declares:
a saved index beside it, zstd's seek table (the last bytes), the skippable frames that
``pzstd`` (and ``arrowio compress -T N``) put before each frame with its compressed size, or
BGZF's block sizes (one 18-byte header per 64 KiB block, with a ``.gzi`` index when present).
Walks that take one read per frame run only over local files and memory, never over a network.

:func:`scan` reads a whole file to find its frames where nothing declares them (multi-frame
zstd without markers: block headers are walked, frames without a content size are decoded to
count; multi-member gzip: every member is inflated) so the result can be saved with
:func:`arrowio.compression.build_index` and used by every later open.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Callable

from ._base import corrupt
from ._frametable import SEEKABLE_MAGIC, FrameTable, load_index, read_gzi, read_seek_table

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    import mmap
    from typing import Any

    from . import _framecache
    from ._bgzfwalk import BgzfWalk

# mmap, the BGZF walks (_bgzfwalk) and the memory file's module are imported where used: a
# zstd file that declares no frames (most: one frame) is opened without them, 1.1 ms sooner.

__all__ = ["find_table", "scan", "is_local"]

_ZSTD_MAGIC = 0xFD2FB528
_SKIPPABLE_MIN, _SKIPPABLE_MAX = 0x184D2A50, 0x184D2A5F
_PZSTD_HEADER = struct.Struct("<III")  # skippable magic 0x184D2A50, size 4, the next frame's compressed size
_FCS_SIZE = (0, 2, 4, 8)
_DID_SIZE = (0, 1, 2, 4)
_U32 = struct.Struct("<I")
_SEEKABLE_TAIL = _U32.pack(SEEKABLE_MAGIC)  # the last four bytes of a file in zstd's seekable format
#: BGZF files of this size and more keep their walked table for the next open, and are walked
#: only as far as reads need: a smaller one (some 50 blocks or fewer) is walked whole in tens of
#: microseconds, and its table would only crowd the cache.
CACHE_MIN = 1 << 20


def is_local(raw: Any) -> bool:
    """Whether reads of ``raw`` are cheap (a local file or memory, not a network round trip)."""
    memory = sys.modules.get("arrowio.io.memory_source")  # not imported: raw cannot be one
    if memory is not None and isinstance(raw, memory.MemorySourceFile):
        return True
    try:
        raw.fileno()
    except (OSError, ValueError, AttributeError):
        return False
    return True


class _Source:
    """Positional reads of a seekable NativeFile, through a read-only map when it has a descriptor."""

    def __init__(self, raw: Any) -> None:
        self.size = raw.size()
        self._raw = raw
        self._map: mmap.mmap | None = None
        #: ``pread(handle, n, offset)``: a few bytes by one system call where there is a
        #: descriptor (no page of the map faulted in, and later unmapped, for them): os.pread
        #: itself, on the descriptor ``handle`` (through functools.partial, a BGZF walk took 8 %
        #: more CPU); else the file's read_at, ``handle`` unused.
        self.pread: Callable[[Any, int, int], bytes] = _read_at_of(raw)
        self.handle: Any = None
        try:
            fd = raw.fileno()
            self.pread, self.handle = os.pread, fd
            if self.size:
                import mmap

                self._map = mmap.mmap(fd, self.size, access=mmap.ACCESS_READ)
        except (OSError, ValueError, AttributeError):
            pass

    def read_at(self, n: int, offset: int) -> bytes:
        """``n`` bytes at ``offset``, from the map where there is one (for reads of many bytes)."""
        if self._map is not None:
            return self._map[offset : offset + n]
        return self._raw.read_at(n, offset)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()


def _read_at_of(raw: Any) -> Callable[[Any, int, int], bytes]:
    """``raw.read_at`` in the shape of os.pread, its first argument ignored."""
    return lambda _handle, n, offset: raw.read_at(n, offset)


def find_table(
    raw: Any, fmt: str, path: str | None, whole: bytes | None = None, lazy: bool = False
) -> FrameTable | BgzfWalk | None:
    """The frames ``raw`` (a seekable compressed file of format ``fmt``) declares, or None.

    ``whole``: all of ``raw``'s content, already in memory (a small local file, read whole when
    opened): the declarations are read there, and no saved index beside it is looked for (see
    :func:`build_index`): such a file decodes whole sooner than its index could be opened.
    ``lazy``: the blocks of a large local BGZF file that ends with BGZF's end-of-file block are
    not walked here but handed over as a :class:`BgzfWalk`, walked as far as reads need."""
    if fmt not in ("zstd", "gzip") or not raw.seekable():
        return None
    if whole is not None:
        return _declared_in(raw, fmt, path, whole)
    local = is_local(raw)
    if not local:
        path = None  # a remote file's name says nothing about local files beside it
    if path is not None:
        saved = load_index(path)
        if saved is not None:
            return saved
    size, read_at = raw.size(), raw.read_at
    if fmt == "zstd":
        table = read_seek_table(read_at, size)
        if table is not None:
            return table
        head = read_at(_PZSTD_HEADER.size, 0)
        if not _is_pzstd_header(head, 0) or not local:
            return None
        return _walk(raw, _walk_pzstd)
    from ._bgzfwalk import BGZF_HEADER, is_bgzf_header

    return _bgzf_table(raw, path, local, lazy) if is_bgzf_header(read_at(BGZF_HEADER, 0)) else None


def _declared_in(raw: Any, fmt: str, path: str | None, whole: bytes) -> FrameTable | BgzfWalk | None:
    """:func:`find_table` of a local file whose content ``whole`` is in memory. Most such files
    are one frame or member: the two bytes compares that tell so come first."""
    if fmt == "zstd":
        if whole.endswith(_SEEKABLE_TAIL):
            table = read_seek_table(lambda nbytes, offset: whole[offset : offset + nbytes], len(whole))
            if table is not None:
                return table
        return _walk(raw, _walk_pzstd) if _is_pzstd_header(whole, 0) else None
    from ._bgzfwalk import is_bgzf_header

    return _bgzf_table(raw, path, True) if is_bgzf_header(whole) else None


def _bgzf_table(raw: Any, path: str | None, local: bool, lazy: bool = False) -> FrameTable | BgzfWalk | None:
    """The blocks of a BGZF file: from its ``.gzi`` index where there is one, else walked (locally)."""
    if path is not None and os.path.exists(path + ".gzi"):
        return _walk(raw, lambda source: _walk_bgzf(source, read_gzi(path + ".gzi")))
    return _walked_bgzf(raw, lazy) if local else None


def _walked_bgzf(raw: Any, lazy: bool) -> FrameTable | BgzfWalk | None:
    """The walk of a local BGZF file, or the table an earlier walk of it in this process found
    (:mod:`._framecache`; a walk that stopped partway goes on after the blocks it found), for
    files of CACHE_MIN bytes and more: a smaller one is walked sooner than it is looked up.
    With ``lazy``, such a file is walked later, as far as reads need (:class:`BgzfWalk`), if it
    ends with BGZF's end-of-file block: one cut short or followed by other data is walked now,
    and read sequentially if it is not BGZF to its end."""
    from . import _framecache  # here: only a BGZF walk is cached, and its threading slows start-up
    from ._bgzfwalk import BGZF_EOF, BgzfWalk

    key = None
    size = raw.size()
    known = None
    if size >= CACHE_MIN:
        try:
            fd = raw.fileno()
            key = _framecache.key_of(fd)
        except (OSError, ValueError, AttributeError):  # memory: nothing to know it by
            pass
        else:
            known = _framecache.get(key)
            if known is not None and known.comp[-1] == size:
                return known  # walked to its end
            if lazy and os.pread(fd, len(BGZF_EOF), size - len(BGZF_EOF)) == BGZF_EOF:
                return BgzfWalk(os.pread, fd, size, known, keep=lambda table: _keep(key, table))
    table = _walk(raw, lambda source: _walk_bgzf(source, known))
    if key is not None and table is not None:
        _framecache.put(key, table)
    return table


def _keep(key: _framecache.Key, table: FrameTable) -> None:
    """Keep the blocks of a file a walk found, unless an earlier walk found more."""
    from . import _framecache  # see _walked_bgzf

    kept = _framecache.get(key)
    if kept is None or kept.frames < table.frames:
        _framecache.put(key, table)


def _walk(raw: Any, walker: Callable[[_Source], FrameTable | None]) -> FrameTable | None:
    source = _Source(raw)
    try:
        return walker(source)
    finally:
        source.close()


# -- zstd ------------------------------------------------------------------------------------------
def _is_pzstd_header(head: bytes, at: int) -> bool:
    if len(head) < at + 12:
        return False
    magic, size, _ = _PZSTD_HEADER.unpack_from(head, at)
    return magic == _SKIPPABLE_MIN and size == 4


def _content_size(header: bytes) -> int | None:
    """The frame content size in the zstd frame header ``header`` starts with, or None."""
    if len(header) < 6 or struct.unpack_from("<I", header)[0] != _ZSTD_MAGIC:
        return None
    descriptor = header[4]
    single_segment = descriptor >> 5 & 1
    fcs = _FCS_SIZE[descriptor >> 6] or single_segment
    if not fcs:
        return None
    at = 5 + (not single_segment) + _DID_SIZE[descriptor & 3]
    if len(header) < at + fcs:
        return None
    value = int.from_bytes(header[at : at + fcs], "little")
    return value + 256 if fcs == 2 else value


def _walk_pzstd(source: _Source) -> FrameTable | None:
    """pzstd's layout: before every frame a 12-byte skippable frame holding its compressed size."""
    comp, plain = [0], [0]
    known = True
    pos, size = 0, source.size
    while pos < size:
        head = source.read_at(12 + 18, pos)
        if not _is_pzstd_header(head, 0):
            break  # ordinary frames follow: they form one last piece
        frame_size = _PZSTD_HEADER.unpack_from(head)[2]
        content = _content_size(head[12:])
        pos += 12 + frame_size
        if pos > size:
            return None  # cut short: the sequential decoder says where
        comp.append(pos)
        if content is None:
            known = False
        else:
            plain.append(plain[-1] + content)
    if pos < size:
        comp.append(size)
        known = False
    if len(comp) < 3:
        return None  # one frame: nothing to gain
    return FrameTable(tuple(comp), tuple(plain) if known else None)


def _frame_end(source: _Source, pos: int) -> tuple[int, int | None]:
    """The end of the zstd (or skippable) frame at ``pos`` and its content size (None: not
    declared), by walking its block headers; raises ArrowIOError where it is cut or damaged."""
    head = source.read_at(18, pos)
    if len(head) < 8:
        raise corrupt("zstd", pos, "truncated input: a frame header is cut off")
    magic = struct.unpack_from("<I", head)[0]
    if _SKIPPABLE_MIN <= magic <= _SKIPPABLE_MAX:
        return pos + 8 + struct.unpack_from("<I", head, 4)[0], 0
    if magic != _ZSTD_MAGIC:
        raise corrupt("zstd", pos, "not a zstd frame (unknown frame magic number)")
    descriptor = head[4]
    single_segment = descriptor >> 5 & 1
    fcs = _FCS_SIZE[descriptor >> 6] or single_segment
    at = pos + 5 + (not single_segment) + _DID_SIZE[descriptor & 3] + fcs
    while True:
        block = source.read_at(3, at)
        if len(block) < 3:
            raise corrupt("zstd", at, f"truncated input: the frame starting at offset {pos} is cut off")
        header = int.from_bytes(block, "little")
        kind = header >> 1 & 3
        if kind == 3:
            raise corrupt("zstd", at, "reserved block type")
        at += 3 + (1 if kind == 1 else header >> 3)
        if header & 1:
            break
    if descriptor & 0x04:
        at += 4  # content checksum
    if at > source.size:
        raise corrupt("zstd", source.size, f"truncated input: the frame starting at offset {pos} is cut off")
    return at, _content_size(head)


def _scan_zstd(source: _Source, decode_frame: Callable[[int, int], int]) -> FrameTable:
    comp, plain = [0], [0]
    table_start = source.size
    found = read_seek_table(source.read_at, source.size)
    if found is not None:
        return found
    pos = 0
    while pos < table_start:
        end, content = _frame_end(source, pos)
        if content is None:
            content = decode_frame(pos, end)
        comp.append(end)
        plain.append(plain[-1] + content)
        pos = end
    return FrameTable(tuple(comp), tuple(plain))


# -- gzip ------------------------------------------------------------------------------------------
def _walk_bgzf(source: _Source, known: list[tuple[int, int]] | FrameTable | None = None) -> FrameTable | None:
    """BGZF blocks by their BSIZE fields; with ``known`` (a .gzi index's pairs, or the blocks an
    earlier walk found) only the blocks after its last entry."""
    if isinstance(known, list):
        known = FrameTable(tuple(c for c, _ in known), tuple(d for _, d in known))
    from ._bgzfwalk import BgzfWalk

    return BgzfWalk(source.pread, source.handle, source.size, known).finish()


def _scan_gzip(source: _Source) -> FrameTable:
    """Every member of a gzip file, found by inflating it (its header parsed, its trailer checked)."""
    from ._deflate import Inflater
    from ._gzip import GzipDecoder

    comp, plain = [0], [0]
    pos, size = 0, source.size
    parser = GzipDecoder()
    while pos < size:
        header = parser._parse_header(source.read_at(65536, pos), pos)
        if header is None:
            raise corrupt(
                "gzip", size, f"truncated input: it ends inside the header of the member starting at offset {pos}"
            )
        at = pos + header
        inflater = Inflater()
        produced = 0
        while not inflater.eof:
            if inflater.needs_input:
                piece = source.read_at(1 << 20, at)
                if not piece:
                    raise corrupt("gzip", size, f"truncated input: it ends inside the member starting at offset {pos}")
                at += len(piece)
            else:
                piece = b""
            try:
                produced += len(inflater.decompress(piece, 4 << 20))
            except inflater.error as exc:
                raise corrupt(
                    "gzip", at, f"corrupt deflate data in the member starting at offset {pos} ({exc})"
                ) from None
        at -= len(inflater.unused_data)
        trailer = source.read_at(8, at)
        if len(trailer) < 8:
            raise corrupt(
                "gzip", size, f"truncated input: it ends inside the trailer of the member starting at offset {pos}"
            )
        crc, isize = struct.unpack("<II", trailer)
        if crc != inflater.crc or isize != produced & 0xFFFFFFFF:
            raise corrupt("gzip", at, f"trailer mismatch (CRC32 or length) in the member starting at offset {pos}")
        pos = at + 8
        comp.append(pos)
        plain.append(plain[-1] + produced)
    return FrameTable(tuple(comp), tuple(plain))


def scan(raw: Any, fmt: str) -> FrameTable:
    """Every frame of ``raw`` (a seekable zstd or gzip file) with its decoded size, reading the
    whole file where it declares nothing (zstd frames without a content size are decoded)."""
    if fmt not in ("zstd", "gzip"):
        raise ValueError(f"only zstd and gzip files have frames to index, not {fmt}")
    source = _Source(raw)
    try:
        if fmt == "gzip":
            return _scan_gzip(source)
        from ._frameread import decode_range

        def count(start: int, end: int) -> int:
            return sum(len(piece) for piece in decode_range(source.read_at, "zstd", start, end))

        return _scan_zstd(source, count)
    finally:
        source.close()


def build_index(path: str, *, save: bool = True, index_path: str | None = None) -> FrameTable:
    """Find every frame of the zstd or gzip file ``path`` (a scan where the file declares
    nothing) and, with ``save``, write the index beside it (``path`` + ``.arrowio-index``, or
    ``index_path``), where every later open of a file larger than 256 KiB finds it: the stream
    is then seekable and decoded on all cores (a smaller file is read whole when opened and
    decoded from memory, sooner than its index could be opened). An index of a file that
    changed later is ignored."""
    from ..io.os_file import OSFile
    from ._frametable import save_index
    from ._registry import MAGIC_PEEK, from_magic

    with OSFile(path) as raw:
        fmt = from_magic(raw.read_at(MAGIC_PEEK, 0))
        if fmt is None or fmt.name not in ("zstd", "gzip"):
            raise ValueError(
                f"{path}: only zstd and gzip files have frames to index, this is {fmt.name if fmt else 'neither'}"
            )
        table = scan(raw, fmt.name)
    if save:
        save_index(table, path, index_path)
    return table
