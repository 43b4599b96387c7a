"""``arrowio compress`` with its everyday options, without click: the same job, started sooner.

``arrowio compress -3 -c big.csv > big.csv.zst`` spends about 23 ms importing click (and what
click imports: inspect, typing's extras, uuid, gettext...), a tenth of what ``zstd -3`` takes for
a 256 MiB file. When stderr is not a terminal (where a progress line may show) and the command
line holds only these options, ``main`` runs it here, with the click command's defaults for every
other option (:class:`~arrowio_cli.compress_request.Request`), through the same checks and the same
:func:`~arrowio_cli.compress_job.run`, so the output, the error lines and the exit status are
the same:

- ``-C NAME``/``-CNAME``/``--codec NAME``/``--codec=NAME`` (a streaming format or its alias),
- the level: ``-N`` (``-3``, ``-19``, also in a cluster: ``-9c``), ``--level N``/``--level=N``,
- ``-T N``/``-TN``/``--threads N``/``--threads=N`` (``-T0``: every core),
- ``-o PATH``/``-oPATH``/``--output PATH``/``--output=PATH`` (``-o -``: stdout),
- the flags ``-c``/``--stdout``, ``-f``/``--force``, ``-k``/``--keep``, ``-q``/``--quiet``, in
  clusters too (``-kfc``),
- operands: files, URLs and ``-`` (stdin), before or after the options.

Everything else goes the click way: any other option (``-d``, ``-t``, ``-v``, ``--rm``,
``--seekable``, ``-S``, ``--help``...), ``--``, a value click would read otherwise than here (a
number that is not plain ASCII digits, a value that starts with ``-``, an unknown format), a shell's
completion request, and a usage error (clashing options, a level the format lacks), which click then
reports with its usage lines.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence

from .streams import is_terminal

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

    _Settings = dict[str, Any]

__all__ = ["job", "parse"]

#: :data:`arrowio_cli.completion.COMPLETE_VAR` (spelled out: that module imports click).
_COMPLETE_VAR = "_ARROWIO_COMPLETE"

#: Flags, by their short letter and long name, and the :class:`Request` field each sets.
_SHORT_FLAGS = {"c": "to_stdout", "f": "force", "k": "keep", "q": "quiet"}
_LONG_FLAGS = {"--stdout": "to_stdout", "--force": "force", "--keep": "keep", "--quiet": "quiet"}
#: Options that take a value, and the field it goes to (``-N``, the level, is read apart).
_SHORT_VALUED = {"C": "codec", "o": "output", "T": "threads"}
_LONG_VALUED = {"--codec": "codec", "--output": "output", "--threads": "threads", "--level": "level"}


def parse(args: Sequence[str]) -> tuple[Any, tuple[str, ...]] | None:
    """The :class:`~arrowio_cli.compress_request.Request` and the inputs of the command line
    ``args`` when it is ``compress`` with the options above only and stderr is not a terminal;
    None when click must read it."""
    if not args or args[0] != "compress" or _COMPLETE_VAR in os.environ or is_terminal(sys.stderr):
        return None
    settings: _Settings = {}
    inputs: list[str] = []
    rest = iter(args[1:])
    for arg in rest:
        if arg == "-" or not arg.startswith("-"):
            inputs.append(arg)
        elif not (_long(arg, rest, settings) if arg.startswith("--") else _short(arg, rest, settings)):
            return None
    from .compress_request import Request

    return Request(**settings), tuple(inputs)


def job(args: Sequence[str]) -> Callable[[], int] | None:
    """What runs ``args`` without click, its options checked; None when click must run it
    (:func:`parse` said so, or a usage error that click is to report)."""
    parsed = parse(args)
    if parsed is None:
        return None
    request, inputs = parsed
    from .compress_request import Usage, settle

    try:
        options = settle(request, len(inputs))
    except Usage:
        return None  # nothing was touched yet: click checks again and says it with its usage lines

    def run() -> int:
        from .compress_job import run

        run(options, inputs, request.to_stdout, request.output).exit()  # SystemExit(worst) if one failed
        return 0

    return run


def _long(arg: str, rest: Iterator[str], settings: _Settings) -> bool:
    """Read ``--name``, ``--name=value`` or ``--name value`` into ``settings``; False when it
    is not one of ours (``--`` included)."""
    name, equals, value = arg.partition("=")
    if name in _LONG_FLAGS:
        settings[_LONG_FLAGS[name]] = True
        return not equals  # --stdout=x: click's error
    field = _LONG_VALUED.get(name)
    if field is None:
        return False
    if not equals:
        value = next(rest, None)  # type: ignore[assignment]
        if value is None:
            return False  # click's "requires an argument"
    return _set(field, value, settings)


def _short(arg: str, rest: Iterator[str], settings: _Settings) -> bool:
    """Read a cluster of short options (``-c``, ``-9c``, ``-T0``, ``-o out``) into ``settings``
    as ``arrowio_cli.params.level_flags`` and click read it; False when a letter is not ours."""
    i = 1
    while i < len(arg):
        char = arg[i]
        if "0" <= char <= "9":  # a level, -19: ASCII only (click reads other digits too)
            end = i
            while end < len(arg) and "0" <= arg[end] <= "9":
                end += 1
            settings["level"] = int(arg[i:end])
            i = end
        elif char in _SHORT_FLAGS:
            settings[_SHORT_FLAGS[char]] = True
            i += 1
        elif char in _SHORT_VALUED:  # the rest of the argument is its value, or the next one is
            value = arg[i + 1 :] or next(rest, None)
            return value is not None and _set(_SHORT_VALUED[char], value, settings)
        else:
            return False
    return True


def _set(field: str, value: str, settings: _Settings) -> bool:
    """Put ``value`` into ``settings[field]`` converted as the click option converts it; False
    where click could read it otherwise, or would refuse it (click then says so)."""
    if value.startswith("-") and not (field == "output" and value == "-"):
        return False  # -o -x: a name that looks like an option; --level=-1: zstd's negative levels
    if field in ("level", "threads"):
        if not (value.isascii() and value.isdigit()):
            return False  # " 3", "+3", "3_0" or "٣" are ints to click's int(): leave them to it
        settings[field] = int(value)
    elif field == "codec":
        name = _format(value)
        if name is None:
            return False
        settings[field] = name
    else:
        settings[field] = value
    return True


def _format(value: str) -> str | None:
    """The name of the streaming format ``value`` names (as ``-C`` converts it), or None."""
    import arrowio
    from arrowio.compression import FORMATS

    try:
        name = arrowio.Codec(value.strip().lower()).name
    except Exception:  # noqa: BLE001 - unknown, or its backend is missing: click's conversion tells
        return None
    return name if FORMATS[name].streaming else None
