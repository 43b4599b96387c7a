"""``arrowio compress`` with its everyday options runs without click (arrowio_cli.plain_compress):
the same bytes on stdout, the same lines on stderr, the same exit status and the same files left
in the folder as the click command, in real processes. ``compress --name ...`` is the reference:
``--name`` is the default (gzip's -N) and sends the command line the click way."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import split_importtime

#: Incompressible, so that the output outgrows a pipe while the reader has left.
BIG = 8 << 20
#: A fixed modification time for every file made here: gzip records the input's in its header.
MTIME = 1_700_000_000


def _command(click_way: bool, args: list[str]) -> list[str]:
    """``arrowio compress ARGS`` (``compress --name ARGS`` the click way), with the import list on stderr."""
    extra = ["--name"] if click_way else []
    return [sys.executable, "-X", "importtime", "-m", "arrowio_cli", "compress", *extra, *args]


def _folder(path: Path) -> Path:
    """A folder of inputs: two text files, an empty one, an output that exists already, a subfolder."""
    path.mkdir()
    text = b"".join(b"line %d of the differential test of compress\n" % i for i in range(6000))
    files = {"data.txt": text, "other.txt": text[::-1], "empty": b"", "old.txt": b"old\n", "old.txt.zst": b"kept"}
    for name, content in files.items():
        (path / name).write_bytes(content)
        os.utime(path / name, (MTIME, MTIME))
    (path / "folder").mkdir()
    return path


def _snapshot(path: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``path`` (hidden temporary files included): its content and mode."""
    return {
        str(p.relative_to(path)): (p.read_bytes(), p.stat().st_mode) for p in sorted(path.rglob("*")) if p.is_file()
    }


