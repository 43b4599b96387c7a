"""Opening and reading many small compressed files, as ``arrowio cat`` does, repeats no work that
one file already did (issue 15: per-file cost). Calls are counted, not timed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from call_helpers import functions_entered
from cli_helpers import compressed_by_tool, extension

import arrowio
from arrowio.io.python_file import PythonFile

LIB = str(Path(arrowio.__file__).parent)


def _small_files(tmp_path: Path, fmt: str, count: int) -> list[tuple[str, bytes]]:
    files = []
    for n in range(count):
        data = b"".join(b"line %d of log %d\n" % (i, n) for i in range(300 + n))
        path = tmp_path / f"{n:02d}.log{extension(fmt)}"
        path.write_bytes(compressed_by_tool(fmt, data))
        files.append((str(path), data))
    return files


def _read(name: str) -> bytes:
    stream = arrowio.input_stream(name, compression="auto")
    assert isinstance(stream, arrowio.CompressedInputStream)  # read as cat reads it: read_view
    try:
        return b"".join(bytes(piece) for piece in iter(lambda: stream.read_view(1 << 20), b""))
    finally:
        stream.close()


@pytest.mark.parametrize("fmt", ["gzip", "zstd"])
def test_no_import_machinery_runs_per_file(tmp_path, fmt):
    # The modules a decoded file needs are imported lazily (start-up), but once only: an import
    # statement per file runs importlib's Python code (fromlist handling, spec lookups) each time.
    files = _small_files(tmp_path, fmt, 12)
    assert _read(files[0][0]) == files[0][1]  # the first file imports what decoding needs
    got: list[bytes] = []
    seen = functions_entered(
        lambda: got.extend(_read(name) for name, _ in files[1:]), lambda code: "importlib" in code.co_filename
    )
    assert got == [data for _, data in files[1:]]
    assert not seen, seen


def test_opening_a_file_allocates_no_position_lock(tmp_path):
    # Only the seek-read-seek fallback of read_at needs the lock: opening must not make one.
    name, data = _small_files(tmp_path, "zstd", 1)[0]
    stream = arrowio.input_stream(name, compression="auto")
    raw = stream.raw
    assert stream.read() == data
    lock_type = type(threading.Lock())
    for file in (stream, raw):
        assert not [name for name, value in vars(file).items() if isinstance(value, lock_type)]
    stream.close()


def test_threads_reading_by_position_share_one_lock(tmp_path):
    path = tmp_path / "data"
    content = bytes(range(256)) * 64
    path.write_bytes(content)
    with open(path, "rb") as handle:
        file = PythonFile(handle, mode="r")  # no pread: read_at seeks there and back under the lock
        barrier = threading.Barrier(8)
        locks, results = [], []

        def reader(offset: int) -> None:
            barrier.wait()
            locks.append(file._position_lock)
            results.append((offset, file.read_at(100, offset)))

        threads = [threading.Thread(target=reader, args=(n * 1000,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({id(lock) for lock in locks}) == 1
        assert sorted(results) == [(n * 1000, content[n * 1000 : n * 1000 + 100]) for n in range(8)]
        assert file.tell() == 0


def _streamed(name: str) -> bytes:
    """``name`` decoded by the streaming decoder, as cat reads: a Python file is not read whole
    when opened, and a named codec peeks nothing, so the decoder gets all of it in one read."""
    with open(name, "rb") as handle, arrowio.input_stream(handle, compression="zstd") as stream:
        assert isinstance(stream, arrowio.CompressedInputStream)
        return b"".join(bytes(piece) for piece in iter(lambda: stream.read_view(1 << 20), b""))


def test_the_zstd_frame_header_is_copied_once(tmp_path):
    # One copy of the header's longest form serves every field (window, checksum, content size).
    files = _small_files(tmp_path, "zstd", 3)
    assert _streamed(files[0][0]) == files[0][1]
    seen = functions_entered(
        lambda: [_streamed(name) for name, _ in files[1:]],
        lambda code: code.co_filename.endswith("_input.py") and code.co_qualname.startswith("Cursor.peek"),
    )
    peeks = sum(seen.values()) / (len(files) - 1)
    # _start_frame peeks the magic once per frame and once at the end, _frame_header copies
    # the header once, _block reads the one block's header.
    assert peeks == 4, seen
