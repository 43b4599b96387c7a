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


@pytest.mark.parametrize(
    "exc", [ArrowIOError("gzip: truncated"), CliError("out.zst: exists"), BrokenPipeError(), KeyError("k"), None]
)
def test_call_and_the_block_follow_one_policy(capsys, exc):
    """``call`` (one call per input, for cat) and ``input`` report, end or pass alike."""

    def work(*args: object) -> None:
        assert args == ("a", 1)
        if exc is not None:
            raise exc

    outcomes = []
    for how in ("call", "input"):
        runner = InputRunner(fatal=(BrokenPipeError,))
        try:
            if how == "call":
                message = runner.call("in.gz", work, "a", 1)
            else:
                with runner.input("in.gz") as failure:
                    work("a", 1)
                message = failure[0] if failure else None
        except BaseException as raised:  # noqa: BLE001 - the outcome compared is what escaped
            message = f"raised {type(raised).__name__}"
        outcomes.append((message, runner.worst, capsys.readouterr().err))
    assert outcomes[0] == outcomes[1]
    if isinstance(exc, (ArrowIOError, CliError)):
        assert outcomes[0][0] in ("in.gz: gzip: truncated", "out.zst: exists")
        assert outcomes[0][2] == f"arrowio: error: {outcomes[0][0]}\n"
    elif exc is not None:
        assert outcomes[0] == (f"raised {type(exc).__name__}", ExitCode.OK, "")
    else:
        assert outcomes[0] == (None, ExitCode.OK, "")
