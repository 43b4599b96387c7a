"""CompressedInputStream/CompressedOutputStream, and input_stream/output_stream detection."""

from __future__ import annotations

import gc
import io
import os
import struct
import subprocess
import sys
import threading

import pytest
from compression_helpers import STREAMING, FailingFile, make_data, need_tool, run_tool
from hypothesis import given, settings
from hypothesis import strategies as st

import arrowio as pa
from arrowio import ArrowIOError, Codec, CompressedInputStream, CompressedOutputStream
from arrowio.compression._base import Encoder
from arrowio.compression._stream import ENCODE_PIECE, EncodingWriter

DATA = make_data("mixed", 3_000_000, seed=11)
EXT = {"gzip": ".gz", "bz2": ".bz2", "xz": ".xz", "zstd": ".zst", "lz4": ".lz4", "brotli": ".br", "snappy": ".sz"}


def framed(name: str, data: bytes = DATA, level: int | None = None) -> bytes:
    encoder = Codec(name, level).encoder()
    return encoder.compress(data) + encoder.finish()


@pytest.fixture(params=[True, False], ids=["threaded", "inline"])
def threaded(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.mark.parametrize("name", STREAMING)
def test_round_trip_through_paths(tmp_path, name, threaded):
    path = tmp_path / f"data{EXT[name]}"
    with CompressedOutputStream(path, name, threaded=threaded) as out:
        assert out.writable() and not out.seekable() and not out.readable()
        for start in range(0, len(DATA), 700_001):
            out.write(DATA[start : start + 700_001])
        assert out.tell() == len(DATA)
    with CompressedInputStream(path, name, threaded=threaded) as stream:
        assert stream.readable() and not stream.seekable()
        assert stream.read(10) == DATA[:10]
        assert stream.tell() == 10
        assert stream.read() == DATA[10:]
        assert stream.read(5) == b""
    assert Codec(name).decompress(path.read_bytes(), asbytes=True) == DATA if name != "snappy" else True


@pytest.mark.parametrize("name", STREAMING)
def test_round_trip_through_native_and_python_files(name):
    sink = pa.BufferOutputStream()
    out = CompressedOutputStream(sink, name, compression_level=None)
    out.write(DATA[:1000])
    out.flush()
    out.write(DATA[1000:])
    out.close()
    assert sink.closed  # closing the compressed stream closes the raw one
    compressed = sink.getvalue()
    bio = io.BytesIO(compressed.to_pybytes())
    with CompressedInputStream(bio, name) as stream:
        assert stream.read() == DATA
    assert bio.closed
    with CompressedInputStream(pa.BufferReader(compressed), name) as stream:
        assert stream.read_buffer().equals(DATA)


@pytest.mark.parametrize("name", ["gzip", "zstd", "lz4", "bz2"])
@settings(max_examples=15)
@given(
    sizes=st.lists(st.integers(0, 300_000), min_size=1, max_size=20), how=st.sampled_from(["read", "read1", "readinto"])
)
def test_reads_are_bounded_and_join_to_the_data(name, sizes, how):
    compressed = _compressed(name)
    stream = CompressedInputStream(pa.BufferReader(compressed), name)
    sizes = sizes + [65536]  # at least one read that makes progress
    pieces, i = [], 0
    while True:
        n = sizes[i % len(sizes)]
        i += 1
        if how == "readinto":
            target = bytearray(n)
            got = stream.readinto(target)
            piece = bytes(target[:got])
        else:
            piece = getattr(stream, how)(n)
        assert len(piece) <= n
        if how == "read" and n:
            assert len(piece) == n or stream.read(1) == b""
        if not piece and n:
            break
        pieces.append(piece)
    stream.close()
    assert b"".join(pieces) == DATA


_CACHE: dict[str, bytes] = {}


def _compressed(name: str) -> bytes:
    if name not in _CACHE:
        _CACHE[name] = framed(name, level=1)
    return _CACHE[name]


def test_lines_and_text():
    text = b"".join(b"line %d\n" % i for i in range(100_000))
    compressed = Codec("gzip").compress(text, asbytes=True)
    stream = CompressedInputStream(pa.BufferReader(compressed), "gzip")
    assert stream.readline() == b"line 0\n"
    assert sum(1 for _ in stream) == 99_999
    wrapper = io.TextIOWrapper(CompressedInputStream(pa.BufferReader(compressed), "gzip"), encoding="ascii")
    assert wrapper.readline() == "line 0\n"
    wrapper.close()


def test_not_seekable():
    stream = CompressedInputStream(pa.BufferReader(_compressed("zstd")), "zstd")
    with pytest.raises(OSError):
        stream.seek(0)
    with pytest.raises(OSError):
        stream.size()
    stream.close()
    with pytest.raises(ValueError):
        stream.read()


def test_bad_compression_arguments():
    with pytest.raises(TypeError):  # PyArrow's type for a compression that is not a str
        CompressedInputStream(pa.BufferReader(b""), None)
    with pytest.raises(ValueError, match="Unknown compression"):
        CompressedInputStream(pa.BufferReader(b""), "nope")
    with pytest.raises(NotImplementedError, match="raw block"):  # PyArrow's type
        CompressedInputStream(pa.BufferReader(b""), "lz4_raw")
    with pytest.raises(OSError, match="zlib deflateInit failed"):
        CompressedOutputStream(pa.BufferOutputStream(), "gzip", compression_level=42)
    with pytest.raises(OSError, match="bz2 compressor init failed"):
        CompressedOutputStream(pa.BufferOutputStream(), "bz2", compression_level=10)


def test_compression_level_and_threads_reach_the_encoder():
    fast, small = pa.BufferOutputStream(), pa.BufferOutputStream()
    with CompressedOutputStream(fast, "zstd", compression_level=1, threads=2) as out:
        out.write(DATA)
    with CompressedOutputStream(small, "zstd", compression_level=19) as out:
        out.write(DATA)
    assert small.getvalue().size < fast.getvalue().size
    assert Codec("zstd").decompress(fast.getvalue(), asbytes=True) == DATA


# -- errors through the streams --------------------------------------------------------------------
@pytest.mark.parametrize("name", STREAMING)
def test_corruption_surfaces_after_the_good_data(name, threaded):
    compressed = framed(name)
    cut = compressed[: len(compressed) * 3 // 4]
    stream = CompressedInputStream(pa.BufferReader(cut), name, threaded=threaded)
    got = bytearray()
    with pytest.raises(ArrowIOError, match=rf"^{name}: .*offset \d+"):
        while chunk := stream.read(100_000):
            got += chunk
    # Every byte the decoder produced before the fault was handed out, none lost with the error.
    decodable = _decodable_prefix(name, cut)
    assert bytes(got) == decodable and DATA.startswith(decodable)
    stream.close()
    if decodable:  # bytes read ahead by peek() too go out before the error
        peeked = CompressedInputStream(pa.BufferReader(cut), name, threaded=threaded)
        assert peeked.peek(len(decodable)) == decodable  # all of it waits ahead; the error is next
        got = bytearray()
        with pytest.raises(ArrowIOError, match=rf"^{name}: "):
            while chunk := peeked.read(len(cut) * 100):
                got += chunk
        assert bytes(got) == decodable
        peeked.close()
    whole = CompressedInputStream(pa.BufferReader(cut), name, threaded=threaded)
    with pytest.raises(ArrowIOError, match=rf"^{name}: "):  # reading everything is all or the error
        whole.read()
    whole.close()


def _decodable_prefix(name: str, data: bytes) -> bytes:
    """What the format's incremental decoder yields from ``data`` before it raises."""
    decoder, out = Codec(name).decoder(), []
    try:
        out.append(decoder.decompress(data, 1 << 16))
        while not decoder.needs_input:
            out.append(decoder.decompress(b"", 1 << 16))
        decoder.finish()
    except ArrowIOError:
        return b"".join(out)
    raise AssertionError(f"{name}: the cut input decoded without an error")


def test_read_failure_of_the_raw_stream_propagates(threaded):
    source = FailingFile(_compressed("gzip"), fail_read=2)
    stream = CompressedInputStream(source, "gzip", threaded=threaded)
    with pytest.raises(OSError, match="injected read failure"):
        stream.read()
    stream.close()
    assert source.closed


@pytest.mark.parametrize("fail_write", [1, 2, 3])
def test_write_failure_of_the_raw_stream_propagates_and_closes(fail_write, threaded):
    sink = FailingFile(fail_write=fail_write)
    out = CompressedOutputStream(sink, "gzip", compression_level=1, threaded=threaded)
    with pytest.raises(OSError, match="injected write failure"):
        for start in range(0, len(DATA), 500_000):
            out.write(DATA[start : start + 500_000])
        out.flush()
        out.write(DATA)
        out.close()
    try:  # a stream that could not be finished says so again when closed
        out.close()
    except OSError:
        pass
    assert out.closed and sink.closed


def test_dropped_output_stream_is_finished(tmp_path):
    path = tmp_path / "dropped.zst"
    out = CompressedOutputStream(path, "zstd")
    out.write(DATA[:12345])
    del out
    gc.collect()
    assert Codec("zstd").decompress(path.read_bytes(), asbytes=True) == DATA[:12345]


def _decode_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "arrowio-decode" and t.is_alive()]


@pytest.fixture
def thread_always(monkeypatch):
    """The reader's thread starts after the first pieces whatever the consumer does (it starts
    by itself only for a consumer that spends time between reads: see _stream.THREAD_WORTH)."""
    from arrowio.compression import _stream

    monkeypatch.setattr(_stream, "THREAD_WORTH", 0.0)


def test_close_stops_the_reader_thread_early(thread_always):
    before = threading.active_count()
    zeros = Codec("zstd").compress(bytes(64 << 20), asbytes=True)
    for _ in range(5):
        stream = CompressedInputStream(pa.BufferReader(zeros), "zstd")
        assert stream.read(3 << 20) == bytes(3 << 20)  # past the pieces decoded without the thread
        assert len(_decode_threads()) == 1
        stream.close()
    assert threading.active_count() == before


@pytest.mark.parametrize("name", STREAMING)
def test_a_small_source_is_decoded_without_a_thread(name):
    small = framed(name, DATA[:10_240])
    started = []
    stream = CompressedInputStream(pa.BufferReader(small), name)
    while chunk := stream.read1(1 << 20):
        started.append(bool(_decode_threads()))
        assert chunk
    stream.close()
    assert started and not any(started)


def test_a_long_source_is_decoded_in_a_thread(thread_always):
    stream = CompressedInputStream(pa.BufferReader(framed("gzip")), "gzip")
    seen = False
    got = bytearray()
    while chunk := stream.read1(1 << 20):
        got += chunk
        seen = seen or bool(_decode_threads())
    stream.close()
    assert bytes(got) == DATA and seen


class _SeenEncoder(Encoder):
    """A real zstd encoder that keeps what it was handed, to see whether the writer copied it."""

    def __init__(self) -> None:
        self._inner = Codec("zstd").encoder()
        self.handed: list[object] = []

    def compress(self, data):
        self.handed.append(data)
        return self._inner.compress(data)

    def flush(self):
        return self._inner.flush()

    def finish(self):
        return self._inner.finish()


@pytest.mark.parametrize("threaded", [False, True])
def test_large_writes_are_copied_only_for_the_thread(threaded):
    encoder, out = _SeenEncoder(), bytearray()
    writer = EncodingWriter(out.extend, encoder, threaded=threaded)
    piece = bytearray(DATA[: 2 << 20])
    writer.write(piece)
    writer.finish()
    assert Codec("zstd").decompress(bytes(out), asbytes=True) == bytes(piece)
    assert len(encoder.handed) == (2 << 20) // ENCODE_PIECE
    # Inline, the encoder works on the caller's memory; a thread gets a copy the caller cannot change.
    for handed in encoder.handed:
        assert isinstance(handed, memoryview) == (not threaded)
        assert (isinstance(handed, memoryview) and handed.obj is piece) == (not threaded)


# -- detection (arrowio's wide rule, compression="auto"; PyArrow's "detect" is in tests/compat) ----
@pytest.mark.parametrize("name", STREAMING)
def test_input_stream_detects_by_magic_and_extension(tmp_path, name):
    path = tmp_path / f"file{EXT[name]}"
    path.write_bytes(framed(name))
    with pa.input_stream(path, compression="auto") as stream:
        assert isinstance(stream, CompressedInputStream) and stream.codec.name == name
        assert stream.read() == DATA
    if name != "brotli":  # content decides where the format has a magic number
        other = tmp_path / "no_extension"
        other.write_bytes(framed(name))
        with pa.input_stream(other, compression="auto") as stream:
            assert stream.read() == DATA


def test_magic_wins_over_the_extension(tmp_path):
    path = tmp_path / "really_zstd.gz"
    path.write_bytes(framed("zstd"))
    with pa.input_stream(path, compression="auto") as stream:
        assert stream.codec.name == "zstd" and stream.read() == DATA


def test_a_leading_skippable_frame_goes_by_the_name(tmp_path):
    # zstd and lz4 share the skippable-frame magic numbers: the name decides between them.
    skippable = struct.pack("<II", 0x184D2A50, 5) + b"abcde"
    for name in ("lz4", "zstd"):
        path = tmp_path / f"skip{EXT[name]}"
        path.write_bytes(skippable + framed(name))
        with pa.input_stream(path, compression="auto") as stream:
            assert stream.codec.name == name and stream.read() == DATA
    unnamed = tmp_path / "skip_unnamed"
    unnamed.write_bytes(skippable + framed("zstd"))
    with pa.input_stream(unnamed, compression="auto") as stream:
        assert stream.codec.name == "zstd" and stream.read() == DATA


def test_an_extension_without_its_magic_is_an_error(tmp_path):
    path = tmp_path / "plain.gz"
    path.write_bytes(b"plain text")
    with pytest.raises(ArrowIOError, match="not in gzip format"):
        pa.input_stream(path, compression="auto")
    empty = tmp_path / "empty.gz"
    empty.write_bytes(b"")
    with pytest.raises(ArrowIOError, match="gzip"):
        pa.input_stream(empty, compression="auto").read()


def test_text_that_starts_like_a_magic_number_is_not_compressed(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"BZh, said the bee")
    with pa.input_stream(path, compression="auto") as stream:
        assert stream.read() == b"BZh, said the bee"


def test_explicit_and_none(tmp_path):
    path = tmp_path / "zstd_named.gz"
    path.write_bytes(framed("zstd"))
    with pytest.raises(ArrowIOError, match="gzip: not in gzip format"):
        pa.input_stream(path, compression="gzip").read()
    with pa.input_stream(path, compression=None) as raw:
        assert raw.read() == framed("zstd")
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"hello")
    with pa.input_stream(plain, compression="auto") as stream:
        assert stream.read() == b"hello"


