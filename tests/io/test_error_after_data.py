"""Bytes decoded before a corruption reach the reader before the error does."""

from __future__ import annotations

import gc
import gzip
import subprocess
import sys

import pytest

import arrowio as pa


@pytest.fixture
def truncated_gz(tmp_path):
    data = b"".join(b"line %08d of a log that compresses well\n" % i for i in range(200_000))  # ~8 MB
    packed = gzip.compress(data, 6)
    path = tmp_path / "truncated.gz"
    path.write_bytes(packed[: len(packed) * 3 // 4])
    return path, data


@pytest.mark.parametrize("threaded", [True, False])
def test_readinto_returns_good_bytes_then_raises(truncated_gz, threaded):
    path, data = truncated_gz
    stream = pa.CompressedInputStream(str(path), "gzip", threaded=threaded)
    target = bytearray(len(data))
    got = stream.readinto(target)
    assert 0 < got < len(data) and target[:got] == data[:got]
    with pytest.raises(pa.ArrowIOError, match="gzip"):
        stream.read()
    stream.close()


def test_readinto1_is_one_piece(truncated_gz):
    path, data = truncated_gz
    with pa.CompressedInputStream(str(path), "gzip") as stream:
        target = bytearray(len(data))
        got = stream.readinto1(target)
        assert 0 < got <= 1 << 20 and target[:got] == data[:got]


def test_cat_writes_the_good_prefix_and_fails(truncated_gz):
    path, data = truncated_gz
    result = subprocess.run([sys.executable, "-m", "arrowio_cli", "cat", str(path)], capture_output=True)
    assert result.returncode == 1
    assert len(result.stdout) > len(data) // 4 and data.startswith(result.stdout)
    assert result.stderr.decode().startswith("arrowio: error:") and result.stderr.count(b"\n") == 1


def test_released_view_in_a_collected_cycle():
    class Holder:
        pass

    holder = Holder()
    holder.buffer = pa.allocate_buffer(64)
    holder.view = memoryview(holder.buffer)
    holder.self = holder  # a cycle: only the collector frees it, in any order
    del holder
    gc.collect()


def test_transcoding_error_is_never_skipped():
    data = ("é" * 40_000).encode() + b"\xff" + ("x" * 100_000).encode()
    stream = pa.transcoding_input_stream(pa.BufferReader(data), "utf-8", "utf-16-le")
    got = b""
    with pytest.raises(UnicodeError):
        while chunk := stream.read(1000):
            got += chunk
    assert ("é" * 40_000).startswith(got.decode("utf-16-le")) and len(got) > 0
    with pytest.raises(UnicodeError):  # and again: the stream cannot go on past the bad bytes
        stream.read(1000)


class _FailingRaw:
    """A seekable raw file that fails with EIO past byte 4096."""

    def __init__(self, data: bytes) -> None:
        import io

        self._io = io.BytesIO(data)

    def readinto(self, view):
        if self._io.tell() >= 4096:
            raise OSError(5, "Input/output error")
        return self._io.readinto(view[: 4096 - self._io.tell()])

    def read(self, size):
        if self._io.tell() >= 4096:
            raise OSError(5, "Input/output error")
        return self._io.read(min(size, 4096 - self._io.tell()))

    def seek(self, pos, whence=0):
        return self._io.seek(pos, whence)

    def tell(self):
        return self._io.tell()

    def seekable(self):
        return True

    def readable(self):
        return True


def test_positional_read_never_hides_an_error_as_end_of_file():
    stream = pa.PythonFile(_FailingRaw(bytes(10_000)), mode="r")
    with pytest.raises(OSError, match="Input/output"):
        stream.read_at(8000, 0)


def test_sequential_read_hands_out_data_then_the_error():
    stream = pa.PythonFile(_FailingRaw(bytes(10_000)), mode="r")
    assert len(stream.read(8000)) == 4096
    with pytest.raises(OSError, match="Input/output"):
        stream.read(10)


@pytest.mark.parametrize("compression", ["lz4_raw", "bogus"])
def test_output_stream_checks_compression_before_truncating(tmp_path, compression):
    precious = tmp_path / "precious.bin"
    precious.write_bytes(b"keep me")
    with pytest.raises((ValueError, NotImplementedError)):  # lz4_raw: NotImplementedError, as PyArrow
        pa.output_stream(str(precious), compression=compression)
    assert precious.read_bytes() == b"keep me"
