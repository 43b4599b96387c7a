"""Byte counts as people write them (``64K``, ``1.5MiB``, ``10MB``) and as reports show them.

The one parser and formatter of sizes, shared by the command line's size options and the
pytest plugin's limits, so that a size means the same wherever it is given. Imports nothing
at start-up beyond :mod:`re`: the command line parses its options with it.
"""

from __future__ import annotations

import re

__all__ = ["format_size", "parse_size"]

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1 << 10,
    "ki": 1 << 10,
    "kb": 1000,
    "kib": 1 << 10,
    "m": 1 << 20,
    "mi": 1 << 20,
    "mb": 1000**2,
    "mib": 1 << 20,
    "g": 1 << 30,
    "gi": 1 << 30,
    "gb": 1000**3,
    "gib": 1 << 30,
    "t": 1 << 40,
    "ti": 1 << 40,
    "tb": 1000**4,
    "tib": 1 << 40,
}
#: A number and its unit; compiled (and cached by re) on first use, not at every start.
_SIZE = r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*"


def parse_size(value: str | int) -> int:
    """Bytes in ``value``: an int, or a number with an optional unit (``64K``, ``1.5MiB``, ``2G``,
    ``10MB``, ``64 MiB``, ``512``).

    Single letters and ``Ki``/``KiB``-style units are powers of 1024, ``KB``-style units powers
    of 1000 (as in GNU coreutils). A fraction of a byte is refused, not rounded.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    match = re.fullmatch(_SIZE, text)
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(f"invalid size {text!r} (expected a number with an optional unit: 64K, 1.5MiB, 2G)")
    from fractions import Fraction  # here, not at start-up: only sizes that are given need it

    number, unit = match.groups()
    size = Fraction(number) * _UNITS[unit.lower()]  # exact: 1.5K is 1536, 0.1K is no whole number
    if size.denominator != 1:
        raise ValueError(f"invalid size {text!r}: {float(size):g} is not a whole number of bytes")
    return int(size)


def format_size(n: float) -> str:
    """``1536`` -> ``1.5 KiB``: powers of 1024, as :func:`parse_size` reads them."""
    if abs(n) < 1024:
        return f"{int(n)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        n /= 1024
        if abs(n) < 1024:
            return f"{n:.1f} {unit}"
    return f"{n / 1024:.1f} PiB"
