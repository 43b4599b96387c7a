"""What the subcommands ask of a stream: its descriptor, and what the library decodes it as."""

from __future__ import annotations

import io

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["fileno", "format_of", "is_terminal"]


def fileno(stream: Any) -> int | None:
    """The descriptor of ``stream``, or None when it has none (a captured stream, a closed one)."""
    try:
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal; False for None, a closed stream or one without a file."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def format_of(stream: Any) -> str | None:
    """The compression the library decodes ``stream`` as; None when it passes bytes through."""
    import arrowio

    return stream.codec.name if isinstance(stream, arrowio.CompressedInputStream) else None