def _run(click_way: bool, args: list[str], cwd: Path, stdin: bytes = b"", stdout: Any = subprocess.PIPE):
    """The status, stdout, stderr and the folder's files after one run; checks that it took the
    path it was meant to."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("_ARROWIO_COMPLETE", None)
    result = subprocess.run(
        _command(click_way, args), input=stdin, stdout=stdout, stderr=subprocess.PIPE, cwd=cwd, env=env, timeout=120
    )
    err, modules = split_importtime(result.stderr)
    assert ("click" in modules) == click_way, f"the run did not take the path under test: {err!r}"
    return result.returncode, result.stdout, err, _snapshot(cwd)


def _same_both_ways(tmp_path: Path, args: list[str], stdin: bytes = b"", stdout: Callable[[Path], Any] | None = None):
    """One run each way, in two folders made alike; what the plain run gave, once both agree."""
    runs = []
    for click_way in (False, True):
        folder = _folder(tmp_path / ("click" if click_way else "plain"))
        target = stdout(folder) if stdout is not None else subprocess.PIPE
        runs.append(_run(click_way, args, folder, stdin, target))
    assert runs[0] == runs[1]
    return runs[0]


#: Command lines the click-free path takes, each with the status it ends with.
ACCEPTED: dict[str, tuple[list[str], int]] = {
    "default level to stdout": (["-c", "data.txt"], 0),
    "-N": (["-5", "-c", "data.txt"], 0),
    "-N in a cluster": (["-9c", "data.txt"], 0),
    "a cluster ending in -N": (["-qc1", "data.txt"], 0),
    "--level N": (["--level", "4", "-c", "data.txt"], 0),
    "--level=N": (["--level=4", "--stdout", "data.txt"], 0),
    "the last level wins": (["-1", "--level=7", "-c", "data.txt"], 0),
    "-C NAME": (["-C", "gzip", "-c", "data.txt"], 0),
    "-CNAME": (["-Cbz2", "-c", "data.txt"], 0),
    "--codec ALIAS": (["--codec", "gz", "-c", "data.txt"], 0),
    "--codec=NAME in capitals": (["--codec=XZ", "-c", "data.txt"], 0),
    "lz4 and brotli": (["-C", "lz4", "-c", "data.txt", "other.txt"], 0),
    "-T0": (["-T0", "-c", "data.txt"], 0),
    "-T 0": (["-T", "0", "-c", "data.txt"], 0),
    "--threads=2 gzip": (["--threads=2", "-C", "gzip", "-c", "data.txt"], 0),
    "--threads 1": (["--threads", "1", "-c", "data.txt"], 0),
    "-T in a cluster": (["-cT2", "data.txt"], 0),
    "an output file beside the input": (["data.txt"], 0),
    "output files for two inputs": (["data.txt", "other.txt", "empty"], 0),
    "-o PATH": (["-o", "out.zst", "data.txt"], 0),
    "-oPATH": (["-oout.gz", "-C", "gzip", "data.txt"], 0),
    "--output=PATH, gzip -9": (["--output=out.gz", "-9", "-C", "gzip", "data.txt"], 0),
    "--output PATH after the input": (["data.txt", "--output", "out.zst"], 0),
    "-o - is stdout": (["-o", "-", "data.txt"], 0),
    "options after the inputs": (["data.txt", "-c", "-3"], 0),
    "-k -q": (["-k", "-q", "data.txt"], 0),
    "--keep --quiet --force": (["--keep", "--quiet", "--force", "old.txt"], 0),
    "-kfq over an existing output": (["-kfq", "old.txt"], 0),
    "an existing output without -f": (["old.txt", "data.txt"], 1),
    "a missing input among good ones": (["data.txt", "missing.txt", "other.txt"], 1),
    "a folder": (["folder", "data.txt"], 1),
    "an input that is its own output": (["-o", "data.txt", "data.txt"], 1),
    "a name with a control character": (["-c", "bad\x1bname"], 1),
    "an output folder that does not exist": (["-o", "nowhere/out.zst", "data.txt"], 1),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_the_same_output_lines_status_and_files(tmp_path, case):
    args, status = ACCEPTED[case]
    code, out, err, files = _same_both_ways(tmp_path, args)
    assert code == status
    assert err.startswith(b"arrowio: error: ") if status else err == b""
    assert {"data.txt", "other.txt", "old.txt"} <= set(files)  # inputs are kept


def test_the_output_decodes_to_the_input(tmp_path):
    _, out, _, files = _same_both_ways(tmp_path, ["-C", "gzip", "-c", "data.txt"])
    decoded = subprocess.run(["gzip", "-dc"], input=out, capture_output=True, check=True).stdout
    assert decoded == files["data.txt"][0]


@pytest.mark.parametrize("args", [[], ["-"], ["-c", "-"], ["-3", "-C", "zstd"]], ids=["none", "dash", "-c -", "level"])
def test_stdin_goes_to_stdout_the_same_way(tmp_path, args):
    data = b"from stdin\n" * 5000
    code, out, err, _ = _same_both_ways(tmp_path, args, stdin=data)
    assert (code, err) == (0, b"")
    assert subprocess.run(["zstd", "-dc"], input=out, capture_output=True, check=True).stdout == data


def test_stdin_to_a_named_output(tmp_path):
    code, out, _, files = _same_both_ways(tmp_path, ["-o", "in.zst", "-"], stdin=b"piped\n")
    assert (code, out) == (0, b"") and "in.zst" in files


#: Command lines the click-free path reads but sends the click way, for click to report.
USAGE_ERRORS = {
    "a zstd level past 19 without --ultra": ["-22", "-c", "data.txt"],
    "a gzip level past 9": ["-C", "gzip", "-12", "-c", "data.txt"],
    "bz2 level 0": ["-C", "bz2", "--level=0", "-c", "data.txt"],
    "-c and -o": ["-c", "-o", "out.zst", "data.txt"],
    "-o with two inputs": ["-o", "out.zst", "data.txt", "other.txt"],
    "an unknown format": ["-C", "nope", "-c", "data.txt"],
    "a raw block format": ["-C", "lz4_raw", "-c", "data.txt"],
    "a level for snappy": ["-C", "snappy", "-3", "-c", "data.txt"],
    "a level that is no number": ["--level", "x", "-c", "data.txt"],
    "-T with no value": ["data.txt", "-T"],
    "an unknown option": ["--nope", "data.txt"],
}


@pytest.mark.parametrize("case", USAGE_ERRORS)
def test_usage_errors_are_clicks_own(tmp_path, case):
    """The click-free path takes none of these: both runs are click's, usage lines and all."""
    folder = _folder(tmp_path / "f")
    code, out, err, files = _run(True, USAGE_ERRORS[case], folder)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    plain = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "arrowio_cli", "compress", *USAGE_ERRORS[case]],
        capture_output=True,
        cwd=folder,
        env=env,
    )
    plain_err, modules = split_importtime(plain.stderr)
    assert "click" in modules  # it went the click way
    assert (plain.returncode, plain.stdout, plain_err) == (code, out, err)
    assert code == 2 and b"Error: " in err
    assert files == _snapshot(folder)  # nothing written, nothing removed


