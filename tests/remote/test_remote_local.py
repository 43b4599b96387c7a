"""RemoteFile on fsspec's in-process filesystems (memory://, file://), URL helpers, redaction,
the missing-extra error and HdfsFile/HdfsClient: everything that needs no server."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import arrowio as pa
from arrowio.io import HdfsClient, HdfsFile, expand_url_globs, is_url, parse_storage_options
from arrowio.io._remote_fs import redact, translate
from arrowio.io.remote import RemoteFile
from arrowio.io.urls import open_url


# -- reading against a model ---------------------------------------------------------------------
class RemoteReadMachine(RuleBasedStateMachine):
    """RemoteFile with tiny blocks and every read-ahead depth, against io.BytesIO."""

    @initialize(data=st.binary(max_size=400), block=st.integers(1, 40), depth=st.integers(0, 3))
    def open_file(self, data: bytes, block: int, depth: int) -> None:
        import fsspec

        self.url = "memory://arrowio-machine/data.bin"
        fsspec.filesystem("memory").pipe_file(self.url, data)
        self.file = open_url(self.url, block_size=block, read_ahead=depth)
        self.model = io.BytesIO(data)
        self.kept: list[tuple[pa.Buffer, bytes]] = []

    @rule(n=st.none() | st.integers(0, 120))
    def read(self, n: int | None) -> None:
        assert self.file.read(n) == self.model.read(n)

    @rule(n=st.integers(0, 120))
    def read_buffer(self, n: int) -> None:
        assert self.file.read_buffer(n).to_pybytes() == self.model.read(n)

    @rule(n=st.integers(0, 120))
    def read_buffer_kept(self, n: int) -> None:
        # Held on to while reading goes on: block memory that is reused must never be one of these.
        self.kept.append((self.file.read_buffer(n), self.model.read(n)))

    @rule(n=st.integers(0, 120))
    def readinto(self, n: int) -> None:
        mine, theirs = bytearray(n), bytearray(n)
        assert self.file.readinto(mine) == self.model.readinto(theirs)
        assert mine == theirs

    @rule(block=st.integers(1, 40), depth=st.integers(0, 3))
    def set_read_ahead(self, block: int, depth: int) -> None:
        # Another window from the next fetch on: blocks fetched, in flight or lent stay right.
        self.file.set_read_ahead(depth, block)

    @rule(n=st.integers(1, 60))
    def peek(self, n: int) -> None:
        assert self.file.peek(n) == self.model.getvalue()[self.model.tell() : self.model.tell() + n]

    @rule(n=st.integers(0, 60))
    def read1(self, n: int) -> None:
        got = self.file.read1(n)
        assert len(got) <= n and got == self.model.read(len(got))
        assert got or not n or self.model.tell() >= len(self.model.getvalue())

    @rule()
    def readline(self) -> None:
        assert self.file.readline() == self.model.readline()

    @rule(offset=st.integers(0, 450), whence=st.sampled_from([0, 1, 2]))
    def seek(self, offset: int, whence: int) -> None:
        if whence:
            offset -= 200
        if (self.model.tell() if whence == 1 else len(self.model.getvalue()) if whence == 2 else 0) + offset < 0:
            with pytest.raises(pa.ArrowInvalid):
                self.file.seek(offset, whence)
            return
        assert self.file.seek(offset, whence) == self.model.seek(offset, whence)

    @rule(n=st.integers(0, 120), offset=st.integers(0, 450))
    def read_at(self, n: int, offset: int) -> None:
        expected = self.model.getvalue()[offset : offset + n]
        assert self.file.read_at(n, offset) == expected
        assert self.file.get_stream(offset, n).read_buffer().to_pybytes() == expected

    @invariant()
    def same_position(self) -> None:
        if hasattr(self, "file"):
            assert self.file.tell() == self.model.tell()

    @invariant()
    def kept_slices_keep_their_bytes(self) -> None:
        for buffer, expected in getattr(self, "kept", ()):
            assert buffer.to_pybytes() == expected

    def teardown(self) -> None:
        if hasattr(self, "file"):
            self.file.close()


TestRemoteReadMachine = RemoteReadMachine.TestCase
TestRemoteReadMachine.settings = settings(stateful_step_count=30, deadline=None)


@given(data=st.binary(max_size=3000), block=st.integers(1, 700), sizes=st.lists(st.integers(0, 900), max_size=12))
def test_joined_reads_equal_the_object(data, block, sizes):
    import fsspec

    fsspec.filesystem("memory").pipe_file("memory://arrowio-joined/x", data)
    with open_url("memory://arrowio-joined/x", block_size=block, read_ahead=2) as f:
        pieces = [f.read_buffer(n).to_pybytes() for n in sizes]
        pieces.append(f.read())
    assert b"".join(pieces) == data


def test_a_sequential_read_reuses_block_memory(memory_url):
    """Blocks handed back by the reader take later fetches: a long read allocates the window once,
    not once per block, and a read_buffer slice still held keeps its block out of reuse."""
    import fsspec

    data = os.urandom(40 * 1000)
    fsspec.filesystem("memory").pipe_file(f"{memory_url}/x", data)
    block, depth = 1000, 3
    pool = pa.proxy_memory_pool(pa.default_memory_pool())
    with open_url(f"{memory_url}/x", block_size=block, read_ahead=depth, memory_pool=pool) as f:
        held = f.read_buffer(600)  # a slice of the first block, kept
        pieces = [held.to_pybytes()]
        while chunk := f.read(700):
            pieces.append(chunk)
        assert held.to_pybytes() == data[:600]
    assert b"".join(pieces) == data
    assert pool.num_allocations() <= depth + 3  # the window, the block read, the one held, a spare
    del held
    assert pool.bytes_allocated() == 0


def test_set_read_ahead_changes_the_window_from_the_next_fetch_on(memory_url):
    """Blocks already fetched keep their size; later ones come in the new size and number."""
    import fsspec

    data = os.urandom(100 * 1000)
    fsspec.filesystem("memory").pipe_file(f"{memory_url}/x", data)
    pool = pa.proxy_memory_pool(pa.default_memory_pool())
    with open_url(f"{memory_url}/x", block_size=1000, read_ahead=2, memory_pool=pool) as f:
        first = f.read(1500)
        assert pool.max_memory() <= 4 * 1024  # three or four blocks of 1000 bytes (64-byte rounded)
        f.set_read_ahead(4, 8000)
        rest = f.read()
        assert pool.max_memory() >= 4 * 8000  # four blocks of the new size ahead
        with pytest.raises(pa.ArrowInvalid, match="read_ahead non-negative"):
            f.set_read_ahead(-1)
    assert first + rest == data
    with pytest.raises(ValueError, match="closed"):
        f.set_read_ahead()
    with open_url(f"{memory_url}/y", "wb") as out:
        with pytest.raises(pa.ArrowInvalid, match="open for writing"):
            out.set_read_ahead()


# -- writing ---------------------------------------------------------------------------------------
def test_memory_writes_appear_only_on_close(memory_url):
    import fsspec

    fs = fsspec.filesystem("memory")
    url = f"{memory_url}/out.bin"
    with pa.output_stream(url) as out:
        out.write(b"abc" * 1000)
        assert not fs.exists(url)
    assert fs.cat_file(url) == b"abc" * 1000


def test_file_urls_write_through_a_temporary_sibling(file_url, tmp_path):
    target = tmp_path / "out.bin"
    url = f"{file_url}/out.bin"
    with pa.output_stream(url) as out:
        out.write(b"first")
        assert not target.exists()
        assert [p.name for p in tmp_path.iterdir()][0].startswith(".out.bin.arrowio-")
    assert target.read_bytes() == b"first"
    with pytest.raises(ValueError):
        with pa.output_stream(url) as out:
            out.write(b"second")
            raise ValueError
    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]  # the temporary file is gone
    with pa.input_stream(url) as src:
        assert isinstance(src, RemoteFile) and src.read() == b"first"


def test_a_failed_wrap_does_not_publish_an_empty_object(memory_url, monkeypatch):
    import fsspec

    from arrowio.io import factories

    def refuse(stream, compression, path):
        raise pa.ArrowNotImplementedError("no codec")

    monkeypatch.setattr(factories, "_encoded", refuse)
    with pytest.raises(pa.ArrowNotImplementedError):
        pa.output_stream(f"{memory_url}/x.zst", compression="zstd")
    assert not fsspec.filesystem("memory").exists(f"{memory_url}/x.zst")


def test_modes_and_arguments_are_checked(memory_url):
    with pytest.raises(pa.ArrowInvalid, match="mode"):
        RemoteFile(f"{memory_url}/x", "ab")
    with pytest.raises(pa.ArrowInvalid):
        RemoteFile(f"{memory_url}/x", "wb", block_size=0)
    with pytest.raises(FileNotFoundError):
        RemoteFile(f"{memory_url}/missing")
    with pytest.raises(pa.ArrowInvalid, match="unknown URL scheme 'nosuchscheme'"):
        pa.input_stream("nosuchscheme://x/y")


# -- helpers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,expected",
    [
        ("s3://bucket/key", True),
        ("hdfs://nn:8020/p", True),
        ("simplecache::s3://b/k", True),
        ("file:///tmp/x", True),
        ("C://windows", False),
        ("/local/path", False),
        ("relative/x.gz", False),
        ("no-scheme:x", False),
    ],
)
def test_is_url(text, expected):
    assert is_url(text) is expected


def test_is_url_ignores_path_objects():
    from pathlib import Path

    assert not is_url(Path("s3://looks/like/one"))


def test_parse_storage_options():
    parsed = parse_storage_options(
        [
            "key=AKIA",
            "secret=s3cr3t=with=equals",
            "anon=false",
            "max_concurrency=4",
            "zip=0123",
            "client_kwargs.region_name=eu-west-1",
            "client_kwargs.verify=true",
            'token="12345"',
            'config_kwargs={"retries": {"max_attempts": 2}}',
            "empty=",
        ]
    )
    assert parsed == {
        "key": "AKIA",
        "secret": "s3cr3t=with=equals",
        "anon": False,
        "max_concurrency": 4,
        "zip": "0123",
        "client_kwargs": {"region_name": "eu-west-1", "verify": True},
        "token": "12345",
        "config_kwargs": {"retries": {"max_attempts": 2}},
        "empty": "",
    }


def test_parse_storage_options_refuses_bad_items_without_echoing_them():
    for bad in (["s3cr3t-without-equals"], ["=value-no-key"]):
        with pytest.raises(pa.ArrowInvalid, match="KEY=VALUE") as error:
            parse_storage_options(bad)
        assert bad[0].strip("=") not in str(error.value)
    with pytest.raises(pa.ArrowInvalid, match="'a'"):
        parse_storage_options(["a=1", "a.b=2"])


def test_redact_urls_and_known_secrets():
    text = (
        "GET https://user:hunter22@example.com/x?X-Amz-Signature=abcdef&X-Amz-Credential=AKIA%2F1"
        "&other=1 failed with sekrit-value-9"
    )
    shown = redact(text, frozenset({"sekrit-value-9"}))
    assert "hunter22" not in shown and "abcdef" not in shown and "AKIA" not in shown
    assert "sekrit-value-9" not in shown and "other=1" in shown and "https://***@example" in shown


def test_translate_keeps_builtin_types_and_hides_secrets():
    secrets = frozenset({"top-secret-123"})
    error = translate(PermissionError("Forbidden for top-secret-123"), "s3://b/k", secrets)
    assert type(error) is PermissionError and error.filename == "s3://b/k"
    assert "top-secret-123" not in str(error)
    assert isinstance(translate(RuntimeError("top-secret-123 broke"), "s3://b/k", secrets), pa.ArrowIOError)
    assert isinstance(translate(ValueError("bad"), "s3://b/k", secrets), pa.ArrowInvalid)
    assert isinstance(translate(ImportError("Install s3fs"), "s3://b/k", secrets), pa.ArrowNotImplementedError)


def test_secrets_from_the_environment_are_redacted(memory_url, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret-abcdef")
    with pytest.raises(FileNotFoundError) as error:
        open_url(f"{memory_url}/env-secret-abcdef/missing")
    assert "env-secret-abcdef" not in str(error.value) and "***" in str(error.value)


def test_without_fsspec_a_url_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "fsspec", None)  # import fsspec now fails, as without the extra
    for call in (
        lambda: pa.input_stream("s3://bucket/key"),
        lambda: pa.output_stream("s3://bucket/key"),
        lambda: expand_url_globs(["s3://bucket/*.zst"]),
    ):
        with pytest.raises(pa.ArrowNotImplementedError, match=r"pip install 'arrowio\[remote\]'"):
            call()


def test_local_globs_and_plain_urls_pass_through(memory_url):
    assert expand_url_globs(["*.txt", f"{memory_url}/plain"]) == ["*.txt", f"{memory_url}/plain"]


def test_expand_url_globs_on_memory(memory_url):
    import fsspec

    fs = fsspec.filesystem("memory")
    for name in ("b.zst", "a.zst", "c.gz"):
        fs.pipe_file(f"{memory_url}/logs/{name}", b"x")
    assert expand_url_globs([f"{memory_url}/logs/*.zst"]) == [
        f"{memory_url}/logs/a.zst".replace("memory://", "memory:///"),
        f"{memory_url}/logs/b.zst".replace("memory://", "memory:///"),
    ]


def test_url_exists_and_remove_url(memory_url):
    import fsspec

    from arrowio.io import remove_url, url_exists

    fs = fsspec.filesystem("memory")
    fs.pipe_file(f"{memory_url}/dir/object.bin", b"x")
    assert url_exists(f"{memory_url}/dir/object.bin") and url_exists(f"{memory_url}/dir")
    assert not url_exists(f"{memory_url}/absent.bin")
    remove_url(f"{memory_url}/dir/object.bin")
    assert not url_exists(f"{memory_url}/dir/object.bin")
    with pytest.raises(FileNotFoundError) as missing:
        remove_url(f"{memory_url}/dir/object.bin")
    assert missing.value.filename == f"{memory_url}/dir/object.bin"


def test_redact_url_hides_passwords_signatures_and_known_secrets(monkeypatch):
    from arrowio.io import redact_url

    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-123456")
    assert redact_url("https://user:pa55word@host/x?X-Amz-Signature=abc&y=1") == (
        "https://***@host/x?X-Amz-Signature=***&y=1"
    )
    assert redact_url("s3://bucket/session-token-123456/key") == "s3://bucket/***/key"
    assert redact_url("s3://bucket/opt-secret-value/k", {"secret": "opt-secret-value"}) == "s3://bucket/***/k"
    assert redact_url("s3://bucket/plain/key") == "s3://bucket/plain/key"


# -- HDFS ------------------------------------------------------------------------------------------
def test_hdfs_file_needs_an_hdfs_url():
    with pytest.raises(pa.ArrowInvalid, match="hdfs://"):
        HdfsFile("s3://bucket/key")


def test_hdfs_urls_open_hdfs_files(monkeypatch):
    from arrowio.io import hdfs, urls

    opened = []
    monkeypatch.setattr(hdfs.HdfsFile, "__init__", lambda self, url, mode, **kw: opened.append((url, mode)))
    assert isinstance(urls.open_url("webhdfs://nn:9870/data/x"), hdfs.HdfsFile)
    assert isinstance(urls.open_url("hdfs://nn:8020/data/x", "wb"), hdfs.HdfsFile)
    assert opened == [("webhdfs://nn:9870/data/x", "rb"), ("hdfs://nn:8020/data/x", "wb")]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("hdfs://nn:8020/x", "HdfsFile"),
        ("webhdfs://nn:9870/x", "HdfsFile"),
        ("arrow_hdfs://nn/x", "HdfsFile"),
        ("simplecache::HDFS://nn/x", "HdfsFile"),
        ("s3://bucket/x", "RemoteFile"),
        ("memory://x", "RemoteFile"),
        ("file:///x", "RemoteFile"),
    ],
)
def test_scheme_table_picks_the_file_class(url, name):
    from arrowio.io.urls import file_class

    assert file_class(url).__name__ == name


def test_remote_does_not_import_hdfs():
    """The base class knows no subclass (issue 16): the scheme table in urls picks HdfsFile, so
    importing remote, and opening a URL of another scheme, loads no HDFS module."""
    code = (
        "import sys, arrowio.io.remote, arrowio.io.urls as u; u.open_url('memory://x/y', 'wb').close(); "
        "print(sorted(m for m in sys.modules if 'hdfs' in m))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_hdfs_client_over_an_fsspec_filesystem(memory_url):
    """HdfsClient is a thin layer over the fsspec filesystem it is given; memory:// stands in."""
    import fsspec

    client = HdfsClient(fsspec.filesystem("memory"))
    folder = memory_url.removeprefix("memory://")
    client.mkdir(f"/{folder}/dir")
    client.upload(f"/{folder}/dir/a.bin", io.BytesIO(b"hello hdfs"))
    assert client.exists(f"/{folder}/dir/a.bin") and client.isfile(f"/{folder}/dir/a.bin")
    assert client.isdir(f"/{folder}/dir")
    assert client.info(f"/{folder}/dir/a.bin")["size"] == 10
    with client.open(f"/{folder}/dir/a.bin") as f:
        assert isinstance(f, HdfsFile) and f.read_at(4, 6) == b"hdfs"
    client.rename(f"/{folder}/dir/a.bin", f"/{folder}/dir/b.bin")
    assert [os.path.basename(p) for p in client.ls(f"/{folder}/dir")] == ["b.bin"]
    out = io.BytesIO()
    client.download(f"/{folder}/dir/b.bin", out)
    assert out.getvalue() == b"hello hdfs"
    client.delete(f"/{folder}/dir", recursive=True)
    assert not client.exists(f"/{folder}/dir")
    with pytest.raises(FileNotFoundError):
        client.info(f"/{folder}/dir/b.bin")


