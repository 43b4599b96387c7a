"""Raw deflate (RFC 1951) both ways, on ISA-L when ``isal`` imports, on stdlib zlib otherwise.

The backend is chosen each time an inflater or deflater is made (the import is cached by
Python), so hiding ``isal`` from ``sys.modules`` switches to zlib: that is how the tests run
every gzip case on both backends.

Compression levels follow zlib (-1..9: -1 is zlib's default, 6; 0 stores). ISA-L's levels 0..3 are
all compressing, so only levels 1..3 run on ISA-L (much faster than zlib at similar ratios); 0 and
4..9 run on zlib-ng (the ``zlib-ng`` bindings) when
it imports, else on stdlib zlib; any inflater reads either. On a text corpus zlib-ng deflates
1.2x (level 4), 1.4x (level 6) and 2.2x (level 9) faster than stdlib zlib, within 1 % of its size.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["backend", "deflate_backend", "Inflater", "inflate_whole", "make_deflater", "crc32", "zlib_level"]

_WBITS = -15  # raw deflate, 32 KiB window
#: ISA-L is given input for this share of a call's output limit (see Inflater._step): a slice it
#: uses up leaves nothing to copy, and the piece it makes is nearly full.
_STEP_SHARE = 0.9
_MIN_STEP = 4 << 10  # ratios of 1,000 (runs of zeros) still get slices worth a call
_FIRST_PER_BYTE = 0.25  # compressed bytes per decoded byte guessed before any output
_ZLIB_DEFAULT = 6  # what zlib's Z_DEFAULT_COMPRESSION (-1) means


def zlib_level(level: int) -> int:
    """The zlib level ``level`` (-1..9) stands for: -1 is zlib's default."""
    return _ZLIB_DEFAULT if level == -1 else level


def _isal_level(level: int) -> bool:
    """Whether ISA-L deflates at zlib ``level``: 1..3 (ISA-L's 0 compresses, zlib's 0 stores)."""
    return 1 <= level <= 3


def backend() -> str:
    """'isal' or 'zlib': the inflater that :class:`Inflater` uses right now."""
    try:
        import isal.igzip_lib  # noqa: F401
    except ImportError:
        return "zlib"
    return "isal"


def deflate_backend(level: int) -> str:
    """'isal', 'zlib-ng' or 'zlib': the library that :func:`make_deflater` uses for ``level`` right now."""
    if _isal_level(zlib_level(level)):
        try:
            from isal import isal_zlib  # noqa: F401
        except ImportError:
            pass
        else:
            return "isal"
    return "zlib" if _zlib_module() is zlib else "zlib-ng"


def _zlib_module() -> Any:
    """The zlib-compatible module for levels ISA-L lacks: zlib-ng where it imports (faster at
    every level), stdlib zlib otherwise."""
    try:
        from zlib_ng import zlib_ng
    except ImportError:
        return zlib
    return zlib_ng


def crc32() -> Callable[[bytes | memoryview, int], int]:
    """The fastest crc32(data, value) available (ISA-L's folds with PCLMUL)."""
    try:
        from isal.isal_zlib import crc32 as fast
    except ImportError:
        return zlib.crc32
    return fast


