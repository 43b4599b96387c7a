"""SIGINT ignored by whoever started us (``cmd &`` in a script: shells start background jobs so).

arrowio leaves an ignored SIGINT ignored, as gzip does: such a job is not meant to be stopped by
Ctrl-C. The suite itself must not depend on how it was started: the Ctrl-C tests send SIGINT to
their children, which inherited SIGINT ignored from a suite run as a background job, so
``test_ctrl_c_during_an_upload_publishes_nothing`` exited 0 instead of 130 and others hung.
tests/conftest.py now gives the suite's children SIGINT back; this runs such tests the way a
background job starts them.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from cli_helpers import arrowio_command

TESTS = Path(__file__).resolve().parents[1]


def _ignoring_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_a_background_job_keeps_sigint_ignored_and_finishes_its_work():
    process = subprocess.Popen(
        arrowio_command("cat", "-"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,  # communicate() reads the pipe itself: nothing may stay in a buffer here
        preexec_fn=_ignoring_sigint,
    )
    assert process.stdin is not None and process.stdout is not None
    lines = b"first\n" * 10_000
    process.stdin.write(lines)
    out = process.stdout.read(6)
    assert out, "cat ended before its output began"  # running, past its start-up
    process.send_signal(signal.SIGINT)
    rest, err = process.communicate(timeout=60)
    assert (process.returncode, err, out + rest) == (0, b"", lines)


def test_the_ctrl_c_tests_pass_when_the_suite_starts_with_sigint_ignored():
    # Tests whose children end once stdin closes: with SIGINT ignored they fail, they do not hang.
    tests = [
        "cli/test_plain_cat.py::test_ctrl_c_is_the_same_line_and_status",
        "cli/test_compress.py::test_ctrl_c_or_sigterm_leaves_no_output",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *(str(TESTS / test) for test in tests)],
        capture_output=True,
        cwd=TESTS.parent,
        preexec_fn=_ignoring_sigint,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout.decode()[-3000:]
    assert b"3 passed" in result.stdout
