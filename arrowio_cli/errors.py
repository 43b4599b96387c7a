"""Errors of the command line and their translation into one line on stderr and an exit code.

Commands raise :class:`CliError` (or let library errors through); only :func:`report` turns
them into output, so no command calls ``sys.exit`` itself.
"""

from __future__ import annotations

import errno
import sys

from arrowio.errors import ArrowNotImplementedError

from .exit_codes import ExitCode
from .names import printable

__all__ = [
    "CliError", "OutputError", "Terminated", "Unavailable", "describe", "describe_input", "exit_code_for",
    "named", "print_error", "print_warning",
]  # fmt: skip


class CliError(Exception):
    """A failure to report as ``arrowio: error: <message>`` with an exit code."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class Unavailable(CliError):
    """A facility this command needs is absent on this machine (exit 69)."""

    exit_code = ExitCode.UNAVAILABLE


class OutputError(CliError):
    """Writing an output failed; the message names the output, not the input it came from."""

    @classmethod
    def of(cls, output: str, exc: OSError) -> OutputError:
        return cls(f"{output}: {exc.strerror or describe(exc)}")


class Terminated(BaseException):
    """SIGTERM arrived while an output was being written; it ends the run as Ctrl-C does (exit 143).

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` on the way stops it.
    """


def describe(exc: BaseException) -> str:
    """One line that tells a user what went wrong, without a traceback."""
    if isinstance(exc, OSError) and exc.strerror and getattr(exc, "filename", None) is not None:
        return f"{named(exc.filename)}: {exc.strerror}"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "no space left on device"
    if isinstance(exc, OSError) and type(exc).__module__ == "builtins" and exc.strerror and len(exc.args) == 2:
        return exc.strerror  # the kernel's words, not Python's "[Errno 5] Input/output error"
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    text = " ".join(str(exc).split())  # one line, whatever the library put in the message
    if not text and isinstance(exc, MemoryError):
        return "out of memory"  # Python's and the backends' own say nothing at all
    return text or type(exc).__name__


def describe_input(name: str, exc: BaseException) -> str:
    """:func:`describe`, naming the input ``name`` first unless the message already does."""
    text, name = describe(exc), named(name)
    return text if text.startswith(f"{name}:") else f"{name}: {text}"


def named(name: object) -> str:
    """``name`` as a message names it: the empty name as ``''`` (as GNU ``cat ''`` says), so that
    the line does not start with a bare colon."""
    return "''" if name in ("", b"") else str(name)


def print_error(message: str) -> None:
    """``arrowio: error: MESSAGE`` on stderr, with the names in it escaped (:func:`printable`).

    Messages are kept raw until here, so that a name is escaped exactly once."""
    _to_stderr(f"arrowio: error: {printable(message)}")


def print_warning(message: str) -> None:
    """``arrowio: warning: MESSAGE`` on stderr, on one line, escaped as :func:`print_error` does."""
    _to_stderr(f"arrowio: warning: {printable(' '.join(message.split()))}")


def _to_stderr(line: str) -> None:
    """One line on stderr, flushed, without click: the click-free ``cat`` path reports through
    here too. Nothing when the process has no stderr (started with ``2>&-``)."""
    if sys.stderr is not None:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def exit_code_for(exc: BaseException) -> ExitCode:
    if isinstance(exc, CliError):
        return exc.exit_code
    if isinstance(exc, ArrowNotImplementedError):
        return ExitCode.UNAVAILABLE
    return ExitCode.FAILURE
