"""The exception tree of arrowio.

Every error the library raises is an :class:`ArrowException` that is also the
fitting builtin, so ``except OSError`` or ``except ValueError`` keep working.
"""

from __future__ import annotations

__all__ = [
    "ArrowException",
    "ArrowInvalid",
    "ArrowIOError",
    "ArrowNotImplementedError",
    "ArrowMemoryError",
    "ArrowCapacityError",
    "ArrowTypeError",
    "ArrowKeyError",
    "ArrowIndexError",
    "ArrowCancelled",
    "ArrowSerializationError",
    "ArrowInvalidPosition",
]


class ArrowException(Exception):
    """Root of every arrowio error."""


class ArrowInvalid(ValueError, ArrowException):
    """An argument or input is invalid."""


class ArrowIOError(OSError, ArrowException):
    """Reading or writing failed, or the data read is corrupt or truncated."""


class ArrowNotImplementedError(NotImplementedError, ArrowException):
    """The operation or a facility it needs is not available here."""


class ArrowMemoryError(MemoryError, ArrowException):
    """An allocator could not satisfy a request."""


class ArrowCapacityError(ArrowException):
    """A size exceeds what a container can hold."""


class ArrowTypeError(TypeError, ArrowException):
    """An argument has the wrong type."""


class ArrowKeyError(KeyError, ArrowException):
    """A name is not known."""


class ArrowIndexError(IndexError, ArrowException):
    """An index or range lies outside its container."""


class ArrowCancelled(ArrowException):
    """An operation was cancelled (Arrow's StatusCode::Cancelled)."""


class ArrowSerializationError(ArrowException):
    """Data could not be serialized or deserialized (Arrow's StatusCode::SerializationError)."""


class ArrowInvalidPosition(ArrowInvalid, ArrowIOError):
    """A seek before the start of a file: both a ValueError and an OSError, because PyArrow
    raises one or the other depending on the file class (OSError for BufferReader, ValueError
    for OSFile, memory maps and Python files), and ported code may catch either."""
