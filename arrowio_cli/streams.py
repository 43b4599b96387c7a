"""What the subcommands ask of a stream: its descriptor, and what the library decodes it as."""

from __future__ import annotations

import io
import os
import stat

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["decode_ahead_into", "fileno", "format_of", "is_terminal"]


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


def decode_ahead_into(fd: int, status: os.stat_result) -> bool | None:
    """Whether decoding ahead in a thread pays when each decoded piece is written to ``fd``
    (``status`` its fstat), for :attr:`arrowio.CompressedInputStream.decode_ahead`.

    A pipe or socket write copies the piece and waits for the reader: True. A character device
    other than a terminal (/dev/null) takes it for nothing: False, no thread. Anything else (a
    file, a terminal): None, measured. Known from the descriptor, where the library's measure
    of wall-clock shares, on a busy machine, started the thread into /dev/null (a consumer
    preempted between reads looks slow) or started it 16 pieces late into a pipe.
    """
    mode = status.st_mode
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return True
    if stat.S_ISCHR(mode) and not os.isatty(fd):
        return False
    return None
