"""Parameter types shared by the subcommands."""

from __future__ import annotations

import re

import click

__all__ = ["SIZE", "SizeType", "parse_size"]

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1 << 10,
    "kb": 1000,
    "kib": 1 << 10,
    "m": 1 << 20,
    "mb": 1000**2,
    "mib": 1 << 20,
    "g": 1 << 30,
    "gb": 1000**3,
    "gib": 1 << 30,
    "t": 1 << 40,
    "tb": 1000**4,
    "tib": 1 << 40,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*")


def parse_size(text: str) -> int:
    """Bytes in ``text``: a number with an optional unit (``64K``, ``1.5MiB``, ``2G``, ``10MB``).

    Single letters and ``KiB``-style units are powers of 1024, ``KB``-style units powers of 1000
    (as in GNU coreutils).
    """
    match = _SIZE.fullmatch(text)
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(f"invalid size {text!r} (expected a number with an optional unit: 64K, 1.5MiB, 2G)")
    number, unit = match.groups()
    value = float(number) * _UNITS[unit.lower()] if "." in number else int(number) * _UNITS[unit.lower()]
    return int(value)


class SizeType(click.ParamType):
    """A byte count with optional units."""

    name = "size"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if isinstance(value, int):
            return value
        try:
            return parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


SIZE = SizeType()
