"""The ``arrowio`` click group, its global options, and the one place errors become exit codes.

Subcommands live one per module and are imported only when they are run (or listed by
``--help``); each module imports nothing heavier than click at its top.
"""

from __future__ import annotations

import os
import sys
import warnings
from importlib import import_module

import click

from arrowio import __version__
from arrowio.settings import JEMALLOC_TLS_TUNABLE, requested_default_pool

from .errors import CliError, Terminated, describe, exit_code_for, print_error
from .exit_codes import ExitCode

__all__ = ["cli", "main", "COMMANDS", "RESTARTED_FOR_JEMALLOC_ENV"]

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


def _error(message: str) -> None:
    try:
        print_error(message)
    except (BrokenPipeError, OSError):  # stderr itself is gone: nothing left to tell
        pass


def _show_warning(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
    """A library warning (a bad ARROWIO_DEFAULT_MEMORY_POOL, say) as one line, in the form of the
    error lines, instead of Python's two with a source line."""
    try:
        click.echo(f"arrowio: warning: {' '.join(str(message).split())}", err=True)
    except (BrokenPipeError, OSError):
        pass


def _silence_stdout() -> None:
    """After a reader closed our stdout, point it at /dev/null so exit-time flushes stay quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


_REEXEC_ENV = "ARROWIO_REEXECUTED"
#: Set in the re-executed process: jemalloc is loadable there only because main() restarted it,
#: which pool-stats says when it tells which backend a plain run would default to.
RESTARTED_FOR_JEMALLOC_ENV = "ARROWIO_RESTARTED_FOR_JEMALLOC"


def _wants_jemalloc(args: list[str]) -> bool:
    request = requested_default_pool()  # ARROWIO_DEFAULT_MEMORY_POOL, else ARROW_DEFAULT_MEMORY_POOL
    if (request is not None and request[1] == "jemalloc") or "--backend=jemalloc" in args:
        return True
    return any(a == "--backend" and b == "jemalloc" for a, b in zip(args, args[1:], strict=False))


def _reexec_for_jemalloc(args: list[str]) -> None:
    """Debian's libjemalloc needs static TLS room that only a new process can have: re-exec with it.

    Runs only when jemalloc is asked for (``--backend jemalloc`` or the default-pool variable),
    the tunable is missing, and the library is installed; at most once.
    """
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if JEMALLOC_TLS_TUNABLE in tunables or os.environ.get(_REEXEC_ENV) or not _wants_jemalloc(args):
        return
    import ctypes.util

    if not ctypes.util.find_library("jemalloc"):
        return  # the pool functions will say what to install
    env = dict(os.environ)
    env["GLIBC_TUNABLES"] = f"{tunables}:{JEMALLOC_TLS_TUNABLE}" if tunables else JEMALLOC_TLS_TUNABLE
    env[_REEXEC_ENV] = "1"
    env[RESTARTED_FOR_JEMALLOC_ENV] = "1"
    if sys.stdout is not None:
        sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "arrowio_cli", *args], env)


def main(argv: list[str] | None = None) -> None:
    """Run the command line and exit with its code."""
    args = sys.argv[1:] if argv is None else argv
    _reexec_for_jemalloc(args)
    show_traceback = "--traceback" in args
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            code = cli.main(args=args, prog_name="arrowio", standalone_mode=False)
        code = int(code) if isinstance(code, int) else ExitCode.OK
    except click.exceptions.Exit as exc:  # --help, --version
        code = exc.exit_code
    except click.ClickException as exc:  # usage errors: click's own message and exit code (2)
        exc.show()
        code = exc.exit_code
    except (_Interrupted, KeyboardInterrupt, click.exceptions.Abort):
        _error("interrupted")
        code = ExitCode.INTERRUPTED
    except Terminated:
        _error("terminated")
        code = ExitCode.TERMINATED
    except (_ReaderGone, BrokenPipeError):
        # The reader stopped early (`| head`): that ends us quietly, like cat, and by SIGPIPE.
        _silence_stdout()
        code = ExitCode.BROKEN_PIPE
    except Exception as exc:
        if show_traceback:
            raise
        if isinstance(exc, (CliError, OSError, ValueError, TypeError, MemoryError, NotImplementedError)) or type(
            exc
        ).__module__.startswith("arrowio"):
            _error(describe(exc))
        else:
            _error(f"internal error: {type(exc).__name__}: {describe(exc)} (run with --traceback for details)")
        code = exit_code_for(exc)
    try:
        if sys.stdout is not None:  # None: started with stdout closed (>&-)
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        code = ExitCode.BROKEN_PIPE
    if code == ExitCode.BROKEN_PIPE and argv is None:
        _die_of_sigpipe()
    sys.exit(code)


def _die_of_sigpipe() -> None:
    """End the process as ``cat``, ``zcat`` and ``zstd`` end when their reader leaves: killed by
    SIGPIPE (status 141 under ``set -o pipefail``), so a pipeline can tell truncated output from
    complete output. Only for a real run (``main()`` without arguments): everything is cleaned
    up by now, and an embedding caller (``main(args)``, tests) gets ``SystemExit(141)`` instead."""
    import signal

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # Python ignores it; the default kills
    os.kill(os.getpid(), signal.SIGPIPE)
