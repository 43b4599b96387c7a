"""Rendering: sizes and rates, plain tables in a pipe, one JSON object, colour choice, lazy rich."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from cli_helpers import run_in_terminal

from arrowio_cli import report


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (5 << 20, "5.0 MiB"),
        (3 << 40, "3.0 TiB"),
        (2 << 50, "2.0 PiB"),
    ],
)
def test_format_bytes(n, text):
    assert report.format_bytes(n) == text


@pytest.mark.parametrize(
    ("nbytes", "seconds", "text"),
    [(500, 1, "500 B/s"), (1536, 1, "1.5 KiB/s"), (5 << 20, 2, "2.5 MiB/s"), (3 << 30, 1, "3.0 GiB/s"), (1, 0, "-")],
)
def test_format_rate(nbytes, seconds, text):
    assert report.format_rate(nbytes, seconds) == text


def test_format_seconds():
    assert report.format_seconds(0.0123) == "12.3 ms" and report.format_seconds(2.5) == "2.50 s"


def test_plain_tables_when_not_a_terminal(capsys):
    table = report.Table("Title", ["name", "n"], align="lr")
    table.add("a", 1)
    table.add("long name", 12345)
    report.print_tables([table, report.Table("", ["x"], [["y"]]), report.Table("", ["", ""], [["key", "value"]])])
    assert (
        capsys.readouterr().out == "Title\nname           n\na              1\nlong name  12345\n\nx\ny\n\nkey  value\n"
    )


def test_tables_can_go_to_stderr(capsys):
    report.print_tables([report.Table("T", ["a"], [["b"]])], err=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "T\na\nb\n"


def test_print_json_is_one_line_in_key_order(capsys):
    report.print_json({"z": 1, "a": [1, 2], "m": None})
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and list(json.loads(out)) == ["z", "a", "m"]


@pytest.mark.parametrize(
    ("ctx_color", "no_color", "tty", "expected"),
    [
        (True, "1", False, True),
        (False, None, True, False),
        (None, "1", True, False),
        (None, None, True, True),
        (None, None, False, False),
    ],
)
def test_color_choice(monkeypatch, ctx_color, no_color, tty, expected):
    class Stream:
        def isatty(self):
            return tty

    if no_color:
        monkeypatch.setenv("NO_COLOR", no_color)
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    with click.Context(click.Command("x"), color=ctx_color):
        assert report.color_enabled(Stream()) is expected


def test_progress_stays_silent_off_a_terminal(capsys):
    with report.Progress("work", 100, delay=0) as progress:
        progress.advance(60)
        progress.advance(40)
    assert progress.done == 100 and capsys.readouterr().err == ""


def test_rendering_in_a_pipe_never_imports_rich():
    code = (
        "import sys\n"
        "from arrowio_cli import report\n"
        "t = report.Table('T', ['a']); t.add('b'); report.print_tables([t]); report.print_json({'a': 1})\n"
        "with report.Progress('p', 10, delay=0) as p: p.advance(10)\n"
        "assert 'rich' not in sys.modules, 'rich was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_rich_table_and_progress_on_a_terminal():
    """In a pseudo-terminal the table is drawn by rich (box characters) and colour follows --no-color."""
    code = (
        "import click\n"
        "from arrowio_cli import report\n"
        "t = report.Table('Title', ['name', 'n'], align='lr'); t.add('a', 1)\n"
        "with click.Context(click.Command('x'), color=False):\n"
        "    report.print_tables([t])\n"
        "    with report.Progress('p', 10, delay=0) as p: p.advance(5)\n"
    )
    status, shown = run_in_terminal([sys.executable, "-c", code])
    text = shown.decode()
    assert status == 0, text
    assert "Title" in text and "┃" in text  # rich's box drawing
    assert "\x1b[3" not in text  # --no-color: no foreground colours (bold may stay)
