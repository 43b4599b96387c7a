"""Each difference issue 12 found, as a test that PyArrow and arrowio now agree (or, for the
defaults, that arrowio does what PyArrow does)."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import subprocess
import sys

import pyarrow
import pytest

import arrowio


# -- raises where PyArrow works ---------------------------------------------------------------------
def test_osfile_takes_over_a_raw_descriptor(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"0123456789")
    fd = os.open(path, os.O_RDONLY)
    with arrowio.OSFile(fd, "r") as f:
        assert (f.read(4), f.size(), f.path) == (b"0123", 10, fd)
    with pytest.raises(OSError):  # closed with the file: it was taken over
        os.fstat(fd)
    for lib in (arrowio, pyarrow):  # writing goes on from the descriptor's position, nothing truncated
        fd = os.open(path, os.O_WRONLY)
        end = os.lseek(fd, 0, os.SEEK_END)
        with lib.OSFile(fd, "w") as f:
            assert f.tell() == end
            f.write(b"+")
    assert path.read_bytes() == b"0123456789++"


def test_osfile_refuses_a_directory_descriptor_and_leaves_it_open(tmp_path):
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        with pytest.raises(IsADirectoryError):
            arrowio.OSFile(fd)
        os.fstat(fd)  # still the caller's
    finally:
        os.close(fd)


def test_memory_map_w_creates_a_missing_file_like_osfile(tmp_path):
    old = os.umask(0o022)
    try:
        for lib in (arrowio, pyarrow):
            path = tmp_path / f"{lib.__name__}.map"
            with lib.memory_map(str(path), "w") as m:
                assert (m.mode, m.writable(), m.readable()) == ("wb", True, False)
            assert path.exists() and path.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)
    kept = tmp_path / "kept.map"
    kept.write_bytes(b"abcdef")
    with arrowio.memory_map(str(kept), "w") as m:  # an existing file keeps its bytes
        m.write(b"X")
    assert kept.read_bytes() == b"Xbcdef"
    with pytest.raises(FileNotFoundError):
        arrowio.memory_map(str(tmp_path / "missing"), "r")


def test_create_memory_map_takes_an_integral_float(tmp_path):
    for lib in (arrowio, pyarrow):
        with lib.create_memory_map(str(tmp_path / f"{lib.__name__}.map"), 2048.0) as m:
            assert m.size() == 2048
    with arrowio.MemoryMappedFile.create(str(tmp_path / "classmethod.map"), 64.0) as m:
        assert m.size() == 64
    with pytest.raises(ValueError, match="whole number"):
        arrowio.create_memory_map(str(tmp_path / "half.map"), 2048.5)
    with pytest.raises(TypeError):
        arrowio.create_memory_map(str(tmp_path / "text.map"), "2048")
    assert not (tmp_path / "half.map").exists() and not (tmp_path / "text.map").exists()


@pytest.mark.parametrize("lib", [arrowio, pyarrow], ids=["arrowio", "pyarrow"])
def test_an_unopened_memory_mapped_file_is_closed(lib):
    m = lib.MemoryMappedFile()
    assert m.closed
    for call in (m.read, m.tell, m.size, m.readable, m.writable, m.seekable, m.fileno,
                 lambda: m.seek(0), lambda: m.write(b"x"), lambda: m.read_at(1, 0)):  # fmt: skip
        with pytest.raises(ValueError, match="I/O operation on closed file"):
            call()
    m.close()  # harmless


def _default_pool_in_a_fresh_process(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ARROW_DEFAULT_MEMORY_POOL", "ARROWIO_DEFAULT_MEMORY_POOL", "GLIBC_TUNABLES")
    }
    code = "import arrowio; print(arrowio.default_memory_pool().backend_name)"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**clean, **env}, timeout=60
    )


@pytest.mark.parametrize("name", ["system", "mimalloc"])
def test_arrow_default_memory_pool_picks_the_backend(name):
    result = _default_pool_in_a_fresh_process(ARROW_DEFAULT_MEMORY_POOL=name)
    assert (result.stdout.strip(), result.stderr) == (name, "")


def test_arrowio_variable_wins_over_arrows():
    result = _default_pool_in_a_fresh_process(
        ARROW_DEFAULT_MEMORY_POOL="mimalloc", ARROWIO_DEFAULT_MEMORY_POOL="system"
    )
    assert result.stdout.strip() == "system"


def test_an_unknown_pool_name_warns_once_naming_the_valid_ones_and_falls_back():
    result = _default_pool_in_a_fresh_process(ARROW_DEFAULT_MEMORY_POOL="tcmalloc")
    assert result.stdout.strip() in ("jemalloc", "mimalloc", "system")
    warning = [line for line in result.stderr.splitlines() if "Warning" in line]
    assert len(warning) == 1
    assert "ARROW_DEFAULT_MEMORY_POOL='tcmalloc'" in warning[0] and "jemalloc, mimalloc, system" in warning[0]


def test_thread_counts_exist_and_are_checked():
    for lib in (arrowio, pyarrow):
        assert lib.io_thread_count() >= 1 and lib.cpu_count() >= 1
        for setter in (lib.set_io_thread_count, lib.set_cpu_count):
            with pytest.raises(ValueError, match="strictly positive"):
                setter(0)
    before = arrowio.cpu_count(), arrowio.io_thread_count()
    try:
        arrowio.set_cpu_count(3)
        arrowio.set_io_thread_count(5)
        assert (arrowio.cpu_count(), arrowio.io_thread_count()) == (3, 5)
    finally:
        arrowio.set_cpu_count(before[0])
        arrowio.set_io_thread_count(before[1])


def test_cpu_count_sizes_one_thread_per_core_compression():
    before = arrowio.cpu_count()
    try:
        arrowio.set_cpu_count(3)
        encoder = arrowio.Codec("gzip").encoder(threads=-1)
        assert encoder._pool._max_workers == 3  # one worker per core, as cpu_count() counts them
        encoder._pool.shutdown()
    finally:
        arrowio.set_cpu_count(before)


def test_io_thread_count_sizes_the_remote_read_pool():
    from arrowio.io import _fetch

    before = arrowio.io_thread_count()
    try:
        arrowio.set_io_thread_count(3)
        assert _fetch._thread_pool()._max_workers == 3
        arrowio.set_io_thread_count(4)
        assert _fetch._thread_pool()._max_workers == 4
    finally:
        arrowio.set_io_thread_count(before)


def test_buffer_device_and_memory_manager():
    for lib in (arrowio, pyarrow):
        buf = lib.py_buffer(b"abc")
        device = buf.device
        assert (device.is_cpu, int(device.device_type), device.device_id, device.type_name) == (
            True,
            1,
            -1,
            "arrow::CPUDevice",
        )
        assert buf.memory_manager.is_cpu and buf.memory_manager.device == device


def test_missing_names_exist():
    assert arrowio.have_libhdfs() is pyarrow.have_libhdfs()  # neither finds a libhdfs here
    for name in ("ArrowCancelled", "ArrowSerializationError"):
        ours, theirs = getattr(arrowio, name), getattr(pyarrow, name)
        assert issubclass(ours, arrowio.ArrowException) and ours.__mro__[1] is arrowio.ArrowException
        assert theirs.__mro__[1] is pyarrow.ArrowException


# -- the default pool out of the box --------------------------------------------------------------
def test_mimalloc_comes_from_the_cmeel_wheel():
    code = (
        "import arrowio\n"
        "pool = arrowio.mimalloc_memory_pool()\n"
        "print(pool.backend_name)\n"
        "print(any('cmeel.prefix' in line and 'libmimalloc' in line for line in open('/proc/self/maps')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["mimalloc", "True"], result.stderr


def test_the_default_pool_is_mimalloc_where_jemalloc_cannot_load():
    # A plain process cannot dlopen Debian's jemalloc (static TLS), so by Arrow's order the
    # default is the next one, mimalloc, which the wheel always provides: as PyArrow's wheel.
    result = _default_pool_in_a_fresh_process()
    assert result.stdout.strip() == pyarrow.default_memory_pool().backend_name == "mimalloc"


# -- exception types and messages -------------------------------------------------------------------
def test_compressed_input_stream_argument_errors():
    for lib in (arrowio, pyarrow):
        with pytest.raises(TypeError):
            lib.CompressedInputStream(lib.BufferReader(b""), None)
        with pytest.raises(ValueError):
            lib.CompressedInputStream(lib.BufferReader(b""), "bogus")
        with pytest.raises(ValueError):
            lib.Codec("bogus")
        with pytest.raises(NotImplementedError):
            lib.CompressedInputStream(lib.BufferReader(b""), "lz4_raw")


def test_a_corrupt_gzip_stream_says_zlib_inflate_failed():
    corrupt = b"\x1f\x8b\x08\x00" + bytes(6) + b"garbage that is not deflate"
    for lib in (arrowio, pyarrow):
        with pytest.raises(OSError, match="zlib inflate failed"):
            lib.CompressedInputStream(lib.BufferReader(corrupt), "gzip").read()
    with pytest.raises(OSError, match=r"gzip: zlib inflate failed.*\(at compressed offset \d+\)"):
        arrowio.CompressedInputStream(arrowio.BufferReader(corrupt), "gzip").read()


@pytest.mark.parametrize("target", [b"xxx", memoryview(b"xxx"), "py_buffer"])
def test_readinto_a_read_only_buffer(target):
    for lib in (arrowio, pyarrow):
        into = lib.py_buffer(b"xxx") if target == "py_buffer" else target
        with pytest.raises(TypeError, match=r"^readinto\(\) argument must be a writable buffer$"):
            lib.BufferReader(b"abc").readinto(into)


def test_seek_before_the_start_is_both_value_and_os_error(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    for f in (arrowio.BufferReader(b"abc"), arrowio.OSFile(str(path)), arrowio.memory_map(str(path))):
        with pytest.raises(ValueError):
            f.seek(-1)
        with pytest.raises(OSError):  # PyArrow's BufferReader raises OSError, the others ValueError
            f.seek(-1)


# -- smaller differences ----------------------------------------------------------------------------
def test_python_file_for_writing_is_not_seekable(tmp_path):
    path = tmp_path / "out.bin"
    for lib in (arrowio, pyarrow):
        with open(path, "wb") as handle:
            f = lib.PythonFile(handle)
            assert (f.mode, f.seekable(), f.tell()) == ("wb", False, 0)
            with pytest.raises(OSError):
                f.seek(0)
        with open(path, "rb") as handle:
            f = lib.PythonFile(handle)
            assert f.seekable() and f.seek(0) == 0
        with open(path, "r+b") as handle:
            assert lib.PythonFile(handle).seekable()
    with open(path, "ab") as handle:  # PyArrow cannot infer the mode of 'ab'; arrowio: a stream
        assert not arrowio.PythonFile(handle).seekable()


def test_empty_buffers_have_a_non_null_address():
    for lib in (arrowio, pyarrow):
        for buf in (lib.py_buffer(b""), lib.py_buffer(b"abc").slice(3), lib.py_buffer(bytearray()),
                    pickle.loads(pickle.dumps(lib.py_buffer(b""))), lib.allocate_buffer(0)):  # fmt: skip
            assert buf.size == 0 and buf.address != 0
        assert lib.foreign_buffer(0, 0).address == 0
    base = arrowio.py_buffer(b"abc")
    assert base.slice(3).address == base.address + 3


def test_input_stream_on_a_native_file_returns_it_as_it_is():
    content = gzip.compress(b"raw")
    for lib in (arrowio, pyarrow):
        reader = lib.BufferReader(content)
        assert lib.input_stream(reader) is reader and reader.read() == content
        assert lib.input_stream(io.BytesIO(content)).read() == content


def test_snappy_size_too_small_is_refused_with_pyarrows_message():
    packed = arrowio.compress(b"x" * 2000, codec="snappy", asbytes=True)
    messages = []
    for lib in (arrowio, pyarrow):
        with pytest.raises(ValueError) as raised:
            lib.decompress(packed, decompressed_size=10, codec="snappy")
        messages.append(str(raised.value))
    assert messages[0] == messages[1] == "Output buffer size (10) must be 2000 or larger."


def test_compress_returns_a_resizable_buffer_and_lz4_raw_reports_no_level():
    out = arrowio.compress(b"abc" * 100, codec="zstd")
    assert isinstance(out, arrowio.ResizableBuffer) and arrowio.decompress(out, codec="zstd") == b"abc" * 100
    assert arrowio.Codec("lz4_raw", compression_level=5).compression_level == pyarrow.Codec("lz4_raw").compression_level


# -- found by the wider sweep -----------------------------------------------------------------------
def test_writelines_of_nothing_on_a_read_only_file_raises():
    for lib in (arrowio, pyarrow):
        with pytest.raises(OSError, match="only valid on writable files"):
            lib.BufferReader(b"data").writelines([])


def test_a_segment_past_the_end_of_memory_is_out_of_bounds_even_when_empty(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 768)
    for lib in (arrowio, pyarrow):
        for file in (lib.memory_map(str(path)), lib.BufferReader(b"x" * 768)):
            with pytest.raises(OSError, match=r"Read out of bounds \(offset = 769, size = 0\)"):
                file.get_stream(769, 0).read()
            assert file.get_stream(768, 0).read() == b""  # at the end: nothing, no error
        assert lib.OSFile(str(path)).get_stream(769, 0).read() == b""  # a file on disk reads nothing
