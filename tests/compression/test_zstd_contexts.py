"""zstd decompression contexts are borrowed per frame and reused, never shared by two frames
being decoded at once, and never kept from a frame that failed."""

from __future__ import annotations

import os
import subprocess

import pytest
import zstandard

import arrowio as pa
from arrowio.compression import _zstd


def _frames(*parts: bytes) -> bytes:
    """The parts as separate frames, written by the real zstd tool."""
    return b"".join(
        subprocess.run(["zstd", "-q", "-c"], input=p, capture_output=True, check=True).stdout for p in parts
    )


@pytest.fixture(autouse=True)
def no_idle_contexts():
    saved = list(_zstd._IDLE)
    _zstd._IDLE.clear()
    yield
    _zstd._IDLE[:] = saved


def test_one_context_serves_file_after_file(tmp_path):
    paths = []
    for i in range(5):
        paths.append(tmp_path / f"{i}.zst")
        paths[-1].write_bytes(_frames(b"log line %d\n" % i * 100))
    made = []
    real = zstandard.ZstdDecompressor

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    _zstd.zstandard.ZstdDecompressor = counting
    try:
        for i, path in enumerate(paths):
            with pa.input_stream(path) as stream:
                assert stream.read() == b"log line %d\n" % i * 100
    finally:
        _zstd.zstandard.ZstdDecompressor = real
    assert len(made) == 1 and len(_zstd._IDLE) == 1


def test_interleaved_decoders_never_share_a_context():
    first, second = os.urandom(300_000), bytes(range(256)) * 2000
    data_a, data_b = _frames(first, first[::-1]), _frames(second, second[::-1])
    a, b = pa.Codec("zstd").decoder(), pa.Codec("zstd").decoder()
    out_a, out_b = bytearray(), bytearray()
    for at in range(0, max(len(data_a), len(data_b)), 4096):  # both mid-frame at the same time
        out_a += a.decompress(data_a[at : at + 4096])
        out_b += b.decompress(data_b[at : at + 4096])
        while not a.needs_input:
            out_a += a.decompress(b"")
        while not b.needs_input:
            out_b += b.decompress(b"")
    a.finish()
    b.finish()
    assert out_a == first + first[::-1] and out_b == second + second[::-1]


def test_a_failed_frame_keeps_no_context():
    good = _frames(b"x" * 1000)
    broken = bytearray(_frames(os.urandom(5000)))
    broken[20:40] = bytes(20)
    with pytest.raises(pa.ArrowIOError, match="zstd"):
        _decode_all(bytes(broken))
    assert _zstd._IDLE == []
    assert _decode_all(good) == b"x" * 1000 and len(_zstd._IDLE) == 1


def _decode_all(data: bytes) -> bytes:
    with pa.input_stream(pa.py_buffer(data), compression="zstd") as stream:
        return stream.read()