@pytest.mark.hdfs
def test_hdfs_roundtrip_on_a_real_cluster(hdfs_url):
    url = f"{hdfs_url}/arrowio-test-{os.getpid()}.bin"
    data = os.urandom(3 * 1024 * 1024 + 5)
    with pa.output_stream(url) as out:
        out.write(data)
    try:
        with pa.input_stream(url) as src:
            assert isinstance(src, HdfsFile)
            assert src.size() == len(data)
            assert src.read_at(100, 2 * 1024 * 1024) == data[2 * 1024 * 1024 : 2 * 1024 * 1024 + 100]
            assert src.read() == data
        with pytest.raises(ZeroDivisionError):
            with pa.output_stream(url) as out:
                out.write(b"replacement")
                1 / 0  # noqa: B018 - fail inside the with block on purpose
        with pa.input_stream(url) as src:
            assert src.read() == data
    finally:
        import fsspec

        fs, path = fsspec.core.url_to_fs(url)
        fs.rm(path)


@pytest.mark.hdfs
def test_hdfs_connect_on_a_real_cluster(hdfs_url):
    from urllib.parse import urlsplit

    parts = urlsplit(hdfs_url)
    client = HdfsFile.connect(parts.hostname, parts.port or 0, webhdfs=parts.scheme == "webhdfs")
    path = f"{parts.path}/arrowio-connect-{os.getpid()}.bin"
    client.upload(path, io.BytesIO(b"connected"))
    try:
        assert client.info(path)["size"] == 9
        with client.open(path) as f:
            assert f.read() == b"connected"
        with pytest.raises(FileNotFoundError):
            client.open(path + ".missing")
    finally:
        client.delete(path)
