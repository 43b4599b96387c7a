"""The library's file classes against real faults: /dev/full, a tiny tmpfs, a file-size limit
(in a child process, as it applies to the whole process), non-blocking pipes, and memory maps
that cannot be backed by the disk."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fault_helpers import FORMATS, LIMIT, limited, temporaries

import arrowio

HERE = Path(__file__).parent
SIZE = 512 << 10

Opener = Callable[[str], Any]
PATH_WRITERS: dict[str, Opener] = {
    "OSFile": lambda path: arrowio.OSFile(path, "wb"),
    "output_stream": lambda path: arrowio.output_stream(path),
    "output_stream-buffered": lambda path: arrowio.output_stream(path, buffer_size=8192),
    "BufferedOutputStream": lambda path: arrowio.BufferedOutputStream(arrowio.OSFile(path, "wb"), 8192),
    "PythonFile": lambda path: arrowio.PythonFile(open(path, "wb", buffering=0)),
    **{
        f"CompressedOutputStream-{fmt}": (lambda f: lambda path: arrowio.CompressedOutputStream(path, f))(fmt)
        for fmt in FORMATS
    },
}


def write_and_close(stream: Any, data: bytes) -> None:
    """Write ``data`` in pieces inside a ``with`` block, which closes the stream also on an error."""
    view = memoryview(data)
    with stream:
        for start in range(0, len(view), 100_000):
            stream.write(view[start : start + 100_000])


@pytest.fixture(scope="module")
def data() -> bytes:
    return os.urandom(SIZE)


@pytest.mark.parametrize("name", PATH_WRITERS)
def test_dev_full(name, data) -> None:
    stream = PATH_WRITERS[name]("/dev/full")
    with pytest.raises(OSError) as caught:
        write_and_close(stream, data)
    assert caught.value.errno == errno.ENOSPC and stream.closed


@pytest.mark.parametrize("name", PATH_WRITERS)
def test_a_full_tmpfs(name, tiny, data) -> None:
    stream = PATH_WRITERS[name](str(tiny / "out"))
    with pytest.raises(OSError) as caught:
        write_and_close(stream, data)
    assert caught.value.errno == errno.ENOSPC and stream.closed


#: Run in a child under RLIMIT_FSIZE: it writes SIZE bytes through one writer and prints the
#: errno it got ("none" when every write and the close succeeded: bytes were lost silently).
_CHILD = textwrap.dedent(
    """
    import os, sys
    sys.path[:0] = sys.argv[3:]  # this folder, and the helpers' (pytest's pythonpath)
    from test_library_real_faults import PATH_WRITERS, write_and_close
    stream = PATH_WRITERS[sys.argv[1]](sys.argv[2])
    try:
        write_and_close(stream, os.urandom({size}))
    except OSError as exc:
        print(exc.errno)
    else:
        print("none")
    """
).format(size=SIZE)


@pytest.mark.parametrize("name", PATH_WRITERS)
def test_a_file_size_limit(name, tmp_path) -> None:
    target = tmp_path / "out"
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, name, str(target), str(HERE), str(HERE.parent / "helpers")],
        capture_output=True,
        preexec_fn=limited(LIMIT),
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.decode().strip() == str(errno.EFBIG)
    assert target.stat().st_size <= LIMIT


def test_python_file_over_a_full_non_blocking_pipe_delivers_everything(data) -> None:
    """A raw file over a non-blocking pipe answers None while the pipe is full: that means "took
    nothing yet", not "took it all"."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    received = bytearray()

    def drain() -> None:
        while chunk := os.read(read_end, 1 << 12):
            received.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        stream = arrowio.PythonFile(open(write_end, "wb", buffering=0))
        write_and_close(stream, data)  # closes write_end: the reader sees the end
    finally:
        reader.join(timeout=60)
        os.close(read_end)
    assert bytes(received) == data


class _TakesNothing:
    """A duck-typed writer that answers 0 (took nothing) without an error."""

    def write(self, data: Any) -> int:
        return 0


def test_a_write_that_takes_nothing_is_an_error() -> None:
    with pytest.raises(OSError) as caught:
        arrowio.PythonFile(_TakesNothing(), mode="w").write(b"abc")
    assert caught.value.errno == errno.EIO


# -- memory maps: a hole the disk cannot fill would be a SIGBUS at the write --------------------------
_MAP_CHILD = textwrap.dedent(
    """
    import errno, sys
    import arrowio
    path, how, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        if how == "create":
            mapped = arrowio.create_memory_map(path, size)
        else:
            mapped = arrowio.create_memory_map(path, 4096)
            try:
                mapped.resize(size)
            except OSError as exc:
                assert mapped.size() == 4096, mapped.size()  # the map as it was, still usable
                mapped.write(b"x" * 4096)
                raise
        mapped.write(b"x" * size)  # without the allocation: SIGBUS once the tmpfs is full
        mapped.close()
    except OSError as exc:
        print(errno.errorcode[exc.errno])
    else:
        print("written")
    """
)


@pytest.mark.parametrize("how", ["create", "resize"])
@pytest.mark.parametrize("fault", ["tmpfs", "fsize"])
def test_memory_map_growth_fails_early(how, fault, tmp_path, request) -> None:
    folder = request.getfixturevalue("tiny") if fault == "tmpfs" else tmp_path
    target = folder / "mapped"
    child = subprocess.run(
        [sys.executable, "-c", _MAP_CHILD, str(target), how, str(1 << 20)],
        capture_output=True,
        preexec_fn=limited(LIMIT) if fault == "fsize" else None,
        timeout=60,
    )
    assert child.returncode == 0, (child.returncode, child.stderr)  # -7: killed by SIGBUS
    assert child.stdout.decode().strip() == ("ENOSPC" if fault == "tmpfs" else "EFBIG")
    if how == "create":
        assert not target.exists()  # emptied by the open, then unusable: removed
    else:
        assert target.stat().st_size == 4096


# -- remote uploads (fsspec's local filesystem: a temporary file renamed on success) ----------------
@pytest.mark.parametrize("compression", [None, "zstd", "gzip"])
def test_an_upload_onto_a_full_tmpfs_publishes_nothing(compression, tiny, data) -> None:
    url = f"file://{tiny}/object"
    stream = arrowio.output_stream(url, compression=compression)
    with pytest.raises(OSError) as caught:
        write_and_close(stream, data)
    assert caught.value.errno == errno.ENOSPC or "No space left" in str(caught.value)
    assert os.listdir(tiny) == [] and temporaries(tiny) == []
