"""What a compressed file is, read from its container: members, recorded sizes, checksums.

Like ``gzip -l``/``zstd -l``/``xz -l`` for every format. Without ``scan`` only headers and
trailers are read (zstd and lz4 frames and BGZF blocks are walked header to header, xz's index
is read from the end); with ``scan`` the content is decoded once, which gives the exact decoded
size and the member count of every format and verifies every checksum on the way.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .errors import ArrowIOError

__all__ = ["FileInfo", "file_info"]


@dataclass(frozen=True)
class FileInfo:
    """One file's container facts. Sizes are bytes; None means "not recorded" (see ``scan``).

    ``decoded_size_from`` says where ``decoded_size`` comes from: ``"header"`` (zstd/lz4 frame
    content sizes, BGZF and xz indexes: exact), ``"trailer"`` (gzip's ISIZE: the last member's
    size modulo 4 GiB, exact for the usual one-member file under 4 GiB), ``"scan"`` (decoded),
    ``"plain"`` (not compressed) or None. ``members`` counts gzip members, zstd/lz4 frames,
    bz2/xz streams. ``extension_agrees`` is None when the name names no format.
    """

    path: str
    format: str | None
    format_by_magic: str | None
    format_by_extension: str | None
    extension_agrees: bool | None
    compressed_size: int
    decoded_size: int | None
    decoded_size_from: str | None
    members: int | None
    checksum: str | None

    @property
    def ratio(self) -> float | None:
        """Decoded size / compressed size (how many times smaller the file is)."""
        if self.decoded_size is None or not self.compressed_size:
            return None
        return self.decoded_size / self.compressed_size

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


class _Source:
    """Positional reads of a seekable binary file (a NativeFile or a Python file)."""

    def __init__(self, file: Any) -> None:
        self._file = file
        self.size = file.seek(0, 2)

    def read(self, offset: int, n: int) -> bytes:
        self._file.seek(offset)
        return bytes(self._file.read(n))


# -- per-format header walkers: (source) -> (decoded_size|None, source_label|None, members|None, checksum) ----
def _zstd(src: _Source) -> tuple[int | None, str | None, int | None, str]:
    offset, frames, total, sized, checked = 0, 0, 0, True, 0
    while offset < src.size:
        head = src.read(offset, 18)
        magic = struct.unpack_from("<I", head)[0] if len(head) >= 4 else None
        if magic is not None and 0x184D2A50 <= magic <= 0x184D2A5F and len(head) >= 8:  # skippable frame
            offset += 8 + struct.unpack_from("<I", head, 4)[0]
            continue
        if magic != 0xFD2FB528 or len(head) < 6:
            raise ArrowIOError(f"zstd: not a zstd frame (at compressed offset {offset})")
        descriptor = head[4]
        fcs_code, single, has_checksum, dict_code = descriptor >> 6, descriptor >> 5 & 1, descriptor >> 2 & 1, descriptor & 3
        position = 5 + (0 if single else 1) + (0, 1, 2, 4)[dict_code]
        fcs_len = (1 if single else 0, 2, 4, 8)[fcs_code]
        if fcs_len:
            field = int.from_bytes(head[position : position + fcs_len], "little")
            total += field + (256 if fcs_len == 2 else 0)  # RFC 8878: the 2-byte field is offset by 256
        else:
            sized = False
        offset += position + fcs_len
        while True:  # blocks: 3-byte headers, last-block bit, type, size
            block = src.read(offset, 3)
            if len(block) < 3:
                raise ArrowIOError(f"zstd: truncated input: it ends inside a block header (at compressed offset {offset})")
            header = int.from_bytes(block, "little")
            size = header >> 3
            offset += 3 + (1 if (header >> 1 & 3) == 1 else size)  # an RLE block stores one byte
            if header & 1:
                break
        offset += 4 * has_checksum
        frames += 1
        checked += has_checksum
    if offset > src.size:
        raise ArrowIOError(f"zstd: truncated input: the last frame ends past the end of the file ({src.size} bytes)")
    checksum = _some("xxh64", checked, frames)
    return (total, "header", frames, checksum) if sized else (None, None, frames, checksum)


def _lz4(src: _Source) -> tuple[int | None, str | None, int | None, str]:
    offset, frames, total, sized, content_checked, block_checked, legacy = 0, 0, 0, True, 0, 0, False
    while offset < src.size:
        head = src.read(offset, 19)
        magic = struct.unpack_from("<I", head)[0] if len(head) >= 4 else None
        if magic is not None and 0x184D2A50 <= magic <= 0x184D2A5F and len(head) >= 8:
            offset += 8 + struct.unpack_from("<I", head, 4)[0]
            continue
        if magic == 0x184C2102:  # legacy frame (lz4 -l): 4-byte block sizes until EOF or another magic
            legacy, sized, frames, offset = True, False, frames + 1, offset + 4
            while offset + 4 <= src.size:
                size = struct.unpack("<I", src.read(offset, 4))[0]
                if size in (0x184C2102, 0x184D2204):
                    break
                offset += 4 + size
            continue
        if magic != 0x184D2204 or len(head) < 7:
            raise ArrowIOError(f"lz4: not an lz4 frame (at compressed offset {offset})")
        flags = head[4]
        block_checksum, has_size, content_checksum, has_dict = flags >> 4 & 1, flags >> 3 & 1, flags >> 2 & 1, flags & 1
        position = 6
        if has_size:
            total += struct.unpack_from("<Q", head, position)[0]
            position += 8
        else:
            sized = False
        offset += position + 4 * has_dict + 1  # + the header checksum byte
        while True:
            raw = src.read(offset, 4)
            if len(raw) < 4:
                raise ArrowIOError(f"lz4: truncated input: it ends inside a block header (at compressed offset {offset})")
            size = struct.unpack("<I", raw)[0]
            offset += 4
            if size == 0:  # end mark
                break
            offset += (size & 0x7FFFFFFF) + 4 * block_checksum
        offset += 4 * content_checksum
        frames += 1
        content_checked += content_checksum
        block_checked += block_checksum
    if offset > src.size:
        raise ArrowIOError(f"lz4: truncated input: the last frame ends past the end of the file ({src.size} bytes)")
    parts = [_some("xxh32 content", content_checked, frames), _some("xxh32 blocks", block_checked, frames)]
    parts = [part for part in parts if part != "none"]
    checksum = "none (legacy format)" if legacy and not parts else ", ".join(parts) or "none"
    return (total, "header", frames, checksum) if sized else (None, None, frames, checksum)


def _gzip(src: _Source) -> tuple[int | None, str | None, int | None, str]:
    # BGZF (bgzip, .bgz, BAM): every member's header records its size (the BC extra subfield),
    # so members can be walked and their ISIZE trailers summed without decoding.
    offset, members, total = 0, 0, 0
    while offset < src.size:
        head = src.read(offset, 18)
        if len(head) < 18 or head[:4] != b"\x1f\x8b\x08\x04" or head[12:14] != b"BC" or head[14:16] != b"\x02\x00":
            break
        block_size = struct.unpack_from("<H", head, 16)[0] + 1
        total += struct.unpack("<I", src.read(offset + block_size - 4, 4))[0]
        offset += block_size
        members += 1
    if members and offset == src.size:
        return total, "header", members, "crc32"
    if src.size < 18:
        raise ArrowIOError(f"gzip: truncated input: {src.size} bytes is shorter than a gzip header and trailer")
    return struct.unpack("<I", src.read(src.size - 4, 4))[0], "trailer", None, "crc32"


def _xz(src: _Source) -> tuple[int | None, str | None, int | None, str]:
    end, streams, total, checks = src.size, 0, 0, set()
    while end > 0:
        while end >= 4 and src.read(end - 4, 4) == b"\0\0\0\0":  # stream padding
            end -= 4
        if end == 0:
            break
        footer = src.read(end - 12, 12)
        if len(footer) < 12 or footer[10:] != b"YZ":
            raise ArrowIOError(f"xz: no stream footer where one must end (at compressed offset {max(end - 12, 0)})")
        index_size = (struct.unpack_from("<I", footer, 4)[0] + 1) * 4
        checks.add(footer[9] & 0x0F)
        index = src.read(end - 12 - index_size, index_size)
        records, position = _varint(index, 1)
        blocks = 0
        for _ in range(records):
            unpadded, position = _varint(index, position)
            uncompressed, position = _varint(index, position)
            blocks += (unpadded + 3) & ~3
            total += uncompressed
        end -= 12 + index_size + blocks + 12
        streams += 1
    names = {0: "none", 1: "crc32", 4: "crc64", 10: "sha256"}
    return total, "header", streams, ", ".join(sorted(names.get(c, f"check id {c}") for c in checks)) or "none"


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if position >= len(data):
            raise ArrowIOError("xz: truncated index")
        byte = data[position]
        value |= (byte & 0x7F) << shift
        position += 1
        if byte < 0x80:
            return value, position
        shift += 7


def _some(name: str, count: int, total: int) -> str:
    if count == 0:
        return "none"
    return name if count == total else f"{name} ({count} of {total} frames)"


_WALKERS: dict[str, Callable[[_Source], tuple[int | None, str | None, int | None, str]]] = {
    "zstd": _zstd,
    "lz4": _lz4,
    "gzip": _gzip,
    "xz": _xz,
}
_CHECKSUMS = {"bz2": "crc32", "brotli": "none", "snappy": "crc32c (chunks)"}

#: Compressed bytes read at a time while scanning, and decoded bytes produced at most per step
#: (a decompression bomb is counted, never held).
_SCAN_CHUNK = 1 << 20


def _scan_gzip(src: _Source) -> tuple[int, int]:
    """Decoded size and member count of a gzip file, by inflating each member (CRC and ISIZE checked)."""
    try:
        from isal import isal_zlib as zlib
    except ImportError:
        import zlib  # type: ignore[no-redef]
    offset, total, members = 0, 0, 0
    decoder = zlib.decompressobj(31)
    pending = b""
    while True:
        if not pending:
            pending = src.read(offset, _SCAN_CHUNK)
            offset += len(pending)
            if not pending:
                raise ArrowIOError(f"gzip: truncated input: it ends inside member {members + 1} (at compressed offset {offset})")
        try:
            total += len(decoder.decompress(pending, _SCAN_CHUNK))
        except zlib.error as exc:
            raise ArrowIOError(f"gzip: {exc} (in member {members + 1}, before compressed offset {offset})") from None
        pending = decoder.unconsumed_tail
        if decoder.eof:
            members += 1
            pending = decoder.unused_data
            if not pending and offset >= src.size:
                return total, members
            decoder = zlib.decompressobj(31)


def _scan(file: Any, fmt: str) -> int:
    """Decoded size, by decoding through the library's strict stream for ``fmt``."""
    from .io.compressed import CompressedInputStream

    file.seek(0)
    stream = CompressedInputStream(file, fmt)
    total = 0
    while chunk := stream.read1(_SCAN_CHUNK):
        total += len(chunk)
    return total


