"""Run the same call on arrowio and on PyArrow and compare what comes out.

An outcome is a normalised value (Buffers and views become bytes, files their class name) or a
:class:`Raised`. Two outcomes agree when the values are equal, or when both raised and
arrowio's exception is caught by what ported code would name: the arrowio class of the same
name where PyArrow raised one of its own (``except pa.ArrowInvalid``), else the builtin class
PyArrow's error derives from (``except ValueError``, ``except OSError``...).

Deliberate differences are named in :data:`DELIBERATE` (and in the README's compatibility
section); a test that meets one says so by that name instead of comparing.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow

import arrowio

#: The differences the README lists as deliberate, by the name the tests use.
DELIBERATE = {
    "decompress-without-size": "decompress() without decompressed_size returns the true length for "
    "self-describing formats; PyArrow refuses",
    "resize-with-live-view": "ResizableBuffer.resize refuses (BufferError) while a view is alive",
    "memory-map-seek-past-end": "seeking a memory map past its end is refused (ArrowIOError)",
    "logging-pool-to-stderr": "the logging pool writes to stderr, not stdout",
    "codec-value-equality": "Codec objects are equal (and hash alike) when name and level are; PyArrow's "
    "compare by identity",
    "read1-one-raw-read": "read1() returns what one read of the layer below gives, as io.BufferedReader.read1 "
    "does; PyArrow's reads like read() up to a 256 KiB chunk",
}


@dataclass(frozen=True)
class Raised:
    """A call that raised: the exception's class and the builtin class an ``except`` names."""

    type: builtins.type[BaseException]  # the field's name shadows the builtin in the class body
    kind: builtins.type[BaseException]
    message: str

    def __repr__(self) -> str:
        return f"Raised({self.type.__name__}<{self.kind.__name__}>: {self.message[:80]!r})"


def builtin_kind(exc_type: type) -> type:
    """The first builtin class in ``exc_type``'s MRO (Exception for a bare ArrowException)."""
    for cls in exc_type.__mro__:
        if cls.__module__ == "builtins":
            return cls
    return Exception  # pragma: no cover - every exception derives from a builtin


def normalise(value: Any) -> Any:
    """A value both libraries' results can be compared by."""
    if isinstance(value, (arrowio.Buffer, pyarrow.Buffer, memoryview, bytearray)):
        return ("buffer", bytes(memoryview(value)) if not isinstance(value, memoryview) else value.tobytes())
    if isinstance(value, (bytes, int, float, str, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(normalise(v) for v in value)
    return ("object", type(value).__name__)


def outcome(call: Callable[[], Any]) -> Any:
    """``call()``'s normalised result, or the Raised it ended with."""
    try:
        value = call()
    except Exception as exc:  # every error is compared, none is expected here
        return Raised(type(exc), builtin_kind(type(exc)), str(exc))
    return normalise(value)


def agree(ours: Any, theirs: Any) -> bool:
    """Whether arrowio's outcome stands in for PyArrow's (see the module docstring)."""
    if isinstance(theirs, Raised):
        if not isinstance(ours, Raised):
            return False
        if theirs.kind is Exception:  # a bare ArrowException child: the names must match
            return ours.type.__name__ == theirs.type.__name__
        named = getattr(arrowio, theirs.type.__name__, None)
        if theirs.type.__module__.startswith("pyarrow") and isinstance(named, type):
            return issubclass(ours.type, named)
        return issubclass(ours.type, theirs.kind)
    return not isinstance(ours, Raised) and ours == theirs


def compare(what: str, ours: Callable[[], Any], theirs: Callable[[], Any]) -> tuple[Any, Any]:
    """Run both calls; fail naming ``what`` when their outcomes disagree."""
    a, b = outcome(ours), outcome(theirs)
    assert agree(a, b), f"{what}: arrowio gave {a!r}, PyArrow gave {b!r}"
    return a, b
