"""arrowio.units: the one size syntax of the command line's options and the pytest plugin's limits."""

from __future__ import annotations

import pytest

from arrowio import pytest_plugin
from arrowio.units import format_size, parse_size
from arrowio_cli import params, report


def test_the_cli_and_the_plugin_share_one_parser_and_formatter():
    assert params.parse_size is pytest_plugin.parse_size is parse_size
    assert report.format_bytes is pytest_plugin.format_size is format_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("64Ki", 64 << 10),  # the plugin's spelling, now also the command line's
        ("1.5M", 3 << 19),  # the command line's fractions, now also the plugin's
        (" 2 tib ", 2 << 40),
        ("2TB", 2 * 1000**4),
        (".5K", 512),
    ],
)
def test_every_spelling_either_side_accepted(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("value", [True, "1Kib2", "1 K B", "0.3", "1e3", "KiB"])
def test_what_neither_side_accepted_is_refused(value):
    with pytest.raises(ValueError, match="invalid size"):
        parse_size(value)


def test_format_size_goes_past_gibibytes():
    assert [format_size(n) for n in (5 << 40, 3 << 50, -2048)] == ["5.0 TiB", "3.0 PiB", "-2.0 KiB"]
