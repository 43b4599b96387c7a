"""The decode-ahead hint: a consumer that knows whether overlap pays overrides the measured rule."""

from __future__ import annotations

import threading

import pytest
from compression_helpers import DecodeThreadSpy, make_data

import arrowio as pa
from arrowio import ArrowIOError, Codec, CompressedInputStream
from arrowio.compression import _stream

DATA = make_data("mixed", 6 << 20, seed=5)  # six pieces: past SYNC_PIECES


@pytest.fixture(scope="module")
def zst() -> bytes:
    return Codec("zstd").compress(DATA, asbytes=True)


def _read_all(stream: CompressedInputStream, chunk: int = 1 << 20) -> bytes:
    got = bytearray()
    while piece := stream.read_view(chunk):
        got += piece
    return bytes(got)


def test_ahead_starts_the_thread_for_a_consumer_that_never_waits(monkeypatch, zst):
    spy = DecodeThreadSpy(monkeypatch)
    monkeypatch.setattr(_stream, "THREAD_WORTH", float("inf"))  # the measure alone would never start it
    stream = CompressedInputStream(pa.BufferReader(zst), "zstd")
    stream.decode_ahead = True
    assert stream.decode_ahead is True
    assert _read_all(stream) == DATA
    stream.close()
    assert spy.started == 1


def test_not_ahead_never_starts_it_whatever_the_measure_says(monkeypatch, zst):
    spy = DecodeThreadSpy(monkeypatch)
    monkeypatch.setattr(_stream, "THREAD_WORTH", 0.0)  # the measure alone would start it at once
    stream = CompressedInputStream(pa.BufferReader(zst), "zstd")
    stream.decode_ahead = False
    assert _read_all(stream, 100_000) == DATA
    stream.close()
    assert spy.started == 0


def test_none_goes_back_to_the_measure(monkeypatch, zst):
    spy = DecodeThreadSpy(monkeypatch)
    monkeypatch.setattr(_stream, "THREAD_WORTH", 0.0)
    stream = CompressedInputStream(pa.BufferReader(zst), "zstd")
    stream.decode_ahead = False
    stream.decode_ahead = None
    assert stream.decode_ahead is None
    assert _read_all(stream) == DATA
    stream.close()
    assert spy.started == 1


def test_an_unthreaded_stream_stays_unthreaded(monkeypatch, zst):
    spy = DecodeThreadSpy(monkeypatch)
    stream = CompressedInputStream(pa.BufferReader(zst), "zstd", threaded=False)
    stream.decode_ahead = True
    assert _read_all(stream) == DATA
    stream.close()
    assert spy.started == 0


def test_a_stream_decoded_whole_ignores_the_hint(tmp_path):
    path = tmp_path / "small.zst"
    path.write_bytes(Codec("zstd").compress(DATA[:1000], asbytes=True))
    with pa.input_stream(str(path), compression="auto") as stream:
        stream.decode_ahead = True
        assert stream.decode_ahead is None  # nothing decodes ahead: the content is there
        assert stream.read() == DATA[:1000]


def test_decoding_ahead_keeps_errors_at_their_place(zst):
    cut = zst[: len(zst) * 3 // 4]  # a truncated file: what was there decodes, then the error
    stream = CompressedInputStream(pa.BufferReader(cut), "zstd")
    stream.decode_ahead = True
    got = bytearray()
    with pytest.raises(ArrowIOError, match="zstd"):
        while piece := stream.read_view(1 << 20):
            got += piece
    assert len(got) > 2 << 20 and DATA.startswith(bytes(got))  # pieces from the thread came first
    stream.close()
    assert not [t for t in threading.enumerate() if t.name == "arrowio-decode" and t.is_alive()]
