"""gzip (RFC 1952): every header flag, multi-member files (pigz, BGZF), strict trailers.

The header is parsed here rather than by a backend: Python's ``gzip`` and ISA-L's ``igzip``
accept a header with reserved flag bits set, which ``gzip -d`` rejects, so we check them
ourselves, along with the optional header CRC16 (FHCRC). The deflate body goes to ISA-L or
zlib (:mod:`._deflate`); CRC32 and ISIZE of every member are verified. After a member comes
another member or the end of input: anything else is trailing garbage and an error.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections import deque

from ._base import Encoder, MemberDecoder, StreamHeader
from ._deflate import Inflater, crc32, deflate_block, inflate_whole, make_deflater, zlib_level
from ._input import Cursor

__all__ = ["GzipDecoder", "GzipEncoder", "decoder", "decode_whole", "encoder", "RECORDS"]

#: What a member header records of a :class:`StreamHeader` (see Codec.encoder).
RECORDS = ("name", "mtime")

_FHCRC, _FEXTRA, _FNAME, _FCOMMENT = 0x02, 0x04, 0x08, 0x10
_RESERVED = 0xE0
_TRAILER_SIZE = 8  # CRC32 and ISIZE, little endian
_HEADER_PEEK = 4096  # enough for any header without long names or extra fields

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:  # the thread pool is imported only when compressing with threads
    from concurrent.futures import Future


class _Body(Inflater):
    """One member's deflate data, counting the bytes it decoded (for the trailer's ISIZE)."""

    __slots__ = ("size",)

    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def decompress(self, data: bytes | memoryview, max_length: int) -> bytes:
        out = super().decompress(data, max_length)
        self.size += len(out)
        return out


class GzipDecoder(MemberDecoder):
    """Strict incremental gzip decoder (see the module doc).

    A :class:`MemberDecoder` whose backend is each member's deflate data, as CPython's
    ``gzip._GzipReader`` reads: :meth:`_between` checks the trailer of the member before, then
    parses the next header (the header and trailer hooks); the member loop is the base's.
    """

    format = "gzip"
    _corrupt = "zlib inflate failed: corrupt deflate data"

    def __init__(self) -> None:
        super().__init__()
        self._ended: _Body | None = None  # the member whose trailer is still to check
        self._in_header = False  # a next member's magic was seen: its header is being read

    def _between(self) -> _Body | None:
        cursor = self._in
        if self._ended is not None and not self._check_trailer():
            return None
        if self._members and not self._in_header:  # another member, or the end
            head = cursor.peek(2)
            if not head:
                return None
            if head[0] != 0x1F or (len(head) > 1 and head[1] != 0x8B):
                raise self._error(cursor.pos, "trailing garbage after the last gzip member")
            self._member_start = cursor.pos
            self._in_header = True  # from here on the header's own checks judge these bytes
        length = self._header_length()
        if length is None:
            return None
        self._in_header = False
        cursor.skip(length)
        body = _Body()
        self._backend_errors = (body.error,)  # zlib's or ISA-L's, as the inflater runs on
        return body

    def _begin_member(self, cursor: Cursor) -> None:
        cursor.start_member()  # the member started at its header, where _between left _member_start

    def _end_member(self, backend: _Body) -> None:
        self._ended = backend

    def _check_trailer(self) -> bool:
        """Check the ended member's CRC32 and ISIZE; False if the trailer is not all here yet."""
        cursor = self._in
        trailer = cursor.peek(_TRAILER_SIZE)
        if len(trailer) < _TRAILER_SIZE:
            return False
        body = self._ended
        assert body is not None
        crc, isize = struct.unpack("<II", trailer)
        if crc != body.crc:
            raise self._error(cursor.pos, f"CRC32 mismatch in the trailer: stored {crc:08x}, computed {body.crc:08x}")
        if isize != body.size & 0xFFFFFFFF:
            raise self._error(
                cursor.pos + 4, f"length mismatch in the trailer: stored {isize}, decoded {body.size} (mod 2**32)"
            )
        cursor.skip(_TRAILER_SIZE)
        self._ended = None
        return True

    def _clean_end(self) -> bool:
        return self._ended is None and super()._clean_end()

    def _where(self) -> str:
        if self._backend is not None:
            return "deflate data"
        return "trailer" if self._ended is not None else "header"

    def _header_length(self) -> int | None:
        """Length of the complete member header at the cursor; None if more bytes are needed."""
        cursor = self._in
        length = self._parse_header(cursor.peek(_HEADER_PEEK), cursor.pos)
        if length is None and len(cursor) > _HEADER_PEEK:  # long names or extra fields
            length = self._parse_header(cursor.peek_all(), cursor.pos)
        return length

    def _parse_header(self, buf: bytes, pos: int) -> int | None:
        """Length of the member header at the start of ``buf``; None if ``buf`` ends inside it."""
        n = len(buf)
        if n >= 1 and (buf[0] != 0x1F or (n >= 2 and buf[1] != 0x8B)):
            raise self._error(pos, "not in gzip format (bad magic number)")
        if n >= 3 and buf[2] != 8:
            raise self._error(pos + 2, f"unknown compression method {buf[2]} (only 8, deflate, exists)")
        if n >= 4 and buf[3] & _RESERVED:
            raise self._error(pos + 3, f"reserved header flags set ({buf[3]:#04x}), which gzip -d also refuses")
        if n < 10:
            return None
        flags = buf[3]
        i = 10
        if flags & _FEXTRA:  # XLEN, then XLEN bytes of subfields (BGZF keeps its block size there)
            if n < i + 2:
                return None
            i += 2 + (buf[i] | buf[i + 1] << 8)
            if n < i:
                return None
        for flag in (_FNAME, _FCOMMENT):  # zero-terminated strings
            if flags & flag:
                end = buf.find(b"\0", i)
                if end < 0:
                    return None
                i = end + 1
        if flags & _FHCRC:  # the low 16 bits of the CRC32 of the header bytes before it
            if n < i + 2:
                return None
            stored = buf[i] | buf[i + 1] << 8
            computed = zlib.crc32(buf[:i]) & 0xFFFF
            if stored != computed:
                raise self._error(pos + i, f"header CRC16 mismatch: stored {stored:04x}, computed {computed:04x}")
            i += 2
        return i


