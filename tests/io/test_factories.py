"""input_stream and output_stream: sources, directions, compression and buffer_size arguments."""

from __future__ import annotations

import gc
import io
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

import arrowio as pa


@pytest.fixture
def text_file(tmp_path) -> pathlib.Path:
    path = tmp_path / "plain.txt"
    path.write_bytes(b"some contents\n")
    return path


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_input_sources(text_file) -> None:
    assert isinstance(pa.input_stream(str(text_file)), pa.OSFile)
    assert isinstance(pa.input_stream(text_file), pa.OSFile)
    assert pa.input_stream(text_file).read() == b"some contents\n"
    assert isinstance(pa.input_stream(pa.py_buffer(b"ab")), pa.BufferReader)
    assert pa.input_stream(memoryview(b"ab")).read() == b"ab"
    with open(text_file, "rb") as handle:
        stream = pa.input_stream(handle)
        assert isinstance(stream, pa.PythonFile) and stream.mode == "rb"
    assert pa.input_stream(io.BytesIO(b"abc")).mode == "rb"
    native = pa.BufferReader(b"x")
    assert pa.input_stream(native) is native

    class Duck:
        def read(self, n=-1):
            return b"quack"[: n if n >= 0 else None]

    assert pa.input_stream(Duck()).read(4) == b"quac"


def test_output_sources(tmp_path) -> None:
    out = pa.output_stream(tmp_path / "o")
    assert isinstance(out, pa.OSFile) and out.mode == "wb"
    out.write(b"x")
    out.close()
    assert (tmp_path / "o").read_bytes() == b"x"
    target = bytearray(4)
    writer = pa.output_stream(memoryview(target))
    assert isinstance(writer, pa.FixedSizeBufferWriter)
    writer.write(b"ab")
    assert target == b"ab\0\0"
    assert isinstance(pa.output_stream(pa.allocate_buffer(4)), pa.FixedSizeBufferWriter)
    sink = io.BytesIO()
    stream = pa.output_stream(sink)
    assert isinstance(stream, pa.PythonFile) and stream.mode == "wb"
    native = pa.BufferOutputStream()
    assert pa.output_stream(native) is native

    class Duck:
        def __init__(self):
            self.got = b""

        def write(self, data):
            self.got += bytes(data)

    duck = Duck()
    pa.output_stream(duck).write(b"quack")
    assert duck.got == b"quack"


@pytest.mark.parametrize("source", [bytearray(b"ab"), b"ab", io.StringIO("ab"), 42, None, ["a"]])
def test_unsupported_sources_raise_type_error(source) -> None:
    with pytest.raises(TypeError):
        pa.input_stream(source)
    with pytest.raises(TypeError):
        pa.output_stream(source)


def test_text_files_raise_binary_expected() -> None:
    with pytest.raises(TypeError, match="binary file expected"):
        pa.input_stream(io.StringIO("x"))
    with pytest.raises(TypeError, match="binary file expected"):
        pa.output_stream(io.StringIO())


def test_wrong_direction(tmp_path, text_file) -> None:
    with open(text_file, "rb") as handle:
        with pytest.raises(TypeError, match="writable file expected"):
            pa.output_stream(handle)
    with open(tmp_path / "w", "wb") as handle:
        with pytest.raises(TypeError, match="readable file expected"):
            pa.input_stream(handle)
    with pytest.raises(TypeError, match="readable file expected"):
        pa.input_stream(pa.BufferOutputStream())
    with pytest.raises(TypeError, match="writable file expected"):
        pa.output_stream(pa.BufferReader(b""))
    with pytest.raises(TypeError):
        pa.output_stream(memoryview(b"read-only"))


def test_missing_input_file(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        pa.input_stream(tmp_path / "missing")


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("foo", ValueError),
        ("GZIPP", ValueError),
        ("", ValueError),
        (3, TypeError),
        (True, TypeError),
        (b"gzip", TypeError),
    ],
)
def test_invalid_compression(text_file, value, error) -> None:
    # A str that names no codec is a ValueError, anything else a TypeError, as in PyArrow.
    for factory in (pa.input_stream, pa.output_stream):
        with pytest.raises(error, match="Invalid value for compression|must be a str"):
            factory(text_file if factory is pa.input_stream else text_file.with_suffix(".out"), compression=value)


def test_compression_none_and_detect_on_plain_paths(tmp_path, text_file) -> None:
    assert isinstance(pa.input_stream(text_file, compression=None), pa.OSFile)
    assert isinstance(pa.input_stream(text_file, compression="detect"), pa.OSFile)
    assert isinstance(pa.input_stream(pa.py_buffer(b"x")), pa.BufferReader)
    assert isinstance(pa.output_stream(tmp_path / "plain.bin"), pa.OSFile)
    (tmp_path / "data.gz").write_bytes(b"not really gzip")
    assert isinstance(pa.input_stream(tmp_path / "data.gz", compression=None), pa.OSFile)
    assert isinstance(pa.output_stream(tmp_path / "out.gz", compression=None), pa.OSFile)


def test_a_failed_wrap_closes_what_was_opened(tmp_path) -> None:
    (tmp_path / "data.gz").write_bytes(b"\x1f\x8b")
    before = _open_fds()
    for call in (
        lambda: pa.input_stream(tmp_path / "data.gz"),
        lambda: pa.input_stream(tmp_path / "data.gz", buffer_size=64),
        lambda: pa.input_stream(tmp_path / "data.gz", compression="zstd"),
        lambda: pa.output_stream(tmp_path / "out.ZST"),
        lambda: pa.output_stream(tmp_path / "out.bin", compression="GZIP"),
    ):
        stream = call()
        assert stream.readable() or stream.writable()
        stream.close()
    for bad in ("bz2", "xz"):  # detection refuses the content: the file it opened is closed
        (tmp_path / f"data.{bad}").write_bytes(b"not compressed at all")
        with pytest.raises(OSError):
            pa.input_stream(tmp_path / f"data.{bad}", compression="auto")
    assert _open_fds() == before  # nothing leaked when wrapping failed