def test_a_full_disk_on_stdout_is_the_same_error(tmp_path):
    code, _, err, _ = _same_both_ways(tmp_path, ["-c", "data.txt"], stdout=lambda _: open("/dev/full", "wb"))
    assert code == 1 and err == b"arrowio: error: cannot write to stdout: No space left on device\n"


def test_a_full_device_as_the_output_is_the_same_error(tmp_path):
    code, _, err, _ = _same_both_ways(tmp_path, ["-o", "/dev/full", "data.txt"])
    assert code == 1 and err == b"arrowio: error: /dev/full: No space left on device\n"


def test_stdout_that_is_the_input_is_the_same_refusal(tmp_path):
    code, _, err, files = _same_both_ways(tmp_path, ["-c", "data.txt"], stdout=lambda d: open(d / "data.txt", "ab"))
    assert code == 1 and err.endswith(b"are the same file; nothing done\n")
    assert files["data.txt"][0].startswith(b"line 0 ")


def test_a_terminal_on_stdout_is_the_same_refusal(tmp_path):
    main, terminal = pty.openpty()
    try:
        code, _, err, _ = _same_both_ways(tmp_path, ["data.txt", "-c"], stdout=lambda _: terminal)
    finally:
        os.close(main)
        os.close(terminal)
    assert code == 1 and err.startswith(b"arrowio: error: refusing to write compressed data to a terminal")


def _reader_leaves_after_one_byte(click_way: bool, folder: Path) -> tuple[int, bytes, bytes]:
    process = subprocess.Popen(
        _command(click_way, ["-1", "-c", "big"]), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=folder
    )
    assert process.stdout is not None
    first = process.stdout.read(1)
    process.stdout.close()  # like `| head -c1`
    _, err = process.communicate(timeout=120)
    return process.returncode, first, split_importtime(err)[0]


def test_a_reader_that_leaves_early_ends_both_by_sigpipe(tmp_path):
    big = os.urandom(BIG)
    runs = []
    for click_way in (False, True):
        folder = _folder(tmp_path / str(click_way))
        (folder / "big").write_bytes(big)
        runs.append(_reader_leaves_after_one_byte(click_way, folder))
    assert runs[0] == runs[1]
    assert runs[0] == (-signal.SIGPIPE, b"\x28", b"")  # quiet, killed by SIGPIPE as zstd is


def _interrupted(click_way: bool, signum: int, args: list[str], cwd: Path) -> tuple[int, bytes, bytes]:
    """``signum`` while compress waits for more of stdin, once it has read most of what came:
    the status, the first bytes of stdout (nothing, or the start of an unfinished stream), stderr."""
    process = subprocess.Popen(
        _command(click_way, args), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    out: list[bytes] = []
    drain = threading.Thread(target=lambda: out.append(process.stdout.read()))  # type: ignore[union-attr]
    drain.start()
    process.stdin.write(os.urandom(3 << 20))  # returns once it has read all but a pipe's worth: it runs
    process.stdin.flush()
    process.send_signal(signum)
    drain.join(timeout=60)
    code = process.wait(timeout=60)
    err = process.stderr.read()
    process.stdin.close()
    return code, out[0][:2], split_importtime(err)[0]


def test_ctrl_c_is_the_same_line_and_status(tmp_path):
    runs = [_interrupted(way, signal.SIGINT, ["-C", "gzip", "-1", "-c"], tmp_path) for way in (False, True)]
    assert [(code, err) for code, _, err in runs] == [(130, b"arrowio: error: interrupted\n")] * 2
    assert all(b"\x1f\x8b".startswith(first) for _, first, _ in runs)  # an unfinished gzip stream, if any


def test_sigterm_leaves_no_output_either_way(tmp_path):
    runs = []
    for click_way in (False, True):
        folder = _folder(tmp_path / str(click_way))
        before = _snapshot(folder)
        runs.append((*_interrupted(click_way, signal.SIGTERM, ["-o", "in.zst"], folder), _snapshot(folder) == before))
    assert runs[0] == runs[1] == (143, b"", b"arrowio: error: terminated\n", True)
