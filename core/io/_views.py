"""Byte views of buffer-protocol objects, and fitting a partly filled buffer: the io package's helpers."""

from __future__ import annotations

from ..buffer import Buffer, allocate_buffer, py_buffer
from ..memory import MemoryPool

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["byte_view", "writable_view", "fitted"]


def byte_view(data: Any) -> memoryview:
    """A flat unsigned-byte view of ``data`` (a Buffer or any buffer-protocol object); str raises TypeError."""
    if isinstance(data, Buffer):
        return memoryview(data)  # a counted view that owns the buffer, never the bare internal one
    if isinstance(data, str):
        raise TypeError("a bytes-like object is required, not 'str'")
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(f"a bytes-like object is required, not {type(data).__name__!r}") from None
    if view.ndim == 1 and view.format == "B":
        return view
    # Other formats, shapes and Fortran order: py_buffer knows every contiguous layout.
    return py_buffer(data)._memview()


#: PyArrow's type and words for a read-only readinto() target.
_READ_ONLY = "readinto() argument must be a writable buffer"


def writable_view(data: Any) -> memoryview:
    """A flat unsigned-byte writable view of ``data``, for readinto."""
    if isinstance(data, Buffer):
        if not data.is_mutable:
            raise TypeError(_READ_ONLY)
        return memoryview(data)
    view = memoryview(data)
    if view.readonly:
        raise TypeError(_READ_ONLY)
    if view.ndim == 1 and view.format == "B":
        return view
    return view.cast("B")


def fitted(buffer: Buffer, used: int, pool: MemoryPool | None) -> Buffer:
    """``buffer`` cut to its first ``used`` bytes: a slice when most of it is used, else a tight copy."""
    size = buffer.size
    if used == size:
        return buffer
    if used * 2 >= size:
        return buffer._slice(0, used)  # keeps the fresh memory writable, as PyArrow's read_buffer does
    tight = allocate_buffer(used, pool)
    if used:
        tight._memview()[:] = buffer._memview()[:used]
    return tight