class GzipEncoder(Encoder):
    """A single-member gzip stream at zlib ``level`` (-1..9); ``header`` gives the FNAME and
    MTIME fields (none and 0 without it, as ``gzip -n`` writes)."""

    format = "gzip"

    def __init__(self, level: int, header: StreamHeader | None = None) -> None:
        self._deflater, self._sync, self._finish = make_deflater(level)
        self._crc32 = crc32()
        self._crc = 0
        self._size = 0
        self._header = _member_header(zlib_level(level), header)

    def _take_header(self) -> bytes:
        header, self._header = self._header, b""
        return header

    def compress(self, data: bytes | memoryview) -> bytes:
        self._crc = self._crc32(data, self._crc)
        self._size += len(data)
        out = self._deflater.compress(data)
        return self._take_header() + out if self._header else out

    def flush(self) -> bytes:
        return self._take_header() + self._deflater.flush(self._sync)

    def finish(self) -> bytes:
        tail = self._deflater.flush(self._finish)
        return self._take_header() + tail + struct.pack("<II", self._crc, self._size & 0xFFFFFFFF)


def _member_header(level: int, header: StreamHeader | None) -> bytes:
    """RFC 1952's member header: XFL 2/4 for slowest/fastest as gzip writes, OS 3 (Unix), and
    the name (Latin-1, NUL-terminated, as gzip stores it) and mtime when known."""
    xfl = 2 if level >= 9 else 4 if level <= 1 else 0
    name = b""
    if header is not None and header.name:  # without NULs, which would end the field early
        name = header.name.encode("latin-1", "replace").replace(b"\0", b"") + b"\0"
    mtime = 0 if header is None or not header.mtime or not 0 < header.mtime < 1 << 32 else int(header.mtime)
    return struct.pack("<BBBBIBB", 0x1F, 0x8B, 8, _FNAME if name else 0, mtime, xfl, 3) + name


