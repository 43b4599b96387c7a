"""Interop both ways with the real tools (gzip, pigz, bgzip, igzip, zstd, lz4, brotli, bzip2,
xz) and with PyArrow: what they write, arrowio reads; what arrowio writes, they read."""

from __future__ import annotations

import subprocess

import pytest
from compression_helpers import drive, make_data, need_tool, run_tool

from arrowio import ArrowIOError, Codec

DATA = make_data("mixed", 600_000, seed=7) + make_data("text", 400_000, seed=8)

# (format, command that compresses stdin to stdout)
MADE_BY_TOOLS = [
    ("gzip", ["gzip", "-1", "-c"]),
    ("gzip", ["gzip", "-9", "-c"]),
    ("gzip", ["pigz", "-p", "2", "-b", "128", "-c"]),
    ("gzip", ["pigz", "-i", "-p", "2", "-b", "128", "-c"]),  # independent blocks
    ("gzip", ["bgzip", "-c"]),  # BGZF: a member per 64 KiB, extra field, EOF marker member
    ("gzip", ["igzip", "-c"]),
    ("gzip", ["igzip", "-3", "-c"]),
    ("zstd", ["zstd", "-3", "-c"]),
    ("zstd", ["zstd", "-19", "--no-check", "-c"]),
    ("zstd", ["zstd", "-T2", "-1", "-B262144", "-c"]),  # several jobs
    ("zstd", ["zstd", "--long=31", "-c"]),
    ("lz4", ["lz4", "-c"]),
    ("lz4", ["lz4", "-9", "-BD", "-BX", "-B4", "--content-size", "-c"]),
    ("lz4", ["lz4", "--no-frame-crc", "-c"]),
    ("lz4", ["lz4", "-l", "-c"]),  # the legacy format
    ("brotli", ["brotli", "-c"]),
    ("brotli", ["brotli", "-q", "3", "-w", "24", "-c"]),
    ("bz2", ["bzip2", "-c"]),
    ("bz2", ["bzip2", "-1", "-c"]),
    ("xz", ["xz", "-c"]),
    ("xz", ["xz", "-T2", "--block-size=100000", "-c"]),
    ("xz", ["xz", "--check=sha256", "-0", "-c"]),
    ("xz", ["xz", "--check=none", "-c"]),
]


@pytest.mark.parametrize(("name", "command"), MADE_BY_TOOLS, ids=[" ".join(c) for _, c in MADE_BY_TOOLS])
def test_arrowio_reads_what_tools_write(name, command):
    compressed = run_tool(command, DATA)
    assert Codec(name).decompress(compressed, asbytes=True) == DATA
    assert drive(Codec(name).decoder(), compressed, [7919, 65536], [100_000]) == DATA


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("gzip", ["gzip", "-c"]),
        ("bz2", ["bzip2", "-c"]),
        ("xz", ["xz", "-c"]),
        ("zstd", ["zstd", "-c"]),
        ("lz4", ["lz4", "-c"]),
    ],
)
def test_concatenated_tool_outputs(name, command):
    parts = [run_tool(command, DATA[:1000]), run_tool(command, b""), run_tool(command, DATA[1000:])]
    assert Codec(name).decompress(b"".join(parts), asbytes=True) == DATA


def test_zstd_long_window_trap():
    import zstandard

    compressed = run_tool(["zstd", "--long=31", "-c"], DATA)  # stdin: the window stays 2 GiB
    with pytest.raises(zstandard.ZstdError, match="memory|window"):
        zstandard.ZstdDecompressor().decompressobj().decompress(compressed)  # the default limit refuses
    assert drive(Codec("zstd").decoder(), compressed, [4096]) == DATA


def test_gzip_named_file(tmp_path):
    need_tool("gzip")
    path = tmp_path / "named.txt"
    path.write_bytes(DATA)
    subprocess.run(["gzip", "-N", "-k", str(path)], check=True)  # stores FNAME and MTIME
    compressed = (tmp_path / "named.txt.gz").read_bytes()
    assert compressed[3] & 0x08
    assert Codec("gzip").decompress(compressed, asbytes=True) == DATA


