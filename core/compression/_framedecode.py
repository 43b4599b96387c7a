"""Decoding whole, independent frames straight into memory the caller owns.

The streaming decoders hand out each decoded piece as a new ``bytes`` object: right for a
stream of unknown shape, costly for a file whose frame table says where every frame starts and
what it decodes to. There every page of a fresh piece is faulted in again (some 40,000 page
faults per 256 MiB, a third more CPU than ``zstd -d``). Here a run of frames is decoded into
one reused buffer, exactly as large as the table says, so no decoded byte is allocated:

* zstd: the run is decoded by libzstd in one single-pass call straight into the buffer
  (:mod:`._libzstd`), checksums verified, after each frame's end was found in C and its magic
  checked. Where the system libzstd is absent, each frame is found by walking its block headers
  (a 3-byte header per block of up to 128 KiB: cheap), so a run may span frames whatever the
  table's inner boundaries say, and a frame cut short is an error before libzstd sees it;
  ``zstandard`` decodes it through ``stream_reader().readinto`` (the GIL released).
* gzip: each member (by the table's boundaries) is inflated by libdeflate straight into the
  buffer (:mod:`._libdeflate`; by ISA-L, or zlib, and copied in where it is absent), which checks
  CRC32 and length; the member must end exactly where the table says.

Decoding more than the buffer holds, or less, is an error naming the compressed offset.
"""

from __future__ import annotations

import struct
import threading

from .._raw import address_of
from . import _libdeflate, _libzstd
from ._base import corrupt

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["decode_into", "DecodeError", "Overflow"]

_ZSTD_MAGIC = 0xFD2FB528
_SKIPPABLE_MIN, _SKIPPABLE_MAX = 0x184D2A50, 0x184D2A5F
_FCS_SIZE = (0, 2, 4, 8)
_DID_SIZE = (0, 1, 2, 4)
_FHCRC = 0x02  # gzip header flag: a CRC16 of the header follows it
_MAX_WINDOW = 1 << 31  # what zstd --long=31 needs, as the streaming decoder accepts
_local = threading.local()  # one libzstd context per thread: a context is not thread-safe


def decode_into(fmt: str, src: memoryview, base: int, bounds: list[int], out: memoryview) -> int:
    """Decode the frames in ``src`` (compressed offset ``base`` in the file; ``bounds``: the
    table's frame starts within it, relative, and its end) into ``out``; returns the bytes
    written. Raises DecodeError (its ``error``: the ArrowIOError) when the data is bad, Overflow
    when it decodes to more than ``len(out)`` bytes; what was decoded before is in
    ``out[:filled]`` of the exception's ``filled``."""
    if fmt == "zstd":
        return _zstd_into(src, base, out)
    return _gzip_into(src, base, bounds, out)


class DecodeError(Exception):
    """An ArrowIOError raised part-way, with the bytes decoded before it."""

    def __init__(self, error: Exception, filled: int) -> None:
        super().__init__(str(error))
        self.error, self.filled = error, filled


class Overflow(DecodeError):
    """The frames decode to more than the buffer holds (an error where their size is known)."""


def _too_much(fmt: str, base: int, size: int, expected: int) -> Exception:
    return corrupt(
        fmt,
        base + size,
        f"the frames at offsets {base}..{base + size} decode to more than {expected} bytes, "
        f"where the frame table says {expected}",
    )


# -- zstd ------------------------------------------------------------------------------------------
def _dctx() -> Any:
    dctx = getattr(_local, "dctx", None)
    if dctx is None:
        import zstandard

        dctx = _local.dctx = zstandard.ZstdDecompressor(max_window_size=_MAX_WINDOW)
        _local.spare = memoryview(bytearray(1))
    return dctx


def _zstd_frame_end(src: memoryview, pos: int, base: int) -> tuple[int, bool]:
    """The end of the frame at ``pos`` and whether it is a skippable frame, by its headers."""
    size = len(src)
    if size - pos < 8:
        raise corrupt("zstd", base + size, f"truncated input: the frame starting at offset {base + pos} is cut off")
    magic = struct.unpack_from("<I", src, pos)[0]
    if _SKIPPABLE_MIN <= magic <= _SKIPPABLE_MAX:
        end = pos + 8 + struct.unpack_from("<I", src, pos + 4)[0]
        skippable = True
    elif magic != _ZSTD_MAGIC:
        what = "trailing garbage after a zstd frame" if pos else "not in zstd format"
        raise corrupt("zstd", base + pos, f"{what} (unknown frame magic number)")
    else:
        descriptor = src[pos + 4]
        single_segment = descriptor >> 5 & 1
        fcs = _FCS_SIZE[descriptor >> 6] or single_segment
        at = pos + 5 + (not single_segment) + _DID_SIZE[descriptor & 3] + fcs
        while at + 3 <= size:
            header = src[at] | src[at + 1] << 8 | src[at + 2] << 16
            kind = header >> 1 & 3
            if kind == 3:
                raise corrupt("zstd", base + at, "reserved block type")
            at += 3 + (1 if kind == 1 else header >> 3)
            if header & 1:
                break
        else:
            at = size + 1  # the last block never came
        end = at + 4 if descriptor & 0x04 else at  # the content checksum
        skippable = False
    if end > size:
        raise corrupt("zstd", base + size, f"truncated input: the frame starting at offset {base + pos} is cut off")
    return end, skippable