class ParallelGzipEncoder(GzipEncoder):
    """The same single-member stream, compressed by ``threads`` workers as pigz does: the input
    is cut into 128 KiB blocks, each compressed on its own with the 32 KiB before it as
    dictionary and ended on a byte boundary, so that the pieces join into one deflate stream.
    zlib and ISA-L release the GIL while they work, so the workers run in parallel."""

    _BLOCK = 128 * 1024  # pigz's default block size
    _WINDOW = 32 * 1024  # deflate's window: all a block can refer back to

    def __init__(self, level: int, threads: int, header: StreamHeader | None = None) -> None:
        super().__init__(level, header)
        from concurrent.futures import ThreadPoolExecutor

        self._level = level
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="arrowio-gzip")
        self._limit = 2 * threads  # blocks in flight: bounds memory, keeps every worker busy
        self._pending: deque[Future[bytes]] = deque()
        self._buffer = bytearray()
        self._window = b""

    def _submit(self, block: bytes, last: bool) -> None:
        self._pending.append(self._pool.submit(deflate_block, self._level, block, self._window, last))
        self._window = (self._window + block)[-self._WINDOW :]

    def _collect(self, wait_all: bool) -> bytes:
        pending = self._pending
        out = [self._take_header()]
        while pending and (wait_all or len(pending) > self._limit or pending[0].done()):
            out.append(pending.popleft().result())
        return b"".join(out)

    def compress(self, data: bytes | memoryview) -> bytes:
        self._crc = self._crc32(data, self._crc)
        self._size += len(data)
        buffer = self._buffer
        buffer += data
        start = 0
        while len(buffer) - start >= self._BLOCK:
            self._submit(bytes(buffer[start : start + self._BLOCK]), last=False)
            start += self._BLOCK
        del buffer[:start]
        return self._collect(wait_all=False)

    def flush(self) -> bytes:
        if self._buffer:
            self._submit(bytes(self._buffer), last=False)
            self._buffer.clear()
        return self._collect(wait_all=True)

    def finish(self) -> bytes:
        try:
            self._submit(bytes(self._buffer), last=True)
            self._buffer.clear()
            return self._collect(wait_all=True) + struct.pack("<II", self._crc, self._size & 0xFFFFFFFF)
        finally:
            self._pool.shutdown()


def decoder() -> GzipDecoder:
    return GzipDecoder()


def decode_whole(whole: bytes, limit: int) -> bytes | None:
    """All of ``whole``, a small file read whole, inflated in one backend call, where that is
    sure to give what :class:`GzipDecoder` gives: ``whole`` is exactly one member, with no
    header field the strict decoder checks beyond the backend (FHCRC) or that BGZF and other
    framings use (FEXTRA), whose trailer states a size of at most ``limit`` bytes and matches
    what was inflated. None otherwise, without a word: the caller decodes it as a stream,
    which says what is wrong and where."""
    size = len(whole)
    if size < 18 or whole[0] != 0x1F or whole[1] != 0x8B or whole[2] != 8:
        return None
    flags = whole[3]
    if flags & (_RESERVED | _FHCRC | _FEXTRA):
        return None
    at = 10
    for flag in (_FNAME, _FCOMMENT):
        if flags & flag:
            at = whole.find(b"\0", at, size - _TRAILER_SIZE) + 1
            if not at:
                return None
    crc, isize = struct.unpack_from("<II", whole, size - _TRAILER_SIZE)
    if isize > limit:
        return None
    # One byte of room more than the trailer states: a member that decodes to more shows.
    inflated = inflate_whole(memoryview(whole)[at : size - _TRAILER_SIZE], isize + 1)
    if inflated is None or len(inflated[0]) != isize or inflated[1] != crc:
        return None
    return inflated[0]


def encoder(level: int, threads: int = 0, header: StreamHeader | None = None) -> GzipEncoder:
    """Single-threaded unless ``threads`` is > 0 (that many workers) or -1 (one per core)."""
    if threads < 0:
        threads = os.cpu_count() or 1
    return ParallelGzipEncoder(level, threads, header) if threads > 0 else GzipEncoder(level, header)
