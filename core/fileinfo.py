"""What a compressed file is, read from its container: members, recorded sizes, checksums.

Like ``gzip -l``/``zstd -l``/``xz -l`` for every format. Without ``scan`` only headers and
trailers are read (zstd and lz4 frames and BGZF blocks are walked header to header, xz's index
is read from the end); with ``scan`` the content is decoded once by the library's strict
decoder, the one every reader (``arrowio cat``) uses: so a file is accepted exactly when it can
be read, every checksum the format carries is verified, and the decoded size is exact. The
format is detected by the readers' rule too (magic bytes, then extension), so a file named for a
format whose magic it lacks is refused in both modes, as readers refuse it. Malformed headers are
an ArrowIOError naming the format and an offset, never a crash of the walk.

Only regular files (and block devices) are described: they are read by position. A FIFO or a
character device is refused by its status, without opening it (an open of a FIFO would wait for
a writer).
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields

from .errors import ArrowIOError

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["FileInfo", "file_info"]

#: Deflate's largest expansion: 258 bytes per 2-bit code, about 1032:1 over a whole stream.
_DEFLATE_MAX_RATIO = 1032


@dataclass(frozen=True)
class FileInfo:
    """One file's container facts. Sizes are bytes; None means "not recorded" (see ``scan``).

    ``followed_by`` names the formats of the streams that follow the first one, in order, when
    ``scan`` decoded a concatenation of different formats (``cat a.zst b.gz``, which ``arrowio
    cat`` reads whole): ``format`` is then the first stream's, ``members`` counts the members of
    every stream, and ``checksum`` is None (each format carries its own). It is ``()`` otherwise.

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
    followed_by: tuple[str, ...] = ()

    @property
    def ratio(self) -> float | None:
        """Decoded size / compressed size (how many times smaller the file is)."""
        if self.decoded_size is None or not self.compressed_size:
            return None
        return self.decoded_size / self.compressed_size

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}

    @classmethod
    def keys(cls) -> list[str]:
        """The keys of :meth:`to_dict`, in order."""
        return [field.name for field in fields(cls)] + ["ratio"]


#: Files up to this size are measured by reading them (see _Source): cat reads them whole anyway.
_MEASURED_UP_TO = 256 * 1024
#: How far such a measure reads: /proc/self/pagemap states 0 bytes and holds terabytes.
_MEASURE_AT_MOST = 16 << 20


class _Source:
    """Positional reads of a seekable binary file (a NativeFile or a Python file); ``local``: a
    local file, whose size is measured where small (a URL's object is read by ranges only)."""

    def __init__(self, file: Any, local: bool = True) -> None:
        self._file = file
        stated = file.seek(0, 2)
        self.size = stated if stated > _MEASURED_UP_TO or not local else self._counted(stated)

    def _counted(self, stated: int) -> int:
        """The size of a small file, by reading it to its end: pseudo files state a size that is
        not theirs (/proc: 0 bytes, sysfs: a page), and what cat prints is what they hold. One
        that holds more than :data:`_MEASURE_AT_MOST` keeps its ``stated`` size."""
        self._file.seek(0)
        size = 0
        while size <= _MEASURE_AT_MOST and (piece := self._file.read(1 << 16)):
            size += len(piece)
        return size if size <= _MEASURE_AT_MOST else stated

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
        fcs_code, single, has_checksum, dict_code = (
            descriptor >> 6,
            descriptor >> 5 & 1,
            descriptor >> 2 & 1,
            descriptor & 3,
        )
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
                raise ArrowIOError(
                    f"zstd: truncated input: it ends inside a block header (at compressed offset {offset})"
                )
            header = int.from_bytes(block, "little")
            size = header >> 3
            block_at = offset
            offset += 3 + (1 if (header >> 1 & 3) == 1 else size)  # an RLE block stores one byte
            if offset > src.size:
                raise _past_end("zstd", block_at, src.size)
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
            legacy, sized, frames, offset = True, False, frames + 1, _lz4_legacy_blocks(src, offset + 4)
            continue
        if magic != 0x184D2204 or len(head) < 7:
            raise ArrowIOError(f"lz4: not an lz4 frame (at compressed offset {offset})")
        flags = head[4]
        block_checksum, has_size, content_checksum, has_dict = flags >> 4 & 1, flags >> 3 & 1, flags >> 2 & 1, flags & 1
        position = 6
        if has_size:
            if len(head) < position + 8:
                raise ArrowIOError(
                    f"lz4: truncated input: it ends inside a frame header (at compressed offset {offset})"
                )
            total += struct.unpack_from("<Q", head, position)[0]
            position += 8
        else:
            sized = False
        offset = _lz4_blocks(src, offset + position + 4 * has_dict + 1, block_checksum)  # + header checksum
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


