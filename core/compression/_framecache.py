"""Frame tables found by a walk, kept for the next open of the same file in this process.

Walking a BGZF file's blocks takes one small read per 64 KiB block (~3 ms of CPU for 256 MiB,
almost all of a 64-byte ``read_at``): a program that opens the same file again (a query per
open) walks it once. A walk that stopped partway (it walks only as far as reads need) keeps the
blocks it found, a table that ends before the file does, and the next walk goes on after them.
A table is kept under the file's identity and version, as ``stat`` gives them (device, inode,
size, modification and change times in ns: the test a saved index passes too), so a file
rewritten, appended to or replaced is walked again. The clock that stamps
writes ticks coarsely (a jiffy, or FAT's 2 s), so a write soon after a walk may leave the times
as they were: as git does with its index, the table of a file changed less than :data:`SETTLED_NS`
before its walk is not kept (a later write then stamps a later time). Changed by the ctime, which
no one sets: ``cp -p``, ``tar x`` and ``rsync -t`` give a fresh file an old mtime. At most
:data:`MAX_FRAMES` frames are kept in all (about 80 bytes each), the least recently used tables
dropped first.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict

from ._frametable import FrameTable

__all__ = ["key_of", "get", "put", "clear", "MAX_FRAMES", "SETTLED_NS"]

MAX_FRAMES = 1 << 18  # 16 GiB of BGZF blocks, about 20 MiB of tables
SETTLED_NS = 2_000_000_000  # FAT stamps modification times to 2 s, most filesystems to a jiffy
Key = tuple[int, int, int, int, int]

_tables: OrderedDict[Key, FrameTable] = OrderedDict()
_lock = threading.Lock()  # files are opened from many threads


def key_of(fd: int) -> Key:
    """The identity and version of the open file ``fd``."""
    st = os.fstat(fd)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def get(key: Key) -> FrameTable | None:
    with _lock:
        table = _tables.get(key)
        if table is not None:
            _tables.move_to_end(key)
        return table


def put(key: Key, table: FrameTable) -> None:
    """Keep ``table`` under ``key`` (taken before the walk) unless the file changed too recently."""
    if time.time_ns() - key[4] < SETTLED_NS:
        return  # changed a moment ago (ctime): a write to come may leave its times as they are
    if table.frames > MAX_FRAMES:
        return  # larger than the whole cache: it would only push every other table out
    with _lock:
        _tables[key] = table
        _tables.move_to_end(key)
        kept = sum(t.frames for t in _tables.values())
        while kept > MAX_FRAMES:
            _, dropped = _tables.popitem(last=False)
            kept -= dropped.frames


def clear() -> None:
    """Forget every table (benchmarks time a first open with it)."""
    with _lock:
        _tables.clear()
