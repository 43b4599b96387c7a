"""The click group: version, help, exit codes, error translation, start-up imports, size units."""

from __future__ import annotations

import click
import pytest
from cli_helpers import HEAVY_MODULES, start_up_imports
from click.testing import CliRunner

import arrowio
from arrowio_cli.errors import CliError, Terminated, Unavailable, describe
from arrowio_cli.main import cli, main
from arrowio_cli.params import parse_size


def run_main(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_version_and_help():
    runner = CliRunner()
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output == f"arrowio {arrowio.__version__}\n"
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0 and "Examples:" in result.output


def test_version_matches_the_package_metadata():
    from importlib.metadata import version

    assert version("arrowio") == arrowio.__version__


def test_unknown_command_is_a_usage_error(monkeypatch, capsys):
    code, out, err = run_main(["no-such-command"], monkeypatch, capsys)
    assert code == 2 and out == "" and "No such command" in err


@pytest.mark.parametrize(
    ("exc", "code", "message"),
    [
        (CliError("bad input"), 1, "arrowio: error: bad input\n"),
        (
            Unavailable("gpu-copy: no CUDA device (no driver)"),
            69,
            "arrowio: error: gpu-copy: no CUDA device (no driver)\n",
        ),
        (
            FileNotFoundError(2, "No such file or directory", "missing.gz"),
            1,
            "arrowio: error: missing.gz: No such file or directory\n",
        ),
        (
            arrowio.ArrowNotImplementedError("jemalloc backend unavailable"),
            69,
            "arrowio: error: jemalloc backend unavailable\n",
        ),
        (arrowio.ArrowIOError("gzip: truncated\n at offset 10"), 1, "arrowio: error: gzip: truncated at offset 10\n"),
        (
            RuntimeError("surprise"),
            1,
            "arrowio: error: internal error: RuntimeError: surprise (run with --traceback for details)\n",
        ),
        (KeyboardInterrupt(), 130, "arrowio: error: interrupted\n"),
        (Terminated(), 143, "arrowio: error: terminated\n"),
    ],
)
def test_errors_become_one_line_and_an_exit_code(exc, code, message, monkeypatch, capsys):
    @click.command("boom")
    def boom() -> None:
        raise exc

    monkeypatch.setitem(cli.commands, "boom", boom)
    got_code, out, err = run_main(["boom"], monkeypatch, capsys)
    assert (got_code, out, err) == (code, "", message)  # exactly one line, Ctrl-C included


def test_traceback_flag_shows_the_traceback(monkeypatch):
    @click.command("boom")
    def boom() -> None:
        raise RuntimeError("surprise")

    monkeypatch.setitem(cli.commands, "boom", boom)
    with pytest.raises(RuntimeError, match="surprise"):
        main(["--traceback", "boom"])


def test_broken_pipe_is_quiet(monkeypatch, capsys):
    @click.command("pipe")
    def pipe() -> None:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setitem(cli.commands, "pipe", pipe)
    code, out, err = run_main(["pipe"], monkeypatch, capsys)
    assert code == 141 and err == ""  # in-process: SIGPIPE's status, not the signal itself


def test_describe_keeps_one_line():
    assert describe(ValueError("a\nb")) == "a b"
    assert describe(KeyError("no such codec")) == "no such codec"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("17", 17),
        ("64K", 65536),
        ("64k", 65536),
        ("1.5MiB", 1572864),
        ("2G", 2 << 30),
        ("10MB", 10**7),
        ("3 KiB", 3072),
        ("512b", 512),
    ],
)
def test_sizes_accept_units(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "K", "-1", "1.2.3", "5X", "10 parsecs", "1.5", "0.1K"])
def test_bad_sizes(text):  # a fraction of a byte is refused, not rounded
    with pytest.raises(ValueError, match="invalid size"):
        parse_size(text)


def test_start_up_imports_nothing_heavy():
    result, imported = start_up_imports("--help")
    assert result.returncode == 0, result.stderr
    assert not (HEAVY_MODULES | {"isal"}) & imported


def test_describe_input_names_the_input_once():
    from arrowio_cli.errors import describe_input

    assert describe_input("a.gz", ValueError("bad")) == "a.gz: bad"
    assert (
        describe_input("a.gz", FileNotFoundError(2, "No such file or directory", "a.gz"))
        == "a.gz: No such file or directory"
    )
    assert (
        describe_input("a", FileNotFoundError(2, "No such file or directory", "a.gz"))
        == "a: a.gz: No such file or directory"
    )
