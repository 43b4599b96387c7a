"""arrowio in real processes against hostile surroundings: a non-blocking stdout, closed
descriptors, Ctrl-C in the middle of a compress to stdout (to a file: test_compress.py)."""

from __future__ import annotations

import fcntl
import gzip
import io
import os
import signal
import subprocess
import threading
import time
from typing import cast

import pytest
from cli_helpers import arrowio_command
from system_deps import need_tool

NUMBERS = b"".join(b"%d\n" % i for i in range(400_000))  # ~2.7 MB: more than a widened pipe holds


@pytest.fixture
def numbers(tmp_path):
    plain = tmp_path / "nums.txt"
    plain.write_bytes(NUMBERS)
    packed = tmp_path / "nums.txt.gz"
    packed.write_bytes(gzip.compress(NUMBERS, 1))
    return plain, packed


@pytest.fixture
def noise(tmp_path):
    """Incompressible: its compressed form, too, is more than a widened pipe holds."""
    path = tmp_path / "noise.bin"
    path.write_bytes(os.urandom(3 << 20))
    return path


def _through_a_non_blocking_pipe(args: list[object]) -> tuple[int, bytes, bytes]:
    """Run arrowio with stdout on an O_NONBLOCK pipe that is read only after a pause (so it fills)."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETFL, fcntl.fcntl(write_end, fcntl.F_GETFL) | os.O_NONBLOCK)
    process = subprocess.Popen(arrowio_command(*args), stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    assert process.stderr is not None
    time.sleep(0.5)  # not a timing assertion: only lets the pipe fill before anyone reads
    chunks = []
    with open(read_end, "rb") as pipe:
        while chunk := pipe.read(1 << 16):
            chunks.append(chunk)
    err = process.stderr.read()
    return process.wait(timeout=60), b"".join(chunks), err


@pytest.mark.parametrize("command", ["cat gz", "cat plain", "cat -x", "compress -dc", "compress -c"])
@pytest.mark.parametrize("buffered", [False, True])
def test_a_non_blocking_stdout_gets_every_byte(numbers, noise, monkeypatch, command, buffered):
    plain, packed = numbers
    if not buffered:  # PYTHONUNBUFFERED: stdout is a raw FileIO, whose short writes return a count
        monkeypatch.setenv("PYTHONUNBUFFERED", "1")
    else:
        monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    args = {"cat gz": ["cat", packed], "cat plain": ["cat", "--mmap", plain], "cat -x": ["cat", "-x", plain],
            "compress -dc": ["compress", "-dc", packed], "compress -c": ["compress", "-c", "-C", "gzip", "-1", noise]}  # fmt: skip
    code, out, err = _through_a_non_blocking_pipe(args[command])
    assert (code, err) == (0, b"")
    if command == "compress -c":
        assert gzip.decompress(out) == noise.read_bytes()
    elif command == "cat -x":
        assert out.count(b"\n") == len(NUMBERS) // 16 + 2  # every line of the dump, and the end offset
    else:
        assert out == NUMBERS


def _with_closed(fd_redirect: str, args: list[object]) -> subprocess.CompletedProcess[bytes]:
    """Run arrowio from a shell that closes stdin (``<&-``) or stdout (``>&-``) for it."""
    script = 'exec "$@" ' + fd_redirect
    kwargs: dict[str, object] = {"stderr": subprocess.PIPE}
    if fd_redirect != ">&-":
        kwargs["stdout"] = subprocess.PIPE
    return subprocess.run(["sh", "-c", script, "sh", *arrowio_command(*args)], timeout=60, **kwargs)  # type: ignore[call-overload]


def test_a_closed_stdout_is_one_line_and_exit_1(numbers):
    plain, packed = numbers
    reports = (
        ["info", packed],
        ["info", "--json", packed],
        ["mmap-read", plain],
        ["pool-stats"],
    )  # stdout *is* the report
    for args in (["cat", plain], ["cat", packed], ["compress", "-c", plain], ["cat", "-x", plain], *reports):
        result = _with_closed(">&-", args)
        assert (result.returncode, result.stderr) == (1, b"arrowio: error: cannot write to stdout: it is closed\n"), (
            args
        )
    assert plain.read_bytes() == NUMBERS  # the input (which may get descriptor 1) was not written to


def test_a_closed_stdout_is_no_matter_for_file_outputs(numbers):
    plain, _ = numbers
    result = _with_closed(">&-", ["compress", "-f", "-C", "gzip", plain])
    assert (result.returncode, result.stderr) == (0, b"")
    assert gzip.decompress(plain.with_name("nums.txt.gz").read_bytes()) == NUMBERS


def test_a_closed_stdin_is_one_line_and_exit_1():
    for args in (["cat"], ["cat", "-"], ["compress", "-c", "-"]):
        result = _with_closed("<&-", args)
        assert result.returncode == 1 and result.stdout == b"", args
        assert result.stderr.endswith(b"cannot read stdin: it is closed\n") and result.stderr.count(b"\n") == 1, args


def _partial_compress(args: list[object], sig: signal.Signals) -> tuple[int, bytes, bytes]:
    """Start ``arrowio compress ARGS`` on a stdin that stays open, wait until it has written
    something, send ``sig``; its exit code, stdout and stderr."""
    process = subprocess.Popen(
        arrowio_command("compress", *args), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdin is not None and process.stderr is not None
    stdout = cast(io.BufferedReader, process.stdout)  # bufsize -1: a PIPE is a buffered reader
    out: list[bytes] = []
    got_some = threading.Event()

    def read() -> None:
        while chunk := stdout.read1(1 << 16):
            out.append(chunk)
            got_some.set()

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(4):  # 4 x 2.7 MB: whole 4 MiB reads reach the encoder, and stdin stays open
        process.stdin.write(NUMBERS)
        process.stdin.flush()
    assert got_some.wait(30), "compress wrote nothing"
    process.send_signal(sig)
    err = process.stderr.read()
    code = process.wait(timeout=30)
    reader.join(timeout=30)
    process.stdin.close()
    return code, b"".join(out), err


@pytest.mark.parametrize(("fmt", "tester"), [("zstd", ["zstd", "-q", "-t"]), ("gzip", ["gzip", "-t"])])
def test_ctrl_c_of_compress_to_stdout_leaves_an_unfinished_stream(fmt, tester):
    need_tool(tester[0])
    code, out, err = _partial_compress(["-c", "-C", fmt, "-"], signal.SIGINT)
    assert (code, err) == (130, b"arrowio: error: interrupted\n")
    assert out  # the part written before Ctrl-C: never a complete, valid archive of part of the input
    assert subprocess.run(tester, input=out, capture_output=True).returncode != 0
