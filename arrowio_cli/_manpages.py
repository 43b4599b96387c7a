"""Man pages generated from the click tree, so that they cannot drift from ``--help``.

    python -m arrowio_cli._manpages [DIR]          write DIR/arrowio.1 and DIR/arrowio-<command>.1
    python -m arrowio_cli._manpages --check [DIR]  exit 1 when DIR is not what would be written

Every command the group lists gets a page, with the same text, usage and option records as
its ``--help``. The output depends only on the click tree, :data:`MAN_DATE` and the version,
so regenerating an unchanged tree changes no byte.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import textwrap
from pathlib import Path

import click

__all__ = ["MAN_DATE", "render_pages", "write_pages", "stale_pages"]

#: The date on every page. A constant, so that the pages are reproducible; bump it on release.
MAN_DATE = "2025-06-01"
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "man"

_EXIT_STATUS = [
    ("0", "Success."),
    ("1", "A runtime failure: bad data, an I/O error."),
    ("2", "A usage error: an unknown option, a bad value."),
    (
        "10",
        "A pool-stats gate failed (--max-peak, --max-rss, --fail-on-leak) and the workload succeeded; "
        "a workload that fails gives its own exit status instead.",
    ),
    (
        "69",
        "A needed facility is absent on this machine (EX_UNAVAILABLE): no GPU, a backend not installed. "
        "With several inputs the others still run, and the exit status is the worst of their failures.",
    ),
    ("130", "Interrupted (Ctrl-C)."),
    (
        "141",
        "Killed by SIGPIPE: the reader of stdout left early (| head), as cat, zcat and zstd end; "
        "under set -o pipefail this tells truncated output from complete output. Quiet on stderr.",
    ),
    ("143", "Terminated (SIGTERM) while an output was being written; nothing partial is left."),
]
_ENVIRONMENT = [
    ("NO_COLOR", "When set and --color is not given, reports are not coloured."),
    ("ARROWIO_DEFAULT_MEMORY_POOL", "The default memory pool's backend: system, jemalloc or mimalloc."),
    (
        "ARROWIO_DEBUG_MEMORY_POOL, ARROW_DEBUG_MEMORY_POOL",
        "abort, trap, warn or none: guard bytes after every pool allocation, checked when it is freed or resized; "
        "an overwritten guard is reported on stderr, then raises SIGABRT (abort), SIGTRAP (trap) or nothing (warn).",
    ),
    (
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ENDPOINT_URL, AWS_PROFILE",
        "Credentials and endpoint of s3:// URLs when no -S option gives them (read by s3fs, as are ~/.aws and "
        "fsspec's FSSPEC_S3_* variables). No credential is ever printed.",
    ),
]


def _escape(text: str) -> str:
    """Roff-safe text: backslashes and hyphen-minus escaped, no line starting with a control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line for line in text.split("\n"))


def _help_blocks(text: str) -> list[tuple[str, str]]:
    """Split click help text into ('text', paragraph) and ('pre', block) pieces, as click formats them."""
    blocks = []
    for paragraph in re.split(r"\n\s*\n", inspect.cleandoc(text).partition("\f")[0]):
        if paragraph.startswith("\b"):
            blocks.append(("pre", paragraph[1:].strip("\n")))
        elif paragraph.strip():
            blocks.append(("text", " ".join(paragraph.split())))
    return blocks


def _render_blocks(blocks: list[tuple[str, str]], lines: list[str]) -> None:
    for kind, body in blocks:
        if kind == "text":
            lines += [".PP", _escape(body)]
            continue
        head, _, rest = body.partition("\n")
        if head.rstrip().endswith(":") and rest:
            # "Examples:" and the like become a sub-heading over the literal lines.
            lines += [f".SS {_escape(head.strip().rstrip(':'))}", ".PP", ".nf", _escape(textwrap.dedent(rest)), ".fi"]
        else:
            lines += [".PP", ".nf", _escape(textwrap.dedent(body)), ".fi"]


