"""Parameter types shared by the subcommands."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from arrowio.units import parse_size

__all__ = [
    "CODEC",
    "COMPRESSION",
    "SIZE",
    "CompressionName",
    "PathOrURL",
    "SizeType",
    "compression_option",
    "level_flags",
    "parse_size",
    "redact_arguments",
    "storage_option",
]

F = TypeVar("F", bound=Callable[..., Any])


class SizeType(click.ParamType):
    """A byte count with optional units."""

    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            return parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


SIZE = SizeType()


class CompressionName(click.ParamType):
    """A streaming compression format, by name or alias (``gz``, ``zst``), converted to its
    canonical name; with ``auto_none``, also ``auto`` and ``none`` (returned as they are).

    Checked against the library's table of formats when parsed, so a wrong name is a usage
    error (exit 2) before any input is touched. Raw block formats (``lz4_raw``) are refused:
    they have no framing, so no file or stream can carry them.
    """

    name = "compression"

    def __init__(self, auto_none: bool) -> None:
        self.auto_none = auto_none

    def _expected(self) -> str:
        from arrowio.compression._registry import FORMATS

        names = ", ".join(f.name for f in FORMATS.values() if f.streaming)
        return f"expected {'auto, none or ' if self.auto_none else ''}a codec name: {names}"

    def convert(self, value, param, ctx):
        text = str(value).strip().lower()
        if self.auto_none and text in ("auto", "none"):
            return text
        from arrowio.compression._registry import lookup

        try:
            fmt = lookup(text)
        except ValueError:
            # zstd's -C and xz's -C CHECK mean --check: say that -C is the format here.
            hint = "" if self.auto_none else "; zstd's and xz's -C/--check have no counterpart: -C names the format"
            self.fail(f"{value!r} ({self._expected()}{hint})", param, ctx)
        if not fmt.streaming:
            self.fail(
                f"{value!r} is a raw block format, which no file or stream can carry ({self._expected()})", param, ctx
            )
        return fmt.name


#: ``-C`` of commands that read (cat, gpu-copy): auto, none or a format.
COMPRESSION = CompressionName(auto_none=True)
#: ``-C`` of compress: a format.
CODEC = CompressionName(auto_none=False)


def compression_option(help: str) -> Callable[[F], F]:
    """``-C/--compression auto|none|NAME`` (default auto) of the commands that read inputs."""
    return click.option(
        "-C", "--compression", type=COMPRESSION, default="auto", show_default=True, metavar="auto|none|NAME", help=help
    )


class PathOrURL(click.Path):
    """A local path checked as :class:`click.Path` checks it, or a URL with a scheme, passed as it
    is (only the store can tell whether it exists; opening it says so)."""

    def convert(self, value, param, ctx):
        from arrowio.io.urls import is_url

        if isinstance(value, str) and is_url(value):
            return value
        return super().convert(value, param, ctx)


def level_flags(args: Sequence[str], takes_value: Callable[[str], bool]) -> list[str]:
    """``args`` with gzip's and zstd's level flags spelled as click reads them: ``-19`` becomes
    ``--level=19`` (also inside a cluster: ``-9c``, ``-dc1``) and a bare ``--fast`` ``--fast=1``.

    ``takes_value(option)`` tells which options (``-o``, ``--output``) take the next argument,
    which is then left alone (``-o -1`` names a file ``-1``); nothing after ``--`` changes.
    """
    out: list[str] = []
    pending_value = False
    for i, arg in enumerate(args):
        if pending_value:
            out.append(arg)
            pending_value = False
        elif arg == "--":
            return out + list(args[i:])
        elif arg == "--fast":
            out.append("--fast=1")
        elif arg.startswith("--"):
            out.append(arg)
            pending_value = "=" not in arg and takes_value(arg)
        elif arg.startswith("-") and len(arg) > 1:
            tokens, pending_value = _short_cluster(arg, takes_value)
            out += tokens
        else:
            out.append(arg)
    return out


def _short_cluster(arg: str, takes_value: Callable[[str], bool]) -> tuple[list[str], bool]:
    """One ``-xyz`` argument split into its level (``--level=N``) and its other short options;
    whether the next argument is the value of its last option."""
    tokens: list[str] = []
    letters = ""
    i = 1
    while i < len(arg):
        if arg[i].isdigit():
            digits = re.match(r"\d+", arg[i:]).group(0)  # type: ignore[union-attr]
            tokens.append(f"--level={digits}")
            i += len(digits)
            continue
        letters += arg[i]
        if takes_value(f"-{arg[i]}"):  # the rest of the argument is its value, or the next one is
            value = arg[i + 1 :]
            tokens.append(f"-{letters}{value}")
            return tokens, not value
        i += 1
    if letters:
        tokens.append(f"-{letters}")
    return tokens, False


def _storage_options(ctx: click.Context, param: click.Parameter, items: tuple[str, ...]) -> dict[str, Any]:
    if not items:
        return {}
    from arrowio.io.urls import parse_storage_options

    if any("=" not in item for item in items) and any(p.name == "suffix" for p in ctx.command.params):
        # gzip's -S .suf: the value is not repeated, as a storage option's may be a secret.
        raise click.BadParameter("a storage option must look like KEY=VALUE (for gzip's -S .suf, use --suffix .suf)")
    try:
        return parse_storage_options(items)
    except ValueError as exc:  # the library's message never repeats a value: it may be a secret
        raise click.BadParameter(str(exc)) from None


def storage_option(command: F) -> F:  # noqa: UP047 - the module-level F is shared with compression_option
    """``-S/--storage-option KEY=VALUE`` (repeatable), parsed into the ``storage_options`` dict."""
    return click.option(
        "-S",
        "--storage-option",
        "storage_options",
        multiple=True,
        metavar="KEY=VALUE",
        callback=_storage_options,
        help="An option of the URLs' filesystem (fsspec; for s3fs: endpoint_url, key, secret, anon, "
        "client_kwargs.region_name, ...); repeatable. true/false/none, integers and JSON are converted. "
        "Values are never printed.",
    )(command)


#: A cluster of short options ending in S (``-S``, ``-vS``) with the value attached or not.
_SHORT_S = re.compile(r"-[A-Za-z]*?S")


def _hidden(item: str) -> str:
    key, sep, _ = item.partition("=")
    return f"{key}=***" if sep else "***"


def redact_arguments(args: Sequence[str]) -> list[str]:
    """Command-line arguments as they may be shown: each ``--storage-option``/``-S`` value becomes
    ``KEY=***`` and each URL loses its credentials. Errs on hiding too much, never too little."""
    from arrowio.io.urls import is_url, redact_url

    shown: list[str] = []
    hide_next = False
    for arg in args:
        if hide_next:
            shown.append(_hidden(arg))
            hide_next = False
        elif arg == "--storage-option" or (not arg.startswith("--") and _SHORT_S.fullmatch(arg)):
            shown.append(arg)
            hide_next = True
        elif arg.startswith("--storage-option="):
            shown.append("--storage-option=" + _hidden(arg.partition("=")[2]))
        elif (match := _SHORT_S.match(arg)) and not arg.startswith("--"):
            shown.append(match.group(0) + _hidden(arg[match.end() :]))
        else:
            shown.append(redact_url(arg) if is_url(arg) else arg)
    return shown