def test_detection_peeks_without_losing_bytes_on_pipes():
    for payload, expected in ((framed("gzip"), DATA), (b"plain bytes through a pipe" * 1000, None)):
        read_fd, write_fd = os.pipe()
        writer = threading.Thread(target=_write_and_close, args=(write_fd, payload))
        writer.start()
        with os.fdopen(read_fd, "rb", buffering=0) as pipe:
            stream = pa.input_stream(pipe, compression="auto")
            assert stream.read() == (expected if expected is not None else payload)
            stream.close()
        writer.join()


def _write_and_close(fd: int, payload: bytes) -> None:
    with os.fdopen(fd, "wb") as out:
        out.write(payload)


def test_detection_on_a_non_seekable_python_file():
    class Unseekable(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:
            return self._inner.readinto(memoryview(b)[:7])  # short reads

    with pa.input_stream(Unseekable(framed("xz", DATA[:100_000])), compression="auto") as stream:
        assert stream.read() == DATA[:100_000]
    with pa.input_stream(Unseekable(b"ab"), compression="auto") as stream:  # shorter than any magic number
        assert stream.read() == b"ab"


def test_output_stream_detects_by_extension(tmp_path):
    for name, ext in EXT.items():
        path = tmp_path / f"out{ext.upper()}"
        with pa.output_stream(path, compression="auto") as out:
            assert isinstance(out, CompressedOutputStream) and out.codec.name == name
            out.write(DATA[:50_000])
        with pa.input_stream(path, compression="auto") as stream:
            assert stream.read() == DATA[:50_000]


def test_pipe_to_the_real_tool(tmp_path):
    need_tool("zstd")
    path = tmp_path / "out.zst"
    with pa.output_stream(path) as out:
        out.write(DATA)
    assert run_tool(["zstd", "-dc", str(path)]) == DATA


# -- PyArrow ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["gzip", "bz2", "brotli", "lz4", "zstd"])
def test_pyarrow_streams_both_ways(tmp_path, name):
    pyarrow = pytest.importorskip("pyarrow")
    ours = tmp_path / f"ours{EXT[name]}"
    with CompressedOutputStream(ours, name) as out:
        out.write(DATA)
    with pyarrow.CompressedInputStream(pyarrow.OSFile(str(ours)), name) as theirs:
        assert theirs.read() == DATA
    theirs_path = tmp_path / f"theirs{EXT[name]}"
    with pyarrow.CompressedOutputStream(pyarrow.OSFile(str(theirs_path), "wb"), name) as out:
        out.write(DATA)
    with CompressedInputStream(theirs_path, name) as stream:
        assert stream.read() == DATA


# -- constant memory -------------------------------------------------------------------------------
# Peak RSS from VmHWM: getrusage's ru_maxrss would also count the parent's peak, which Linux
# carries into a child started with vfork (as subprocess does) at its exec.
_STREAM_ZEROS = """
import re, sys
import arrowio
total = 0
with arrowio.input_stream(sys.argv[1]) as stream:
    while chunk := stream.read(1 << 20):
        total += len(chunk)
status = open("/proc/self/status").read()
print(total, int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) // 1024)
"""


@pytest.fixture(scope="session")
def gigabyte_of_zeros_gz(tmp_path_factory: pytest.TempPathFactory):
    """1 GiB of zeros as one gzip member, made in well under a second by ISA-L level 1."""
    from isal import isal_zlib

    path = tmp_path_factory.mktemp("zeros") / "zeros.gz"
    compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    with open(path, "wb") as out:
        for _ in range(1024):
            out.write(compressor.compress(block))
        out.write(compressor.flush())
    return path


@pytest.mark.slow
def test_gigabyte_of_zeros_streams_in_constant_memory(gigabyte_of_zeros_gz):
    proc = subprocess.run(
        [sys.executable, "-c", _STREAM_ZEROS, str(gigabyte_of_zeros_gz)], capture_output=True, text=True, check=True
    )
    total, peak_mib = map(int, proc.stdout.split())
    assert total == 1 << 30
    assert peak_mib <= 64, f"peak RSS {peak_mib} MiB"
