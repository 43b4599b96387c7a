"""LZ4: the frame format (``.lz4``) and raw blocks (``lz4_raw``, one-shot only).

Frames are read one after the other, and so are skippable frames (skipped) and frames of the
legacy format that ``lz4 -l`` writes, which ``lz4.frame`` cannot read: legacy blocks are each
a uint32 size and a block that decodes on its own to at most 8 MiB; such a frame ends at the
end of input or where a "block size" is too large to be one, which is then the magic number
of the next frame. Content and block checksums of frames are verified by liblz4.
"""

from __future__ import annotations

import lz4.block
import lz4.frame

from ._base import Decoder, Encoder, MemberDecoder, corrupt, out_of_memory

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["decoder", "encoder", "compress_block", "decompress_block"]

_FRAME_MAGIC = 0x184D2204
_LEGACY_MAGIC = 0x184C2102
_SKIPPABLE_MIN, _SKIPPABLE_MAX = 0x184D2A50, 0x184D2A5F
_LEGACY_BLOCK = 8 << 20  # uncompressed size of every legacy block but the last
_LEGACY_BOUND = _LEGACY_BLOCK + _LEGACY_BLOCK // 255 + 16  # LZ4_COMPRESSBOUND(8 MiB)


def _could_be_magic(head: bytes) -> bool:
    """Whether ``head`` (under 4 bytes) starts a frame, legacy or skippable magic number."""
    return any(
        head == magic.to_bytes(4, "little")[: len(head)]
        for magic in (_FRAME_MAGIC, _LEGACY_MAGIC, *range(_SKIPPABLE_MIN, _SKIPPABLE_MAX + 1))
    )


class _LegacyFrame:
    """A frame of the legacy format, with the backend interface of :class:`MemberDecoder`."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._out = memoryview(b"")
        self.eof = False
        self.unused_data = b""
        self.needs_input = True

    def decompress(self, data: bytes | memoryview, max_length: int) -> bytes:
        if data:
            self._buf += data
        if not self._out:
            self._decode_block()
        out = self._out[:max_length] if max_length > 0 else self._out
        self._out = self._out[len(out) :]
        self.needs_input = not self._out and not self.eof and not self._block_ready()
        return out.tobytes()

    def _block_ready(self) -> bool:
        buf = self._buf
        if len(buf) < 4:
            return False
        size = int.from_bytes(buf[:4], "little")
        return size > _LEGACY_BOUND or len(buf) >= 4 + size

    def _decode_block(self) -> None:
        if not self._block_ready():
            return
        buf = self._buf
        size = int.from_bytes(buf[:4], "little")
        if size > _LEGACY_BOUND:  # not a block: the next frame's magic number
            self.eof = True
            self.unused_data = bytes(buf)
            buf.clear()
            return
        block = bytes(buf[4 : 4 + size])
        del buf[: 4 + size]
        self._out = memoryview(lz4.block.decompress(block, uncompressed_size=_LEGACY_BLOCK))

    def idle(self) -> bool:
        """Whether the frame may end here (between blocks, everything handed out)."""
        return not self._buf and not self._out


class Lz4Decoder(MemberDecoder):
    format = "lz4"
    _unit = "frame"
    _backend_errors = (RuntimeError, lz4.block.LZ4BlockError)

    def __init__(self) -> None:
        super().__init__()
        self._skip = 0  # bytes of a skippable frame still to skip

    def _between(self) -> Any:
        cursor = self._in
        while True:
            if self._skip:
                n = min(self._skip, len(cursor))
                cursor.skip(n)
                self._skip -= n
                if self._skip:
                    return None
                self._members += 1
            magic = cursor.u32()
            if magic is None:
                if not _could_be_magic(cursor.peek(4)):
                    self._garbage()
                return None
            if magic == _FRAME_MAGIC:
                return lz4.frame.LZ4FrameDecompressor()
            if magic == _LEGACY_MAGIC:
                cursor.skip(4)
                return _LegacyFrame()
            if _SKIPPABLE_MIN <= magic <= _SKIPPABLE_MAX:
                size = cursor.u32(4)
                if size is None:
                    return None
                cursor.skip(8)
                self._skip = size
                continue
            self._garbage()

    def _garbage(self) -> None:
        what = "trailing garbage after the last lz4 frame" if self._members else "not in lz4 format"
        raise self._error(self._in.pos, what)

    def finish(self) -> None:
        backend = self._backend
        if isinstance(backend, _LegacyFrame) and backend.idle() and not self._in:
            return  # a legacy frame ends with the input
        super().finish()

    def _clean_end(self) -> bool:
        return self._skip == 0 and super()._clean_end()


class Lz4Encoder(Encoder):
    """LZ4 frames as the ``lz4`` tool writes them: 4 MiB linked blocks and a content checksum.
    A flush ends the frame (the only way liblz4 offers) and the next data starts a new one."""

    format = "lz4"

    def __init__(self, level: int) -> None:
        self._level = level
        self._obj: Any = None
        self._wrote = False

    def _begin(self) -> bytes:
        self._obj = lz4.frame.LZ4FrameCompressor(
            block_size=lz4.frame.BLOCKSIZE_MAX4MB, compression_level=self._level, content_checksum=True
        )
        return self._obj.begin()

    def compress(self, data: bytes | memoryview) -> bytes:
        if not data:
            return b""
        header = self._begin() if self._obj is None else b""
        self._wrote = True
        return header + self._obj.compress(data)

    def flush(self) -> bytes:
        if self._obj is None:
            return b""
        obj, self._obj = self._obj, None
        return obj.flush()

    def finish(self) -> bytes:
        if self._obj is None and not self._wrote:  # no data at all: still a valid (empty) frame
            return self._begin() + self.flush()
        return self.flush()


def decoder() -> Decoder:
    return Lz4Decoder()


def encoder(level: int, threads: int = 0) -> Encoder:
    return Lz4Encoder(level)


def compress_block(data: bytes | memoryview, level: int) -> bytes:
    """One raw LZ4 block, without a size prefix (``lz4_raw``)."""
    mode = "high_compression" if level >= lz4.frame.COMPRESSIONLEVEL_MINHC else "default"
    return lz4.block.compress(data, mode=mode, compression=level, store_size=False)


def decompress_block(data: bytes | memoryview, size: int) -> bytes:
    """Decode a raw LZ4 block that decodes to at most ``size`` bytes; returns the true length."""
    try:
        return lz4.block.decompress(data, uncompressed_size=size)
    except MemoryError:
        raise out_of_memory("lz4_raw decompress", f"asked for decompressed_size={size} bytes") from None
    except lz4.block.LZ4BlockError as exc:
        raise corrupt("lz4_raw", 0, f"corrupt block, or one that decodes to more than {size} bytes ({exc})") from None
