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
