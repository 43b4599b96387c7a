"""Zstandard (RFC 8878) through ``zstandard``, with the frame structure walked here.

``zstandard`` has three traps for a streaming reader: ``zstandard.decompress()`` needs a frame
content size and stops after the first frame; ``stream_reader`` returns a short read without
error on truncated input; and ``decompressobj().decompress()`` returns all the output of the
input it is given at once, without limit. So this decoder walks the frames itself (headers,
block headers, checksums, skippable frames), which is cheap (a 3-byte header per block of up
to 128 KiB of output), and gives the backend whole blocks only, as many as fit the output
limit: output stays bounded, a frame that ends early is detected, every frame is read, and the
content checksum is verified by libzstd. Windows up to 2 GiB (``zstd --long=31``) are accepted.

Each frame is decoded by a ``stream_reader`` that pulls those whole blocks from the input
(:class:`_Blocks`), so that libzstd writes its output straight into memory the caller owns:
:meth:`ZstdDecoder.decode_into` fills a caller's buffer (a reused one stays page-warm), and
:meth:`ZstdDecoder.decompress` a ``bytes`` object sized for the blocks. ``decompressobj``
would decode into a scratch buffer of its own and copy the output into a ``bytes`` grown by
reallocation: more passes over every decoded byte (memory copies were 10 % of the profile of
``cat`` of a 256 MiB .zst with it, 8 % without: libzstd's own copies) and fresh pages each time.
"""

from __future__ import annotations

import zstandard

from ._base import UNLIMITED, Decoder, Encoder, Pending, StreamHeader, out_of_memory
from ._input import Cursor

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

    from ..errors import ArrowInvalid

__all__ = ["decoder", "decode_whole", "encoder", "compress_oneshot", "backend_level", "RECORDS"]

#: What a frame header records of a :class:`StreamHeader` (see Codec.encoder).
RECORDS = ("content_size",)

_MAGIC = 0xFD2FB528
_SKIPPABLE_MIN, _SKIPPABLE_MAX = 0x184D2A50, 0x184D2A5F
_MAX_BLOCK = 128 * 1024  # Block_Maximum_Size: no block decodes to more
_MAX_WINDOW = 1 << 31  # what zstd --long=31 needs
_BATCH = 64  # blocks per backend call when the caller sets no output limit
_START, _HEADER, _BLOCK, _CHECKSUM, _SKIP = range(5)
_WHERE = {_HEADER: "frame header", _BLOCK: "blocks", _CHECKSUM: "checksum", _SKIP: "skippable frame"}
_FCS_SIZE = (0, 2, 4, 8)
_DID_SIZE = (0, 1, 2, 4)
#: The longest frame header: magic, descriptor, window descriptor, dictionary ID, content size.
_MAX_HEADER = 4 + 1 + 1 + 4 + 8
#: Decompression contexts not in use (for the default window limit). Making one costs about
#: 16 µs (libzstd allocates its tables), as much as decoding a 10 KiB frame, so each frame
#: borrows one for its length and gives it back: ``cat`` of 1,000 small files makes one, not
#: 1,000. A context serves one frame at a time (a stream_reader decodes in its decompressor's
#: context), so one is never shared; list pop/append are atomic, so threads need no lock.
_IDLE: list[zstandard.ZstdDecompressor] = []
_IDLE_MAX = 16


class _Dry(Exception):
    """Raised into a frame's stream_reader when the planned blocks are all given: it ends the
    reader's call. ``read1``/``readinto1`` pull input only while they have no output yet, so
    no decoded byte is lost with the call."""


class _Blocks:
    """The source a frame's stream_reader pulls compressed input from: the ``left`` bytes of
    whole blocks that the decoder planned, taken from the input cursor as zero-copy slices."""

    __slots__ = ("cursor", "left")

    def __init__(self, cursor: Cursor) -> None:
        self.cursor = cursor
        self.left = 0

    def read(self, size: int) -> memoryview | bytes:
        if not self.left:
            raise _Dry
        piece = self.cursor.take(self.left)
        self.left -= len(piece)
        return piece