def _lz4_legacy_blocks(src: _Source, offset: int) -> int:
    """Where a legacy frame's blocks (4-byte sizes) starting at ``offset`` end: at the end of
    the file or at the next frame's magic number."""
    while offset + 4 <= src.size:
        size = struct.unpack("<I", src.read(offset, 4))[0]
        if size in (0x184C2102, 0x184D2204):
            break
        offset += 4 + size
    return offset


def _lz4_blocks(src: _Source, offset: int, block_checksum: int) -> int:
    """Where the end mark of a frame's blocks starting at ``offset`` ends (each block ends with
    a 4-byte checksum where ``block_checksum`` is 1)."""
    while True:
        raw = src.read(offset, 4)
        if len(raw) < 4:
            raise ArrowIOError(f"lz4: truncated input: it ends inside a block header (at compressed offset {offset})")
        size = struct.unpack("<I", raw)[0]
        block_at = offset
        offset += 4
        if size == 0:  # end mark
            return offset
        offset += (size & 0x7FFFFFFF) + 4 * block_checksum
        if offset > src.size:
            raise _past_end("lz4", block_at, src.size)


def _gzip(src: _Source) -> tuple[int | None, str | None, int | None, str]:
    # BGZF (bgzip, .bgz, BAM): every member's header records its size (the BC extra subfield),
    # so members can be walked and their ISIZE trailers summed without decoding.
    offset, members, total = 0, 0, 0
    while offset < src.size:
        head = src.read(offset, 18)
        if len(head) < 18 or head[:4] != b"\x1f\x8b\x08\x04" or head[12:14] != b"BC" or head[14:16] != b"\x02\x00":
            break
        block_size = struct.unpack_from("<H", head, 16)[0] + 1
        if block_size < 26 or offset + block_size > src.size:
            # Not a whole BGZF block (a cut file, or a corrupt BSIZE): the walk stops here and
            # the file is judged as any gzip file, by its last 4 bytes.
            break
        total += struct.unpack("<I", src.read(offset + block_size - 4, 4))[0]
        offset += block_size
        members += 1
    if members and offset == src.size:
        return total, "header", members, "crc32"
    if src.size < 18:
        raise ArrowIOError(f"gzip: truncated input: {src.size} bytes is shorter than a gzip header and trailer")
    isize = struct.unpack("<I", src.read(src.size - 4, 4))[0]
    if isize > _DEFLATE_MAX_RATIO * src.size:
        # Deflate cannot expand more than that, so these 4 bytes are not a real ISIZE (ISIZE wraps
        # at 4 GiB, so the check is one way only): the file was cut, or it does not end with a member.
        raise ArrowIOError(
            f"gzip: truncated or corrupt input: the last 4 bytes (size field {isize}) cannot be the trailer "
            f"of {src.size} compressed bytes (at compressed offset {src.size - 4})"
        )
    return isize, "trailer", None, "crc32"


def _past_end(fmt: str, block_at: int, size: int) -> ArrowIOError:
    return ArrowIOError(
        f"{fmt}: truncated input: the block at compressed offset {block_at} runs past the end of the file ({size} bytes)"
    )


def _xz(src: _Source) -> tuple[int | None, str | None, int | None, str]:
    end, streams, total, checks = src.size, 0, 0, set()
    while end > 0:
        while end >= 4 and src.read(end - 4, 4) == b"\0\0\0\0":  # stream padding
            end -= 4
        if end == 0:
            break
        footer = src.read(end - 12, 12) if end >= 12 else b""
        if len(footer) < 12 or footer[10:] != b"YZ":
            raise ArrowIOError(f"xz: no stream footer where one must end (at compressed offset {max(end - 12, 0)})")
        index_size = (struct.unpack_from("<I", footer, 4)[0] + 1) * 4
        checks.add(footer[9] & 0x0F)
        if index_size > end - 12 - 12:  # the stream header must fit before the index too
            raise ArrowIOError(
                f"xz: the stream footer records an index larger than the file (at compressed offset {end - 12})"
            )
        index = src.read(end - 12 - index_size, index_size)
        records, position = _varint(index, 1)
        blocks = 0
        for _ in range(records):
            unpadded, position = _varint(index, position)
            uncompressed, position = _varint(index, position)
            blocks += (unpadded + 3) & ~3
            total += uncompressed
        end -= 12 + index_size + blocks + 12
        if end < 0:
            raise ArrowIOError(
                f"xz: the index records more blocks than the file holds (at compressed offset {end + blocks + 12})"
            )
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

#: The registry's name for the readers' detection (magic bytes, then extension): what
#: ``arrowio cat`` gets by passing ``compression='auto'`` to :func:`arrowio.input_stream`.
_READERS_DETECTION = "detect"


def _decoder(fmt: str) -> Any:
    """The strict decoder of ``fmt`` that readers use."""
    from .compression.codec import Codec

    return Codec(fmt).decoder()  # checks that the format's backend is installed


