"""A small compressed file read whole and decoded in one call, handed out as a stream would be.

A local file of at most 256 KiB is read whole when it is opened (see ``OSFile._read_whole``);
where its format module has a ``decode_whole`` that is sure of the result (zstd, gzip: one
frame or member, checked), :class:`arrowio.CompressedInputStream` decodes it at once and
reads from a :class:`WholeReader` instead of running the streaming machinery of
:mod:`._stream` (a generator, a cursor, a frame walk per read) for a single piece. Anything
the one call is not sure of goes the streaming way, so results and errors stay the same.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

    from ._registry import Format

__all__ = ["WholeReader", "WHOLE_LIMIT", "decode"]

#: The most a file may decode to and still be decoded in one call: the streaming reader's
#: piece size, so that a small file never holds more decoded data than a stream would.
WHOLE_LIMIT = 1 << 20

#: Each format's ``decode_whole`` (None where its module has none), looked up once per format.
_DECODERS: dict[str, Any] = {}


def decode(fmt: Format, whole: bytes) -> bytes | None:
    """``whole``, a small file read whole, decoded as ``fmt`` in one call where that is sure to
    give what the stream gives; None where it is not (the stream then says what is wrong).
    A missing backend raises as the stream's codec does (``Format.load``)."""
    decode_whole = _DECODERS.get(fmt.name, _DECODERS)
    if decode_whole is _DECODERS:  # not looked up yet
        decode_whole = _DECODERS[fmt.name] = getattr(fmt.load(), "decode_whole", None)
    return None if decode_whole is None else decode_whole(whole, WHOLE_LIMIT)


class WholeReader:
    """The reader interface of :class:`._stream.DecodingReader` (``read1``, ``read``,
    ``read_view``, ``readinto``, ``position``, ``close``) over decoded bytes already there."""

    __slots__ = ("_data", "position")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.position = 0  # decoded bytes handed out so far

    def read1(self, n: int = -1) -> bytes:
        """At most ``n`` bytes (all that is left if n < 0); b"" only at the end."""
        data, pos = self._data, self.position
        if n < 0 or pos + n >= len(data):
            self.position = len(data)
            return data if pos == 0 else data[pos:]
        self.position = pos + n
        return data[pos : pos + n]

    read = read1  # everything is here: one piece is as much as a read can get

    def read_view(self, n: int) -> memoryview | bytes:
        """As :meth:`read1`, without a copy where only part is taken."""
        data, pos = self._data, self.position
        end = len(data) if n < 0 else min(pos + n, len(data))
        self.position = end
        return data if pos == 0 and end == len(data) else memoryview(data)[pos:end]

    def readinto(self, target: Any) -> int:
        """Copy up to ``len(target)`` bytes; 0 only at the end."""
        view = memoryview(target).cast("B")
        pos = self.position
        n = min(len(view), len(self._data) - pos)
        view[:n] = memoryview(self._data)[pos : pos + n]
        self.position = pos + n
        return n

    def close(self) -> None:
        self._data = b""
