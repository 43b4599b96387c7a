"""The one per-input error policy: a failed input is one line, the run goes on, the worst code wins."""

from __future__ import annotations

import click
import pytest

from arrowio.errors import ArrowIOError, ArrowNotImplementedError
from arrowio_cli.errors import CliError
from arrowio_cli.exit_codes import ExitCode
from arrowio_cli.runner import InputRunner


def test_failures_are_reported_and_the_worst_code_ends_the_run(capsys):
    runner = InputRunner()
    ran = []
    for label, exc in [
        ("a.gz", ArrowIOError("gzip: truncated")),
        ("b", None),
        ("c.br", ArrowNotImplementedError("no brotli")),
    ]:
        with runner.input(label) as failure:
            if exc is not None:
                raise exc
            ran.append(label)
        assert bool(failure) == (exc is not None)
    assert ran == ["b"]
    assert capsys.readouterr().err.splitlines() == [
        "arrowio: error: a.gz: gzip: truncated",
        "arrowio: error: c.br: no brotli",
    ]
    with pytest.raises(click.exceptions.Exit) as ended:
        runner.exit(click.Context(click.Command("x")))
    assert ended.value.exit_code == ExitCode.UNAVAILABLE  # 69 beats 1


def test_our_own_messages_keep_their_subject(capsys):
    runner = InputRunner()
    with runner.input("in.txt") as failure:
        raise CliError("out.zst: exists; use -f")
    assert failure == ["out.zst: exists; use -f"]
    assert capsys.readouterr().err == "arrowio: error: out.zst: exists; use -f\n"


def test_fatal_and_unexpected_errors_end_the_run(capsys):
    runner = InputRunner(fatal=(BrokenPipeError,))
    with pytest.raises(BrokenPipeError), runner.input("x"):
        raise BrokenPipeError()
    with pytest.raises(KeyError), runner.input("x"):  # a bug: main's translator reports it
        raise KeyError("k")
    assert runner.worst == ExitCode.OK and capsys.readouterr().err == ""
    runner.exit(click.Context(click.Command("x")))  # all succeeded: nothing to end


def test_a_failure_drops_the_traceback():
    """A decoder keeps its exception; a traceback would tie the command's frames into a cycle."""
    runner = InputRunner()
    error = ValueError("bad")
    with runner.input("x"):
        raise error
    assert error.__traceback__ is None
