"""`arrowio cat` tells the decoder from stdout's kind whether decoding ahead in a thread pays,
instead of leaving it to a wall-clock measure that a busy machine misleads."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from cli_helpers import compressed_by_tool
from compression_helpers import DecodeThreadSpy, make_data

from arrowio.compression import _stream
from arrowio_cli.cat_job import CatJob
from arrowio_cli.plain_cat import DEFAULTS
from arrowio_cli.sink import Stdout
from arrowio_cli.streams import decode_ahead_into

DATA = make_data("mixed", 5 << 20, seed=3)  # five pieces: past the ones decoded before any thread


def _kind(fd: int) -> bool | None:
    return decode_ahead_into(fd, os.fstat(fd))


def test_pipes_and_sockets_pay_for_the_thread():
    read_end, write_end = os.pipe()
    left, right = socket.socketpair()
    try:
        assert _kind(write_end) is True
        assert _kind(left.fileno()) is True
    finally:
        for fd in (read_end, write_end):
            os.close(fd)
        left.close()
        right.close()


def test_dev_null_does_not():
    fd = os.open(os.devnull, os.O_WRONLY)
    try:
        assert _kind(fd) is False
    finally:
        os.close(fd)


def test_files_and_terminals_are_left_to_the_measure(tmp_path):
    with open(tmp_path / "out", "wb") as out:
        assert _kind(out.fileno()) is None
    main, secondary = os.openpty()
    try:
        assert _kind(secondary) is None
    finally:
        os.close(main)
        os.close(secondary)


def test_stdout_without_a_descriptor_knows_nothing():
    import io

    assert Stdout(io.BytesIO()).decode_ahead is None


class _Cat:
    """``arrowio cat FILE`` in process into ``out``, counting the decode threads it starts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
        self.path = tmp_path / "data.zst"
        self.path.write_bytes(compressed_by_tool("zstd", DATA))
        self._threads = DecodeThreadSpy(monkeypatch)

    @property
    def started(self) -> int:
        return self._threads.started

    def __call__(self, out, **options: object) -> CatJob:
        job = CatJob(**{**DEFAULTS, "storage_options": {}, **options})  # type: ignore[arg-type]
        job.out = Stdout(out)
        job.run_all((str(self.path),))
        assert [record.error for record in job.records] == [None]
        return job


def test_cat_into_a_pipe_decodes_ahead_even_when_the_measure_says_no(monkeypatch, tmp_path):
    monkeypatch.setattr(_stream, "THREAD_WORTH", float("inf"))
    cat = _Cat(monkeypatch, tmp_path)
    read_end, write_end = os.pipe()
    received = bytearray()

    def drain() -> None:
        while chunk := os.read(read_end, 1 << 16):
            received.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        with open(write_end, "wb", buffering=0) as out:
            cat(out)
    finally:
        reader.join()
        os.close(read_end)
    assert bytes(received) == DATA
    assert cat.started == 1


@pytest.mark.parametrize("options", [{}, {"offset": 1000, "length": 4 << 20}, {"max_output": 1 << 30}])
def test_cat_into_dev_null_never_starts_the_thread(monkeypatch, tmp_path, options):
    monkeypatch.setattr(_stream, "THREAD_WORTH", 0.0)  # the measure alone would start it at once
    cat = _Cat(monkeypatch, tmp_path)
    with open(os.devnull, "wb", buffering=0) as out:
        job = cat(out, **options)
    assert job.records[0].bytes_out == len(DATA[options.get("offset", 0) :][: options.get("length", len(DATA))])
    assert cat.started == 0


def test_a_hex_dump_into_dev_null_is_left_to_the_measure(monkeypatch, tmp_path):
    # The dump's own formatting between reads is what a thread overlaps, whatever stdout is.
    monkeypatch.setattr(_stream, "THREAD_WORTH", 0.0)
    cat = _Cat(monkeypatch, tmp_path)
    with open(os.devnull, "wb", buffering=0) as out:
        cat(out, hexdump=True, length=3 << 20)
    assert cat.started == 1
