"""Rendering of what the library measured: rich on a terminal, plain text in a pipe, JSON when asked.

Rich is imported only when a table is drawn on a terminal or a progress bar is shown, so the
data path of a command (``arrowio cat x.gz | ...``) never pays for it. Colour follows
``--color/--no-color``, else ``NO_COLOR``, else whether the stream is a terminal.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import click

__all__ = [
    "Table",
    "Progress",
    "color_enabled",
    "MIB",
    "format_bytes",
    "format_rate",
    "format_seconds",
    "is_terminal",
    "print_json",
    "print_tables",
    "warn",
]


def is_terminal(stream: IO[Any]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real file
        return False


def color_enabled(stream: IO[Any]) -> bool:
    """Whether to colour ``stream``: ``--color/--no-color`` first, then NO_COLOR, then a terminal."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.color is not None:
        return bool(ctx.color)
    return not os.environ.get("NO_COLOR") and is_terminal(stream)


def format_bytes(n: float) -> str:
    """``1536`` -> ``1.5 KiB``: powers of 1024, as the size options read them. The one size
    formatter of every report (rates too: :func:`format_rate`), so a size and a rate side by
    side are in the same unit."""
    if abs(n) < 1024:
        return f"{int(n)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        n /= 1024
        if abs(n) < 1024:
            return f"{n:.1f} {unit}"
    return f"{n / 1024:.1f} PiB"


def format_rate(nbytes: float, seconds: float) -> str:
    """Throughput in the units of the sizes: ``MiB/s`` (powers of 1024), never decimal MB/s."""
    if seconds <= 0:
        return "-"
    return f"{format_bytes(nbytes / seconds)}/s"


#: Bytes in a MiB: the unit of the rates in --json field names (``..._mib_s``).
MIB = 1 << 20


def format_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _stdout() -> IO[Any]:
    """sys.stdout, or the one-line error of a closed one (``>&-``): a report that cannot be shown
    is a failure, not a silent success."""
    if sys.stdout is None:
        from .sink import OutputFailed

        raise OutputFailed("cannot write to stdout: it is closed")
    return sys.stdout


def print_json(data: Mapping[str, Any]) -> None:
    """One JSON object on one line of stdout, keys in the order given (the documented schema)."""
    click.echo(json.dumps(data, separators=(", ", ": ")), file=_stdout())


def warn(message: str) -> None:
    """A one-line warning on stderr, in the form of the error lines."""
    click.echo(f"arrowio: warning: {message}", err=True)


@dataclass
class Table:
    """A titled table of strings; ``align`` holds 'l' or 'r' per column (default: left)."""

    title: str
    columns: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    align: str = ""

    def add(self, *cells: object) -> None:
        self.rows.append([str(cell) for cell in cells])


def _color_forced() -> bool:
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.color is True


def print_tables(tables: Sequence[Table], *, err: bool = False) -> None:
    """Draw ``tables`` on stdout (or stderr): rich boxes on a terminal (or wherever ``--color``
    forces colour), aligned plain text otherwise."""
    stream = sys.stderr if err else _stdout()
    if is_terminal(stream) or _color_forced():
        _print_rich(tables, stream)
        return
    blocks = [_plain(table) for table in tables]
    click.echo("\n".join(blocks), file=stream, nl=False)


def _plain(table: Table) -> str:
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
    align = table.align.ljust(len(widths), "l")

    def line(cells: Sequence[str]) -> str:
        out = [cell.rjust(w) if a == "r" else cell.ljust(w) for cell, w, a in zip(cells, widths, align)]
        return "  ".join(out).rstrip()

    lines = [table.title] if table.title else []
    if any(table.columns):
        lines.append(line(table.columns))
    lines += [line(row) for row in table.rows]
    return "\n".join(lines) + "\n"


def _console(stream: IO[Any]) -> Any:
    from rich.console import Console  # lazily: 40 ms of start-up the data path must not pay

    color = color_enabled(stream)
    if color and not is_terminal(stream):  # --color into a pipe: as ls --color=always, not guessed from TERM
        return Console(file=stream, force_terminal=True, color_system="standard", highlight=False)
    return Console(file=stream, no_color=not color, color_system="auto" if color else None, highlight=False)


def _print_rich(tables: Sequence[Table], stream: IO[Any]) -> None:
    from rich.table import Table as RichTable

    console = _console(stream)
    for table in tables:
        rich_table = RichTable(
            title=table.title or None, title_justify="left", title_style="bold", show_header=any(table.columns)
        )
        align = table.align.ljust(len(table.columns), "l")
        for name, a in zip(table.columns, align):
            rich_table.add_column(name, justify="right" if a == "r" else "left")
        for row in table.rows:
            rich_table.add_row(*row)
        console.print(rich_table)


class Progress:
    """A progress bar on stderr, shown only on a terminal and only once the work has run ``delay`` s.

    Short jobs never import rich; ``advance`` is cheap until the bar appears.
    """

    def __init__(self, description: str, total: int | None, *, enabled: bool = True, delay: float = 1.0) -> None:
        self.description = description
        self.total = total
        self.done = 0
        self._enabled = enabled and is_terminal(sys.stderr)
        self._delay = delay
        self._start = time.monotonic()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        self._start = time.monotonic()
        return self

    def advance(self, n: int) -> None:
        self.done += n
        if self._bar is None:
            if not self._enabled or time.monotonic() - self._start < self._delay:
                return
            self._show()
        self._bar.update(self._task, completed=self.done)

    def _show(self) -> None:
        from rich.progress import BarColumn, DownloadColumn, Progress as RichProgress, TransferSpeedColumn

        self._bar = RichProgress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            console=_console(sys.stderr),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.description, total=self.total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