def file_info(path: str, *, scan: bool = False, storage_options: Mapping[str, Any] | None = None) -> FileInfo:
    """Describe the file at ``path`` (anything :func:`arrowio.input_stream` opens that can seek;
    ``storage_options`` configure a URL's filesystem, as for ``input_stream``)."""
    from .compression._registry import MAGIC_PEEK, from_extension, from_magic
    from .io import input_stream

    with input_stream(path, compression=None, storage_options=storage_options) as file:
        if not file.seekable():
            raise ArrowIOError(f"{path}: info needs a seekable file, not a stream")
        src = _Source(file)
        head = src.read(0, MAGIC_PEEK)
        by_magic, by_extension = from_magic(head), from_extension(path)
        magic_name = by_magic.name if by_magic else None
        extension_name = by_extension.name if by_extension else None
        # The detection order of the library: magic, then (for formats without magic) the extension.
        fmt = magic_name or (extension_name if by_extension is not None and not by_extension.magics else None)
        agrees = None if by_extension is None else extension_name == fmt
        decoded: int | None
        if fmt is None:
            decoded, source, members, checksum = src.size, "plain", None, None
        elif fmt in _WALKERS:
            decoded, source, members, checksum = _WALKERS[fmt](src)
        else:
            decoded, source, members, checksum = None, None, None, _CHECKSUMS.get(fmt, "none")
        if scan and fmt is not None:
            if fmt == "gzip":
                decoded, members = _scan_gzip(src)
            else:
                decoded = _scan(file, fmt)
            source = "scan"
        return FileInfo(path, fmt, magic_name, extension_name, agrees, src.size, decoded, source, members, checksum)
