"""Names (file names, paths, URLs) and messages made safe to print, as ``ls -b`` shows them.

A file name may hold any byte but ``/`` and NUL: an escape sequence in one (``ESC ] 0 ; title BEL``
sets a terminal's title, others move the cursor or rewrite what was printed) must not reach a
terminal, nor a newline forge a line of output. Control characters become C escapes (``\\n``,
``\\t``) or octal (``\\033``); Unicode line separators and bidirectional overrides (which make a
name display as another) become the octal of their UTF-8 bytes; a byte that is not UTF-8, which
Python keeps as a lone surrogate (``\\udcff``), becomes ``\\xff``. A backslash is doubled, so every
escape is unambiguous. Everything else, spaces and non-ASCII letters included, stays as it is.
"""

from __future__ import annotations

__all__ = ["printable"]

_C_ESCAPES = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r", "\\": "\\\\"}
# Formatting characters that reorder text on display (Trojan Source, CVE-2021-42574), and the
# Unicode line and paragraph separators.
_INVISIBLE = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


def printable(text: str) -> str:
    """``text`` with control characters, undecodable bytes and backslashes escaped (``ls -b``)."""
    if text.isprintable() and "\\" not in text:
        return text  # the common case, checked in C
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    escaped = _C_ESCAPES.get(char)
    if escaped is not None:
        return escaped
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's surrogateescape of the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:  # any other lone surrogate cannot be encoded at all
        return f"\\u{code:04x}"
    if code < 0x20 or 0x7F <= code < 0xA0 or char in _INVISIBLE:
        return "".join(f"\\{byte:03o}" for byte in char.encode())
    return char
