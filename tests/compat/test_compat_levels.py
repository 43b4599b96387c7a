"""Differential tests: compression levels in and far outside each format's range.

PyArrow keeps any C-int level a Codec is given and reports it as given; the library clamps it
when compressing (zstd, brotli, lz4), lz4_raw reports Arrow's "no level" marker, and gzip takes
zlib's -1..9 only. arrowio must agree on what is accepted, what is reported and what the bytes
decode to, and its streaming, frame and parallel encoders must take the same levels.
"""

from __future__ import annotations

import numpy as np
import pyarrow
import pytest
from compat_helpers import Raised, compare, outcome
from hypothesis import example, given
from hypothesis import strategies as st

import arrowio

CODECS = [
    name for name in ("gzip", "bz2", "brotli", "lz4", "lz4_raw", "zstd", "snappy") if pyarrow.Codec.is_available(name)
]
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: Levels near every format's edges, Arrow's INT_MIN marker, and past a C int.
EDGES = [INT_MIN - 1, INT_MIN, INT_MIN + 1, -131073, -131072, -23, -2, -1, 0, 1, 3, 9, 10, 11, 12, 13, 19, 22, 23]
EDGES += [INT_MAX, INT_MAX + 1, 2**40]
LEVELS = st.one_of(st.sampled_from(EDGES), st.integers(-300, 300), st.integers(INT_MIN - 10, INT_MAX + 10))
#: Data that each level compresses differently (a repeated text only shows two sizes).
DATA = np.random.default_rng(12).integers(0, 24, 60_000).astype(np.uint8).tobytes() + b"level " * 2000


def _clamped(name: str, level: int) -> int:
    """The level the format's C library compresses at when given ``level`` (Arrow's behaviour)."""
    if name == "zstd":
        return min(max(level, -131072), 22)
    if name == "brotli":
        return min(max(level, 0), 11)
    if name == "lz4":  # LZ4F: above 12 is 12; a negative level is an acceleration, kept
        return min(level, 12)
    if name == "lz4_raw":
        # Below 1, the fast compressor as at 1. Where LZ4 HC starts (level 2 or 3) depends on the
        # liblz4 each library bundles, so levels inside 1..12 are kept as they are.
        return max(min(level, 12), 1)
    if name == "gzip":
        return 6 if level == -1 else level
    return level


@pytest.mark.parametrize("name", CODECS)
@given(level=LEVELS)
@example(level=INT_MIN)
def test_a_codec_takes_and_reports_levels_as_pyarrow_does(name, level):
    ours, theirs = compare(
        f"Codec({name!r}, {level}).compression_level",
        lambda: arrowio.Codec(name, compression_level=level).compression_level,
        lambda: pyarrow.Codec(name, compression_level=level).compression_level,
    )
    if isinstance(theirs, Raised):
        assert type(ours) is Raised and ours.kind is theirs.kind  # the very builtin class
        if name == "gzip" and theirs.kind is OSError:
            assert "zlib deflateInit failed" in ours.message
        return
    compare(
        f"repr(Codec({name!r}, {level}))",
        lambda: repr(arrowio.Codec(name, level)).replace("arrowio", "pyarrow"),
        lambda: repr(pyarrow.Codec(name, level)),
    )


@pytest.mark.parametrize("value", [1.5, 3.0, True, np.int64(5), np.int8(-4), "3", b"3", None])
@pytest.mark.parametrize("name", ["zstd", "snappy", "lz4_raw"])
def test_level_argument_types_convert_as_in_pyarrow(name, value):
    compare(
        f"Codec({name!r}, {value!r})",
        lambda: arrowio.Codec(name, value).compression_level,
        lambda: pyarrow.Codec(name, value).compression_level,
    )


@pytest.mark.parametrize("name", [name for name in CODECS if name != "bz2"])  # PyArrow: no one-shot bz2
@given(level=LEVELS)
def test_one_shot_output_at_any_level(name, level):
    if isinstance(outcome(lambda: pyarrow.Codec(name, level)), Raised):
        return  # refused by both: the test above
    ours, theirs = arrowio.Codec(name, level), pyarrow.Codec(name, level)
    size = len(DATA)
    for encoder, decoder in ((ours, pyarrow), (theirs, arrowio)):
        packed = encoder.compress(DATA, asbytes=True)
        assert decoder.decompress(packed, size, codec=name, asbytes=True) == DATA
    # Both compress at the level the C library clamps to: the same bytes as at that level.
    clamped = _clamped(name, ours.compression_level if name != "lz4_raw" else level)
    for lib, codec in ((arrowio, ours), (pyarrow, theirs)):
        at_clamped = lib.Codec(name, clamped if name != "snappy" else None).compress(DATA, asbytes=True)
        assert codec.compress(DATA, asbytes=True) == at_clamped, f"{lib.__name__} {name} {level} -> {clamped}"