def _zstd_into(src: memoryview, base: int, out: memoryview) -> int:
    frames = _libzstd.decoder()
    if frames is None:
        return _zstd_stream_into(src, base, out)
    src_at, out_at = address_of(src), address_of(out)
    pos, size = 0, len(src)
    while pos < size:  # zstd and skippable frames only: libzstd may also know legacy formats
        magic = struct.unpack_from("<I", src, pos)[0] if size - pos >= 4 else 0
        frame = frames.frame_size(src_at + pos, size - pos)
        if frame < 0 or not (magic == _ZSTD_MAGIC or _SKIPPABLE_MIN <= magic <= _SKIPPABLE_MAX):
            raise DecodeError(_bad_frame(base, pos), 0)
        pos += frame
    got, code = frames.decompress(src_at, size, out_at, len(out))
    if code == _libzstd.DST_TOO_SMALL:
        raise Overflow(_too_much("zstd", base, size, len(out)), 0)
    if code:
        raise DecodeError(_bad_frame(base, 0), 0)
    return got


def _bad_frame(base: int, pos: int) -> Exception:
    """A frame libzstd refused: the strict decoder the caller falls back to says how, and where."""
    return corrupt("zstd", base + pos, f"corrupt or cut off frames from offset {base + pos}")


def _zstd_stream_into(src: memoryview, base: int, out: memoryview) -> int:
    import zstandard

    dctx = _dctx()
    pos = filled = 0
    while pos < len(src):
        try:
            end, skippable = _zstd_frame_end(src, pos, base)
        except Exception as exc:
            raise DecodeError(exc, filled) from None
        if not skippable:
            reader = dctx.stream_reader(src[pos:end], read_across_frames=False)
            try:
                got = reader.readinto(out[filled:])
                # With the buffer full the checksum may still wait: one more call reads it (and
                # finds out whether the frame holds more than the table says).
                more = reader.readinto(_local.spare)
            except zstandard.ZstdError as exc:
                error = corrupt(
                    "zstd", base + pos, f"corrupt data in the frame starting at offset {base + pos} ({exc})"
                )
                raise DecodeError(error, filled) from None
            if more:
                raise Overflow(_too_much("zstd", base, len(src), len(out)), filled)
            filled += got
        pos = end
    return filled


# -- gzip ------------------------------------------------------------------------------------------
def _inflate_module() -> Any:
    try:
        from isal import isal_zlib
    except ImportError:
        import zlib

        return zlib
    return isal_zlib


def _gzip_into(src: memoryview, base: int, bounds: list[int], out: memoryview) -> int:
    members = _libdeflate.decoder()
    filled = 0
    if members is not None:  # addresses for libdeflate, which decodes into ``out`` itself
        src_at, out_at = address_of(src), address_of(out)
    for start, end in zip(bounds, bounds[1:], strict=False):
        # libdeflate skips a header CRC16 (FHCRC) where the strict decoder checks it: such a
        # rare member goes through ISA-L/zlib.
        if members is None or (end - start > 3 and src[start + 3] & _FHCRC):
            filled = _member_into(_inflate_module(), src, base, start, end, out, filled)
            continue
        status, used, wrote = members.member(src_at + start, end - start, out_at + filled, len(out) - filled)
        if status == _libdeflate.INSUFFICIENT_SPACE:
            raise Overflow(_too_much("gzip", base, len(src), len(out)), filled)
        if status != _libdeflate.SUCCESS or used != end - start:
            # Bad data, cut short, or a member that ends early: the strict decoder the caller
            # falls back to says which, at the offset a sequential read gives.
            error = corrupt("gzip", base + start, f"corrupt member starting at offset {base + start}")
            raise DecodeError(error, filled)
        filled += wrote
    return filled


def _member_into(module: Any, src: memoryview, base: int, start: int, end: int, out: memoryview, filled: int) -> int:
    """Inflate the member ``src[start:end]`` by ISA-L or zlib into ``out[filled:]``: the new fill."""
    inflater = module.decompressobj(31)  # 31: a gzip member, header and trailer checked
    room = len(out) - filled
    try:
        piece = inflater.decompress(src[start:end], room + 1)
    except module.error as exc:
        error = corrupt("gzip", base + start, f"corrupt data in the member starting at offset {base + start} ({exc})")
        raise DecodeError(error, filled) from None
    if len(piece) > room:
        raise Overflow(_too_much("gzip", base, len(src), len(out)), filled)
    if not inflater.eof:
        error = corrupt(
            "gzip", base + end, f"truncated input: it ends inside the member starting at offset {base + start}"
        )
        raise DecodeError(error, filled)
    if inflater.unused_data:
        error = corrupt(
            "gzip",
            base + end - len(inflater.unused_data),
            f"the member starting at offset {base + start} ends before offset {base + end}, "
            "where the frame table says the next one starts",
        )
        raise DecodeError(error, filled)
    out[filled : filled + len(piece)] = piece
    return filled + len(piece)
