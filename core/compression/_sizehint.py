"""What a compressed file read whole says of its decoded size, before it is decoded.

Only a hint, for sizing the first piece a decoder is asked for (ISA-L allocates its whole output
bound up front: a 10 KiB gzip member inflated in 16 µs under a 32 KiB bound and in 29 µs under
the streaming reader's 1 MiB). A file the hint is wrong about decodes the same, in more pieces.
"""

from __future__ import annotations

__all__ = ["FLOOR", "first_piece"]

_GZIP_TRAILER = 8  # CRC32, then ISIZE: the decoded size of the last member, modulo 2**32
#: No smaller bound: ISA-L's output costs the same up to here, and a file of several members
#: (whose last one the ISIZE describes) is not cut into a tiny first piece.
FLOOR = 32 << 10


def first_piece(fmt: str, whole: bytes, default: int) -> int:
    """The bound for the first decoded piece of ``whole``, all of a file of format ``fmt``:
    for gzip, one byte more than the last member's ISIZE (so that a single member ends within
    it), at least :data:`FLOOR` and at most ``default``; ``default`` for every other format
    (their decoders allocate only what they produce)."""
    if fmt != "gzip" or len(whole) < _GZIP_TRAILER:
        return default
    return min(max(int.from_bytes(whole[-4:], "little") + 1, FLOOR), default)
