"""Building a gzip checkpoint index: what it writes, and a write that fails. rapidgzip aborts the
interpreter when a Python file raises inside its export (a full disk, a file-size limit), so the
failing builds run in a child process, whose exit status tells an abort from an error."""

from __future__ import annotations

import errno
import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
import zlib

import pytest
from compression_helpers import gzip_with_dense_index, make_data, need_tool, run_tool
from fault_helpers import limited, tiny_tmpfs

import arrowio
from arrowio.compression import _gzcheckpoint
from arrowio.errors import ArrowIOError

pytest.importorskip("rapidgzip")  # the index builder

#: rapidgzip's chunk in these tests (compressed bytes): a checkpoint, with its 32 KiB window,
#: every 4 KiB or so of compressed input, so that a small file has an index of many writes.
CHUNK = 16 << 10


@pytest.fixture(scope="module")
def plain() -> bytes:
    return make_data("text", 600_000, seed=41) + random.Random(42).randbytes(100_000) + make_data("mixed", 600_000)


def test_the_index_written_is_rapidgzips_own_export_byte_for_byte(tmp_path, plain, monkeypatch):
    theirs = gzip_with_dense_index(str(tmp_path / "theirs.gz"), plain, CHUNK)  # exported by rapidgzip to a path
    ours = str(tmp_path / "ours.gz")
    shutil.copyfile(theirs, ours)
    monkeypatch.setattr(_gzcheckpoint, "_CHUNK", CHUNK)
    index = arrowio.compression.build_gzip_index(ours)
    written = open(index, "rb").read()
    assert written == open(theirs + ".gzidx", "rb").read() and len(written) > 2 * (32 << 10)
    assert sorted(os.listdir(tmp_path)) == ["ours.gz", "ours.gz.gzidx", "theirs.gz", "theirs.gz.gzidx"]
    with arrowio.input_stream(ours, compression="auto") as stream:
        assert stream.seekable() and stream.read_at(5000, 900_000) == plain[900_000:905_000]


#: Builds the index of argv[1] with checkpoints every CHUNK bytes, then prints the errno of the
#: error it got ("built" without one) and what the file's folder holds.
_CHILD = textwrap.dedent(
    """
    import os, sys
    from arrowio.compression import _gzcheckpoint, build_gzip_index

    _gzcheckpoint._CHUNK = {chunk}
    try:
        build_gzip_index(sys.argv[1])
    except OSError as exc:
        print(exc.errno, exc.filename)
    else:
        print("built")
    print(*sorted(os.listdir(os.path.dirname(sys.argv[1]))))
    """
).format(chunk=CHUNK)


def _build_in_child(path: str, limit: int | None = None) -> list[str]:
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, path],
        capture_output=True,
        preexec_fn=limited(limit) if limit is not None else None,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr.decode()  # rapidgzip's abort: -6 (SIGABRT)
    return child.stdout.decode().splitlines()


def test_a_file_size_limit_fails_the_build_with_nothing_left_behind(tmp_path, plain):
    path = str(tmp_path / "log.gz")
    index = gzip_with_dense_index(path, plain, CHUNK) + ".gzidx"
    half = os.path.getsize(index) // 2  # the limit cuts the index's writes in the middle
    os.remove(index)
    assert _build_in_child(path, limit=half) == [f"{errno.EFBIG} {path}.gzidx", "log.gz"]
    assert _build_in_child(path) == ["built", "log.gz log.gz.gzidx"]  # the limit, and nothing else, failed it


def test_a_full_file_system_fails_the_build_with_nothing_left_behind(tmp_path, plain):
    compressed = gzip_with_dense_index(str(tmp_path / "source.gz"), plain, CHUNK)
    # The file fits, half of its index does too, the rest does not.
    room = os.path.getsize(compressed) + os.path.getsize(compressed + ".gzidx") // 2
    with tiny_tmpfs(tmp_path / "small", f"{room // 1024 + 1}k") as folder:
        path = str(folder / "log.gz")
        shutil.copyfile(compressed, path)
        assert _build_in_child(path) == [f"{errno.ENOSPC} {path}.gzidx", "log.gz"]
        with arrowio.input_stream(path, compression="auto") as stream:
            assert not stream.seekable() and stream.read() == plain  # read as before: no index


