"""The progress line, as zstd and pv draw it: on a terminal (or with --progress) once work has run
about a second, redrawn while a slow piece is worked on, never in a pipe unless forced, -q silences."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cli_helpers import arrowio_command, run_in_terminal

from arrowio_cli import report

DATA = os.urandom(3 << 20).hex().encode()  # 6 MiB that compress only 2:1
HEAD = 5 << 20  # more than compress reads at once (4 MiB), so that work is done before the pause


def slow_feed(tmp_path, command: str, pause: float = 1.6) -> subprocess.CompletedProcess[bytes]:
    """``command`` reading stdin that brings 5 MiB, then nothing for ``pause`` s, then the rest:
    the run outlasts the one-second delay whatever the machine's speed."""
    source = tmp_path / "data.txt"
    source.write_bytes(DATA)
    feed = f"(head -c {HEAD} {source}; sleep {pause}; tail -c +{HEAD + 1} {source})"
    return subprocess.run(["bash", "-c", f"{feed} | {command}"], capture_output=True, cwd=tmp_path)


def arrowio(*args: str) -> str:
    return " ".join(arrowio_command(*args))


def test_progress_forced_into_a_pipe_counts_bytes_and_rate(tmp_path):
    result = slow_feed(tmp_path, f"{arrowio('compress', '--progress', '-C', 'gzip', '-c')} > out.gz")
    assert result.returncode == 0, result.stderr
    err = result.stderr.decode()
    assert "<stdin> 4.0 MiB -> " in err and "%)" in err and "MiB/s" in err  # read, written, ratio, rate
    assert subprocess.run(["gzip", "-dc", tmp_path / "out.gz"], capture_output=True).stdout == DATA


@pytest.mark.parametrize("flags", [(), ("-q",)])
def test_no_progress_in_a_pipe_unless_forced(tmp_path, flags):
    result = slow_feed(tmp_path, f"{arrowio('compress', *flags, '-c')} > out.zst")
    assert (result.returncode, result.stderr) == (0, b"")


def test_cat_progress_counts_what_reached_stdout(tmp_path):
    result = slow_feed(tmp_path, f"{arrowio('cat', '--progress')} > out.txt")
    assert result.returncode == 0 and (tmp_path / "out.txt").read_bytes() == DATA
    assert "cat 5.0 MiB" in result.stderr.decode()
    quiet = slow_feed(tmp_path, f"{arrowio('cat', '-q')} > out.txt", pause=0.1)
    assert quiet.stderr == b""


def test_progress_and_quiet_contradict(run):
    for command in ("cat", "compress"):
        result = run([command, "--progress", "-q"])
        assert result.exit_code == 2 and "--progress and -q/--quiet contradict" in result.stderr


def test_progress_on_a_terminal_without_asking(tmp_path):
    source = tmp_path / "data.txt"
    source.write_bytes(DATA)
    line = (
        f"(head -c {HEAD} {source}; sleep 1.6; tail -c +{HEAD + 1} {source}) | {arrowio('compress', '-o', 'out.zst')}"
    )
    status, shown = run_in_terminal(["/bin/bash", "-c", line], cwd=tmp_path)
    assert status == 0 and b"<stdin>" in shown and b"MiB -> " in shown
    assert subprocess.run(["zstd", "-dc", tmp_path / "out.zst"], capture_output=True).stdout == DATA


def test_the_line_is_redrawn_while_the_work_goes_on():
    """Counts are polled at each redraw (four a second), not pushed when a piece ends."""
    code = (
        "import itertools, time\n"
        "from arrowio_cli import report\n"
        "ticks = itertools.count(1)\n"
        "with report.Progress('p', 100 << 20, force=True, delay=0, done=lambda: next(ticks) << 20):\n"
        "    time.sleep(1.5)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    shown = {line for line in result.stderr.replace("\r", "\n").split("\n") if "MiB / 100.0 MiB" in line}
    assert len(shown) >= 3  # several different counts drawn during one piece of work


def test_progress_off_a_terminal_is_silent_and_imports_nothing(capsys):
    with report.Progress("work", 100, delay=0) as progress:
        progress.advance(100)
    assert capsys.readouterr().err == ""
