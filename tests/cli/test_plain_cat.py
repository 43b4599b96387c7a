"""``arrowio cat FILE...`` without options runs without click (arrowio_cli.plain_cat): the same
bytes on stdout, the same lines on stderr and the same exit status as the click command, in real
processes. ``cat --quiet`` is the reference: an option sends it the click way, and --quiet
changes nothing where stderr is not a terminal."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import compressed_by_tool, split_importtime

from arrowio_cli import plain_cat

#: Enough decoded output that a reader leaving after one byte finds the writer still writing.
BIG = 8 << 20


def _command(click_way: bool, args: list[str]) -> list[str]:
    """``arrowio cat ARGS`` (``cat --quiet ARGS`` the click way), with the import list on stderr."""
    return [sys.executable, "-X", "importtime", "-m", "arrowio_cli", "cat", *(["--quiet"] if click_way else []), *args]


def _run(click_way: bool, args: list[str], stdin: bytes | None = None, stdout: Any = subprocess.PIPE, **env_vars: str):
    """The status, stdout and stderr of one run; checks that it took the path it was meant to."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **env_vars}
    env.pop("_ARROWIO_COMPLETE", None)
    result = subprocess.run(
        _command(click_way, args),
        input=stdin if stdin is not None else b"",
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
        timeout=120,
    )
    err, modules = split_importtime(result.stderr)
    assert ("click" in modules) == click_way, "the run did not take the path under test"
    return result.returncode, result.stdout, err