def _scan(file: Any, fmt: str) -> tuple[int, int | None, tuple[str, ...]]:
    """The decoded size, the member count where the decoders keep one (gzip, bz2, xz, lz4) and
    the formats that follow ``fmt``'s stream, by decoding the whole file once as ``arrowio cat``
    does: ``fmt``'s strict decoder, then, as the readers' detection does, a decoder for each
    different format whose stream follows (:class:`SequenceDecoder`)."""
    from .compression._registry import MAGIC_PEEK, Format
    from .compression._sequence import SequenceDecoder
    from .compression._stream import DecodingReader

    decoders = [_decoder(fmt)]

    def follow(next_format: Format) -> Any:
        decoders.append(_decoder(next_format.name))
        return decoders[-1]

    decoder = SequenceDecoder(decoders[0], follow)
    file.seek(0)
    # The decoder is fed exactly as a reader's is: detection peeks at the head, then raw read1
    # calls (the peeked bytes first). An error names the compressed offset the decoder had
    # reached, which depends on those pieces; so cat and info --scan refuse with the same words.
    file.peek(MAGIC_PEEK)
    reader = DecodingReader(file.read1, decoder, threaded=False)
    total = 0
    while piece := reader.read1(-1):
        total += len(piece)
    # Counted per member (lz4's skippable frames too); unknown when one decoder keeps no count (zstd).
    counts = [count for each in decoders if isinstance(count := getattr(each, "_members", None), int)]
    members = sum(counts) if len(counts) == len(decoders) else None
    return total, members, tuple(each.format for each in decoders[1:])


def _refuse_unreadable(path: str) -> None:
    """Refuse a local path that cannot be read by position, by its status alone (no open)."""
    from .io.urls import is_url

    if is_url(path):
        return
    mode = os.stat(path).st_mode  # a missing file: FileNotFoundError naming it
    if stat.S_ISREG(mode) or stat.S_ISBLK(mode):
        return
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISSOCK, "a socket"))  # fmt: skip
    kind = next((name for test, name in kinds if test(mode)), "not a regular file")
    raise ArrowIOError(f"{path}: {kind}: info reads regular files only (by position)")


def file_info(path: str, *, scan: bool = False, storage_options: Mapping[str, Any] | None = None) -> FileInfo:
    """Describe the file at ``path`` (anything :func:`arrowio.input_stream` opens that can seek;
    ``storage_options`` configure a URL's filesystem, as for ``input_stream``).

    With ``scan`` the file is decoded once by the strict decoder readers use: bad data raises
    the ArrowIOError a reader would get, and the sizes are exact."""
    from .compression._registry import MAGIC_PEEK, from_extension, from_magic, resolve
    from .io import input_stream
    from .io.urls import is_url

    _refuse_unreadable(path)
    with input_stream(path, compression=None, storage_options=storage_options) as file:
        if not file.seekable():
            raise ArrowIOError(f"{path}: info needs a seekable file, not a stream")
        src = _Source(file, local=not is_url(path))
        head = src.read(0, MAGIC_PEEK)
        by_magic, by_extension = from_magic(head), from_extension(path)
        magic_name = by_magic.name if by_magic else None
        extension_name = by_extension.name if by_extension else None
        # The very rule readers (arrowio cat) detect by, so that info describes what they read and
        # refuses what they refuse, with their words (a plain file named .gz is "not in gzip format").
        resolved = resolve(_READERS_DETECTION, path, head)
        fmt = resolved.name if resolved is not None else None
        agrees = None if by_extension is None else extension_name == fmt
        decoded: int | None
        if fmt is None:
            return FileInfo(path, fmt, magic_name, extension_name, agrees, src.size, src.size, "plain", None, None)
        # The decoder's verdict comes first: it is the one a reader gets.
        scanned = _scan(file, fmt) if scan else None
        try:
            decoded, source, members, checksum = _walk(fmt, src)
        except ArrowIOError:
            if scanned is None:
                raise
            decoded, source, members, checksum = None, None, None, None  # the decoder read it: its word stands
        followed_by: tuple[str, ...] = ()
        if scanned is not None:
            decoded, source, followed_by = scanned[0], "scan", scanned[2]
            if followed_by:  # the walk saw the first format's frames at best: the decoders counted all
                members, checksum = scanned[1], None
            elif members is None:  # the walkers skip skippable frames, so theirs come first
                members = scanned[1]
        return FileInfo(
            path, fmt, magic_name, extension_name, agrees, src.size, decoded, source, members, checksum, followed_by
        )


def _walk(fmt: str, src: _Source) -> tuple[int | None, str | None, int | None, str | None]:
    """What headers and trailers tell of a ``fmt`` file (see the walkers above)."""
    walker = _WALKERS.get(fmt)
    if walker is not None:
        return walker(src)
    from .compression._registry import lookup

    return None, None, None, lookup(fmt).checksum or "none"