def _page(ctx: click.Context, command: click.Command, page_name: str, see_also: list[str]) -> str:
    from arrowio import __version__

    full_name = ctx.command_path
    lines = [
        f'.TH "{page_name.upper()}" "1" "{MAN_DATE}" "arrowio {__version__}" "arrowio manual"',
        ".SH NAME",
        f"{_escape(page_name)} \\- {_escape(command.get_short_help_str(limit=200).rstrip('.'))}",
        ".SH SYNOPSIS",
        f".B {_escape(full_name)}",
        _escape(" ".join(command.collect_usage_pieces(ctx))),
        ".SH DESCRIPTION",
    ]
    _render_blocks(_help_blocks(command.help or ""), lines)

    _render_parameters(ctx, command, lines)
    if isinstance(command, click.Group):
        _render_commands(ctx, command, lines)
    if command.epilog:
        lines.append(".SH NOTES")
        _render_blocks(_help_blocks(command.epilog), lines)

    lines.append(".SH EXIT STATUS")
    for code, meaning in _EXIT_STATUS:
        lines += [".TP", f"\\fB{code}\\fR", _escape(meaning)]
    lines.append(".SH ENVIRONMENT")
    for name, meaning in _ENVIRONMENT:
        lines += [".TP", f"\\fB{name}\\fR", _escape(meaning)]
    lines += [".SH SEE ALSO", ",\n".join(f"\\fB{_escape(page)}\\fR(1)" for page in see_also)]
    return "\n".join(lines) + "\n"


def _render_parameters(ctx: click.Context, command: click.Command, lines: list[str]) -> None:
    """Append the ARGUMENTS and OPTIONS sections (an argument only where it has help text)."""
    records = [param.get_help_record(ctx) for param in command.get_params(ctx)]
    arguments = [
        r
        for p, r in zip(command.get_params(ctx), records, strict=False)
        if isinstance(p, click.Argument) and r and r[1]
    ]
    options = [
        r for p, r in zip(command.get_params(ctx), records, strict=False) if not isinstance(p, click.Argument) and r
    ]
    for title, items in (("ARGUMENTS", arguments), ("OPTIONS", options)):
        if items:
            lines.append(f".SH {title}")
            for spec, text in items:
                lines += [".TP", f"\\fB{_escape(spec)}\\fR", _escape(" ".join(text.split()))]


def _render_commands(ctx: click.Context, group: click.Group, lines: list[str]) -> None:
    """Append the COMMANDS section: each visible subcommand, its page and its short help."""
    lines.append(".SH COMMANDS")
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        if sub is not None and not sub.hidden:
            lines += [
                ".TP",
                f"\\fB{_escape(name)}\\fR(1): see \\fBarrowio\\-{_escape(name)}\\fR(1)",
                _escape(sub.get_short_help_str(limit=200)),
            ]


def render_pages() -> dict[str, str]:
    """File name -> roff text, for the group and each of its commands."""
    from .main import cli

    root = click.Context(cli, info_name="arrowio", **cli.context_settings)
    names = [n for n in cli.list_commands(root) if (c := cli.get_command(root, n)) is not None and not c.hidden]
    pages = {f"arrowio-{name}" for name in names}
    out = {"arrowio.1": _page(root, cli, "arrowio", sorted(pages))}
    for name in names:
        command = cli.get_command(root, name)
        assert command is not None
        ctx = click.Context(command, info_name=name, parent=root, **command.context_settings)
        page = f"arrowio-{name}"
        out[f"{page}.1"] = _page(ctx, command, page, ["arrowio", *sorted(pages - {page})])
    return out


def write_pages(folder: Path = DEFAULT_DIR) -> list[str]:
    """Write every page into ``folder``, remove pages of commands that are gone; the names written."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = render_pages()
    for old in folder.glob("arrowio*.1"):
        if old.name not in pages:
            old.unlink()
    for name, text in pages.items():
        (folder / name).write_text(text)
    return sorted(pages)


def stale_pages(folder: Path = DEFAULT_DIR) -> list[str]:
    """Names of the pages in ``folder`` that are missing, different, or left over from a removed command."""
    pages = render_pages()
    present = {path.name for path in folder.glob("arrowio*.1")}
    stale = [n for n, text in pages.items() if n not in present or (folder / n).read_text() != text]
    return sorted(stale + sorted(present - set(pages)))


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m arrowio_cli._manpages", description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--check", action="store_true", help="only report stale pages (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pages(args.folder)
        for name in stale:
            print(f"stale: {args.folder / name}", file=sys.stderr)
        return 1 if stale else 0
    for name in write_pages(args.folder):
        print(args.folder / name)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
