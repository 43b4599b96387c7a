"""The one per-input error policy of the commands that take several inputs (cat, compress, info).

On the model of httpie's ``main()``/``program()`` split: a command's body does the work for one
input; :class:`InputRunner` turns what that input raised into the one ``arrowio: error:`` line
and remembers the worst exit code, so the run goes on with the next input and ends with it.
What is about the whole run (stdout gone, a usage error) is not caught here but by ``main``.
"""

from __future__ import annotations

from collections.abc import Callable

from arrowio.errors import ArrowException

from .errors import CliError, describe, describe_input, exit_code_for, print_error
from .exit_codes import ExitCode

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from typing import NoReturn, Protocol

    class Exits(Protocol):
        """What :meth:`InputRunner.exit` needs of a click context."""

        def exit(self, code: int = 0) -> NoReturn: ...


__all__ = ["INPUT_ERRORS", "InputRunner"]

#: What one input can fail with and the next input still be tried; anything else is a bug or
#: about the whole run, and goes to ``main``'s translator.
INPUT_ERRORS: tuple[type[BaseException], ...] = (
    OSError, ValueError, TypeError, NotImplementedError, MemoryError, ArrowException, CliError,
)  # fmt: skip


class InputRunner:
    """Runs inputs one after another; a failed one is reported and the run goes on.

    ``fatal`` names the exceptions that end the run even though they match :data:`INPUT_ERRORS`
    (stdout failed: no later input can do better)."""

    def __init__(self, fatal: tuple[type[BaseException], ...] = ()) -> None:
        self.fatal = fatal
        self.worst = ExitCode.OK  # of the inputs that failed: 69 where a needed backend is missing, else 1

    def failed(self, label: str, exc: BaseException) -> str:
        """Report ``exc`` of the input ``label``; its message, once printed.

        Our own :class:`CliError` messages name what they are about (an output, perhaps); others
        get the input's name first."""
        self.worst = max(self.worst, exit_code_for(exc))
        message = describe(exc) if isinstance(exc, CliError) else describe_input(label, exc)
        print_error(message)
        # A decoder keeps the exception it raised; its traceback would tie our frames (and the
        # buffer views in them) into a reference cycle. Only the message is needed.
        exc.__traceback__ = None
        return message

    def call(self, label: str, work: Callable[..., object], *args: object) -> str | None:
        """``work(*args)`` for the input ``label``: None when it succeeded, else the message of
        its failure, once reported. One call per input: a ``cat`` of many small files pays for
        every layer around each of them."""
        try:
            work(*args)
        except BaseException as exc:
            message = self._caught(label, exc)
            if message is None:
                raise
            return message
        return None

    def input(self, label: str) -> AbstractContextManager[list[str]]:
        """A block run for the input ``label``; the list it yields gets the message if it failed."""
        return _Input(self, label)

    def _caught(self, label: str, exc: BaseException) -> str | None:
        """The policy: the message of a failure the run goes on after (reported here), or None
        for one that ends the run (fatal, not an input's, or a bug: ``main`` translates it)."""
        if isinstance(exc, self.fatal) or not isinstance(exc, INPUT_ERRORS):
            return None
        return self.failed(label, exc)

    def exit(self, ctx: Exits | None = None) -> None:
        """End the command with the worst exit code of its inputs (nothing when all succeeded):
        by ``ctx.exit`` in a click command, else (the click-free ``cat`` path) by ``SystemExit``,
        which ``main`` turns into the exit status as it does the code a click command returns."""
        if self.worst:
            if ctx is None:
                raise SystemExit(self.worst)
            ctx.exit(self.worst)


class _Input:
    """:meth:`InputRunner.input`'s block: :meth:`InputRunner._caught` decides, as for ``call``."""

    __slots__ = ("runner", "label", "messages")

    def __init__(self, runner: InputRunner, label: str) -> None:
        self.runner = runner
        self.label = label
        self.messages: list[str] = []

    def __enter__(self) -> list[str]:
        return self.messages

    def __exit__(self, kind: object, exc: BaseException | None, traceback: object) -> bool:
        if exc is None:
            return False
        message = self.runner._caught(self.label, exc)
        if message is None:
            return False
        self.messages.append(message)
        return True