def test_input_stream_and_compressed_input_stream_open_the_same_way(tmp_path) -> None:
    import gzip

    from arrowio.io._sources import open_raw

    path = tmp_path / "data.gz"
    path.write_bytes(gzip.compress(b"payload"))
    raw = open_raw(path, "r")
    assert isinstance(raw.stream, pa.OSFile) and raw.path == str(path) and raw.owned
    raw.stream.close()
    for source in (path, str(path)):
        with pa.input_stream(source) as a, pa.CompressedInputStream(source, "detect") as b:
            assert isinstance(a, pa.CompressedInputStream)
            assert type(a.raw) is type(b.raw) is pa.OSFile and a.read() == b.read() == b"payload"
    with pytest.raises(TypeError, match="cannot read from 'bytearray'"):
        pa.CompressedInputStream(bytearray(b"x"), "gzip")
    with pytest.raises(TypeError, match="readable file expected"):
        pa.CompressedInputStream(pa.output_stream(tmp_path / "out.bin"), "gzip")


def test_the_compressed_and_factory_modules_import_each_other_no_more() -> None:
    import ast
    import pathlib

    import arrowio.io

    folder = pathlib.Path(arrowio.io.__file__).parent
    assert not (folder / "_compression_hook.py").exists()
    tree = ast.parse((folder / "compressed.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "factories" not in imported and "_sources" in imported


def test_buffer_size(tmp_path, text_file) -> None:
    stream = pa.input_stream(text_file, buffer_size=64)
    assert isinstance(stream, pa.BufferedInputStream) and stream.buffer_size == 64
    assert stream.read() == b"some contents\n"
    assert isinstance(pa.input_stream(text_file, buffer_size=0), pa.OSFile)
    assert isinstance(pa.input_stream(text_file, buffer_size=None), pa.OSFile)
    out = pa.output_stream(tmp_path / "o", buffer_size=1024)
    assert isinstance(out, pa.BufferedOutputStream)
    out.close()
    for factory, target in ((pa.input_stream, text_file), (pa.output_stream, tmp_path / "o2")):
        with pytest.raises(ValueError, match="Buffer size must be larger than zero"):
            factory(target, buffer_size=-1)
        for bad in ("64", 1.5, True):
            with pytest.raises(TypeError):
                factory(target, buffer_size=bad)  # type: ignore[arg-type]  # wrong on purpose


def test_buffered_wrapper_of_a_callers_stream_is_detached_on_failure() -> None:
    native = pa.BufferReader(b"data")
    with pytest.raises(ValueError):
        pa.input_stream(native, compression="bogus", buffer_size=4)
    assert not native.closed


DROP_SCRIPT = textwrap.dedent(
    """
    import sys
    import arrowio as pa

    kept = []
    for name, size in (("plain", None), ("buffered", 1 << 20)):
        out = pa.output_stream(sys.argv[1] + "/" + name, buffer_size=size)
        out.write(b"line\\n" * 100_000)
        kept.append(out) if name == "plain" else None
    # `out` (buffered) and kept[0] (plain) are still referenced at exit: never closed.
    """
)


def test_dropping_an_output_stream_leaves_the_file_complete(tmp_path) -> None:
    subprocess.run([sys.executable, "-c", DROP_SCRIPT, str(tmp_path)], check=True)
    assert (tmp_path / "plain").read_bytes() == b"line\n" * 100_000
    assert (tmp_path / "buffered").read_bytes() == b"line\n" * 100_000


def test_dropping_a_buffered_output_stream_in_process(tmp_path) -> None:
    out = pa.output_stream(tmp_path / "f", buffer_size=1 << 16)
    out.write(b"x" * 1000)
    del out
    assert (tmp_path / "f").read_bytes() == b"x" * 1000


@pytest.mark.parametrize(
    "options", [{"buffer_size": 1 << 16}, {"compression": "gzip"}, {"compression": "zstd", "buffer_size": 1 << 16}]
)
def test_streams_dropped_in_a_reference_cycle_leave_the_file_complete(tmp_path, options) -> None:
    # The collector finalizes a cycle's objects in no set order: the file below may go before the
    # stream that still has bytes to write into it.
    def write_and_drop_in_a_cycle(path: pathlib.Path) -> None:
        out = pa.output_stream(path, **options)
        out.write(b"y" * 1000)
        try:
            raise KeyError
        except KeyError as exc:
            kept = exc  # noqa: F841  (exc -> traceback -> this frame -> kept: a cycle holding out)

    gc.disable()  # collect when this test says, not in between
    try:
        for attempt in range(10):
            path = tmp_path / f"f{attempt}"
            write_and_drop_in_a_cycle(path)
            gc.collect()
            with pa.input_stream(path, compression=options.get("compression")) as written:
                assert written.read() == b"y" * 1000
    finally:
        gc.enable()


def test_a_detached_file_closes_itself_again_when_dropped(tmp_path) -> None:
    raw = pa.OSFile(str(tmp_path / "f"), "wb")
    buffered = pa.BufferedOutputStream(raw, 1 << 16)
    buffered.write(b"z" * 10)
    assert buffered.detach() is raw and not raw.closed
    fd = raw.fileno()
    del buffered, raw
    with pytest.raises(OSError):
        os.fstat(fd)  # closed by the file's own finalizer
