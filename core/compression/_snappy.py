"""Snappy: the framing format (``.sz``) for streams, raw blocks for the one-shot ``snappy`` Codec.

Writing goes through cramjam (which python-snappy 0.7 wraps): it writes the framing format in
Rust, CRC32C included, 15 % less CPU than chunk-by-chunk Python here, byte for byte the same
stream. It is given whole 64 KiB chunks' worth of data at once (each call writes its own stream
identifier, which the format allows anywhere; all but the first are dropped), and stores a
chunk uncompressed when compression saves less than 1/8, as the reference encoder does.

Reading stays here. cramjam's ``snappy.decompress`` decodes all it is given with no output
limit (a chunk of zeros grows ~21 times), and python-snappy's ``stream_decompress`` accepts
truncated streams and garbage; walking the chunks here and handing cramjam only batches of
complete chunks bounds the output, but measured 20 % more CPU than decoding each chunk alone
and hardware CRC32C (google-crc32c) as below (its CRC32C is slower), so the framing format is
parsed here; each chunk is decoded into memory allocated here (see ``_uncompress``). Every
chunk is checked: the stream must start with the stream identifier, compressed and
uncompressed chunks carry the masked CRC32C of their data (verified), padding and reserved
skippable chunks are skipped, reserved unskippable chunks are an error, and the input must end
on a chunk boundary. Chunks decode to at most 64 KiB each.
"""

from __future__ import annotations

import struct

import cramjam
import google_crc32c
import snappy

from ..errors import ArrowInvalid
from ._base import UNLIMITED, Decoder, Encoder, Pending, corrupt, out_of_memory
from ._input import Cursor

__all__ = ["decoder", "encoder", "compress_block", "decompress_block"]

_IDENTIFIER = b"\xff\x06\x00\x00sNaPpY"
_COMPRESSED, _UNCOMPRESSED, _STREAM_ID = 0x00, 0x01, 0xFF  # 0xfe is padding, skipped like 0x80..0xfd
_MAX_DATA = 65536  # uncompressed bytes per chunk, by the spec
_MAX_COMPRESSED_CHUNK = 4 + 32 + _MAX_DATA + _MAX_DATA // 6  # CRC + snappy's MaxCompressedLength(64 KiB)


