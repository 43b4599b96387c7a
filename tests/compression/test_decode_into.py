"""Decoding straight into reused buffers (zstd's ``decode_into``, the reader's ring) gives what
the ``bytes`` path gives: the same bytes, the same errors at the same offsets, the same bytes
handed out before an error; and a buffer is never reused while its consumer may still read it."""

from __future__ import annotations

import subprocess
import threading

import pytest
from compression_helpers import make_data, need_tool

import arrowio as pa
from arrowio.compression._sequence import SequenceDecoder
from arrowio.compression._stream import OUT_CHUNK, QUEUE_DEPTH, SYNC_PIECES, DecodingReader

MIB = 1 << 20


def _zstd(data: bytes, *args: str) -> bytes:
    """``data`` compressed by the real zstd tool."""
    return subprocess.run([need_tool("zstd"), "-q", "-c", *args], input=data, capture_output=True, check=True).stdout


def _gzip(data: bytes) -> bytes:
    return subprocess.run([need_tool("gzip"), "-c", "-n"], input=data, capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def content() -> bytes:
    """Text, random and zero runs: compressed, raw and RLE blocks."""
    return make_data("mixed", 3 * MIB, seed=3) + make_data("text", MIB + 12345, seed=4)


@pytest.fixture(scope="module")
def frames(content: bytes) -> bytes:
    """Frames as the tools write them: with and without checksum and content size, a skippable
    frame between, a small window (blocks smaller than 128 KiB), an empty frame."""
    skippable = bytes.fromhex("502a4d18") + (5).to_bytes(4, "little") + b"12345"
    return b"".join(
        [
            _zstd(content[: 2 * MIB]),
            skippable,
            _zstd(content[2 * MIB : 3 * MIB], "--no-check", "--no-content-size", "--stream-size=0"),
            _zstd(b""),
            _zstd(content[3 * MIB :], "--zstd=wlog=16"),
        ]
    )


def _by_pieces(decoder: object, data: bytes, piece: int, out_size: int, into: bool) -> tuple[bytes, str | None]:
    """Feed ``data`` in ``piece``-byte pieces, reading at most ``out_size`` bytes a call, through
    ``decode_into`` or ``decode``; what was decoded, and the error message (None: it ended cleanly)."""
    out, buffer = bytearray(), memoryview(bytearray(out_size))

    def call(chunk: bytes) -> None:
        if into:
            n = decoder.decode_into(chunk, buffer)  # type: ignore[attr-defined]
            out.extend(buffer[:n])
        else:
            out.extend(decoder.decode(chunk, out_size))  # type: ignore[attr-defined]

    try:
        for start in range(0, len(data), piece):
            call(data[start : start + piece])
            while not decoder.needs_input:  # type: ignore[attr-defined]
                call(b"")
        decoder.finish()  # type: ignore[attr-defined]
    except pa.ArrowIOError as exc:
        return bytes(out), str(exc)
    return bytes(out), None


def _both(make: object, data: bytes, piece: int, out_size: int) -> tuple[bytes, str | None]:
    """The decode_into result, after checking that it equals the decode result."""
    into = _by_pieces(make(), data, piece, out_size, into=True)  # type: ignore[operator]
    assert into == _by_pieces(make(), data, piece, out_size, into=False)  # type: ignore[operator]
    return into


@pytest.mark.parametrize("piece", [MIB, 100_003, 7_777])
@pytest.mark.parametrize("out_size", [MIB, 128 << 10, 4093])
def test_zstd_into_gives_what_decode_gives(content, frames, piece, out_size):
    decoded, error = _both(pa.Codec("zstd").decoder, frames, piece, out_size)
    assert error is None and decoded == content


def _corruptions(frames: bytes) -> list[bytes]:
    """Flipped bytes inside blocks, a wrong checksum, every kind of cut."""
    cases = []
    for at in (1000, 700_000, len(frames) // 2, len(frames) - 3):
        broken = bytearray(frames)
        broken[at] ^= 0x5A
        cases.append(bytes(broken))
    cases += [frames[:cut] for cut in (3, 9, 150_000, len(frames) - 2)]
    return cases + [frames + b"\x00garbage"]


@pytest.mark.parametrize("case", range(9))
@pytest.mark.parametrize(("piece", "out_size"), [(MIB, MIB), (65_536, 256 << 10)])
def test_zstd_into_fails_as_decode_fails(frames, case, piece, out_size):
    data = _corruptions(frames)[case]
    _, error = _both(pa.Codec("zstd").decoder, data, piece, out_size)
    assert error is not None and error.startswith("zstd: ") and "offset" in error


@pytest.mark.parametrize(("piece", "out_size"), [(MIB, MIB), (65_536, 128 << 10)])
def test_content_size_is_checked_on_the_into_path_too(piece, out_size):
    frame = bytearray(_zstd(make_data("random", 300_000, seed=5), "--no-check", "--stream-size=300000"))
    assert frame[4] == 0xA0  # single segment, a 4-byte content size right after the descriptor
    frame[5] += 1  # now one byte more than the blocks hold
    _, error = _both(pa.Codec("zstd").decoder, bytes(frame), piece, out_size)
    # libzstd finds it where the last block comes whole in one call, the decoder elsewhere
    assert error is not None and ("its header records 300001" in error or "Data corruption" in error)


def _sequence() -> SequenceDecoder:
    return SequenceDecoder(pa.Codec("zstd").decoder(), lambda fmt: pa.Codec(fmt.name).decoder())


@pytest.mark.parametrize("piece", [MIB, 50_000])
def test_a_sequence_of_formats_decodes_into_the_buffer(content, piece):
    a, b, c = content[:MIB], content[MIB : 2 * MIB], content[2 * MIB :]
    data = _zstd(a) + _gzip(b) + _zstd(c)
    decoded, error = _both(_sequence, data, piece, MIB)
    assert error is None and decoded == content
    broken = bytearray(data)
    broken[-100] ^= 0xFF  # in the last zstd stream: its offset counts from the start of the whole input
    _, error = _both(_sequence, bytes(broken), piece, MIB)
    assert error is not None and error.startswith("zstd: ")


class _Source:
    """Raw reads of at most 64 KiB: many decoder calls end without output."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, n: int) -> bytes:
        piece = self.data[self.pos : self.pos + min(n, 65_536)]
        self.pos += len(piece)
        return piece


class _Counting:
    """A zstd decoder that counts the pieces it made, so that a test can wait for the reader's
    thread to be as far ahead as it can get."""

    def __init__(self) -> None:
        self._decoder = pa.Codec("zstd").decoder()
        self.fills_buffers = True
        self.made = 0
        self.ended = False
        self.changed = threading.Condition()

    @property
    def needs_input(self) -> bool:
        return self._decoder.needs_input

    def _count(self, n: int, ended: bool = False) -> int:
        with self.changed:
            self.made += n > 0
            self.ended = ended
            self.changed.notify_all()
        return n

    def decode(self, data: bytes, max_length: int) -> bytes:
        return self._decoder.decode(data, max_length)  # only the first SYNC_PIECES pieces: not counted

    def decode_into(self, data: bytes, out: memoryview) -> int:
        return self._count(self._decoder.decode_into(data, out))  # type: ignore[attr-defined]

    def finish(self) -> None:
        self._decoder.finish()
        self._count(0, ended=True)


def test_a_view_stays_intact_until_the_next_read(monkeypatch, content, frames):
    from arrowio.compression import _stream

    monkeypatch.setattr(_stream, "THREAD_WORTH", 0.0)  # the thread starts whatever the consumer does
    decoder = _Counting()
    reader = DecodingReader(_Source(frames).read, decoder, threaded=True)
    got, views = bytearray(), 0
    try:
        while view := reader.read_view(-1):
            views += 1
            if views > SYNC_PIECES:  # the thread decodes into the ring: let it get as far ahead as
                # it can (a full queue, and the piece after it made) before the view is read
                with decoder.changed:
                    decoder.changed.wait_for(
                        lambda: decoder.ended or decoder.made >= views - SYNC_PIECES + QUEUE_DEPTH + 1
                    )
            start = len(got)
            got += view
            assert got[start:] == content[start : len(got)], f"piece at {start} changed while it was read"
    finally:
        reader.close()
    assert got == content and views >= len(content) // OUT_CHUNK


@pytest.mark.parametrize("how", ["read_view", "readinto", "read1"])
@pytest.mark.parametrize("worth", [0.0, float("inf")])  # with the thread, and without
def test_bytes_before_an_error_and_the_error_are_those_of_read1(monkeypatch, frames, how, worth):
    from arrowio.compression import _stream

    monkeypatch.setattr(_stream, "THREAD_WORTH", worth)
    broken = bytearray(frames)
    broken[len(frames) - 5000] ^= 0x5A  # in the last frame, after many pieces

    def read_all(method: str) -> tuple[bytes, str]:
        reader = DecodingReader(_Source(bytes(broken)).read, pa.Codec("zstd").decoder(), threaded=True)
        got, target = bytearray(), bytearray(OUT_CHUNK)
        try:
            while True:
                if method == "readinto":
                    n = reader.readinto(target)
                    piece = memoryview(target)[:n]
                else:
                    piece = getattr(reader, method)(-1)
                if not piece:
                    raise AssertionError("the corrupt input ended cleanly")
                got += piece
        except pa.ArrowIOError as exc:
            return bytes(got), str(exc)
        finally:
            reader.close()

    assert read_all(how) == read_all("read1")


class _Clock:
    """A clock that moves only when told: decoding a piece takes one second, the consumer what
    the test says (so the reader's choice of a thread depends on nothing the machine does)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _SlowDecoder:
    """The zstd decoder, one clock second per call that makes a piece."""

    def __init__(self, clock: _Clock) -> None:
        self._decoder = pa.Codec("zstd").decoder()
        self._clock = clock

    @property
    def needs_input(self) -> bool:
        return self._decoder.needs_input

    def decode(self, data: bytes, max_length: int) -> bytes:
        out = self._decoder.decode(data, max_length)
        self._clock.now += 1.0 if out else 0.0
        return out

    def finish(self) -> None:
        self._decoder.finish()


@pytest.mark.parametrize(("consumer_s", "threaded"), [(0.0, False), (0.01, False), (0.2, True), (2.0, True)])
def test_a_thread_starts_only_for_a_consumer_that_waits_between_reads(
    monkeypatch, content, frames, consumer_s, threaded
):
    from arrowio.compression import _stream

    clock = _Clock()
    monkeypatch.setattr(_stream, "_clock", clock)
    reader = DecodingReader(_Source(frames).read, _SlowDecoder(clock), threaded=True)
    got = bytearray()
    try:
        while piece := reader.read1(-1):
            got += piece
            clock.now += consumer_s  # the consumer's work between reads (a write into a pipe)
        assert (reader._handover is not None) == threaded
    finally:
        reader.close()
    assert got == content


def test_a_consumer_that_slows_down_later_gets_the_thread(monkeypatch, content, frames):
    from arrowio.compression import _stream

    clock = _Clock()
    monkeypatch.setattr(_stream, "_clock", clock)
    reader = DecodingReader(_Source(frames).read, _SlowDecoder(clock), threaded=True)
    got, pieces = bytearray(), 0
    try:
        while piece := reader.read1(-1):
            got += piece
            pieces += 1
            clock.now += 0.0 if pieces <= SYNC_PIECES else 0.5  # fast at first, then a slow pipe
        assert reader._handover is not None
    finally:
        reader.close()
    assert got == content


def test_a_reader_without_a_thread_decodes_into_one_buffer(content, frames):
    # Without a thread each read releases the piece before the next is decoded: one buffer,
    # which stays in the CPU's cache, serves every piece.
    reader = DecodingReader(_Source(frames).read, pa.Codec("zstd").decoder(), threaded=False)
    got, views = bytearray(), 0
    while view := reader.read_view(-1):
        got += view
        views += 1
    assert got == content and views > SYNC_PIECES + 1
    assert len(reader._ring._buffers) == 1


class _TimedCounting(_Counting):
    """The counting decoder, one clock second per piece it makes."""

    def __init__(self, clock: _Clock) -> None:
        super().__init__()
        self._clock = clock

    def decode(self, data: bytes, max_length: int) -> bytes:
        out = super().decode(data, max_length)
        self._clock.now += 1.0 if out else 0.0
        return out

    def decode_into(self, data: bytes, out: memoryview) -> int:
        n = super().decode_into(data, out)
        self._clock.now += 1.0 if n else 0.0
        return n


def test_views_stay_intact_when_the_thread_starts_after_one_buffer_served(monkeypatch, content, frames):
    # A consumer fast at first (pieces decoded into one buffer in its own thread), then slow: the
    # thread that starts then goes round the ring and never writes into a piece still being read.
    from arrowio.compression import _stream

    clock = _Clock()
    monkeypatch.setattr(_stream, "_clock", clock)
    monkeypatch.setattr(_stream, "SYNC_WINDOW", 4)  # the share is measured again soon enough
    decoder = _TimedCounting(clock)
    reader = DecodingReader(_Source(frames).read, decoder, threaded=True)
    got, views, threaded_at = bytearray(), 0, None
    try:
        while view := reader.read_view(-1):
            views += 1
            if reader._handover is not None:
                threaded_at = threaded_at or views
                with decoder.changed:  # let the thread get as far ahead as it can
                    decoder.changed.wait_for(
                        lambda: decoder.ended or decoder.made >= views - SYNC_PIECES + QUEUE_DEPTH + 1, timeout=10
                    )
            start = len(got)
            got += view
            assert got[start:] == content[start : len(got)], f"piece at {start} changed while it was read"
            clock.now += 0.0 if views <= SYNC_PIECES + 1 else 0.5  # then a slow pipe
    finally:
        reader.close()
    assert got == content and threaded_at is not None
