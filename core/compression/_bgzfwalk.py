"""The blocks of a BGZF file, walked by their BSIZE fields: all at once, or only as far as reads need.

Every BGZF block starts with an 18-byte gzip header whose BC subfield holds the block's size
and ends with its decoded size (ISIZE): one small read per 64 KiB block finds them all, with
nothing decoded. The walk of a large file is most of the cost of an open followed by one
``read_at`` (~4,000 blocks in 81 MB), so :class:`BgzfWalk` walks only as far as the reads so far
needed, and the rest when a read, ``size()`` or a sequential read needs it.
"""

from __future__ import annotations

import _thread  # its lock, not threading's module: start-up time (CONTRIBUTING.md)
import struct
from collections.abc import Callable
from itertools import accumulate

from ._frametable import FrameTable

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

    Pread = Callable[[Any, int, int], bytes]

__all__ = ["BgzfWalk", "BGZF_HEADER", "BGZF_EOF", "is_bgzf_header"]

BGZF_HEADER = 18  # gzip header with XLEN 6 and the BC subfield holding the block size - 1
#: The empty block bgzip and arrowio end a BGZF file with (SAM/BAM specification, 4.1.2).
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_BSIZE = struct.Struct("<H")  # the header's last field: the block's size - 1
_U32 = struct.Struct("<I")
#: From 4 bytes before a block: the previous block's ISIZE, then this block's ID1 ID2 CM FLG as one
#: number and XLEN SI1 SI2 SLEN BSIZE as another (BSIZE its top 16 bits; MTIME XFL OS skipped).
_STEP = struct.Struct("<II6xQ")
_MAGIC = 0x04088B1F  # 1f 8b 08 04: gzip, deflate, FEXTRA
_BC_FIELD, _BC_MASK = 0x000243420006, (1 << 48) - 1  # 06 00 'B' 'C' 02 00: XLEN 6, the BC subfield
_SMALLEST = BGZF_HEADER + 7  # BSIZE of the smallest block: a header, an empty deflate block, a trailer
#: The least compressed bytes a step of the walk towards a read covers (a few blocks): each
#: step is aimed at the range by the compression ratio of the blocks found so far, and the
#: decoded offsets are summed (in C) once per step.
STEP_BYTES = 128 << 10


def is_bgzf_header(head: bytes) -> bool:
    return len(head) >= BGZF_HEADER and head[:4] == b"\x1f\x8b\x08\x04" and head[10:16] == b"\x06\x00BC\x02\x00"


