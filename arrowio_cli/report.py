"""Rendering of what the library measured: rich on a terminal, plain text in a pipe, JSON when asked.

Rich is imported only when a table is drawn on a terminal or a progress bar is shown, so the
data path of a command (``arrowio cat x.gz | ...``) never pays for it. Colour follows
``--color/--no-color``, else ``NO_COLOR``, else whether the stream is a terminal. Importing this
module imports neither click nor json, dataclasses or threading: the functions that print import
click, and a progress line threading, when they run.
"""

from __future__ import annotations

import _thread  # threading.Lock itself, without importing threading: start-up time
import os
import sys
from collections.abc import Callable, Mapping, Sequence

# The one size formatter of every report (rates too: format_rate), the one the size options'
# parser matches, so that a size and a rate side by side are in the same unit.
from arrowio.units import format_size as format_bytes

from .names import printable

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    import threading
    from typing import IO, Any

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


def _click_context() -> Any:
    """The context of the click command running, or None: without click imported none runs (the
    click-free ``cat``), and asking would import click for nothing."""
    click = sys.modules.get("click")
    return None if click is None else click.get_current_context(silent=True)


def color_enabled(stream: IO[Any]) -> bool:
    """Whether to colour ``stream``: ``--color/--no-color`` first, then NO_COLOR, then a terminal."""
    ctx = _click_context()
    if ctx is not None and ctx.color is not None:
        return bool(ctx.color)
    return not os.environ.get("NO_COLOR") and is_terminal(stream)


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
    """One JSON object on one line of stdout, keys in the order given (the documented schema).

    Strings (names, paths, messages) are escaped as in the other output (:func:`printable`): JSON
    could carry a control character safely, but not a name that is not UTF-8."""
    import json

    import click

    click.echo(json.dumps(_printable_values(data), separators=(", ", ": ")), file=_stdout())


def _printable_values(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, Mapping):
        return {key: _printable_values(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable_values(item) for item in value]
    return value


def warn(message: str) -> None:
    """A one-line warning on stderr, in the form of the error lines."""
    import click

    click.echo(f"arrowio: warning: {printable(message)}", err=True)


class Table:
    """A titled table of strings; ``align`` holds 'l' or 'r' per column (default: left).

    Cells and the title are escaped (:func:`printable`): they show names and paths. A plain
    class, not a dataclass: dataclasses imports inspect, which a command's start would pay."""

    __slots__ = ("title", "columns", "rows", "align")

    def __init__(
        self, title: str, columns: Sequence[str], rows: list[Sequence[str]] | None = None, align: str = ""
    ) -> None:
        self.title = printable(title)
        self.columns = columns
        self.rows: list[Sequence[str]] = [] if rows is None else rows
        self.align = align

    def add(self, *cells: object) -> None:
        self.rows.append([printable(str(cell)) for cell in cells])


def _color_forced() -> bool:
    ctx = _click_context()
    return ctx is not None and ctx.color is True


def print_tables(tables: Sequence[Table], *, err: bool = False) -> None:
    """Draw ``tables`` on stdout (or stderr): rich boxes on a terminal (or wherever ``--color``
    forces colour), aligned plain text otherwise."""
    import click

    stream = sys.stderr if err else _stdout()
    if is_terminal(stream) or _color_forced():
        _print_rich(tables, stream)
        return
    blocks = [_plain(table) for table in tables]
    click.echo("\n".join(blocks), file=stream, nl=False)


def _plain(table: Table) -> str:
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]
    align = table.align.ljust(len(widths), "l")

    def line(cells: Sequence[str]) -> str:
        out = [cell.rjust(w) if a == "r" else cell.ljust(w) for cell, w, a in zip(cells, widths, align, strict=False)]
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
    from rich.text import Text  # plain text: a name like "[red]x" is not markup

    console = _console(stream)
    for table in tables:
        rich_table = RichTable(
            title=Text(table.title) if table.title else None,
            title_justify="left",
            title_style="bold",
            show_header=any(table.columns),
        )
        align = table.align.ljust(len(table.columns), "l")
        for name, a in zip(table.columns, align, strict=False):
            rich_table.add_column(name, justify="right" if a == "r" else "left")
        for row in table.rows:
            rich_table.add_row(*map(Text, row))
        console.print(rich_table)