# (format, level, command that decompresses stdin to stdout)
READ_BY_TOOLS = [
    ("gzip", 1, ["gzip", "-dc"]),
    ("gzip", 6, ["gzip", "-dc"]),
    ("gzip", 9, ["pigz", "-dc"]),
    ("gzip", 3, ["igzip", "-dc"]),
    ("gzip", 6, ["bgzip", "-dc"]),
    ("zstd", 3, ["zstd", "-dc"]),
    ("zstd", -5, ["zstd", "-dc"]),
    ("lz4", 1, ["lz4", "-dc"]),
    ("lz4", 12, ["lz4", "-dc"]),
    ("brotli", 5, ["brotli", "-dc"]),
    ("bz2", 9, ["bzip2", "-dc"]),
    ("xz", 6, ["xz", "-dc"]),
]


@pytest.mark.parametrize(
    ("name", "level", "command"), READ_BY_TOOLS, ids=[f"{n}-{lv}-{c[0]}" for n, lv, c in READ_BY_TOOLS]
)
def test_tools_read_what_arrowio_writes(name, level, command):
    codec = Codec(name, level)
    one_shot = codec.compress(DATA, asbytes=True)
    assert run_tool(command, one_shot) == DATA
    encoder = codec.encoder()
    streamed = b"".join(encoder.compress(DATA[i : i + 100_000]) for i in range(0, len(DATA), 100_000))
    streamed += encoder.flush() + encoder.compress(b"after a flush") + encoder.finish()
    assert run_tool(command, streamed) == DATA + b"after a flush"


@pytest.mark.parametrize("command", [["gzip", "-dc"], ["pigz", "-dc"], ["igzip", "-dc"]])
def test_parallel_gzip_encoder_is_read_by_tools(command):
    encoder = Codec("gzip", 6).encoder(threads=2)
    compressed = (
        encoder.compress(DATA[:300_001]) + encoder.flush() + encoder.compress(DATA[300_001:]) + encoder.finish()
    )
    assert run_tool(command, compressed) == DATA


def test_zstd_threaded_encoder_is_read_by_zstd():
    encoder = Codec("zstd", 3).encoder(threads=2)
    compressed = encoder.compress(DATA) + encoder.finish()
    assert run_tool(["zstd", "-dc"], compressed) == DATA


def test_tools_reject_what_arrowio_rejects():
    # The same truncated file fails with the tool and with arrowio.
    compressed = run_tool(["gzip", "-c"], DATA)[:-1]
    assert subprocess.run(["gzip", "-dc"], input=compressed, capture_output=True).returncode != 0
    with pytest.raises(ArrowIOError):
        Codec("gzip").decompress(compressed)


def test_snappy_framing_with_python_snappy():
    import io

    import snappy

    ours = Codec("snappy").encoder()
    framed = ours.compress(DATA) + ours.finish()
    out = io.BytesIO()
    snappy.stream_decompress(io.BytesIO(framed), out)
    assert out.getvalue() == DATA
    theirs = io.BytesIO()
    snappy.stream_compress(io.BytesIO(DATA), theirs)
    assert drive(Codec("snappy").decoder(), theirs.getvalue()) == DATA


# -- PyArrow ---------------------------------------------------------------------------------------
PYARROW_CODECS = ["gzip", "brotli", "lz4", "lz4_raw", "zstd", "snappy"]  # PyArrow has no one-shot bz2


@pytest.mark.parametrize("name", PYARROW_CODECS)
def test_pyarrow_one_shot_both_ways(name):
    pa = pytest.importorskip("pyarrow")
    if not pa.Codec.is_available(name):
        pytest.skip(f"this pyarrow has no {name}")
    theirs = pa.Codec(name).compress(DATA, asbytes=True)
    assert Codec(name).decompress(theirs, len(DATA), asbytes=True) == DATA
    ours = Codec(name).compress(DATA, asbytes=True)
    assert pa.Codec(name).decompress(ours, len(DATA), asbytes=True) == DATA


@pytest.mark.parametrize("name", ["gzip", "bz2", "brotli", "lz4", "zstd"])
def test_pyarrow_streams_read_our_streams(name):
    pa = pytest.importorskip("pyarrow")
    encoder = Codec(name).encoder()
    compressed = b"".join(encoder.compress(DATA[i : i + 65536]) for i in range(0, len(DATA), 65536)) + encoder.finish()
    assert pa.CompressedInputStream(pa.BufferReader(compressed), name).read() == DATA
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, name) as out:
        out.write(DATA)
    assert Codec(name).decompress(sink.getvalue(), asbytes=True) == DATA