def _same_both_ways(args: list[str], stdin: bytes | None = None, stdout: Any = subprocess.PIPE, **env_vars: str):
    plain = _run(False, args, stdin, stdout, **env_vars)
    assert plain == _run(True, args, stdin, stdout, **env_vars)
    return plain


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    data = b"".join(b"line %d of the differential test\n" % i for i in range(20_000))
    made = {"plain": tmp_path / "plain.txt", "empty": tmp_path / "empty"}
    made["plain"].write_bytes(data)
    made["empty"].write_bytes(b"")
    for fmt in ("gzip", "zstd", "bz2", "xz", "lz4", "brotli"):
        made[fmt] = tmp_path / f"data.{fmt}" if fmt != "brotli" else tmp_path / "data.br"
        made[fmt].write_bytes(compressed_by_tool(fmt, data))
    whole = made["gzip"].read_bytes()
    made["truncated"] = tmp_path / "truncated.gz"
    made["truncated"].write_bytes(whole[: len(whole) // 2])
    corrupt = bytearray(made["zstd"].read_bytes())
    corrupt[len(corrupt) // 2] ^= 0xFF
    made["corrupt"] = tmp_path / "corrupt.zst"
    made["corrupt"].write_bytes(bytes(corrupt))
    return made


CASES: dict[str, Callable[[dict[str, Path], Path], list[str]]] = {
    "every format in one run": lambda f, _: [str(f[k]) for k in ("gzip", "zstd", "bz2", "xz", "lz4", "brotli")],
    "plain and empty files": lambda f, _: [str(f["plain"]), str(f["empty"]), str(f["plain"])],
    "a missing file among good ones": lambda f, d: [str(f["gzip"]), str(d / "missing.gz"), str(f["plain"])],
    "a directory": lambda f, d: [str(d), str(f["xz"])],
    "a truncated file": lambda f, _: [str(f["truncated"]), str(f["lz4"])],
    "a corrupt file": lambda f, _: [str(f["corrupt"]), str(f["bz2"])],
    "a name with a control character": lambda f, d: [str(d / "bad\x1bname.gz")],
}


@pytest.mark.parametrize("case", CASES)
def test_files_give_the_same_bytes_lines_and_status(files, tmp_path, case):
    code, out, err = _same_both_ways(CASES[case](files, tmp_path))
    failing = case.startswith(("a missing", "a directory", "a truncated", "a corrupt", "a name"))
    assert code == (1 if failing else 0)
    assert err.startswith(b"arrowio: error: ") if failing else err == b""
    if case == "every format in one run":
        assert out == files["plain"].read_bytes() * 6


@pytest.mark.parametrize("args", [["-"], [], ["-", "-"]], ids=["dash", "no operand", "dash twice"])
def test_stdin_is_read_the_same_way(args):
    data = b"from stdin\n" * 1000
    code, out, err = _same_both_ways(args, stdin=gzip.compress(data))
    assert (code, out, err) == (0, data, b"")


def test_a_library_warning_is_the_same_line():
    """A plain pipe is copied through a pool buffer: a bad pool variable warns, once, in one line."""
    code, out, err = _same_both_ways(["-"], stdin=b"plain\n", ARROWIO_DEFAULT_MEMORY_POOL="bogus")
    assert (code, out) == (0, b"plain\n")
    assert err.startswith(b"arrowio: warning: ARROWIO_DEFAULT_MEMORY_POOL='bogus'") and err.count(b"\n") == 1


def test_a_full_disk_on_stdout_is_the_same_error(files):
    with open("/dev/full", "wb") as full:
        code, _, err = _same_both_ways([str(files["plain"]), str(files["gzip"])], stdout=full)
    assert code == 1 and err == b"arrowio: error: cannot write to stdout: No space left on device\n"


def _reader_leaves_after_one_byte(click_way: bool, path: Path) -> tuple[int, bytes, bytes]:
    process = subprocess.Popen(_command(click_way, [str(path)]), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.read(1)
    process.stdout.close()  # like `| head -c1`
    _, err = process.communicate(timeout=60)
    return process.returncode, first, split_importtime(err)[0]


def test_a_reader_that_leaves_early_ends_both_by_sigpipe(tmp_path):
    path = tmp_path / "big.gz"
    path.write_bytes(gzip.compress(os.urandom(BIG), compresslevel=1))
    plain = _reader_leaves_after_one_byte(False, path)
    assert plain == _reader_leaves_after_one_byte(True, path)
    assert plain[0] == -signal.SIGPIPE and plain[2] == b""  # quiet, killed by SIGPIPE as cat is


def _interrupted(click_way: bool) -> tuple[int, bytes, bytes]:
    """Ctrl-C while the command waits for more of stdin, once its output has begun."""
    lines = b"first\n" * 10_000  # more than the detection peeks at: the output starts before EOF
    # Unbuffered: communicate() reads the pipe itself, so bytes buffered by a read here would be lost.
    process = subprocess.Popen(
        _command(click_way, ["-"]), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(lines)
    out = b""
    while len(out) < 6:  # it is running, its handlers in place
        chunk = process.stdout.read(6 - len(out))
        assert chunk, "cat ended before its output began"
        out += chunk
    process.send_signal(signal.SIGINT)
    rest, err = process.communicate(timeout=60)
    assert lines.startswith(out + rest)  # how much went out before the signal may differ
    return process.returncode, out, split_importtime(err)[0]


def test_ctrl_c_is_the_same_line_and_status():
    plain = _interrupted(False)
    assert plain == _interrupted(True)
    assert plain == (130, b"first\n", b"arrowio: error: interrupted\n")


def test_the_defaults_are_those_of_the_click_command():
    from arrowio_cli.cat import cat

    params = cat.make_context("cat", []).params
    codec = {"none": None}.get(params["compression"], params["compression"])
    given = {"codec": codec, **{name: params[name] for name in plain_cat.DEFAULTS if name != "codec"}}
    assert given == plain_cat.DEFAULTS
    assert not (params["show_stats"] or params["progress"] or params["quiet"])  # nothing else to do


@pytest.mark.parametrize(
    ("args", "inputs"),
    [
        (["cat"], ()),
        (["cat", "a.gz", "-", "b"], ("a.gz", "-", "b")),
        (["cat", "a.gz", "-q"], None),
        (["cat", "--", "a.gz"], None),
        (["cat", "-h"], None),
        (["cat", "--help"], None),
        (["--traceback", "cat", "a.gz"], None),
        (["info", "a.gz"], None),
        ([], None),
    ],
)
def test_only_cat_with_operands_only_goes_without_click(args, inputs, monkeypatch):
    monkeypatch.delenv("_ARROWIO_COMPLETE", raising=False)
    assert plain_cat.operands(args) == inputs


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_a_terminal_on_stderr_or_a_completion_request_goes_the_click_way(monkeypatch):
    monkeypatch.setattr(sys, "stderr", _Terminal())  # the progress line may show there
    assert plain_cat.operands(["cat", "a.gz"]) is None
    monkeypatch.undo()
    monkeypatch.setenv("_ARROWIO_COMPLETE", "bash_complete")
    assert plain_cat.operands(["cat", "a.gz"]) is None


def test_the_completion_variable_is_the_one_click_answers():
    from arrowio_cli.completion import COMPLETE_VAR

    assert plain_cat._COMPLETE_VAR == COMPLETE_VAR
