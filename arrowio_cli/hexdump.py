"""The canonical hex+ASCII dump of ``hexdump -C``, written as the data streams by.

Byte for byte what ``hexdump -C`` prints (``hexdump -C -s N`` when the offsets start at N):
16 bytes a line, a gap after the eighth, printable ASCII between bars, runs of identical
lines squeezed to one ``*``, and the offset after the last byte on a line of its own.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["HexDump"]

_LINE = 16
# Printable ASCII stays, everything else shows as '.', as hexdump -C does.
_ASCII = bytes(b if 0x20 <= b < 0x7F else 0x2E for b in range(256))


class HexDump:
    """Feed bytes in any pieces; ``close()`` ends the dump. Output goes to ``write`` as bytes."""

    def __init__(self, write: Callable[[bytes], object], offset: int = 0) -> None:
        self._write = write
        self._offset = offset  # offset of the first byte of ``_pending``
        self._pending = b""
        self._previous: bytes | None = None  # the last full line printed (or squeezed)
        self._squeezing = False
        self._any = False

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        data = self._pending + bytes(data)
        whole = len(data) - len(data) % _LINE
        out: list[bytes] = []
        for start in range(0, whole, _LINE):
            line = data[start : start + _LINE]
            if line == self._previous:
                if not self._squeezing:
                    out.append(b"*\n")
                    self._squeezing = True
            else:
                out.append(_render(self._offset + start, line))
                self._previous = line
                self._squeezing = False
        self._offset += whole
        self._pending = data[whole:]
        self._any = self._any or bool(data)
        if out:
            self._write(b"".join(out))

    def close(self) -> None:
        if not self._any:
            return  # hexdump -C prints nothing at all for empty input
        tail = self._pending
        out = _render(self._offset, tail) if tail else b""
        self._offset += len(tail)
        self._pending = b""
        self._write(out + b"%08x\n" % self._offset)
        self._any = False


def _render(offset: int, line: bytes) -> bytes:
    hexes = line.hex(" ")
    if len(line) > 8:
        hexes = hexes[:23] + " " + hexes[23:]
    # 16 bytes take 3*16 + 1 columns: pad short lines so the ASCII column stays put.
    return b"%08x  %-49s |%s|\n" % (offset, hexes.encode(), line.translate(_ASCII))