STREAMING = [name for name in ("gzip", "bz2", "brotli", "lz4", "zstd") if pyarrow.Codec.is_available(name)]


def _stream(name: str, level: int, **options) -> bytes:
    sink = arrowio.BufferOutputStream()
    with arrowio.CompressedOutputStream(sink, name, compression_level=level, **options) as out:
        out.write(DATA[:20_000])
        out.flush()
        out.write(DATA[20_000:])
    return sink.getvalue().to_pybytes()


@pytest.mark.parametrize("name", STREAMING)
@given(level=LEVELS)
def test_streams_take_the_levels_codecs_take(name, level):
    codec = outcome(lambda: pyarrow.Codec(name, level))
    streamed = outcome(lambda: _stream(name, level))
    if isinstance(codec, Raised):  # refused at Codec creation, before any stream (gzip, past a C int)
        assert isinstance(streamed, Raised) and issubclass(streamed.type, codec.kind), streamed
        return
    kept = arrowio.Codec(name, level).compression_level
    if name == "bz2" and not 1 <= kept <= 9:
        # Arrow's BZ2Compressor passes the level to BZ2_bzCompressInit, which refuses it when
        # the stream is made (PyArrow's CompressedOutputStream takes no level to show it).
        assert isinstance(streamed, Raised) and issubclass(streamed.type, OSError), streamed
        assert "bz2 compressor init failed" in streamed.message
        return
    assert isinstance(streamed, bytes), streamed
    assert pyarrow.CompressedInputStream(pyarrow.BufferReader(streamed), name).read() == DATA
    if name != "bz2":  # the level the library clamps to gives the very same stream
        assert streamed == _stream(name, _clamped(name, kept))


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("zstd", {"threads": 2}),
        ("gzip", {"threads": 2}),
        ("zstd", {"layout": "frames", "threads": 2, "frame_size": 16_384}),
        ("zstd", {"layout": "seekable", "threads": 0, "frame_size": 16_384}),
        ("gzip", {"layout": "frames", "threads": 2, "frame_size": 16_384}),
        ("gzip", {"layout": "bgzf", "threads": 2}),
    ],
)
@pytest.mark.parametrize("level", [-1, 0, 23, 100, INT_MAX, -200_000, INT_MIN])
def test_parallel_and_frame_encoders_take_the_same_levels(name, options, level):
    if name == "gzip" and not -1 <= level <= 9 and level != INT_MIN:
        with pytest.raises(OSError, match="zlib deflateInit failed"):
            _stream(name, level, **options)
        return
    packed = _stream(name, level, **options)
    assert arrowio.decompress(packed, codec=name, asbytes=True) == DATA
    clamped = _clamped(name, arrowio.Codec(name, level).compression_level)
    assert packed == _stream(name, clamped, **options)


def test_neither_one_shot_compress_nor_output_stream_takes_a_level():
    for call in (
        lambda lib: lib.compress(DATA, codec="zstd", compression_level=3),
        lambda lib: lib.output_stream(lib.BufferOutputStream(), compression="gzip", compression_level=3),
    ):
        compare("compression_level keyword", lambda: call(arrowio), lambda: call(pyarrow))


@pytest.mark.parametrize(("name", "level", "phrase"), [("bz2", 10, "bz2 compressor init failed"), ("bz2", 0, "bz2"),
                                                       ("xz", 10, "xz compressor init failed"), ("xz", -1, "xz"),
                                                       ("gzip", 10, "zlib deflateInit failed")])  # fmt: skip
def test_a_level_the_library_refuses_leaves_an_existing_file_as_it_was(tmp_path, name, level, phrase):
    path = tmp_path / "kept.out"
    path.write_bytes(b"precious")
    if name != "gzip":  # the Codec keeps it, as PyArrow's does; the stream cannot use it
        assert arrowio.Codec(name, level).compression_level == level
    with pytest.raises(OSError, match=phrase):
        arrowio.CompressedOutputStream(str(path), name, compression_level=level)
    assert path.read_bytes() == b"precious"
