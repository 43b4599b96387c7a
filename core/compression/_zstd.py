"""Zstandard (RFC 8878) through ``zstandard``, with the frame structure walked here.

``zstandard`` has three traps for a streaming reader: ``zstandard.decompress()`` needs a frame
content size and stops after the first frame; ``stream_reader`` returns a short read without
error on truncated input; and ``decompressobj().decompress()`` returns all the output of the
input it is given at once, without limit. So this decoder walks the frames itself (headers,
block headers, checksums, skippable frames), which is cheap (a 3-byte header per block of up
to 128 KiB of output), and gives the backend whole blocks only, as many as fit the output
limit: output stays bounded, a frame that ends early is detected, every frame is read, and the
content checksum is verified by libzstd. Windows up to 2 GiB (``zstd --long=31``) are accepted.
"""

from __future__ import annotations

from typing import Any

import zstandard

from ._base import UNLIMITED, Decoder, Encoder, Pending, StreamHeader

__all__ = ["decoder", "encoder", "compress_oneshot", "backend_level", "RECORDS"]

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


class ZstdDecoder(Decoder):
    format = "zstd"
    _unit = "frame"

    def __init__(self, max_window_size: int = _MAX_WINDOW) -> None:
        super().__init__()
        self._dctx = zstandard.ZstdDecompressor(max_window_size=max_window_size)
        self._obj: Any = None  # decompressobj of the current frame
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
        cursor = self._push(data)
        while True:
            if self._out:
                self.needs_input = False
                return self._out.get(max_length)
            state = self._state
            if state == _START:
                if not self._start_frame():
                    self.needs_input = True
                    return b""
            elif state == _SKIP:
                n = min(self._skip, len(cursor))
                cursor.skip(n)
                self._skip -= n
                if self._skip:
                    self.needs_input = True
                    return b""
                self._frames += 1
                self._state = _START
            else:
                blocks = _BATCH if max_length < 0 else max(1, max_length // _MAX_BLOCK)
                size = self._plan(blocks)
                if not size:
                    self.needs_input = True
                    return b""
                self._feed(size)

    def _start_frame(self) -> bool:
        """At a frame boundary: begin the next frame; False when more input is needed."""
        cursor = self._in
        magic = cursor.u32()
        if magic is None:
            head = cursor.peek(4)
            if head and not _could_be_magic(head):
                self._garbage()
            return False
        self._frame_start = cursor.pos
        if magic == _MAGIC:
            self._obj = self._dctx.decompressobj()
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
        whole blocks (plus the header and checksum around them); moves the state along."""
        cursor = self._in
        available = len(cursor)
        size = 0
        while True:
            state = self._state
            if state == _HEADER:
                head = cursor.peek_at(size, 6)
                if len(head) < 6:
                    break
                descriptor = head[4]
                if descriptor & 0x08:
                    raise self._error(cursor.pos + size + 4, "reserved bit set in the frame header descriptor")
                single_segment = descriptor >> 5 & 1
                fcs = _FCS_SIZE[descriptor >> 6] or single_segment
                length = 5 + (not single_segment) + _DID_SIZE[descriptor & 3] + fcs
                if available < size + length:
                    break
                self._window = _window_size(cursor.peek_at(size, length), single_segment, fcs)
                self._checksum = bool(descriptor & 0x04)
                self._content_size = _content_size(cursor.peek_at(size + length - fcs, fcs)) if fcs else None
                self._decoded = 0
                size += length
                self._state = _BLOCK
            elif state == _BLOCK:
                if not blocks:
                    break
                head = cursor.peek_at(size, 3)
                if len(head) < 3:
                    break
                header = int.from_bytes(head, "little")
                kind = header >> 1 & 3
                if kind == 3:
                    raise self._error(cursor.pos + size, "reserved block type")
                if kind == 2 and header >> 3 == 0:
                    # RFC 8878 3.1.1.3: a compressed block holds at least a literals section
                    # header. libzstd refuses an empty one only when it gets the whole frame at
                    # once, so the answer would depend on how the reads cut the input.
                    raise self._error(cursor.pos + size, "compressed block of size 0")
                length = 3 + (1 if kind == 1 else header >> 3)
                if available < size + length:
                    break
                size += length
                blocks -= 1
                if header & 1:  # the last block
                    self._state = _CHECKSUM if self._checksum else _START
            elif state == _CHECKSUM:
                if available < size + 4:
                    break
                size += 4
                self._state = _START
            else:  # the frame ends here
                break
        return size

    def _feed(self, size: int) -> None:
        """Give the next ``size`` bytes to the backend; finish the frame if they end it."""
        cursor = self._in
        obj = self._obj
        while size:
            piece = cursor.take(size)
            size -= len(piece)
            try:
                out = obj.decompress(piece)
            except zstandard.ZstdError as exc:
                raise self._error(
                    cursor.pos, f"corrupt data in the frame starting at offset {self._frame_start} ({exc})"
                ) from None
            self._decoded += len(out)
            self._out.put(out)
        if self._state == _START:
            if not obj.eof:
                raise self._error(cursor.pos, f"the frame starting at offset {self._frame_start} did not end")
            if self._content_size is not None and self._decoded != self._content_size:
                raise self._error(
                    cursor.pos,
                    f"the frame starting at offset {self._frame_start} decodes to {self._decoded} bytes, "
                    f"its header records {self._content_size}",
                )
            self._obj = None
            self._frames += 1

    def _needs(self) -> str:
        if self._obj is None:
            return ""
        return f", with a {self._window}-byte window for the frame starting at offset {self._frame_start}"

    def finish(self) -> None:
        if self._fed == 0:
            raise self._empty()
        if self._state != _START or self._in or not self._frames:
            raise self._truncated(_WHERE.get(self._state, "frame header"), self._frame_start)


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


def backend_level(level: int) -> int:
    """``level`` as ``zstandard`` takes it: libzstd clamps levels below its minimum itself, but the
    binding refuses those above its maximum (22), which Arrow's libzstd clamps; so clamp those."""
    return min(level, zstandard.MAX_COMPRESSION_LEVEL)


class ZstdEncoder(Encoder):
    """A zstd stream with content checksum, as the ``zstd`` tool writes; ``threads`` > 0 runs
    that many compression workers inside libzstd (-1: one per core). A known ``content_size`` is
    pledged and recorded in the frame header, as ``zstd FILE`` does; libzstd fails the frame
    if the data turns out to be another size."""

    format = "zstd"

    def __init__(self, level: int, threads: int = 0, content_size: int | None = None) -> None:
        cctx = zstandard.ZstdCompressor(level=backend_level(level), threads=threads, write_checksum=True)
        self._obj = cctx.compressobj() if content_size is None else cctx.compressobj(size=content_size)

    def compress(self, data: bytes | memoryview) -> bytes:
        return self._obj.compress(data)

    def flush(self) -> bytes:
        return self._obj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)

    def finish(self) -> bytes:
        return self._obj.flush(zstandard.COMPRESSOBJ_FLUSH_FINISH)


def decoder() -> Decoder:
    return ZstdDecoder()


def encoder(level: int, threads: int = 0, header: StreamHeader | None = None) -> Encoder:
    return ZstdEncoder(level, threads, None if header is None else header.content_size)


def compress_oneshot(data: bytes | memoryview, level: int) -> bytes:
    """One frame that records its content size (so that size-less readers such as PyArrow's
    ``Codec.decompress`` and ``zstd -l`` know it) and its checksum."""
    compressor = zstandard.ZstdCompressor(level=backend_level(level), write_checksum=True, write_content_size=True)
    return compressor.compress(data)
