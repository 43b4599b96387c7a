"""The ``arrowio`` click group, its global options, and the one place errors become exit codes.

Subcommands live one per module and are imported only when they are run (or listed by
``--help``); each module imports nothing heavier than click at its top.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

import click

from arrowio import __version__
from arrowio.settings import JEMALLOC_TLS_TUNABLE, requested_default_pool

from .errors import CliError, Terminated, describe, exit_code_for
from .exit_codes import ExitCode

__all__ = ["cli", "main", "COMMANDS", "RESTARTED_FOR_JEMALLOC_ENV"]

#: Subcommand name -> "module:attribute" of its click command.
COMMANDS: dict[str, str] = {
    "cat": "arrowio_cli.cat:cat",
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
        return getattr(import_module(module), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="arrowio", message="%(prog)s %(version)s")
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the reports on stderr (default: when stderr is a terminal and NO_COLOR is unset).",
)
@click.option("--traceback", is_flag=True, hidden=True, help="Show the Python traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, color: bool | None, traceback: bool) -> None:
    """Inspect and convert buffers and files: Arrow's memory and IO layer on the command line.

    \b
    Examples:
      arrowio cat logs.gz | grep ERROR       decode by magic bytes, stream to stdout
      arrowio compress -C zstd -l 3 big.csv  write big.csv.zst atomically
      arrowio pool-stats --max-peak 64M -- cat big.gz   fail CI on a memory regression
      arrowio cat 's3://bucket/logs/*.zst'   URLs and URL globs (fsspec; -S KEY=VALUE)
    """
    if color is None and os.environ.get("NO_COLOR"):
        color = False
    ctx.color = color
    ctx.meta["arrowio.traceback"] = traceback


def _error(message: str) -> None:
    try:
        click.echo(f"arrowio: error: {message}", err=True)
    except (BrokenPipeError, OSError):  # stderr itself is gone: nothing left to tell
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
    return any(a == "--backend" and b == "jemalloc" for a, b in zip(args, args[1:]))


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
        # The reader stopped early (`| head`): that ends us quietly, like cat.
        _silence_stdout()
        code = ExitCode.OK
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
    sys.exit(code)
