"""The frame reader's ring buffers: private anonymous memory with huge pages advised, so that a
buffer of many MiB costs a few page faults, not one per 4 KiB page (and no zero-filling)."""

from __future__ import annotations

import mmap
import os

import pytest

import arrowio
from arrowio._raw import address_of


def smaps_flags(address: int) -> tuple[str, list[str]]:
    """The mapping holding ``address`` in /proc/self/smaps: its permissions and its VmFlags."""
    perms, flags, inside = "", [], False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            first = line.split()[0]
            if "-" in first and not first.endswith(":"):
                start, end = (int(part, 16) for part in first.split("-"))
                inside = start <= address < end
                if inside:
                    perms = line.split()[1]
            elif inside and line.startswith("VmFlags:"):
                flags = line.split()[1:]
                break
    return perms, flags


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps"), reason="Linux only: reads /proc/self/smaps")
def test_ring_buffers_are_private_anonymous_huge_page_memory(tmp_path):
    data = os.urandom(1 << 20) * 6
    path = str(tmp_path / "f.zst")
    with arrowio.CompressedOutputStream(path, "zstd", layout="seekable", frame_size=1 << 20) as out:
        out.write(data)
    with arrowio.input_stream(path, compression="auto") as stream:
        piece = next(stream._reader._pieces)
        buffer = piece.obj
        assert isinstance(buffer, mmap.mmap)
        perms, flags = smaps_flags(address_of(buffer))
    assert perms.endswith("p")  # private, not shared (shmem) memory
    thp = "/sys/kernel/mm/transparent_hugepage/enabled"
    if os.path.exists(thp) and "[never]" not in open(thp).read():
        assert "hg" in flags  # MADV_HUGEPAGE