class Progress:
    """A progress line on stderr, as zstd and pv draw it: bytes done (of the total when known),
    bytes written and the ratio, rate and ETA, redrawn four times a second.

    Shown only on a terminal (or when ``force``), and only once the work has run ``delay``
    seconds: a timer starts it, so a slow first piece (zstd -19) does not hide it. The counts
    are polled at each redraw: ``done()`` (default: the sum of :meth:`advance`) is the work
    finished, not what was read ahead into a buffer; ``written()`` the bytes written out, when
    known. Short jobs never import rich.
    """

    def __init__(
        self,
        description: str,
        total: int | None,
        *,
        enabled: bool = True,
        force: bool = False,
        delay: float = 1.0,
        done: Callable[[], int] | None = None,
        written: Callable[[], int | None] | None = None,
    ) -> None:
        self.description = description
        self.total = total
        self.done = 0
        self._poll_done = done
        self._poll_written = written
        self._enabled = force or (enabled and is_terminal(sys.stderr))
        self._force = force
        self._delay = delay
        self._lock = _thread.allocate_lock()
        self._timer: threading.Timer | None = None
        self._bar: Any = None
        self._closed = False
        self._color = False

    def __enter__(self) -> Progress:
        if self._enabled:
            import threading  # here: only a progress line shown needs its timer thread

            self._color = color_enabled(sys.stderr) or self._force
            self._timer = threading.Timer(self._delay, self._show)
            self._timer.daemon = True
            self._timer.start()
        return self

    def advance(self, n: int) -> None:
        self.done += n

    def poll(self, done: Callable[[], int] | None = None, written: Callable[[], int | None] | None = None) -> None:
        """Read the counts from these from now on (the work's own counters, once it has them)."""
        if done is not None:
            self._poll_done = done
        if written is not None:
            self._poll_written = written

    def work_done(self) -> int:
        return self._poll_done() if self._poll_done is not None else self.done

    def bytes_written(self) -> int | None:
        return self._poll_written() if self._poll_written is not None else None

    def _show(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._bar = _rich_progress(self)
            self._bar.start()

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if self._bar is not None:
                self._bar.stop()
                self._bar = None


def _rich_progress(owner: Progress) -> Any:
    """A rich Progress over ``owner``'s polled counts (rich is imported here, when shown)."""
    from rich.console import Console
    from rich.progress import BarColumn, ProgressColumn, TimeRemainingColumn
    from rich.progress import Progress as RichProgress
    from rich.text import Text

    class Counts(ProgressColumn):
        """``12.0 MiB / 51.6 MiB -> 3.1 MiB (25.8%)  40.2 MiB/s``: sizes and rate in one unit."""

        def render(self, task: Any) -> Text:
            done = format_bytes(task.completed)
            if task.total is not None:
                done += f" / {format_bytes(task.total)}"
            written = task.fields.get("written")
            if written is not None:
                ratio = f" ({100 * written / task.completed:.1f}%)" if task.completed else ""
                done += f" -> {format_bytes(written)}{ratio}"
            rate = "-" if not task.speed else f"{format_bytes(task.speed)}/s"
            return Text(f"{done}  {rate}")

    class Polling(RichProgress):
        def get_renderables(self) -> Any:  # each redraw reads the counts afresh
            for task in self.tasks:
                self.update(task.id, completed=owner.work_done(), written=owner.bytes_written())
            yield from super().get_renderables()

    console = Console(
        file=sys.stderr,
        force_terminal=True if owner._force else None,
        no_color=not owner._color,
        color_system=("standard" if owner._force else "auto") if owner._color else None,
        highlight=False,
    )
    columns: list[Any] = ["[progress.description]{task.description}"]
    if owner.total is not None:
        columns += [BarColumn(), Counts(), TimeRemainingColumn()]
    else:
        columns += [Counts()]
    bar = Polling(*columns, console=console, transient=True, refresh_per_second=4, speed_estimate_period=5)
    bar.add_task(owner.description, total=owner.total, written=None)
    return bar
