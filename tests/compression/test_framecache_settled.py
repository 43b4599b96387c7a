"""The BGZF walk cache keeps the table of a file only once the file has been left alone a while.

"A while" was judged by the mtime, which ``cp -p``, ``tar x`` and ``rsync -t`` set back: a copy
made a moment ago looked settled, and a same-size rewrite carrying the same old mtime within the
clock's tick would have reused a table of other content. It is judged by the ctime now, which no
one can set back.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import pytest
from compression_helpers import make_data, need_tool, run_tool

import arrowio
from arrowio.compression import _framecache
from arrowio.compression._framescan import CACHE_MIN


@pytest.fixture
def bgzf_file(tmp_path) -> Iterator[tuple[str, bytes]]:
    need_tool("bgzip")
    data = make_data("mixed", 3 * CACHE_MIN, seed=21)
    path = tmp_path / "source.gz"
    path.write_bytes(run_tool(["bgzip", "-c"], data))
    assert path.stat().st_size >= CACHE_MIN  # large enough for its table to be kept
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # made long ago, as a downloaded archive says
    _framecache.clear()
    yield str(path), data
    _framecache.clear()


def _kept(path: str, data: bytes) -> bool:
    """Read the file by position (which walks it), then whether its table was kept."""
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.read_at(100, len(data) // 2) == data[len(data) // 2 :][:100]
    fd = os.open(path, os.O_RDONLY)
    try:
        return _framecache.get(_framecache.key_of(fd)) is not None
    finally:
        os.close(fd)


def test_a_copy_made_a_moment_ago_with_cp_p_is_not_settled(bgzf_file, tmp_path):
    source, data = bgzf_file
    need_tool("cp")
    copy = str(tmp_path / "copy.gz")
    subprocess.run(["cp", "-p", source, copy], check=True)
    assert os.stat(copy).st_mtime_ns == 1_000_000_000  # an old mtime on a file written just now
    assert not _kept(copy, data)


def test_its_table_is_kept_once_the_change_is_old_enough(bgzf_file, monkeypatch):
    path, data = bgzf_file
    monkeypatch.setattr(_framecache, "SETTLED_NS", 500_000_000)  # a shorter wait than the real 2 s
    assert not _kept(path, data)  # utime a moment ago changed it (its ctime)
    changed = os.stat(path).st_ctime_ns
    while (wait := changed + _framecache.SETTLED_NS - time.time_ns()) > 0:
        time.sleep(wait / 1e9 + 0.01)
    assert _kept(path, data)
