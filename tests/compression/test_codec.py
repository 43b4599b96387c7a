"""Codec: names, levels, availability, detection by extension, one-shot compress/decompress."""

from __future__ import annotations

import subprocess
import sys

import pytest
from compression_helpers import ONESHOT, STREAMING, make_data

import arrowio
from arrowio import Codec


def test_names_and_defaults_mirror_pyarrow():
    expected = {
        "gzip": (1, 9, 9),
        "bz2": (1, 9, 9),
        "brotli": (0, 11, 8),
        "lz4": (1, 12, 1),
        "lz4_raw": (1, 12, 1),
        "zstd": (-131072, 22, 1),
        "xz": (0, 9, 6),
    }
    for name, (low, high, default) in expected.items():
        assert Codec.supports_compression_level(name)
        assert Codec.minimum_compression_level(name) == low
        assert Codec.maximum_compression_level(name) == high
        assert Codec.default_compression_level(name) == default
        codec = Codec(name)
        reported = -(2**31) if name == "lz4_raw" else default  # PyArrow's INT_MIN: "no level"
        assert codec.name == name and codec.compression_level == reported
    assert not Codec.supports_compression_level("snappy")
    assert Codec("snappy").compression_level is None


@pytest.mark.parametrize(
    "method", ["default_compression_level", "minimum_compression_level", "maximum_compression_level"]
)
def test_level_queries_refuse_snappy_and_unknown_names(method):
    with pytest.raises(ValueError):
        getattr(Codec, method)("snappy")
    with pytest.raises(ValueError):
        getattr(Codec, method)("nope")


def test_constructor_errors():
    with pytest.raises(TypeError):
        Codec(None)
    with pytest.raises(ValueError, match="Unknown compression 'nope'"):
        Codec("nope")
    with pytest.raises(OSError, match="zlib deflateInit failed"):  # PyArrow's type and phrase
        Codec("gzip", compression_level=10)
    with pytest.raises(ValueError, match="compression level"):
        Codec("snappy", compression_level=1)
    with pytest.raises(ValueError):
        Codec.is_available("nope")


def test_is_available_imports_no_backend():
    code = (
        "import sys, arrowio\n"
        "assert all(arrowio.Codec.is_available(n) for n in "
        "('gzip','bz2','xz','zstd','lz4','brotli','snappy','lz4_raw'))\n"
        "loaded = [m for m in ('zstandard','lz4','brotli','snappy','isal','cramjam','google_crc32c') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("a.gz", "gzip"),
        ("A.TGZ", "gzip"),
        ("x.bgz", "gzip"),
        ("b.bz2", "bz2"),
        ("c.br", "brotli"),
        ("d.lz4", "lz4"),
        ("e.zst", "zstd"),
        ("e.ZSTD", "zstd"),
        ("f.xz", "xz"),
        ("g.sz", "snappy"),
    ],
)
def test_detect_by_extension(path, name):
    assert Codec.detect(path).name == name


def test_detect_unknown_extension():
    with pytest.raises(ValueError, match="extension"):
        Codec.detect("plain.txt")


@pytest.mark.parametrize("name", ONESHOT)
@pytest.mark.parametrize("kind", ["text", "random", "zeros", "mixed"])
def test_one_shot_round_trip(name, kind):
    data = make_data(kind, 300_000)
    codec = Codec(name)
    compressed = codec.compress(data)
    assert isinstance(compressed, arrowio.Buffer)
    assert codec.compress(data, asbytes=True) == compressed.to_pybytes()
    size = len(data) if name == "lz4_raw" else None
    result = codec.decompress(compressed, size)
    assert isinstance(result, arrowio.Buffer) and result.size == len(data) and result.equals(data)
    assert codec.decompress(compressed, size, asbytes=True) == data
    # A generous size still gives the true length, never a padded buffer.
    assert codec.decompress(compressed, len(data) + 100).size == len(data)


@pytest.mark.parametrize("name", ONESHOT)
def test_empty_data_round_trips(name):
    codec = Codec(name)
    out = codec.decompress(codec.compress(b""), 0 if name == "lz4_raw" else None, asbytes=True)
    assert out == b""


def test_lz4_raw_needs_a_size():
    compressed = Codec("lz4_raw").compress(b"hello" * 100)
    with pytest.raises(ValueError, match="decompressed_size"):
        Codec("lz4_raw").decompress(compressed)


@pytest.mark.parametrize("name", [n for n in STREAMING if n != "snappy"])  # snappy: ArrowInvalid, as PyArrow
def test_too_small_decompressed_size_is_an_error(name):
    codec = Codec(name)
    with pytest.raises(OSError, match="decompressed_size"):
        codec.decompress(codec.compress(b"x" * 10_000), 9_999)
    # snappy: the block records its length, refused up front with PyArrow's ArrowInvalid
    # (tests/compat/test_compat_fixes.py checks the message).


def test_module_functions_and_pools():
    pool = arrowio.proxy_memory_pool(arrowio.default_memory_pool())
    data = make_data("text", 100_000)
    compressed = arrowio.compress(data, codec="zstd", memory_pool=pool)
    assert pool.bytes_allocated() >= compressed.size
    assert arrowio.decompress(compressed, codec=Codec("zstd"), asbytes=True) == data
    assert arrowio.decompress(arrowio.compress(data), len(data), asbytes=True) == data  # lz4 by default
    with pytest.raises(TypeError):
        arrowio.compress("text is not bytes", codec="gzip")


@pytest.mark.parametrize("name", ["gzip", "zstd", "xz", "brotli", "bz2", "lz4"])
def test_levels_all_decode(name):
    data = make_data("mixed", 50_000)
    low, high = Codec.minimum_compression_level(name), Codec.maximum_compression_level(name)
    levels = {low, Codec.default_compression_level(name), high} if name != "zstd" else {-5, 1, 3, 19}
    for level in sorted(levels):
        codec = Codec(name, compression_level=level)
        assert codec.decompress(codec.compress(data), asbytes=True) == data, level


def test_repr_and_equality():
    assert repr(Codec("zstd", 3)) == "<arrowio.Codec name=zstd compression_level=3>"
    assert Codec("gzip") == Codec("gzip", 9) and Codec("gzip") != Codec("gzip", 1)


@pytest.mark.parametrize("threads", [0, 2])
def test_gzip_on_both_deflate_backends(deflate_backend, threads):
    data = make_data("mixed", 500_000, seed=3)
    for level in (1, 3, 6, 9):
        codec = Codec("gzip", level)
        encoder = codec.encoder(threads=threads)
        compressed = encoder.compress(data) + encoder.flush() + encoder.compress(data[:10]) + encoder.finish()
        assert codec.decompress(compressed, asbytes=True) == data + data[:10]
        with arrowio.CompressedInputStream(arrowio.BufferReader(compressed), "gzip") as stream:
            assert stream.read() == data + data[:10]
