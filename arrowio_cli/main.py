"""The entry point of ``arrowio``: the command line run, and the one place errors become exit codes.

``arrowio cat FILE...`` without options runs without click (:mod:`.plain_cat`), and so does
``arrowio compress`` with its everyday options (:mod:`.plain_compress`); every other command line
goes through the click group of :mod:`.app`, which is imported only then.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable

from arrowio.settings import JEMALLOC_TLS_TUNABLE, requested_default_pool

from .errors import CliError, Terminated, describe, exit_code_for, print_error, print_warning
from .exit_codes import ExitCode

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

    from .app import COMMANDS, cli

__all__ = ["cli", "main", "COMMANDS", "RESTARTED_FOR_JEMALLOC_ENV"]


def __getattr__(name: str) -> Any:
    """``cli`` and ``COMMANDS`` (the click group and its table) from :mod:`.app`, imported on
    first use so that the entry point itself never imports click."""
    if name in ("cli", "COMMANDS", "LazyGroup"):
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _error(message: str) -> None:
    try:
        print_error(message)
    except (BrokenPipeError, OSError):  # stderr itself is gone: nothing left to tell
        pass


def _show_warning(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
    """A library warning (a bad ARROWIO_DEFAULT_MEMORY_POOL, say) as one line, in the form of the
    error lines, instead of Python's two with a source line."""
    try:
        print_warning(str(message))
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


def _work(args: list[str]) -> Callable[[], int]:
    """What runs the command line ``args``: the click-free ``cat`` or ``compress`` where it
    applies, else click."""
    from . import plain_cat

    inputs = plain_cat.operands(args)
    if inputs is not None:
        return lambda: plain_cat.run(inputs)
    if args and args[0] == "compress":
        from . import plain_compress

        work = plain_compress.job(args)
        if work is not None:
            return work
    from . import app

    return lambda: app.run(args)


def exit_code(exc: BaseException, show_traceback: bool = False) -> int:
    """The exit code of a run that ``exc`` ended, once its one line is on stderr: the single
    translation of both paths (click's own endings, help and usage errors, are click's).

    With ``show_traceback`` (``--traceback``), an error is raised again instead, for Python to show."""
    if isinstance(exc, KeyboardInterrupt):
        _error("interrupted")
        return ExitCode.INTERRUPTED
    if isinstance(exc, Terminated):
        _error("terminated")
        return ExitCode.TERMINATED
    if isinstance(exc, BrokenPipeError):
        # The reader stopped early (`| head`): that ends us quietly, like cat, and by SIGPIPE.
        _silence_stdout()
        return ExitCode.BROKEN_PIPE
    if isinstance(exc, SystemExit) and (exc.code is None or isinstance(exc.code, int)):
        return exc.code or ExitCode.OK  # a command ending itself with a status (InputRunner.exit)
    if show_traceback or not isinstance(exc, Exception):
        raise exc
    if isinstance(exc, (CliError, OSError, ValueError, TypeError, MemoryError, NotImplementedError)) or type(
        exc
    ).__module__.startswith("arrowio"):
        _error(describe(exc))
    else:
        _error(f"internal error: {type(exc).__name__}: {describe(exc)} (run with --traceback for details)")
    return exit_code_for(exc)


def main(argv: list[str] | None = None) -> None:
    """Run the command line and exit with its code."""
    args = sys.argv[1:] if argv is None else argv
    _reexec_for_jemalloc(args)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            code = _work(args)()
    except BaseException as exc:  # noqa: BLE001 - exit_code() raises again what is not ours
        code = exit_code(exc, show_traceback="--traceback" in args)
    try:
        if sys.stdout is not None:  # None: started with stdout closed (>&-)
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        code = ExitCode.BROKEN_PIPE
    if code == ExitCode.BROKEN_PIPE and argv is None:
        _die_of_sigpipe()
    if argv is None:
        _leave(code)
    sys.exit(code)


#: The module that runs a user's Python program in this process (pool-stats' workloads).
_PYTHON_WORKLOAD = f"{__package__}.python_workload"


def _leave(code: int) -> None:
    """End a real run (``main()`` without arguments) with ``code`` after the steps of an exit that
    can matter, without the interpreter's teardown.

    The steps are the interpreter's own first ones, in its order: threading's exit hooks and the
    join of non-daemon threads (``concurrent.futures`` waits for its workers), the atexit handlers
    (fsspec's and s3fs's among them), then stdout and stderr flushed. The command closed every
    file it opened before main() got its code, so what is left is freeing each module's objects
    one by one and a last garbage collection: about 0.1 s of CPU once s3fs and botocore are
    loaded (benchmarks/bench_remote.py), for nothing anyone sees. An embedding caller
    (``main(args)``, the tests) gets ``SystemExit`` and a normal exit instead, and so does a run
    under a profiler, tracer or debugger (``python -m cProfile -o … -m arrowio_cli``), which
    writes its results after main() returns, and one that may have run a Python program of
    the user's (``pool-stats -- python …``), whose unclosed files flush in the teardown.
    """
    if _watched() or _PYTHON_WORKLOAD in sys.modules:
        return  # see _watched; a program pool-stats ran here may count on its objects' finalizers
    import atexit

    threading = sys.modules.get("threading")  # not imported: no thread was started through it
    if threading is not None:
        threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            return  # let the interpreter's exit report it, as it would have without us
    os._exit(code)


def _watched() -> bool:
    """Whether a profiler, tracer, debugger or coverage tool watches this process, through the
    old hooks or ``sys.monitoring`` (which cProfile uses from Python 3.12 on)."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)
    # PEP 669: a tool holds one of the ids 0 to 5 (0 debugger, 1 coverage, 2 profiler).
    return monitoring is not None and any(monitoring.get_tool(tool) is not None for tool in range(6))


def _die_of_sigpipe() -> None:
    """End the process as ``cat``, ``zcat`` and ``zstd`` end when their reader leaves: killed by
    SIGPIPE (status 141 under ``set -o pipefail``), so a pipeline can tell truncated output from
    complete output. Only for a real run (``main()`` without arguments): everything is cleaned
    up by now, and an embedding caller (``main(args)``, tests) gets ``SystemExit(141)`` instead."""
    import signal

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # Python ignores it; the default kills
    os.kill(os.getpid(), signal.SIGPIPE)