def _gzip_ending_in_a_sync_flush(plain: bytes) -> bytes:
    """A gzip member cut where a writer flushed (Z_SYNC_FLUSH): every byte of ``plain`` is in it,
    whole blocks at a byte boundary, but neither the last block nor the trailer."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, 31)
    return deflate.compress(plain) + deflate.flush(zlib.Z_SYNC_FLUSH)


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        (lambda blob, plain: blob[: len(blob) // 2], "truncated input: it ends inside a member"),
        (lambda blob, plain: _gzip_ending_in_a_sync_flush(plain), "truncated input: it ends inside a member"),
        (lambda blob, plain: blob[:-3], "End of file"),  # inside the trailer: rapidgzip's own words
        (lambda blob, plain: blob[:-4] + b"\0\0\0\0", "Mismatching size"),  # ISIZE: RuntimeError in rapidgzip
    ],
    ids=["half", "sync-flush", "trailer", "isize"],
)
def test_a_damaged_file_is_refused_and_no_index_written(tmp_path, plain, cut, message):
    """rapidgzip stopped quietly where a file ended inside a member (an index of the part it read
    was written, and read_at served it), and raised RuntimeError, not ArrowIOError, for a trailer
    that does not match."""
    path = tmp_path / "log.gz"
    path.write_bytes(cut(run_tool(["gzip", "-c"], plain), plain))
    with pytest.raises(ArrowIOError, match=rf"^gzip: {re.escape(str(path))}: .*{message}"):
        arrowio.compression.build_gzip_index(str(path))
    assert os.listdir(tmp_path) == ["log.gz"]


@pytest.mark.parametrize("tool", [["gzip", "-c"], ["pigz", "-c"], ["igzip", "-c"], ["bgzip", "-c"], "members"])
def test_whole_files_of_every_writer_are_indexed(tmp_path, plain, tool):
    """The end of a file read through (the last member's trailer) is what tells it from a cut one."""
    if tool == "members":  # two members and an empty one after them, as `cat a.gz b.gz empty.gz` makes
        blob = b"".join(run_tool(["gzip", "-c"], part) for part in (plain[:700_000], plain[700_000:], b""))
    else:
        need_tool(tool[0])
        blob = run_tool(tool, plain)
    path = tmp_path / "log.gz"
    path.write_bytes(blob)
    arrowio.compression.build_gzip_index(str(path))
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert stream.seekable() and stream.size() == len(plain)
        for offset in (0, 650_000, 700_000 - 10, len(plain) - 100):
            assert stream.read_at(1000, offset) == plain[offset : offset + 1000]


def test_data_damaged_after_its_index_fails_a_reader_with_one_line(tmp_path, plain, monkeypatch):
    """A reader from a position decodes through rapidgzip, which raised RuntimeError (not
    ArrowIOError) for data that does not fill its chunk, with lines of offsets in the message."""
    path = tmp_path / "log.gz"
    blob = bytearray(run_tool(["gzip", "-c"], plain))
    path.write_bytes(blob)
    monkeypatch.setattr(_gzcheckpoint, "_CHUNK", CHUNK)
    index = arrowio.compression.build_gzip_index(str(path))
    middle = len(blob) // 2
    blob[middle : middle + 4096] = bytes(4096)
    path.write_bytes(blob)  # the same size: the index's table still fits the file
    stamp = os.stat(path).st_ctime_ns + 10**9
    os.utime(index, ns=(stamp, stamp))  # and it is newer than the file: used
    with arrowio.input_stream(str(path), compression="auto") as stream:
        stream.seek(10_000)
        with pytest.raises(ArrowIOError, match=r"^gzip: [^\n]+$"):
            stream.read()
