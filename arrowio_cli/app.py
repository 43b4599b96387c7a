"""The ``arrowio`` click group and its global options; :func:`run` runs it on a command line.

Subcommands live one per module and are imported only when they are run (or listed by
``--help``); each module imports nothing heavier than click at its top. ``main`` imports this
module only for command lines that need click (all but ``arrowio cat FILE...``).
"""

from __future__ import annotations

import os
from importlib import import_module

import click

from arrowio import __version__

from .exit_codes import ExitCode

__all__ = ["COMMANDS", "LazyGroup", "cli", "run"]

#: Subcommand name -> "module:attribute" of its click command.
COMMANDS: dict[str, str] = {
    "cat": "arrowio_cli.cat:cat",
    "completion": "arrowio_cli.completion:completion",
    "compress": "arrowio_cli.compress:compress",
    "gpu-copy": "arrowio_cli.gpu_copy:gpu_copy",
    "info": "arrowio_cli.info:info",
    "mmap-read": "arrowio_cli.mmap_read:mmap_read",
    "pool-stats": "arrowio_cli.pool_stats:pool_stats",
}


class _ReaderGone(Exception):
    """Our stdout's reader closed the pipe; raised past click, which would exit 1 on EPIPE itself."""


class _Interrupted(Exception):
    """Ctrl-C; raised past click, which would print a newline of its own before aborting."""


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise _ReaderGone() from None
        except KeyboardInterrupt:
            raise _Interrupted() from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(super().list_commands(ctx)))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return super().get_command(ctx, name)
        module, attribute = target.split(":")
        command: click.Command = getattr(import_module(module), attribute)
        if not any(param.name == "color" for param in command.params):
            command.params.append(_color_option_after())
        return command


_COLOR_HELP = "Colour the reports (default: when the stream is a terminal and NO_COLOR is unset); --color forces it also into a pipe."


def _set_color(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    """``--color/--no-color`` given after the subcommand: it wins over the group's and NO_COLOR."""
    if value is not None:
        ctx.color = value
        ctx.find_root().color = value


def _color_option_after() -> click.Option:
    """The group's ``--color/--no-color``, also accepted after the subcommand (``arrowio info --color f``)."""
    return click.Option(
        ["--color/--no-color"], default=None, expose_value=False, is_eager=True, callback=_set_color, help=_COLOR_HELP
    )


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="arrowio", message="%(prog)s %(version)s")
@click.option("--color/--no-color", default=None, help=_COLOR_HELP + " Also accepted after the subcommand.")
@click.option("--traceback", is_flag=True, hidden=True, help="Show the Python traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, color: bool | None, traceback: bool) -> None:
    """Inspect and convert buffers and files: Arrow's memory and IO layer on the command line.

    \b
    Examples:
      arrowio cat logs.gz | grep ERROR       decode by magic bytes, stream to stdout
      arrowio compress -19 big.csv      write big.csv.zst atomically
      arrowio pool-stats --max-peak 64M -- cat big.gz   fail CI on a memory regression
      arrowio cat 's3://bucket/logs/*.zst'   URLs and URL globs (fsspec; -S KEY=VALUE)
    """
    if color is None and os.environ.get("NO_COLOR"):
        color = False
    ctx.color = color
    ctx.meta["arrowio.traceback"] = traceback


def run(args: list[str]) -> int:
    """Run the group on ``args``: the exit code of what click itself ends (help, version, usage
    errors, a command's ``ctx.exit``); what a command raised is raised as the plain Python
    exception it was, for ``main``'s one translation into a line and a code."""
    try:
        code = cli.main(args=args, prog_name="arrowio", standalone_mode=False)
    except click.exceptions.Exit as exc:  # --help, --version
        return exc.exit_code
    except click.ClickException as exc:  # usage errors: click's own message and exit code (2)
        exc.show()
        return exc.exit_code
    except (_Interrupted, click.exceptions.Abort):  # Abort: Ctrl-C (or EOF) while click itself ran
        raise KeyboardInterrupt() from None
    except _ReaderGone:
        raise BrokenPipeError() from None
    return int(code) if isinstance(code, int) else ExitCode.OK
