"""Remote reads when the connection or the store fails mid-stream, against the live SeaweedFS
through a proxy that cuts connections (``tests/helpers/_cutting_proxy.py``), and in real ``arrowio cat``
processes: a body cut short is resumed where it broke, a store gone is an error, never short
data, a Ctrl-C ends the command at once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from _cutting_proxy import CuttingProxy

from arrowio.io.urls import open_url

MiB = 1024 * 1024
BLOCK = 256 * 1024


@pytest.fixture
def proxy(s3) -> Iterator[CuttingProxy]:
    cutting = CuttingProxy(s3.store.ports["s3"])
    yield cutting
    cutting.stop()


def through(s3, proxy: CuttingProxy) -> dict:
    return {**s3.options, "endpoint_url": proxy.endpoint_url, "skip_instance_cache": True}


def payload(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def requests_of(f) -> list[str]:
    """The Range of every GET ``f`` makes from now on (the real requests, recorded)."""
    fs, ranges = f._location.fs, []
    call_s3 = fs._call_s3

    async def recorded(method, *args, **kwargs):
        ranges.append(kwargs.get("Range"))
        return await call_s3(method, *args, **kwargs)

    fs._call_s3 = recorded
    return ranges


def test_a_body_cut_mid_stream_is_resumed_where_it_broke(s3, proxy):
    data = payload(3 * MiB, seed=1)
    url = s3.put("cut.bin", data)
    proxy.cut_after, proxy.cuts = 700 * 1024, 2  # the next two connections end mid-body
    with open_url(url, storage_options=through(s3, proxy), block_size=BLOCK, read_ahead=4) as f:
        ranges = requests_of(f)
        pieces = []
        while chunk := f.read(100_000):
            pieces.append(chunk)
    assert b"".join(pieces) == data
    # One GET for the whole file, then one from where each cut body stopped (not from its run's start).
    assert len(ranges) == 3 and ranges[0] == f"bytes=0-{len(data) - 1}"
    resumed = [int(r.removeprefix("bytes=").split("-")[0]) for r in ranges[1:]]
    assert 0 < resumed[0] < resumed[1] < len(data) and resumed[0] % BLOCK != 0


def test_a_body_cut_on_every_connection_is_resumed_while_it_makes_progress(s3, proxy):
    data = payload(MiB, seed=2)
    url = s3.put("cuts.bin", data)
    proxy.cut_after, proxy.cuts = 150 * 1024, 1000  # more breaks than the retries of one request
    with open_url(url, storage_options=through(s3, proxy), block_size=BLOCK, read_ahead=2) as f:
        assert f.read() == data


def test_the_store_gone_mid_stream_is_an_error_not_short_data(s3, proxy):
    data = payload(32 * MiB, seed=3)  # more than socket buffers on the way can hold
    url = s3.put("gone.bin", data)
    with open_url(url, storage_options=through(s3, proxy), block_size=BLOCK, read_ahead=2) as f:
        got = f.read(BLOCK)
        proxy.stop()
        with pytest.raises(OSError) as error:
            while chunk := f.read(BLOCK):
                got += chunk
    assert data.startswith(got) and len(got) < len(data)
    assert s3.secret not in str(error.value)


def test_an_object_deleted_mid_stream_ends_in_file_not_found(s3):
    data = payload(2 * MiB, seed=4)
    url = s3.put("deleted.bin", data)
    with open_url(url, storage_options=s3.options, block_size=BLOCK, read_ahead=2) as f:
        assert f.read(10) == data[:10]
        s3.fs.rm(s3.key("deleted.bin"))
        # The open response may deliver the rest of what it began with; every new request is a 404.
        try:
            rest = f.read()
            assert rest == data[10:]
        except FileNotFoundError:
            pass
        f.seek(5)
        with pytest.raises(FileNotFoundError):
            f.read(10)


def test_ranges_past_the_end_read_nothing(s3):
    data = payload(BLOCK + 5, seed=5)
    url = s3.put("short.bin", data)
    with open_url(url, storage_options=s3.options, block_size=BLOCK, read_ahead=2) as f:
        assert f.read_at(100, len(data) - 4) == data[-4:]
        assert f.read_at(100, len(data)) == b""
        assert f.read_at(100, len(data) + MiB) == b""
        f.seek(len(data) + 10)
        assert f.read() == b""
        f.seek(len(data) - 3)
        assert f.read(100) == data[-3:]


# -- the command line ----------------------------------------------------------------------------------
def cat_process(s3, endpoint: str, url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": s3.store.key,
        "AWS_SECRET_ACCESS_KEY": s3.store.secret,
        "AWS_ENDPOINT_URL": endpoint,
    }
    argv = [sys.executable, "-m", "arrowio_cli", "cat", url]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_cat_of_a_store_gone_mid_stream_fails_in_one_line(s3, proxy):
    import zstandard

    data = payload(16 * MiB, seed=6)
    url = s3.put("gone.zst", zstandard.compress(data, 1))
    process = cat_process(s3, proxy.endpoint_url, url)
    try:
        # stdout is not read yet: cat stops at a full pipe, its read-ahead a few blocks in.
        wait_for(lambda: proxy.forwarded > MiB, "cat never started reading")
        proxy.stop()
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1
    assert data.startswith(out) and len(out) < len(data)
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arrowio: error: ") and url in lines[0], err
    assert s3.store.secret not in lines[0]


def test_ctrl_c_during_a_remote_cat_ends_it_at_once(s3):
    import zstandard

    url = s3.put("long.zst", zstandard.compress(payload(16 * MiB, seed=7), 1))
    process = cat_process(s3, s3.store.endpoint_url, url)
    try:
        first = process.stdout.read(1)  # reading has begun; the pipe then fills and cat waits
        assert first
        time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130 and err.strip() == b"arrowio: error: interrupted"


def test_a_response_kept_between_runs_buffers_little_while_the_reader_waits(s3):
    """The GET goes on past the window: while the reader holds back, aiohttp pauses the socket
    after a few hundred KiB instead of buffering twice the largest read asked of it (8 MiB for a
    4 MiB block), which stayed in memory the whole time."""
    url = s3.put("paused.bin", payload(24 * MiB, seed=8))
    with open_url(url, storage_options=s3.options, block_size=4 * MiB, read_ahead=2) as f:
        assert len(f.read(10)) == 10
        time.sleep(0.5)  # the window is full: the response waits, handed on to the next run
        fetcher = f._fetcher

        async def buffered() -> int:
            end, handed = fetcher._tail
            body = handed.result() if handed.done() else None
            return body._raw_stream.content._size if body is not None else -1

        import asyncio

        held = asyncio.run_coroutine_threadsafe(buffered(), fetcher.fs.loop).result()
    assert 0 <= held <= MiB