class BgzfWalk:
    """The blocks of a BGZF file of ``size`` bytes read by ``pread(handle, n, offset)``, found
    as far as asked. ``known``: the block starts already known (from a ``.gzi`` index, or an
    earlier walk of the same file), the walk going on after the last; ``keep``: called with the
    whole table when the walk gets there, and with the blocks found so far by :meth:`close`.

    ``comp`` and ``plain`` list the block starts found so far and their decoded offsets; they
    only grow. The walk ends at the file's end (:attr:`table` is then the whole table) or where
    the file stops being BGZF (:attr:`failed`: a block that is not BGZF, too small, or past the
    end; the blocks before it are still known). Thread-safe: a lock serialises the steps.
    """

    def __init__(
        self,
        pread: Pread,
        handle: Any,
        size: int,
        known: FrameTable | None = None,
        keep: Callable[[FrameTable], None] | None = None,
    ) -> None:
        self.comp = [0] if known is None else list(known.comp)
        self.plain = [0] if known is None else list(known.plain)  # type: ignore[arg-type]  # BGZF's: known
        self.file_size = size
        self._keep = keep
        self.table: FrameTable | None = None  # the whole table, once the walk reached the end
        self.failed = False
        self._pread, self._handle = pread, handle
        self._lock = _thread.allocate_lock()
        self._end = 0  # where the block after the last one found starts (0: its header not read yet)
        self._bsize = 0  # the last block's BSIZE

    @property
    def done(self) -> bool:
        return self.failed or self.table is not None

    def _first(self) -> bool:
        """Read the header of the last known block start; False where it is no BGZF header."""
        pos = self.comp[-1]
        if pos + BGZF_HEADER > self.file_size:
            return False  # an index of another file, or no whole header
        head = self._pread(self._handle, BGZF_HEADER, pos)
        if not is_bgzf_header(head):  # or a short read: the file shrank
            return False
        (bsize,) = _BSIZE.unpack_from(head, BGZF_HEADER - 2)
        self._bsize, self._end = bsize, pos + bsize + 1
        return True

    def covering(self, decoded_end: int) -> bool:
        """Walk until the blocks found cover decoded offsets up to ``decoded_end`` or the walk is
        done; whether they cover it (or the walk reached the file's end)."""
        comp, plain = self.comp, self.plain
        while plain[-1] < decoded_end and not self.done:
            with self._lock:
                if not self.done and plain[-1] < decoded_end:
                    # The compressed bytes left to the range at the ratio so far: a step short of it
                    # is followed by another, aimed by the ratio of more blocks.
                    ahead = (decoded_end - plain[-1]) * comp[-1] // plain[-1] if plain[-1] else 0
                    self._step(comp[-1] + max(ahead, STEP_BYTES))
        return plain[-1] >= decoded_end or self.table is not None

    def finish(self) -> FrameTable | None:
        """The whole table, walking the rest of the file; None where it is not BGZF to its end."""
        with self._lock:
            while not self.done:
                self._step(self.file_size)
        return self.table

    def _step(self, limit: int) -> None:
        """Find the blocks that start up to compressed offset ``limit`` (the file's end included)."""
        if self._end == 0 and not self._first():
            self.failed = True
            return
        last = self.file_size - BGZF_HEADER  # the last offset a block's whole header fits at
        starts: list[int] = []
        isizes: list[int] = []
        # The walk is part of the first read of a file (~4,000 blocks in 256 MiB). One 22-byte
        # pread per block gets its ISIZE and the next block's header, which are adjacent: 0.8 us
        # a block, where unpacking both from a map of the file took 1.2 us (its page faults, and
        # unmapping it). Locals, not globals, in the loop: 8 % less CPU.
        pread, handle, step = self._pread, self._handle, _STEP.unpack
        append_start, append_isize = starts.append, isizes.append
        n, magic_ok, mask, field_ok, smallest = _STEP.size, _MAGIC, _BC_MASK, _BC_FIELD, _SMALLEST
        bsize, end = self._bsize, self._end
        stop = min(limit, last)
        bad = False
        try:
            while bsize >= smallest and end <= stop:
                isize, magic_id, field = step(pread(handle, n, end - 4))
                if magic_id != magic_ok or field & mask != field_ok:
                    bad = True
                    break
                append_start(end)
                append_isize(isize)
                bsize = field >> 48
                end += bsize + 1
        except struct.error:  # a short read: the file shrank under the walk
            bad = True
        self.comp.extend(starts)  # before plain: a reader indexes by plain, and comp is never shorter
        offsets = accumulate(isizes, initial=self.plain[-1])  # summed in C
        next(offsets)  # the initial value: the last entry already
        self.plain.extend(offsets)
        self._bsize, self._end = bsize, end
        if bad or bsize < smallest:
            self.failed = True
        elif end > last:  # no room for another header: the last block, which must end the file
            self._last(end)

    def _last(self, end: int) -> None:
        if end != self.file_size:
            self.failed = True  # past the end, or bytes after the last whole block
            return
        try:
            (isize,) = _U32.unpack(self._pread(self._handle, 4, end - 4))
        except struct.error:
            self.failed = True
            return
        self.comp.append(end)
        self.plain.append(self.plain[-1] + isize)
        if len(self.comp) < 3:
            self.failed = True  # one block: nothing to gain
            return
        self.table = FrameTable(tuple(self.comp), tuple(self.plain))
        if self._keep is not None:
            self._keep(self.table)

    def close(self) -> None:
        """Hand the blocks found so far to ``keep`` (the walk of the next open starts after them)."""
        if self._keep is not None and not self.done and len(self.comp) > 1:
            self._keep(FrameTable(tuple(self.comp), tuple(self.plain)))

    def prefix(self) -> FrameTable:
        """The blocks found so far as a table (the last entry the start of a block not yet walked
        past, or the file's end): its lists, not copies, so that it grows with the walk."""
        return FrameTable(self.comp, self.plain)  # type: ignore[arg-type]  # lists: read only
