"""Atomic outputs: whole or absent, never half-written; permissions and times follow the input."""

from __future__ import annotations

import errno
import os

import pytest

from arrowio_cli.atomic import TEMP_SUFFIX, atomic_output
from arrowio_cli.errors import CliError, OutputError


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX))


def test_writes_the_content_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    with atomic_output(str(target)) as out:
        out.write(b"abc")
        assert not target.exists()  # nothing visible before the block ends
    assert target.read_bytes() == b"abc" and leftovers(tmp_path) == []


def test_permissions_and_times_come_from_the_input(tmp_path):
    source = tmp_path / "in.txt"
    source.write_bytes(b"x")
    os.chmod(source, 0o640)
    os.utime(source, (1_000_000_000, 1_234_567_890))
    target = tmp_path / "in.txt.zst"
    with atomic_output(str(target), like=str(source)) as out:
        out.write(b"y")
    info = target.stat()
    assert info.st_mode & 0o777 == 0o640 and info.st_mtime == 1_234_567_890


def test_without_an_input_the_umask_decides(tmp_path):
    old = os.umask(0o027)
    try:
        with atomic_output(str(tmp_path / "o")) as out:
            out.write(b"")
    finally:
        os.umask(old)
    assert (tmp_path / "o").stat().st_mode & 0o777 == 0o640


def test_refuses_to_overwrite_without_force(tmp_path):
    target = tmp_path / "out"
    target.write_bytes(b"keep")
    with pytest.raises(CliError, match="already exists"):
        with atomic_output(str(target)) as out:
            out.write(b"new")
    assert target.read_bytes() == b"keep" and leftovers(tmp_path) == []
    with atomic_output(str(target), force=True) as out:
        out.write(b"new")
    assert target.read_bytes() == b"new"


def test_a_file_appearing_while_we_write_is_not_clobbered(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(CliError, match="already exists"):
        with atomic_output(str(target)) as out:
            out.write(b"ours")
            target.write_bytes(b"theirs")
    assert target.read_bytes() == b"theirs" and leftovers(tmp_path) == []


class FailsOnNthWrite:
    """A writer that fails with ENOSPC on its Nth write, as a full disk does."""

    def __init__(self, file, n: int) -> None:
        self.file, self.n = file, n

    def write(self, data: bytes) -> int:
        self.n -= 1
        if self.n == 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.file.write(data)


@pytest.mark.parametrize(
    "exc", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt(), ValueError("bad data")]
)
def test_any_failure_leaves_nothing(tmp_path, exc):
    target = tmp_path / "out"
    with pytest.raises(type(exc)):
        with atomic_output(str(target)) as out:
            writer = FailsOnNthWrite(out, 3) if isinstance(exc, OSError) else out
            for _ in range(5):
                writer.write(b"x" * 1000)
                if not isinstance(exc, OSError):
                    raise exc
    assert not target.exists() and leftovers(tmp_path) == []


def test_a_failure_keeps_an_existing_file_when_forced(tmp_path):
    target = tmp_path / "out"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_output(str(target), force=True) as out:
            out.write(b"new")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []


def test_an_unwritable_folder_names_the_destination(tmp_path):
    with pytest.raises(OutputError) as info:
        with atomic_output(str(tmp_path / "missing" / "out")):
            pass
    assert str(info.value) == f"{tmp_path / 'missing' / 'out'}: No such file or directory"


def test_closing_the_file_inside_the_block_is_harmless(tmp_path):
    target = tmp_path / "out"
    with atomic_output(str(target)) as out:
        out.write(b"abc")
        out.close()  # a wrapping stream closes what it wraps
    assert target.read_bytes() == b"abc" and leftovers(tmp_path) == []
