"""OSFile: modes, permissions, errors, 64-bit offsets, pread from threads, text wrappers."""

from __future__ import annotations

import io
import os
import random
import stat
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from io_helpers import BEYOND_4GIB

import arrowio as pa


@pytest.mark.parametrize(
    ("mode", "expected", "flags"),
    [
        ("r", "rb", (True, False, True)),
        ("rb", "rb", (True, False, True)),
        ("w", "wb", (False, True, False)),
        ("wb", "wb", (False, True, False)),
        ("a", "ab", (False, True, False)),
        ("ab", "ab", (False, True, False)),
    ],
)
def test_modes(tmp_path, mode, expected, flags) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"old")
    with pa.OSFile(path, mode) as f:
        assert f.mode == expected
        assert (f.readable(), f.writable(), f.seekable()) == flags
        assert f.path == str(path)


@pytest.mark.parametrize("mode", ["rw", "r+", "x", "", "rt", None, 1])
def test_invalid_mode(tmp_path, mode) -> None:
    with pytest.raises(ValueError, match="Invalid file mode"):
        pa.OSFile(tmp_path / "f", mode)


def test_write_truncates_and_append_appends(tmp_path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"previous contents")
    with pa.OSFile(path, "w") as f:
        assert f.tell() == 0
        assert f.write(b"abc") == 3
        assert f.tell() == 3
    with pa.OSFile(path, "a") as f:
        assert f.tell() == 3
        f.write(memoryview(b"def"))
        assert f.tell() == 6
    assert path.read_bytes() == b"abcdef"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_new_files_get_0o666_minus_umask(tmp_path, umask) -> None:
    old = os.umask(umask)
    try:
        pa.OSFile(tmp_path / "new", "w").close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new").st_mode) == 0o666 & ~umask


