"""Raw reads made ahead of the decoder in a thread (arrowio.compression._readahead): for regular
files only, with the same bytes, errors and ends as the reads made on the decoder's thread."""

from __future__ import annotations

import os
import threading

import pytest
from compression_helpers import make_data
from hypothesis import given
from hypothesis import strategies as st

import arrowio as pa
from arrowio import ArrowIOError, Codec, CompressedInputStream
from arrowio.compression import _readahead, _stream
from arrowio.compression._readahead import START_AFTER, ReadAhead

# Incompressible: more than START_AFTER raw chunks of 1 MiB, so that the thread starts.
DATA = make_data("random", 5 << 20, seed=21)
BIG = make_data("random", 12 << 20, seed=22)  # for the tests that must not be read ahead to its end


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "arrowio-read" and t.is_alive()]


class Starts:
    """Counts the read-ahead threads started (the real start still runs)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        start = ReadAhead._start

        def counted(reader: ReadAhead, n: int) -> None:
            self.count += 1
            start(reader, n)

        monkeypatch.setattr(ReadAhead, "_start", counted)


class FailingReads:
    """``os.read`` of a real file that raises OSError(EIO) at its ``fail_at``-th call (1-based)."""

    def __init__(self, fd: int, fail_at: int) -> None:
        self.fd, self.fail_at, self.calls = fd, fail_at, 0

    def __call__(self, n: int) -> bytes:
        self.calls += 1
        if self.calls == self.fail_at:
            raise OSError(5, "Input/output error (injected)")
        return os.read(self.fd, n)


@pytest.fixture(scope="module")
def big() -> dict[str, bytes]:
    return {name: Codec(name, 1).compress(BIG, asbytes=True) for name in ("zstd", "gzip")}


@pytest.fixture(scope="module")
def compressed() -> dict[str, bytes]:
    return {name: Codec(name).compress(DATA, asbytes=True) for name in ("zstd", "gzip")}


def _drain(read: ReadAhead, sizes: list[int]) -> bytes:
    got = bytearray()
    i = 0
    while piece := read(sizes[i % len(sizes)]):
        got += piece
        i += 1
    return bytes(got)


@given(
    size=st.integers(0, 40_000),
    first=st.sampled_from([1000, 4096]),
    sizes=st.lists(st.integers(1, 9000), min_size=1, max_size=8),
)
def test_the_reads_join_to_the_file_whatever_their_sizes(tmp_path_factory, size, first, sizes):
    data = DATA[:size]
    path = tmp_path_factory.mktemp("ra") / "f"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        read = ReadAhead(lambda n: os.read(fd, n))
        head = bytearray()
        for _ in range(START_AFTER):  # reads of one size start the thread, if the file is long enough
            head += read(first)
        got = bytes(head) + _drain(read, sizes)
        assert got == data
        assert read(100) == b""  # past the end, read directly again: still the end
        assert (read._full == -1) == (size >= START_AFTER * first)
        read.close()
    finally:
        os.close(fd)
    assert not _readers()


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4, 6])
def test_a_failed_read_comes_after_the_chunks_read_before_it(tmp_path, fail_at):
    path = tmp_path / "f"
    path.write_bytes(DATA[: 10 * 4096])
    fd = os.open(path, os.O_RDONLY)
    try:
        read = ReadAhead(FailingReads(fd, fail_at))
        got = bytearray()
        with pytest.raises(OSError, match="injected"):
            while piece := read(4096):
                got += piece
        assert bytes(got) == DATA[: (fail_at - 1) * 4096]  # none lost, none out of order
        got += _drain(read, [4096])  # the file goes on, read directly now, as before the thread
        assert bytes(got) == DATA[: 10 * 4096]
        read.close()
    finally:
        os.close(fd)
    assert not _readers()


def test_close_stops_a_thread_waiting_for_room(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(DATA)
    fd = os.open(path, os.O_RDONLY)
    try:
        read = ReadAhead(lambda n: os.read(fd, n))
        for _ in range(START_AFTER + 1):
            assert len(read(4096)) == 4096
        assert _readers()  # started, and soon waiting: the queue is full
        read.close()
        assert not _readers()
        assert read(4096) == DATA[os.lseek(fd, 0, os.SEEK_CUR) - 4096 :][:4096]  # directly, after close
    finally:
        os.close(fd)


def test_without_a_thread_to_be_had_the_reads_stay_on_the_caller(tmp_path, monkeypatch):
    # What a tight memory limit does to Thread.start; injected, as a child under RLIMIT_AS
    # would refuse other allocations first.
    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    path = tmp_path / "f"
    path.write_bytes(DATA[:50_000])
    fd = os.open(path, os.O_RDONLY)
    try:
        read = ReadAhead(lambda n: os.read(fd, n))
        assert _drain(read, [4096]) == DATA[:50_000]
        read.close()
    finally:
        os.close(fd)


# -- through CompressedInputStream ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["zstd", "gzip"])
@pytest.mark.parametrize("ahead", [True, False, None])
def test_a_large_regular_file_is_read_ahead(tmp_path, monkeypatch, compressed, name, ahead):
    starts = Starts(monkeypatch)
    path = tmp_path / "data"
    path.write_bytes(compressed[name])
    with pa.input_stream(str(path), compression="auto") as stream:
        stream.decode_ahead = ahead  # with and without the decoding thread
        got = bytearray()
        while piece := stream.read_view(1 << 20):
            got += piece
    assert bytes(got) == DATA
    assert starts.count == 1
    assert not _readers()


def test_an_unthreaded_stream_reads_on_its_own_thread(tmp_path, monkeypatch, compressed):
    starts = Starts(monkeypatch)
    path = tmp_path / "data.zst"
    path.write_bytes(compressed["zstd"])
    with CompressedInputStream(str(path), "zstd", threaded=False) as stream:
        assert stream.read() == DATA
    assert starts.count == 0


def test_a_fifo_is_not_read_ahead(tmp_path, monkeypatch, compressed):
    # A thread blocked reading a pipe could not be stopped when the stream is closed.
    starts = Starts(monkeypatch)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as out:
            out.write(compressed["zstd"])

    writer = threading.Thread(target=feed)
    writer.start()
    with pa.input_stream(str(fifo), compression="zstd") as stream:
        assert stream.read() == DATA
    writer.join()
    assert starts.count == 0


@pytest.mark.parametrize("name", ["zstd", "gzip"])
@pytest.mark.parametrize("how", ["truncated", "corrupt"])
def test_bad_input_fails_as_it_does_when_read_on_one_thread(tmp_path, compressed, name, how):
    data = bytearray(compressed[name])
    if how == "truncated":
        del data[len(data) * 3 // 4 :]
    else:
        data[len(data) * 3 // 4] ^= 0xFF
    path = tmp_path / "bad"
    path.write_bytes(data)
    results = []
    for threaded in (True, False):
        got = bytearray()
        with CompressedInputStream(str(path), name, threaded=threaded) as stream:
            with pytest.raises(ArrowIOError) as failure:
                while piece := stream.read1(1 << 20):
                    got += piece
            results.append((bytes(got), str(failure.value)))
    assert results[0] == results[1]  # same bytes first, same message (format and offset)
    assert len(results[0][0]) > 2 << 20
    if how == "truncated":  # a corrupt deflate block may decode to garbage before its CRC fails
        assert DATA.startswith(results[0][0])
    assert not _readers()


@pytest.mark.parametrize("name", ["zstd", "gzip"])
def test_a_file_that_shrinks_while_read_is_an_error_not_a_hang(tmp_path, big, name):
    path = tmp_path / "shrinks"
    path.write_bytes(big[name])
    with CompressedInputStream(str(path), name) as stream:
        got = bytearray()
        while len(got) < 3 << 20:  # the thread runs by now, at most DEPTH chunks ahead
            got += stream.read1(1 << 20)
        os.truncate(path, 8 << 20)
        with pytest.raises(ArrowIOError, match=name):
            while piece := stream.read1(1 << 20):
                got += piece
    assert len(got) >= 7 << 20 and BIG.startswith(bytes(got))
    assert not _readers()


def test_closing_part_way_stops_the_thread_and_closes_the_file(tmp_path, compressed):
    path = tmp_path / "data.zst"
    path.write_bytes(compressed["zstd"])
    stream = pa.input_stream(str(path), compression="auto")
    fd = stream.raw.fileno()
    for _ in range(3):
        assert stream.read1(1 << 20)
    assert _readers()
    stream.close()
    assert not _readers()
    with pytest.raises(OSError):
        os.fstat(fd)  # closed, after the thread stopped reading it


def test_the_depth_bounds_what_is_read_ahead(tmp_path, big):
    path = tmp_path / "data.zst"
    path.write_bytes(big["zstd"])
    with pa.input_stream(str(path), compression="auto") as stream:
        stream.decode_ahead = False
        for _ in range(3):
            stream.read1(1 << 20)
        threading.Event().wait(0.2)  # time for the thread to fill the queue, were it unbounded
        ahead = os.lseek(stream.raw.fileno(), 0, os.SEEK_CUR)
    # Read for the decoder (START_AFTER + 2 chunks at most for 3 MiB out), then DEPTH chunks.
    assert ahead <= (START_AFTER + 2 + _readahead.DEPTH) << 20 < len(big["zstd"])


def _decode_file(path: str, name: str, threaded: bool, sizes: list[int]) -> tuple[bytes, str | None]:
    """Everything ``path`` decodes to, read in pieces of ``sizes`` (in turn) through each read
    method, and the error that ended it (None at a clean end)."""
    got = bytearray()
    with CompressedInputStream(path, name, threaded=threaded) as stream:
        stream.decode_ahead = threaded and None
        buffer = bytearray(max(sizes))
        i = 0
        try:
            while True:
                size = sizes[i % len(sizes)]
                if i % 3 == 0:
                    piece = stream.read1(size)
                elif i % 3 == 1:
                    piece = bytes(stream.read_view(size))
                else:
                    piece = bytes(buffer[: stream.readinto(memoryview(buffer)[:size])])
                if not piece:
                    return bytes(got), None
                got += piece
                i += 1
        except ArrowIOError as exc:
            return bytes(got), str(exc)


@given(
    name=st.sampled_from(["zstd", "gzip"]),
    size=st.integers(300_000, 600_000),
    cut=st.none() | st.floats(0.0, 1.0),
    sizes=st.lists(st.integers(1, 70_000), min_size=1, max_size=6),
)
def test_decoding_with_small_raw_reads_matches_one_thread(tmp_path_factory, name, size, cut, sizes):
    # Incompressible, so the file is past the 256 KiB read whole (unless cut short); raw reads
    # of 4 KiB, so the thread starts after 8 KiB and hands over many chunks.
    data = make_data("random", size, seed=size)
    encoded = Codec(name, 1).compress(data, asbytes=True)
    if cut is not None:
        encoded = encoded[: int(len(encoded) * cut)]
    path = tmp_path_factory.mktemp("model") / "f"
    path.write_bytes(encoded)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_stream, "RAW_CHUNK", 4096)
        starts = Starts(patch)
        ahead = _decode_file(str(path), name, True, sizes)
        if len(encoded) > 256 << 10:  # not read whole when opened: read by the thread
            assert starts.count == 1
        assert ahead == _decode_file(str(path), name, False, sizes)  # same bytes, same error where it was
    if cut is None:
        assert ahead == (data, None)
    assert not _readers()
