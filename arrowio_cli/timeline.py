"""Memory over time: the ``--timeline`` picture (SVG or HTML, drawn by matplotlib) and a terminal sparkline."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import Unavailable

__all__ = ["TIMELINE_SUFFIXES", "sparkline", "write_timeline"]

TIMELINE_SUFFIXES = (".svg", ".html", ".htm")
_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int], width: int = 60) -> str:
    """``values`` as one line of block characters, ``width`` wide at most (each the maximum of its slice)."""
    if not values:
        return ""
    step = max(1, -(-len(values) // width))  # ceil: never wider than width
    buckets = [max(values[i : i + step]) for i in range(0, len(values), step)]
    top = max(buckets)
    if top <= 0:
        return _BARS[0] * len(buckets)
    return "".join(_BARS[min(len(_BARS) - 1, value * len(_BARS) // (top + 1))] for value in buckets)


def write_timeline(path: str, samples: Sequence[Any], limits: Mapping[str, int], title: str) -> None:
    """Draw pool bytes, pool peak, RSS (and PyArrow's pool) over time, a dashed line per gate limit, as SVG or HTML.

    ``limits`` maps a label ("--max-peak") to its bytes; a limit is drawn against the series it gates.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display in CI
        from matplotlib.figure import Figure
    except ImportError:
        raise Unavailable("--timeline needs matplotlib: pip install 'arrowio[plot]'") from None

    mib = 1 << 20
    seconds = [s.seconds for s in samples]
    figure = Figure(figsize=(10, 4.5), layout="constrained")
    axes = figure.add_subplot()
    axes.step(seconds, [s.pool_bytes / mib for s in samples], where="post", color="C0", label="pool bytes allocated")
    axes.step(seconds, [s.pool_peak / mib for s in samples], where="post", color="C1", linestyle=":",
              label="pool peak")  # fmt: skip
    axes.plot(seconds, [s.rss_bytes / mib for s in samples], color="C2", label="process RSS")
    if any(s.pyarrow_bytes is not None for s in samples):
        pyarrow = [(s.pyarrow_bytes or 0) / mib for s in samples]
        axes.step(seconds, pyarrow, where="post", color="C3", label="PyArrow pool bytes allocated")
    for label, limit in limits.items():
        color = "C2" if label.startswith("--max-rss") else "C1"  # the colour of the series the gate reads
        axes.axhline(limit / mib, color=color, linestyle="--", linewidth=1, label=f"{label} {limit / mib:.1f} MiB")
    axes.set_xlabel("seconds")
    axes.set_ylabel("MiB")
    axes.set_title(title, fontsize="medium")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize="small")
    svg = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # labels as <text>: searchable, and smaller
        figure.savefig(svg, format="svg")
    text = svg.getvalue()
    if os.path.splitext(path)[1].lower() != ".svg":
        text = (
            f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>arrowio memory timeline</title></head>"
            f"<body>\n{text[text.index('<svg') :]}\n</body></html>\n"
        )
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