class ZstdDecoder(Decoder):
    format = "zstd"
    _unit = "frame"
    #: :meth:`decode_into` writes libzstd's output straight into the caller's buffer.
    fills_buffers = True

    def __init__(self, max_window_size: int = _MAX_WINDOW) -> None:
        super().__init__()
        self._max_window = max_window_size
        self._dctx: zstandard.ZstdDecompressor | None = None  # borrowed for the current frame
        self._reader: Any = None  # stream_reader of the current frame
        self._blocks = _Blocks(self._in)
        self._bound = 0  # the most the planned blocks decode to
        self._state = _START
        self._checksum = False
        self._skip = 0
        self._frames = 0
        self._frame_start = 0
        self._window = 0  # of the current frame: memory libzstd allocates besides the output
        # The frame content size its header records (None: not recorded) and the bytes decoded
        # of the frame so far: libzstd checks them only when the last block and the checksum
        # arrive in one call, so a frame cut into pieces by the reads was let through.
        self._content_size: int | None = None
        self._decoded = 0
        self._out = Pending()

    def decompress(self, data: bytes | memoryview, max_length: int = UNLIMITED) -> bytes:
        self._push(data)
        blocks = _BATCH if max_length < 0 else max(1, max_length // _MAX_BLOCK)
        while True:
            if self._out:
                self.needs_input = False
                return self._out.get(max_length)
            if not self._next_blocks(blocks):
                self.needs_input = True
                return b""
            self._decode_blocks(None)

    def decode_into(self, data: bytes | memoryview, out: memoryview) -> int:
        """:meth:`decode` with ``max_length=len(out)``, written into ``out`` (a writable byte
        view); returns the count. Decoded straight into ``out`` where it holds a whole block."""
        try:
            return self._decompress_into(data, out)
        except MemoryError:
            raise out_of_memory(
                f"{self.format} decoder at compressed offset {self._in.pos}",
                f"asked for up to {len(out)} bytes of output{self._needs()}",
            ) from None

    def _decompress_into(self, data: bytes | memoryview, out: memoryview) -> int:
        if len(out) < _MAX_BLOCK or self._out:  # too small for a block, or output already waiting
            piece = self.decompress(data, len(out))
            out[: len(piece)] = piece
            return len(piece)
        self._push(data)
        blocks = len(out) // _MAX_BLOCK
        while True:
            if not self._next_blocks(blocks):
                self.needs_input = True
                return 0
            filled = self._decode_blocks(out)
            if filled:
                self.needs_input = False
                return filled

    def _next_blocks(self, blocks: int) -> bool:
        """Move past frame and skippable frame starts to the next run of at most ``blocks``
        whole blocks (with the header and checksum around them) and plan it for the frame's
        reader; False when more input is needed first."""
        cursor = self._in
        while True:
            state = self._state
            if state == _START:
                if not self._start_frame():
                    return False
            elif state == _SKIP:
                n = min(self._skip, len(cursor))
                cursor.skip(n)
                self._skip -= n
                if self._skip:
                    return False
                self._frames += 1
                self._state = _START
            else:
                size = self._plan(blocks)
                self._blocks.left = size
                return size > 0

    def _start_frame(self) -> bool:
        """At a frame boundary: begin the next frame; False when more input is needed."""
        cursor = self._in
        head = cursor.peek(4)  # one peek serves both answers: this runs once per frame and at the end
        if len(head) < 4:
            if head and not _could_be_magic(head):
                self._garbage()
            return False
        magic = int.from_bytes(head, "little")
        self._frame_start = cursor.pos
        if magic == _MAGIC:
            self._dctx = _borrow(self._max_window)
            # _Blocks has the one method a stream_reader calls on its source: read(size)
            self._reader = self._dctx.stream_reader(self._blocks, read_across_frames=False, closefd=False)  # type: ignore[arg-type]
            self._state = _HEADER
        elif _SKIPPABLE_MIN <= magic <= _SKIPPABLE_MAX:
            size = cursor.u32(4)
            if size is None:
                return False
            cursor.skip(8)
            self._skip = size
            self._state = _SKIP
        else:
            self._garbage()
        return True

    def _garbage(self) -> None:
        what = "trailing garbage after the last zstd frame" if self._frames else "not in zstd format"
        raise self._error(self._in.pos, f"{what} (unknown frame magic number)")

    def _plan(self, blocks: int) -> int:
        """How many bytes at the front end on a frame-part boundary, covering at most ``blocks``
        whole blocks (plus the header and checksum around them); moves the state along and
        sets ``_bound``, the most those blocks decode to."""
        available = len(self._in)
        size = bound = 0
        while True:
            state = self._state
            if state == _HEADER:
                length = self._frame_header(size, available)
            elif state == _BLOCK:
                if not blocks:
                    break
                length, most = self._block(size, available)
                bound += most
                blocks -= 1
            elif state == _CHECKSUM:
                length = 4 if available >= size + 4 else 0
                if length:
                    self._state = _START
            else:  # the frame ends here
                break
            if not length:  # the part is not all there yet
                break
            size += length
        self._bound = bound
        return size

    def _frame_header(self, at: int, available: int) -> int:
        """The length of the frame header ``at`` bytes into the input (0: not all there yet); keeps
        what it says of the frame and moves the state on to the blocks."""
        cursor = self._in
        head = cursor.peek_at(at, _MAX_HEADER)  # the longest header: one copy serves every field
        if len(head) < 6:
            return 0
        descriptor = head[4]
        if descriptor & 0x08:
            raise self._error(cursor.pos + at + 4, "reserved bit set in the frame header descriptor")
        single_segment = descriptor >> 5 & 1
        fcs = _FCS_SIZE[descriptor >> 6] or single_segment
        length = 5 + (not single_segment) + _DID_SIZE[descriptor & 3] + fcs
        if available < at + length:
            return 0
        self._window = _window_size(head[:length], single_segment, fcs)
        self._checksum = bool(descriptor & 0x04)
        self._content_size = _content_size(head[length - fcs : length]) if fcs else None
        self._decoded = 0
        self._state = _BLOCK
        return length

    def _block(self, at: int, available: int) -> tuple[int, int]:
        """The length of the block (header included) ``at`` bytes into the input (0: not all there
        yet) and the most it decodes to; after the frame's last block, moves the state on to the
        checksum or the next frame."""
        cursor = self._in
        head = cursor.peek_at(at, 3)
        if len(head) < 3:
            return 0, 0
        header = int.from_bytes(head, "little")
        kind = header >> 1 & 3
        if kind == 3:
            raise self._error(cursor.pos + at, "reserved block type")
        if kind == 2 and header >> 3 == 0:
            # RFC 8878 3.1.1.3: a compressed block holds at least a literals section
            # header. libzstd refuses an empty one only when it gets the whole frame at
            # once, so the answer would depend on how the reads cut the input.
            raise self._error(cursor.pos + at, "compressed block of size 0")
        length = 3 + (1 if kind == 1 else header >> 3)
        if available < at + length:
            return 0, 0
        if header & 1:  # the last block
            self._state = _CHECKSUM if self._checksum else _START
        # Raw and RLE blocks say their decoded size; a compressed one decodes to at most
        # Block_Maximum_Size, min(window, 128 KiB) (RFC 8878 3.1.1.2.4).
        return length, header >> 3 if kind < 2 else min(self._window, _MAX_BLOCK)

    def _decode_blocks(self, out: memoryview | None) -> int:
        """Decode the planned blocks: into ``out`` (which holds them: returns the count), or into
        new ``bytes`` queued for :meth:`decompress` (``out`` None); finish the frame if they end it."""
        reader, blocks = self._reader, self._blocks
        filled = 0
        try:
            while True:
                if out is None:
                    piece = reader.read1(max(self._bound - filled, 1))
                    got = len(piece)
                    self._out.put(piece)
                else:
                    # A byte to spare beyond ``out``'s end: the last blocks may fill it exactly,
                    # and the checksum after them must still be consumed.
                    got = reader.readinto1(out[filled:] if filled < len(out) else _SPARE)
                    if filled + got > len(out):  # libzstd bounds every block: never seen
                        raise self._error(self._in.pos, "a block decoded to more than its maximum size")
                if not got:  # the reader has ended (it pulls no more input after a frame)
                    break
                filled += got
        except _Dry:
            pass
        except zstandard.ZstdError as exc:
            # The wording decompressobj gave these errors, which messages have always shown.
            reason = str(exc).partition(": ")[2] or str(exc)
            raise self._error(
                self._in.pos,
                f"corrupt data in the frame starting at offset {self._frame_start} (zstd decompressor error: {reason})",
            ) from None
        if blocks.left:
            raise self._error(self._in.pos, f"the frame starting at offset {self._frame_start} did not end")
        self._decoded += filled
        if self._state == _START:
            self._end_frame()
        return filled

    def _end_frame(self) -> None:
        """The frame's last part was decoded: check its size, give its context back."""
        if self._content_size is not None and self._decoded != self._content_size:
            raise self._error(
                self._in.pos,
                f"the frame starting at offset {self._frame_start} decodes to {self._decoded} bytes, "
                f"its header records {self._content_size}",
            )
        self._reader = None
        _give_back(self._dctx, self._max_window)
        self._dctx = None
        self._frames += 1

    def _needs(self) -> str:
        if self._reader is None:
            return ""
        return f", with a {self._window}-byte window for the frame starting at offset {self._frame_start}"

    def finish(self) -> None:
        if self._fed == 0:
            raise self._empty()
        if self._state != _START or self._in or not self._frames:
            raise self._truncated(_WHERE.get(self._state, "frame header"), self._frame_start)


_SPARE = memoryview(bytearray(1))  # see ZstdDecoder._decode_blocks: written only by a faulty block


def _borrow(max_window_size: int) -> zstandard.ZstdDecompressor:
    """An idle decompression context, or a new one."""
    if max_window_size == _MAX_WINDOW:
        try:
            return _IDLE.pop()
        except IndexError:
            pass
    return zstandard.ZstdDecompressor(max_window_size=max_window_size)


def _give_back(dctx: zstandard.ZstdDecompressor | None, max_window_size: int) -> None:
    """Keep ``dctx``, whose frame ended cleanly, for the next frame (a failed one's is dropped)."""
    if dctx is not None and max_window_size == _MAX_WINDOW and len(_IDLE) < _IDLE_MAX:
        _IDLE.append(dctx)


def _window_size(header: bytes, single_segment: int, fcs: int) -> int:
    """The window a frame needs (RFC 8878, 3.1.1.1.2): from the Window_Descriptor, or the frame
    content size for a single-segment frame."""
    if not single_segment:
        descriptor = header[5]
        base = 1 << (10 + (descriptor >> 3))
        return base + (base >> 3) * (descriptor & 7)
    start = len(header) - fcs
    size = int.from_bytes(header[start:], "little")
    return size + 256 if fcs == 2 else size


def _content_size(field: bytes) -> int:
    """The Frame_Content_Size field's value (RFC 8878 3.1.1.1.4: the 2-byte form is offset by 256)."""
    value = int.from_bytes(field, "little")
    return value + 256 if len(field) == 2 else value


def _could_be_magic(head: bytes) -> bool:
    """Whether ``head`` (under 4 bytes) starts a frame or a skippable frame magic number."""
    return any(
        head == magic.to_bytes(4, "little")[: len(head)]
        for magic in (_MAGIC, *range(_SKIPPABLE_MIN, _SKIPPABLE_MAX + 1))
    )


def decode_whole(whole: bytes, limit: int) -> bytes | None:
    """All of ``whole``, a small file read whole, decoded in one libzstd call, where that is
    sure to give what :class:`ZstdDecoder` gives: ``whole`` is exactly one zstd frame whose
    blocks (walked here, as the streaming decoder walks them) decode to at most ``limit``
    bytes and which libzstd decodes cleanly to its recorded size. None otherwise, without a
    word: the caller decodes it as a stream, which says what is wrong and where.

    One call instead of the stream's few dozen: for a 10 KiB log, most of the decoding's
    Python work (issue 15: per-file cost of ``cat``)."""
    size = len(whole)
    if size < 9 or int.from_bytes(whole[:4], "little") != _MAGIC:
        return None  # skippable frames and other data go the general way
    descriptor = whole[4]
    if descriptor & 0x08 or descriptor & 3:  # reserved bit; a dictionary, which no one gives here
        return None
    single_segment = descriptor >> 5 & 1
    fcs = _FCS_SIZE[descriptor >> 6] or single_segment
    at = 5 + (not single_segment) + fcs
    if size < at or _window_size(whole[:at], single_segment, fcs) > _MAX_WINDOW:
        return None
    content = _content_size(whole[at - fcs : at]) if fcs else None
    bound = 0
    while True:  # the block headers: where the frame ends, and the most it decodes to
        if at + 3 > size:
            return None
        header = whole[at] | whole[at + 1] << 8 | whole[at + 2] << 16
        kind = header >> 1 & 3
        if kind == 3 or (kind == 2 and header >> 3 == 0):
            return None  # the stream names these faults
        bound += header >> 3 if kind < 2 else _MAX_BLOCK
        at += 3 + (1 if kind == 1 else header >> 3)
        if bound > limit:
            return None
        if header & 1:
            break
    if at + (4 if descriptor & 0x04 else 0) != size:
        return None  # cut short, or more after the frame
    dctx = _borrow(_MAX_WINDOW)
    try:
        # decompressobj, not decompress(): it decodes a frame that records no content size
        # without an output buffer of the bound's size, and says where the frame ended.
        obj = dctx.decompressobj()
        out = obj.decompress(whole)
    except zstandard.ZstdError:
        return None  # the context is dropped, as after a failed frame
    if not obj.eof or obj.unused_data or (content is not None and len(out) != content):
        return None
    _give_back(dctx, _MAX_WINDOW)
    return out


def backend_level(level: int) -> int:
    """``level`` as ``zstandard`` takes it: libzstd clamps levels below its minimum itself, but the
    binding refuses those above its maximum (22), which Arrow's libzstd clamps; so clamp those."""
    return min(level, zstandard.MAX_COMPRESSION_LEVEL)


class ZstdEncoder(Encoder):
    """A zstd stream with content checksum, as the ``zstd`` tool writes; ``threads`` > 0 runs
    that many compression workers inside libzstd (-1: one per core). A known ``content_size`` is
    pledged and recorded in the frame header, as ``zstd FILE`` does; data of another size fails
    the frame (more at the write that exceeds it, less at the end), with or without workers."""

    format = "zstd"

    def __init__(self, level: int, threads: int = 0, content_size: int | None = None) -> None:
        self._level = level
        cctx = self._call(zstandard.ZstdCompressor, level=backend_level(level), threads=threads, write_checksum=True)
        self._obj = self._call(cctx.compressobj, size=-1 if content_size is None else content_size)  # -1: unknown
        # Checked here: libzstd checks the pledge when it compresses alone, but its workers
        # (libzstd 1.5.7) end a frame whose header records a size its data does not have.
        self._pledged = content_size
        self._taken = 0

    def compress(self, data: bytes | memoryview) -> bytes:
        if self._pledged is not None:
            self._taken += memoryview(data).nbytes
            if self._taken > self._pledged:
                raise self._wrong_size()
        return self._call(self._obj.compress, data)

    def flush(self) -> bytes:
        return self._call(self._obj.flush, zstandard.COMPRESSOBJ_FLUSH_BLOCK)

    def finish(self) -> bytes:
        if self._pledged is not None and self._taken != self._pledged:
            raise self._wrong_size()
        return self._call(self._obj.flush, zstandard.COMPRESSOBJ_FLUSH_FINISH)

    def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)`` of the binding. libzstd allocates its tables and window
        as a frame starts (a stream of unknown size gets the level's whole window: 128 MiB and
        more at --ultra levels); out of memory it says so in a ZstdError, or the binding raises
        a bare MemoryError: either is ArrowMemoryError here, not an internal error."""
        try:
            return function(*args, **kwargs)
        except MemoryError:
            raise out_of_memory("zstd encoder", f"its tables and window for level {self._level}") from None
        except zstandard.ZstdError as exc:
            if "memory" not in str(exc).lower():
                raise
            raise out_of_memory("zstd encoder", f"its tables and window for level {self._level}") from None

    def _wrong_size(self) -> ArrowInvalid:
        # The library's own error (a ValueError), not zstandard's: the data is the caller's fault,
        # and the CLI reports it as that input's failure (a file that changed size while read).
        from ..errors import ArrowInvalid

        return ArrowInvalid(
            f"zstd: the data is not of the content size pledged in the frame header "
            f"({self._taken} bytes given, {self._pledged} pledged)"
        )


def decoder() -> Decoder:
    return ZstdDecoder()


def encoder(level: int, threads: int = 0, header: StreamHeader | None = None) -> Encoder:
    return ZstdEncoder(level, threads, None if header is None else header.content_size)


def compress_oneshot(data: bytes | memoryview, level: int) -> bytes:
    """One frame that records its content size (so that size-less readers such as PyArrow's
    ``Codec.decompress`` and ``zstd -l`` know it) and its checksum."""
    compressor = zstandard.ZstdCompressor(level=backend_level(level), write_checksum=True, write_content_size=True)
    return compressor.compress(data)
