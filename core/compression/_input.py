"""The compressed input a decoder has been given and not yet consumed, with its offset.

Input arrives in large chunks (1 MiB or more). Backends are given zero-copy slices of the
current chunk; what a backend did not use at the end of a member is given back (its
``unused_data`` is always the tail of the last slice it was given, since a slice is only
given once the backend needs input). Headers and trailers that straddle two chunks are the
only bytes copied, into a small carry buffer.
"""

from __future__ import annotations

import struct

__all__ = ["Cursor", "FEED", "FEED_FIRST"]

#: Largest slice handed to a backend at once. Large slices make a backend fast (ISA-L inflates
#: a 1 MiB slice about 15% faster than four of 256 KiB), but at the end of a member the backend
#: copies what it did not use (its ``unused_data``); so each member starts with FEED_FIRST and
#: doubles up to FEED (:meth:`Cursor.take_feed`): small members (BGZF's 64 KiB) cost small
#: copies, large ones run fast.
FEED = 1 << 20
FEED_FIRST = 64 * 1024

_EMPTY = memoryview(b"")


class Cursor:
    """Unconsumed input: ``carry`` (bytes kept from earlier chunks) then the current chunk."""

    __slots__ = ("_carry", "_view", "_off", "_feed", "pos")

    def __init__(self) -> None:
        self._carry = bytearray()
        self._view = _EMPTY
        self._off = 0
        self._feed = FEED_FIRST  # the next take_feed() slice size
        self.pos = 0  # compressed offset of the next unconsumed byte

    def push(self, data: bytes | bytearray | memoryview) -> None:
        """Append a chunk of input (kept by reference: do not mutate it afterwards)."""
        if self._off < len(self._view):  # a header or block straddles the chunks: keep its start
            self._carry += self._view[self._off :]
        view = data if isinstance(data, memoryview) else memoryview(data)
        if view.format != "B" or view.ndim != 1:
            view = view.cast("B")
        # Invariant: bytes in the carry come before the chunk, and the chunk is untouched
        # (offset 0) while the carry is not empty.
        self._view, self._off = view, 0

    def __len__(self) -> int:
        return len(self._carry) + len(self._view) - self._off

    def __bool__(self) -> bool:
        return bool(self._carry) or self._off < len(self._view)

    def peek(self, n: int) -> bytes:
        """Up to ``n`` bytes from the front, not consumed."""
        carry = self._carry
        if carry:
            if len(carry) >= n:
                return bytes(carry[:n])
            return bytes(carry) + bytes(self._view[self._off : self._off + n - len(carry)])
        return bytes(self._view[self._off : self._off + n])

    def peek_at(self, at: int, n: int) -> bytes:
        """Up to ``n`` bytes starting ``at`` bytes from the front, not consumed (no copy of the rest)."""
        carry = self._carry
        if at >= len(carry):
            start = self._off + at - len(carry)
            return bytes(self._view[start : start + n])
        return (bytes(carry[at : at + n]) + bytes(self._view[self._off : self._off + n]))[:n]

    def peek_all(self) -> bytes:
        """Everything unconsumed (a copy: use only for short, rare lookups)."""
        return bytes(self._carry) + bytes(self._view[self._off :])

    def u32(self, at: int = 0) -> int | None:
        """The little-endian uint32 at ``at`` from the front, or None when not all there."""
        raw = self.peek(at + 4)
        return struct.unpack_from("<I", raw, at)[0] if len(raw) == at + 4 else None

    def skip(self, n: int) -> None:
        """Consume ``n`` bytes (which must be there)."""
        self.pos += n
        carry = self._carry
        if carry:
            if n <= len(carry):
                del carry[:n]
                return
            n -= len(carry)
            carry.clear()
        self._off += n

    def take(self, n: int) -> memoryview | bytes:
        """Consume and return up to ``n`` bytes: a zero-copy slice unless they come from the carry."""
        carry = self._carry
        piece: memoryview | bytes
        if carry:
            piece = bytes(carry[:n])
            del carry[:n]
        else:
            piece = self._view[self._off : self._off + n]
            self._off += len(piece)
        self.pos += len(piece)
        return piece

    def start_member(self) -> None:
        """A new member starts: the next :meth:`take_feed` slices are small again."""
        self._feed = FEED_FIRST

    def take_feed(self) -> memoryview | bytes:
        """The next slice for a backend: :meth:`take` of FEED_FIRST bytes, doubling each call up
        to FEED, from the last :meth:`start_member` on."""
        feed = self._feed
        self._feed = feed * 2 if feed < FEED else FEED
        return self.take(feed)

    def give_back(self, unused: bytes | memoryview) -> None:
        """Un-consume ``unused``, the tail of the last :meth:`take`."""
        if not unused:
            return
        n = len(unused)
        self.pos -= n
        if self._off >= n and not self._carry:
            self._off -= n
        else:
            self._carry[:0] = unused