def masked_crc32c(data: bytes | memoryview) -> int:
    """The CRC32C of ``data``, masked as the framing format stores it."""
    crc = google_crc32c.value(bytes(data) if isinstance(data, memoryview) else data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


class SnappyFramedDecoder(Decoder):
    format = "snappy"
    _unit = "chunk"

    def __init__(self) -> None:
        super().__init__()
        self._started = False
        self._chunk_start = 0
        self._out = Pending()

    def decompress(self, data: bytes | memoryview, max_length: int = UNLIMITED) -> bytes:
        cursor = self._push(data)
        while not self._out:
            header = cursor.peek(4)
            if len(header) < 4:
                self.needs_input = True
                return b""
            kind = header[0]
            length = int.from_bytes(header[1:], "little")
            self._chunk_start = pos = cursor.pos
            if 0x02 <= kind <= 0x7F:
                raise self._error(pos, f"reserved unskippable chunk type {kind:#04x}")
            if len(cursor) < 4 + length:
                self.needs_input = True
                return b""
            if not self._started and kind != _STREAM_ID:
                raise self._error(pos, "not in snappy framing format (no stream identifier)")
            if kind == _STREAM_ID:
                if cursor.peek(4 + length) != _IDENTIFIER:
                    raise self._error(pos, "bad stream identifier chunk")
                self._started = True
                cursor.skip(4 + length)
            elif kind in (_COMPRESSED, _UNCOMPRESSED):
                if length < 4 or length > (_MAX_COMPRESSED_CHUNK if kind == _COMPRESSED else 4 + _MAX_DATA):
                    raise self._error(pos, f"chunk length {length} out of range")
                cursor.skip(4)
                self._chunk(kind, cursor, length, pos)
            else:  # padding, or a reserved skippable chunk (0x80..0xfd)
                cursor.skip(4 + length)
        self.needs_input = False
        return self._out.get(max_length)

    def _chunk(self, kind: int, cursor: Cursor, length: int, pos: int) -> None:
        """Decode the data chunk at the cursor (header already skipped), checking its CRC."""
        stored = struct.unpack("<I", cursor.peek(4))[0]
        cursor.skip(4)
        payload = cursor.take(length - 4)
        if len(payload) < length - 4:  # split between the carry and the chunk
            payload = bytes(payload) + bytes(cursor.take(length - 4 - len(payload)))
        if kind == _COMPRESSED:
            data = self._uncompress(payload, pos)
        else:
            data = bytes(payload)
        computed = masked_crc32c(data)
        if computed != stored:
            raise self._error(pos, f"chunk CRC32C mismatch: stored {stored:08x}, computed {computed:08x}")
        self._out.put(data)

    def _uncompress(self, payload: bytes | memoryview, pos: int) -> bytes:
        """A compressed chunk's data, decoded into memory allocated here, after a check of the
        length the chunk records: the Rust backend aborts the process when an allocation of its
        own fails (a stream read under a memory limit did, about one time in four under load),
        where Python raises MemoryError (:meth:`Decoder.decode` says what was asked for)."""
        length = _recorded_length(payload)
        if length > _MAX_DATA:
            raise self._error(pos, f"chunk decodes to {length} bytes, more than {_MAX_DATA}")
        out = bytearray(length)
        try:
            written = cramjam.snappy.decompress_raw_into(payload, out)
        except Exception as exc:  # cramjam.DecompressionError, or its ValueError for a bad length
            raise self._error(pos, f"corrupt compressed chunk ({exc})") from None
        if written != length:
            raise self._error(pos, f"corrupt compressed chunk (it records {length} bytes and decodes to {written})")
        return bytes(out)

    def finish(self) -> None:
        if self._fed == 0:
            raise self._empty()
        if self._in or not self._started:
            raise self._truncated("data", self._chunk_start)


class SnappyFramedEncoder(Encoder):
    """The framing format: the stream identifier, then a chunk per 64 KiB of data (see the module doc)."""

    format = "snappy"

    def __init__(self) -> None:
        self._buf = bytearray()
        self._started = False

    def _chunks(self, final: bool) -> bytes:
        buf = self._buf
        end = len(buf) if final else len(buf) - len(buf) % _MAX_DATA
        if not end:
            return b"" if self._started or not final else self._identifier()
        stream = bytes(cramjam.snappy.compress(memoryview(buf)[:end]))
        del buf[:end]
        if self._started:
            return stream[len(_IDENTIFIER) :]
        self._started = True
        return stream

    def _identifier(self) -> bytes:
        self._started = True
        return _IDENTIFIER

    def compress(self, data: bytes | memoryview) -> bytes:
        self._buf += data
        return self._chunks(final=False) if len(self._buf) >= _MAX_DATA else b""

    def flush(self) -> bytes:
        return self._chunks(final=True)

    def finish(self) -> bytes:
        return self._chunks(final=True)


def decoder() -> Decoder:
    return SnappyFramedDecoder()


def encoder(level: int | None = None, threads: int = 0) -> Encoder:
    return SnappyFramedEncoder()


def compress_block(data: bytes | memoryview, level: int | None = None) -> bytes:
    """One raw snappy block (it records its decoded length)."""
    return snappy.compress(bytes(data) if isinstance(data, memoryview) else data)


def decompress_block(data: bytes | memoryview, size: int | None = None) -> bytes:
    """Decode one raw snappy block, into memory allocated here: python-snappy's backend (Rust)
    aborts the whole process when its own allocation fails, where Python raises MemoryError.

    ``size`` (the caller's decompressed_size) smaller than the length the block records is
    refused before decoding, with PyArrow's ArrowInvalid and message."""
    import cramjam  # what python-snappy >= 0.7 is built on; its *_into call takes our buffer

    length = _recorded_length(data)
    if size is not None and size < length:
        raise ArrowInvalid(f"Output buffer size ({size}) must be {length} or larger.")
    try:
        out = bytearray(length)
    except MemoryError:
        raise out_of_memory("snappy decompress", f"asked for the {length} bytes the block records") from None
    try:
        written = cramjam.snappy.decompress_raw_into(data, out)
    except Exception as exc:  # cramjam.DecompressionError, or its ValueError for a bad length
        raise corrupt("snappy", 0, f"corrupt raw block ({exc})") from None
    if written != length:
        raise corrupt("snappy", 0, f"corrupt raw block (it records {length} bytes and decodes to {written})")
    try:
        return bytes(out)
    except MemoryError:
        raise out_of_memory("snappy decompress", f"asked for {length} bytes to copy its output") from None


def _recorded_length(data: bytes | memoryview) -> int:
    """The decoded length a raw snappy block starts with (a little-endian base-128 varint)."""
    value = shift = 0
    for byte in bytes(data[:5]):
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            break
    return value