def test_missing_file_and_directory(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        pa.OSFile(tmp_path / "missing")
    with pytest.raises(FileNotFoundError):
        pa.OSFile(tmp_path / "no" / "such" / "dir", "w")
    for mode in ("r", "w", "a"):
        with pytest.raises(IsADirectoryError):
            pa.OSFile(tmp_path, mode)


def test_reads(data_file) -> None:
    path, data = data_file
    with pa.OSFile(path) as f:
        assert f.size() == len(data)
        assert f.read(10) == data[:10]
        buffer = f.read_buffer(1000)
        assert buffer.to_pybytes() == data[10:1010] and buffer.is_mutable
        assert f.read_at(5, 1 << 40) == b""  # past the end: nothing, like pread
        assert f.read(1 << 40) == data[1010:]  # a huge request on a small file is fine
        assert f.read_buffer(1 << 40).size == 0
        assert f.seek(100) == 100 and f.read_buffer().to_pybytes() == data[100:]
        assert f.seek(len(data) + 50) == len(data) + 50  # seeking past the end is allowed
        assert f.read() == b""


def test_read_buffer_is_pool_memory(data_file) -> None:
    path, data = data_file
    pool = pa.proxy_memory_pool(pa.default_memory_pool())
    with pa.OSFile(path, memory_pool=pool) as f:
        buffer = f.read_buffer(100_000)
        assert pool.bytes_allocated() >= 100_000
        assert buffer.to_pybytes() == data[:100_000]
    del buffer
    assert pool.bytes_allocated() == 0


def test_beyond_4gib_on_a_sparse_file(sparse_file) -> None:
    with pa.OSFile(sparse_file) as f:
        assert f.size() == 5 << 30
        assert f.seek(BEYOND_4GIB) == BEYOND_4GIB
        assert f.tell() == BEYOND_4GIB
        assert f.read(6) == b"MARKER"
        assert f.read_at(8, BEYOND_4GIB - 1) == b"\0MARKER\0"
        assert f.seek(-(5 << 30) + BEYOND_4GIB + 2, 2) == BEYOND_4GIB + 2
        assert f.read_buffer(4).to_pybytes() == b"RKER"
        assert f.get_stream(BEYOND_4GIB, 3).read() == b"MAR"


def test_thread_parallel_read_at(data_file) -> None:
    path, data = data_file
    with pa.OSFile(path) as f:
        f.seek(7)
        barrier = threading.Barrier(8)

        def worker(seed: int) -> int:
            rng = random.Random(seed)
            barrier.wait()
            for _ in range(300):
                offset = rng.randrange(len(data))
                n = rng.randrange(1, 5000)
                assert f.read_at(n, offset) == data[offset : offset + n]
            return seed

        with ThreadPoolExecutor(8) as pool:
            assert sorted(pool.map(worker, range(8))) == list(range(8))
        assert f.tell() == 7  # pread never moved the position


def test_text_wrapper_reading(tmp_path) -> None:
    text = "".join(f"línea {i} ✓\n" for i in range(5000))
    path = tmp_path / "text.txt"
    path.write_text(text, encoding="utf-8")
    with io.TextIOWrapper(pa.OSFile(path), encoding="utf-8") as wrapper:  # type: ignore[type-var]  # typeshed asks for .name
        assert wrapper.readline() == "línea 0 ✓\n"
        position = wrapper.tell()
        assert wrapper.read(7) == "línea 1"
        wrapper.seek(position)
        assert wrapper.readline() == "línea 1 ✓\n"
        assert wrapper.read() == text.split("\n", 2)[2]
    with io.TextIOWrapper(pa.OSFile(path), encoding="utf-8") as wrapper:  # type: ignore[type-var]  # typeshed asks for .name
        assert list(wrapper) == text.splitlines(keepends=True)


def test_text_wrapper_writing(tmp_path) -> None:
    path = tmp_path / "out.txt"
    raw = pa.OSFile(path, "w")
    with io.TextIOWrapper(raw, encoding="utf-8", newline="\r\n") as wrapper:  # type: ignore[type-var]  # typeshed asks for .name
        wrapper.write("ünïcode\nlines\n")
        wrapper.writelines(["a\n", "b\n"])
    assert raw.closed
    assert path.read_bytes() == "ünïcode\r\nlines\r\na\r\nb\r\n".encode()


def _kernel_position(f: pa.OSFile) -> int:
    return os.lseek(f.fileno(), 0, os.SEEK_CUR)


def test_readline_and_text_readlines_do_not_drain(tmp_path) -> None:
    path = tmp_path / "big.txt"
    with open(path, "wb") as out:
        out.write(b"first\nsecond\nthird\n")
        out.truncate(64 << 20)  # 64 MiB of zeros after three short lines
    with pa.OSFile(path) as f:
        assert f.readline() == b"first\n"
        assert f.tell() == 6
        assert _kernel_position(f) <= 1 << 20
        assert f.readlines(5) == [b"second\n"]
        assert _kernel_position(f) <= 1 << 20
    with pa.OSFile(path) as f:
        wrapper = io.TextIOWrapper(f, encoding="ascii")  # type: ignore[type-var]  # typeshed asks for .name
        assert wrapper.readlines(3) == ["first\n"]
        assert _kernel_position(f) <= 1 << 20
        wrapper.detach()


def test_fifo_is_read_as_a_stream(tmp_path) -> None:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    payload = os.urandom(300_000)

    def feed() -> None:
        with open(path, "wb") as out:
            for start in range(0, len(payload), 7000):
                out.write(payload[start : start + 7000])
                out.flush()

    thread = threading.Thread(target=feed)
    thread.start()
    with pa.OSFile(path) as f:
        assert not f.seekable()
        with pytest.raises(OSError, match="seekable"):
            f.seek(0)
        assert f.read(10) == payload[:10]
        assert f.read_buffer(100_000).to_pybytes() == payload[10:100_010]
        assert f.read() == payload[100_010:]
    thread.join()


def test_truncate_fileno_isatty(tmp_path) -> None:
    path = tmp_path / "f"
    with pa.OSFile(path, "w") as f:
        f.write(b"0123456789")
        assert f.truncate(4) == 4
        assert os.fstat(f.fileno()).st_size == 4
        assert f.isatty() is False
        assert f.metadata() == {}
    with pytest.raises(ValueError, match="closed"):
        f.fileno()
    assert path.read_bytes() == b"0123"


def test_wrong_direction(tmp_path, data_file) -> None:
    path, _ = data_file
    with pa.OSFile(path) as f:
        with pytest.raises(OSError, match="only valid on writable files"):
            f.write(b"x")
    with pa.OSFile(tmp_path / "w", "w") as f:
        with pytest.raises(OSError, match="only valid on readable files"):
            f.read()
        with pytest.raises(OSError, match="only valid on seekable files"):
            f.seek(0)


def test_dropped_writer_leaves_the_file_complete(tmp_path) -> None:
    path = tmp_path / "f"
    f = pa.OSFile(path, "w")
    f.write(b"x" * 100_000)
    fd = f.fileno()
    del f
    assert path.read_bytes() == b"x" * 100_000
    with pytest.raises(OSError):
        os.fstat(fd)  # the descriptor was closed by the finalizer
