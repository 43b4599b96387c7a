"""RemoteFile, input_stream and output_stream against a live SeaweedFS S3 store."""

from __future__ import annotations

import gc
import io
import random
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

import arrowio as pa
from arrowio.io import expand_url_globs
from arrowio.io.remote import RemoteFile
from arrowio.io.urls import open_url

MiB = 1024 * 1024


def payload(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


# -- reading -----------------------------------------------------------------------------------------
def test_read_whole_object_in_small_and_large_pieces(s3):
    data = payload(3 * MiB + 17)
    url = s3.put("obj.bin", data)
    with open_url(url, storage_options=s3.options, block_size=256 * 1024, read_ahead=3) as f:
        assert f.size() == len(data)
        assert f.readable() and f.seekable() and not f.writable()
        assert f.read(10) == data[:10]
        assert f.read(1000) == data[10:1010]
        assert f.read(MiB) == data[1010 : 1010 + MiB]  # spans blocks
        assert f.read() == data[1010 + MiB :]
        assert f.read(5) == b""
        assert f.tell() == len(data)


def test_seek_and_read_at_match_the_bytes(s3):
    data = payload(2 * MiB + 333, seed=1)
    url = s3.put("obj.bin", data)
    rng = random.Random(2)
    with open_url(url, storage_options=s3.options, block_size=128 * 1024) as f:
        for _ in range(40):
            offset, n = rng.randrange(len(data) + 100), rng.randrange(300 * 1024)
            assert f.read_at(n, offset) == data[offset : offset + n]
            f.seek(offset)
            assert f.read(n) == data[offset : offset + n]
            assert f.tell() == min(offset + n, len(data)) if offset <= len(data) else offset
        assert f.seek(-10, 2) == len(data) - 10
        assert f.read() == data[-10:]
        f.seek(len(data) + 5)
        assert f.read(3) == b"" and f.read_buffer(3).size == 0


def test_read_at_from_many_threads(s3):
    data = payload(MiB, seed=3)
    url = s3.put("obj.bin", data)
    errors: list[BaseException] = []
    with open_url(url, storage_options=s3.options, block_size=64 * 1024) as f:

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            try:
                for _ in range(20):
                    offset, n = rng.randrange(len(data)), rng.randrange(1, 200_000)
                    assert f.read_at(n, offset) == data[offset : offset + n]
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors


def test_read_buffer_within_a_block_is_a_zero_copy_slice_that_outlives_the_file(s3):
    data = payload(MiB, seed=4)
    url = s3.put("obj.bin", data)
    with open_url(url, storage_options=s3.options, block_size=256 * 1024) as f:
        f.seek(1000)
        first = f.read_buffer(5000)
        second = f.read_buffer(5000)
    assert first == data[1000:6000] and second == data[6000:11000]
    assert first.parent is not None and first.parent is second.parent  # slices of one fetched block
    assert first.address + 5000 == second.address


def test_read_buffer_of_a_large_range_fills_one_pool_buffer(s3):
    data = payload(5 * MiB, seed=5)
    url = s3.put("obj.bin", data)
    pool = pa.proxy_memory_pool(pa.default_memory_pool())
    with open_url(url, storage_options=s3.options, block_size=MiB, memory_pool=pool) as f:
        whole = f.read_buffer()
        assert whole == data
        # Ranged reads went straight into the result: one allocation, no blocks copied from.
        assert pool.num_allocations() == 1
        assert pool.max_memory() == (len(data) + 63) // 64 * 64
        part = f.get_stream(MiB, 3 * MiB).read_buffer()  # positional reads do the same
        assert part == data[MiB : 4 * MiB] and pool.num_allocations() == 2


def test_sequential_read_ahead_keeps_several_blocks_in_flight_within_bounds(s3):
    data = payload(6 * MiB, seed=6)
    url = s3.put("obj.bin", data)
    block, depth = 256 * 1024, 4
    pool = pa.proxy_memory_pool(pa.default_memory_pool())
    with open_url(url, storage_options=s3.options, block_size=block, read_ahead=depth, memory_pool=pool) as f:
        pieces = []
        while chunk := f.read(64 * 1024):
            pieces.append(chunk)
    assert b"".join(pieces) == data
    # Blocks beyond the one being read were fetched ahead ...
    assert pool.max_memory() >= 3 * block
    # ... but never more than the window plus the block being read (and one being replaced).
    assert pool.max_memory() <= (depth + 2) * block
    assert pool.bytes_allocated() == 0


def test_a_long_sequential_read_allocates_its_blocks_once(s3):
    data = payload(6 * MiB, seed=6)
    url = s3.put("obj.bin", data)
    block, depth = 256 * 1024, 4
    pool = pa.proxy_memory_pool(pa.default_memory_pool())
    with open_url(url, storage_options=s3.options, block_size=block, read_ahead=depth, memory_pool=pool) as f:
        # readinto (as a decoder reads) and read_buffer slices dropped at once both hand blocks
        # back; reads that divide the block make no allocation of their own.
        into, pieces = bytearray(block // 4), []
        while len(pieces) < 40 and (got := f.readinto(into)):
            pieces.append(bytes(into[:got]))
        while piece := f.read_buffer(block // 8).to_pybytes():
            pieces.append(piece)
    assert b"".join(pieces) == data
    # 24 blocks were read; their memory was allocated for the window, the block read and a spare only.
    assert pool.num_allocations() <= depth + 2


def test_the_short_last_block_reuses_a_spare_block(s3):
    block, depth = 256 * 1024, 4
    data = payload(24 * block + 1000, seed=9)
    url = s3.put("obj.bin", data)
    pool = pa.proxy_memory_pool(pa.default_memory_pool())
    with open_url(url, storage_options=s3.options, block_size=block, read_ahead=depth, memory_pool=pool) as f:
        into, pieces = bytearray(block // 4), []
        while got := f.readinto(into):
            pieces.append(bytes(into[:got]))
    assert b"".join(pieces) == data
    # The window, the block being read, nothing more: the 1,000-byte tail took a spare block.
    assert pool.num_allocations() == depth + 1 and pool.max_memory() == (depth + 1) * block


def test_a_sequential_read_is_one_request_for_the_whole_file(s3):
    data = payload(6 * MiB, seed=8)
    url = s3.put("obj.bin", data)
    block, depth = 256 * 1024, 4
    with open_url(url, storage_options=s3.options, block_size=block, read_ahead=depth) as f:
        fs, requests = f._location.fs, []
        call_s3 = fs._call_s3

        async def counted(method, *args, **kwargs):  # the real request, counted
            requests.append(kwargs.get("Range"))
            return await call_s3(method, *args, **kwargs)

        fs._call_s3 = counted
        try:
            pieces = []
            while chunk := f.read(100_000):
                pieces.append(chunk)
        finally:
            del fs._call_s3
    assert b"".join(pieces) == data
    # 24 blocks, one request: each run of blocks goes on with the response of the run before it.
    assert requests == [f"bytes=0-{len(data) - 1}"]


def test_object_replaced_during_read_ahead_never_mixes_versions(s3):
    url = s3.put("obj.bin", b"a" * MiB)
    with open_url(url, storage_options=s3.options, block_size=64 * 1024, read_ahead=4) as f:
        assert f.read(10) == b"a" * 10
        s3.put("obj.bin", b"b" * MiB)
        # The response open since the first read goes on with the version it began with (or, if
        # the store dropped that version's data, fails): never a byte of the new one.
        try:
            while chunk := f.read(64 * 1024):
                assert set(chunk) == {ord("a")}
        except pa.ArrowIOError as exc:
            assert "changed while it was being read" in str(exc)
        # A new request (after a jump back) is pinned to the version seen at open: it fails.
        f.seek(100)
        with pytest.raises(pa.ArrowIOError, match="changed while it was being read"):
            f.read(10)


def test_a_jump_does_not_fetch_the_whole_window(s3):
    data = payload(4 * MiB, seed=7)
    url = s3.put("obj.bin", data)
    block = 256 * 1024
    pool = pa.proxy_memory_pool(pa.default_memory_pool())
    with open_url(url, storage_options=s3.options, block_size=block, read_ahead=8, memory_pool=pool) as f:
        f.seek(3 * MiB)
        assert f.read(100) == data[3 * MiB : 3 * MiB + 100]
        assert pool.total_bytes_allocated() == block  # the block read, nothing ahead yet


def test_text_and_line_iteration(s3):
    lines = [f"line {i}\n".encode() for i in range(20000)]
    url = s3.put("lines.txt", b"".join(lines))
    with open_url(url, storage_options=s3.options, block_size=64 * 1024) as f:
        assert list(f) == lines
    with open_url(url, storage_options=s3.options) as f:
        text = io.TextIOWrapper(f, encoding="ascii")
        assert text.readline() == "line 0\n"


def test_metadata_and_repr_name_the_object_and_no_secret(s3):
    url = s3.put("obj.bin", b"hello")
    with open_url(url, storage_options=s3.options) as f:
        meta = f.metadata()
        assert meta["size"] == "5" and "ETag" in meta
        assert s3.secret not in repr(meta) and s3.secret not in repr(f)
        assert url in repr(f)


def test_a_prefix_is_a_directory(s3):
    s3.put("folder/inside.bin", b"x")
    with pytest.raises(IsADirectoryError):
        open_url(s3.url("folder"), storage_options=s3.options)


def test_object_replaced_while_reading_fails_instead_of_mixing_versions(s3):
    url = s3.put("obj.bin", b"a" * MiB)
    with open_url(url, storage_options=s3.options, block_size=64 * 1024, read_ahead=0) as f:
        assert f.read(10) == b"a" * 10
        s3.put("obj.bin", b"b" * MiB)
        with pytest.raises(pa.ArrowIOError, match="changed while it was being read"):
            f.read_at(10, 500_000)


# -- writing -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [0, 1000, 12 * MiB + 123])
def test_write_then_read_back(s3, size):
    data = payload(size, seed=size)
    url = s3.url("written.bin")
    with open_url(url, "wb", storage_options=s3.options, block_size=5 * MiB) as f:
        assert f.writable() and not f.readable() and not f.seekable()
        for start in range(0, size, 777_777):
            f.write(data[start : start + 777_777])
        assert f.tell() == size
        assert not s3.exists("written.bin")  # nothing visible before close
    assert s3.get("written.bin") == data


def test_output_stream_and_input_stream_take_urls(s3):
    url = s3.url("via-factories.bin")
    with pa.output_stream(url, storage_options=s3.options) as out:
        out.write(b"through output_stream")
    with pa.input_stream(url, storage_options=s3.options) as src:
        assert isinstance(src, RemoteFile)
        assert src.read() == b"through output_stream"
    with pa.input_stream(url, buffer_size=4096, storage_options=s3.options) as src:
        assert src.read() == b"through output_stream"


def test_an_exception_in_the_with_block_leaves_no_object(s3):
    with pytest.raises(ZeroDivisionError):
        with open_url(s3.url("never.bin"), "wb", storage_options=s3.options, block_size=5 * MiB) as f:
            f.write(payload(11 * MiB))  # two parts already uploaded
            1 / 0  # noqa: B018 - fail inside the with block on purpose
    assert not s3.exists("never.bin")


def test_an_exception_keeps_the_old_object(s3):
    s3.put("kept.bin", b"old contents")
    with pytest.raises(KeyError):
        with pa.output_stream(s3.url("kept.bin"), storage_options=s3.options) as f:
            f.write(b"new contents")
            raise KeyError("boom")
    assert s3.get("kept.bin") == b"old contents"


def test_an_exception_through_a_buffered_wrapper_leaves_no_object(s3):
    with pytest.raises(RuntimeError):
        with pa.output_stream(s3.url("wrapped.bin"), buffer_size=1024, storage_options=s3.options) as f:
            f.write(b"x" * 5000)
            raise RuntimeError
    assert not s3.exists("wrapped.bin")


def test_abort_and_dropping_unclosed_publish_nothing(s3):
    f = open_url(s3.url("aborted.bin"), "wb", storage_options=s3.options)
    f.write(b"data")
    f.abort()
    assert f.closed
    f.abort()  # harmless twice
    g = open_url(s3.url("dropped.bin"), "wb", storage_options=s3.options)
    g.write(b"data")
    del g
    assert not s3.exists("aborted.bin") and not s3.exists("dropped.bin")


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("buffered.bin", {"buffer_size": 4096}),
        ("compressed.txt.gz", {}),
        ("both.txt.zst", {"buffer_size": 4096}),
    ],
)
def test_streams_over_an_upload_dropped_unclosed_publish_nothing(s3, name, options):
    s3.put(name, b"the old object")

    def write_then_fail() -> None:
        out = pa.output_stream(s3.url(name), storage_options=s3.options, **options)
        out.write(b"row 1\n" * 1000)
        raise RuntimeError("failed half-way")  # no with-block: the stream is only dropped

    with pytest.raises(RuntimeError):
        write_then_fail()
    gc.collect()  # the traceback held the frame, and so the stream, in a cycle
    assert s3.get(name) == b"the old object"
    kept = pa.output_stream(s3.url(name), storage_options=s3.options, **options)
    kept.write(b"row 1\n")
    kept.close()  # only close() publishes
    with pa.input_stream(s3.url(name), storage_options=s3.options) as written:
        assert written.read() == b"row 1\n"


def test_an_upload_has_no_size(s3):
    with open_url(s3.url("sized.bin"), "wb", storage_options=s3.options) as f:
        with pytest.raises(io.UnsupportedOperation):
            f.size()


def test_after_a_failed_part_close_publishes_nothing(s3):
    f = open_url(s3.url("partial.bin"), "wb", storage_options=s3.options, block_size=5 * MiB)
    upload = f._upload._file.write
    calls = []

    def flaky(part):  # the network drops the first part, then recovers
        calls.append(len(part))
        if len(calls) == 1:
            raise ConnectionResetError("connection reset by peer")
        return upload(part)

    f._upload._file.write = flaky
    f.write(payload(6 * MiB))  # the first part goes up on a background thread, and fails there
    with pytest.raises(OSError, match="reset"):
        f.write(payload(6 * MiB))  # the failure surfaces at the next part
    with pytest.raises(pa.ArrowIOError, match="earlier part failed"):
        f.close()
    assert f.closed and not s3.exists("partial.bin")


_KILLED_WRITER = textwrap.dedent("""
    import os, signal, sys
    from arrowio.io.urls import open_url
    options = dict(key=sys.argv[2], secret=sys.argv[3], endpoint_url=sys.argv[4])
    f = open_url(sys.argv[1], "wb", storage_options=options, block_size=5 * 1024 * 1024)
    for _ in range(4):
        f.write(os.urandom(4 * 1024 * 1024))  # parts are uploaded while this runs
    f._upload._finish_sending()
    print("written", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.mark.parametrize("existing", [False, True])
def test_a_writer_killed_before_close_leaves_no_object_or_the_old_one(s3, existing):
    if existing:
        s3.put("killed.bin", b"before")
    store = s3.store
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER, s3.url("killed.bin"), store.key, store.secret, store.endpoint_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert done.stdout == "written\n"
    if existing:
        assert s3.get("killed.bin") == b"before"
    else:
        assert not s3.exists("killed.bin")


# -- errors and credentials --------------------------------------------------------------------------
def test_missing_key_and_missing_bucket_raise_file_not_found(s3):
    with pytest.raises(FileNotFoundError) as key_error:
        open_url(s3.url("absent.bin"), storage_options=s3.options)
    assert key_error.value.filename == s3.url("absent.bin")
    with pytest.raises(FileNotFoundError, match="bucket"):
        pa.input_stream("s3://no-such-bucket-here/key", storage_options=s3.options)


def test_deleted_after_open_raises_file_not_found_on_read(s3):
    url = s3.put("vanishing.bin", b"z" * 1000)
    with open_url(url, storage_options=s3.options) as f:
        s3.fs.rm(s3.key("vanishing.bin"))
        with pytest.raises(FileNotFoundError):
            f.read()


@pytest.mark.parametrize("change", [{"secret": "wrong-secret-000000"}, {"key": "nobody-at-all"}, {"anon": True}])
def test_wrong_credentials_are_rejected(s3, change):
    url = s3.put("private.bin", b"secret data")
    options = {**s3.options, **change}
    if change.get("anon"):
        del options["key"], options["secret"]
    with pytest.raises(PermissionError) as error:
        open_url(url, storage_options=options)
    assert s3.secret not in str(error.value)
    for value in change.values():
        assert str(value) not in str(error.value) or value is True
    with pytest.raises(PermissionError):
        with open_url(s3.url("intruder.bin"), "wb", storage_options=options) as f:
            f.write(b"x")
    assert not s3.exists("intruder.bin")


def test_no_secret_in_any_error_text(s3, monkeypatch):
    bogus = "bogus-secret-" + "q" * 20
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-value-1234")
    messages = []
    attempts = [
        lambda: open_url(s3.url("absent.bin"), storage_options=s3.options),
        lambda: open_url(s3.url("x.bin"), storage_options={**s3.options, "secret": bogus}),
        lambda: open_url("s3://no-such-bucket-here/key", storage_options=s3.options),
        lambda: open_url(
            s3.url("x.bin"),
            storage_options={
                **s3.options,
                "endpoint_url": "http://127.0.0.1:9",
                "config_kwargs": {"retries": {"max_attempts": 1}},
            },
        ),
        lambda: expand_url_globs([s3.url("nothing-*.bin")], s3.options),
    ]
    for attempt in attempts:
        with pytest.raises(Exception) as error:
            attempt()
        messages.append(f"{error.value!s} {error.value!r} {error.value.__cause__!r} {error.value.__context__!r}")
    text = "\n".join(messages)
    for secret in (s3.secret, bogus, "session-token-value-1234"):
        assert secret not in text


def test_credentials_and_endpoint_from_the_environment(s3, monkeypatch):
    import s3fs

    url = s3.put("env.bin", b"from the environment")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3.store.key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3.store.secret)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3.store.endpoint_url)
    s3fs.S3FileSystem.clear_instance_cache()
    try:
        with pa.input_stream(url) as f:
            assert f.read() == b"from the environment"
    finally:
        s3fs.S3FileSystem.clear_instance_cache()


def test_options_from_the_fsspec_configuration(s3, monkeypatch):
    import fsspec.config

    url = s3.put("conf.bin", b"from fsspec's configuration")
    monkeypatch.setitem(fsspec.config.conf, "s3", dict(s3.options))
    with pa.input_stream(url) as f:
        assert f.read() == b"from fsspec's configuration"


# -- globs -------------------------------------------------------------------------------------------
def test_expand_url_globs_in_order(s3):
    for name in ("logs/b.txt", "logs/a.txt", "logs/c.bin", "logs/sub/d.txt", "other/e.txt"):
        s3.put(name, name.encode())
    expanded = expand_url_globs(["local/path.txt", s3.url("logs/*.txt"), s3.url("other/e.txt")], s3.options)
    assert expanded == ["local/path.txt", s3.url("logs/a.txt"), s3.url("logs/b.txt"), s3.url("other/e.txt")]
    assert expand_url_globs([s3.url("logs/[bc].*")], s3.options) == [s3.url("logs/b.txt"), s3.url("logs/c.bin")]
    assert expand_url_globs([s3.url("logs/**/*.txt")], s3.options)[-1] == s3.url("logs/sub/d.txt")
    with pytest.raises(FileNotFoundError, match="No object matches"):
        expand_url_globs([s3.url("logs/*.zst")], s3.options)
