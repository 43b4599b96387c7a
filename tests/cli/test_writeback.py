"""An atomic output is handed to the disk as it grows, by the real sync_file_range; its temporary
file and the copy of the input's status are made without tempfile and shutil, as they made them."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys

import pytest

from arrowio_cli.atomic import TEMP_SUFFIX, atomic_output
from arrowio_cli.writeback import STRETCH, Writeback


def test_writeback_starts_for_whole_stretches_as_the_output_grows(tmp_path):
    target = tmp_path / "out.bin"
    piece = os.urandom(STRETCH // 2 + 1)  # never ends on a stretch's edge by itself
    with atomic_output(str(target)) as out:
        assert out.writeback is not None and out.writeback.started == 0
        out.write(piece)
        assert out.writeback.started == 0  # not one whole stretch yet
        out.write(piece)
        assert out.writeback.started == STRETCH
        for _ in range(3):
            out.write(piece)
        assert out.writeback.started == 2 * STRETCH  # 2.5 stretches written: the half waits for fsync
    assert target.read_bytes() == piece * 5


def test_writeback_makes_the_system_call(tmp_path):
    """A closed descriptor is refused by the kernel: the call is made, and its error is raised."""
    fd = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT)
    os.write(fd, b"x" * STRETCH)
    writeback = Writeback(fd)
    os.close(fd)
    with pytest.raises(OSError) as info:
        writeback.advance(STRETCH)
    assert info.value.errno == errno.EBADF and writeback.started == 0


def test_writeback_leaves_a_pipe_alone():
    """A pipe has no pages to write back: the kernel says so once, and the writer goes on without."""
    read, write = os.pipe()
    try:
        writeback = Writeback(write)
        writeback.advance(STRETCH)
        writeback.advance(2 * STRETCH)
        assert writeback.started == 0
    finally:
        os.close(read)
        os.close(write)


def test_a_special_output_is_written_without_writeback():
    with atomic_output(os.devnull) as out:
        out.write(b"x" * STRETCH)
        assert out.writeback is None


def test_the_temporary_file_is_private_and_named_beside_the_output(tmp_path):
    with atomic_output(str(tmp_path / "out.zst")) as out:
        names = os.listdir(tmp_path)
        assert os.fstat(out.fileno()).st_mode & 0o777 == 0o600  # no one else reads it half-written
    assert len(names) == 1 and re.fullmatch(rf"\.out\.zst\.[0-9a-f]{{12}}{re.escape(TEMP_SUFFIX)}", names[0])


def test_times_to_the_nanosecond_and_extended_attributes_come_from_the_input(tmp_path):
    source = tmp_path / "in"
    source.write_bytes(b"x")
    os.setxattr(source, "user.origin", b"arrowio test")
    os.utime(source, ns=(1_000_000_000_123_456_789, 1_234_567_890_987_654_321))
    os.chmod(source, 0o444)  # the bits come last: a read-only copy still gets its attributes
    target = tmp_path / "in.zst"
    with atomic_output(str(target), like=str(source)) as out:
        out.write(b"y")
    status = target.stat()
    assert (status.st_atime_ns, status.st_mtime_ns) == (1_000_000_000_123_456_789, 1_234_567_890_987_654_321)
    assert os.getxattr(target, "user.origin") == b"arrowio test" and status.st_mode & 0o777 == 0o444


def test_writing_a_file_imports_neither_tempfile_nor_shutil(tmp_path):
    """They cost 3-5 ms of every ``compress -o``; the file is made without them."""
    code = (
        "import sys; from arrowio_cli.atomic import atomic_output\n"
        f"with atomic_output({str(tmp_path / 'out')!r}, like={__file__!r}) as out: out.write(b'x')\n"
        "print(sorted({'tempfile', 'shutil'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