class Inflater:
    """One raw deflate stream, bz2-style: input is buffered inside, output is bounded by
    ``max_length``; ``eof`` once the final block ended, with what follows in ``unused_data``.
    ``crc`` is the CRC32 of the output so far: ISA-L computes it while inflating (its gzip
    mode without header and trailer), which is much faster than a second pass over the output."""

    __slots__ = ("_isal", "_obj", "_tail", "_crc", "_rest", "_per_byte", "needs_input", "error")
    _isal: bool
    _obj: Any  # zlib's or ISA-L's decompressor; _isal says which API it has
    _tail: bytes
    _crc: int
    _rest: bytes | memoryview  # input not given to ISA-L yet (see _step)
    _per_byte: float  # compressed bytes per decoded byte, as last seen; 0 before any output
    needs_input: bool
    error: type[Exception]

    def __init__(self) -> None:
        try:
            # Not "from isal import igzip_lib": that form runs importlib's Python fromlist
            # handling on every call, and an inflater is made per gzip member.
            import isal.igzip_lib as igzip_lib
        except ImportError:
            self._isal = False
            self._obj = zlib.decompressobj(_WBITS)
            self.error = zlib.error
        else:
            self._isal = True
            self._obj = igzip_lib.IgzipDecompressor(flag=igzip_lib.DECOMP_GZIP_NO_HDR)
            self.error = igzip_lib.IsalError  # type: ignore[assignment]  # the isal stub types the class as an instance
        self._tail = b""
        self._crc = 0
        self._rest = b""
        self._per_byte = 0.0
        self.needs_input = True

    def decompress(self, data: bytes | memoryview, max_length: int) -> bytes:
        obj = self._obj
        if self._isal:
            if data:
                self._rest = bytes(self._rest) + bytes(data) if self._rest else data
            feed: bytes | memoryview = b""
            if obj.needs_input and self._rest:
                feed = self._step(max_length)
            out = obj.decompress(feed, max_length)
            if out and feed:  # learn the ratio: that of the feed, or under it where some was left
                self._per_byte = len(feed) / len(out) * (1.0 if obj.needs_input else 0.5)
            self.needs_input = obj.needs_input and not self._rest
            return out
        # zlib keeps refused input in unconsumed_tail instead of inside: carry it ourselves.
        if self._tail:
            data = self._tail + bytes(data) if data else self._tail
        out = obj.decompress(data, max_length if max_length > 0 else 0)
        self._tail = obj.unconsumed_tail
        self._crc = zlib.crc32(out, self._crc)
        # With all input consumed and the limit hit, zlib may still hold output: ask again.
        self.needs_input = not self._tail and (max_length <= 0 or len(out) < max_length)
        return out

    def _step(self, max_length: int) -> bytes | memoryview:
        """The next slice of the input for ISA-L: about what decodes to :data:`_STEP_SHARE` of
        ``max_length`` at the ratio last seen (deflate's usual 1:4 before any). ISA-L copies
        whatever input is left when the output limit ends a call into a buffer of its own: fed
        whole 1 MiB slices, it copied 70 % of a 256 MiB file's compressed bytes (6 ms of 360)."""
        rest = self._rest
        n = len(rest)
        if max_length > 0:
            per_byte = self._per_byte or _FIRST_PER_BYTE
            n = min(n, max(_MIN_STEP, int(max_length * per_byte * _STEP_SHARE)))
        if n == len(rest):
            self._rest = b""
            return rest
        view = rest if isinstance(rest, memoryview) else memoryview(rest)
        self._rest = view[n:]
        return view[:n]

    @property
    def crc(self) -> int:
        return self._obj.crc if self._isal else self._crc

    @property
    def eof(self) -> bool:
        return self._obj.eof

    @property
    def unused_data(self) -> bytes:
        """The input after the end of the stream: ISA-L's leftover, then what it was not given."""
        unused = self._obj.unused_data
        if self._isal and self._rest:
            return unused + bytes(self._rest)
        return unused


def inflate_whole(data: bytes | memoryview, max_length: int) -> tuple[bytes, int] | None:
    """``data``, exactly one raw deflate stream, inflated in one backend call: the output and
    its CRC32; None where it is damaged, cut short, followed by more, or inflates to more than
    ``max_length`` bytes. For an input read whole (:func:`._gzip.decode_whole`): no
    :class:`Inflater` around the call, whose making and slicing cost a tenth of a 10 KiB file's."""
    # sys.modules first (a dict lookup where an import statement costs 10 times more); a test
    # that hides isal there (None) still gets zlib, through the ImportError.
    igzip_lib: Any = sys.modules.get("isal.igzip_lib")
    if igzip_lib is None:
        try:
            import isal.igzip_lib as igzip_lib
        except ImportError:
            obj = zlib.decompressobj(_WBITS)
            try:
                out = obj.decompress(data, max_length)
            except zlib.error:
                return None
            if not obj.eof or obj.unused_data or obj.unconsumed_tail:
                return None
            return out, zlib.crc32(out)
    isal = igzip_lib.IgzipDecompressor(flag=igzip_lib.DECOMP_GZIP_NO_HDR)  # CRC32 computed while inflating
    try:
        out = isal.decompress(data, max_length)
    except igzip_lib.IsalError:
        return None
    if not isal.eof or isal.unused_data:
        return None
    return out, isal.crc


def make_deflater(level: int, zdict: bytes = b"") -> tuple[Any, int, int]:
    """A raw-deflate compressobj for zlib ``level`` (-1..9) primed with ``zdict`` (the data just
    before, as a parallel compressor gives each block), with its sync-flush and finish modes."""
    level = zlib_level(level)
    if _isal_level(level):
        try:
            from isal import isal_zlib
        except ImportError:
            pass
        else:
            if zdict:
                obj = isal_zlib.compressobj(level, isal_zlib.DEFLATED, _WBITS, zdict=zdict)
            else:
                obj = isal_zlib.compressobj(level, isal_zlib.DEFLATED, _WBITS)
            return obj, isal_zlib.Z_SYNC_FLUSH, isal_zlib.Z_FINISH
    module = _zlib_module()
    if zdict:
        obj = module.compressobj(level, module.DEFLATED, _WBITS, zdict=zdict)
    else:
        obj = module.compressobj(level, module.DEFLATED, _WBITS)
    return obj, module.Z_SYNC_FLUSH, module.Z_FINISH


def deflate_block(level: int, block: bytes | memoryview, zdict: bytes, last: bool) -> bytes:
    """One independent piece of a single deflate stream, as pigz makes them: ``block`` compressed
    with the 32 KiB before it as dictionary, ending on a byte boundary (sync flush) unless last."""
    obj, sync, finish = make_deflater(level, zdict)
    return obj.compress(block) + obj.flush(finish if last else sync)
