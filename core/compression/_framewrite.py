"""Writing independent frames: zstd as ``pzstd`` does, zstd's seekable format, gzip members, BGZF.

Every standard decoder reads these files (a zstd decoder reads frame after frame and skips
skippable frames; a gzip decoder reads member after member), and because no frame refers to
another, they can be compressed, decoded and entered at any frame in parallel. Layouts:

``frames``
    zstd: each frame preceded by the 12-byte skippable frame in which ``pzstd`` records the
    frame's compressed size (so ``pzstd -d`` decodes it in parallel too), and carrying its
    content size and checksum. gzip: one member per frame.
``seekable``
    zstd only: frames, then zstd's seek table (a skippable frame at the end).
``bgzf``
    gzip only: BGZF (samtools/bgzip), blocks of 65280 input bytes whose header records the
    block size, and the 28-byte empty block that marks the end.

The input is cut into frames of ``frame_size`` bytes (default :data:`DEFAULT_FRAME_SIZE`; a
BGZF task holds that much in 64 KiB blocks), compressed by ``threads`` workers, with one frame
waiting for the first worker that is free, so a worker never idles for want of a frame and no
more frames are held than that.
"""

from __future__ import annotations

import os
import struct
from collections import deque

from ._base import Encoder

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["FrameEncoder", "LAYOUTS", "DEFAULT_FRAME_SIZE", "BGZF_EOF"]

LAYOUTS = {"frames": ("zstd", "gzip"), "seekable": ("zstd",), "bgzf": ("gzip",)}
#: Input bytes per frame. Measured on the 256 MiB mixed corpus (benchmarks/bench_compression.py
#: --frame-sizes), independent zstd -3 frames cost +15.8 % of compressed size at 1 MiB, +3.2 %
#: at 4 MiB and +0.5 % at 16 MiB against one frame (small frames lose long matches and get
#: parameters tuned for small inputs); gzip -6 members cost +0.4 %, +0.1 % and +0.0 % (deflate
#: only looks 32 KiB back). So zstd frames are 16 MiB (16 per 256 MiB: every core of most
#: machines busy), except in the seekable format, where a random read decodes one frame and
#: 4 MiB keeps that under 2 % of a full decode; gzip members (and BGZF tasks) are 4 MiB.
DEFAULT_FRAME_SIZE = {
    "frames": {"zstd": 16 << 20, "gzip": 4 << 20},
    "seekable": {"zstd": 4 << 20},
    "bgzf": {"gzip": 4 << 20},
}
BGZF_BLOCK = 0xFF00  # bgzip's input per block: its compressed form always fits BSIZE's 16 bits
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_PZSTD = struct.Struct("<III")  # skippable magic 0x184D2A50, size 4, the frame's compressed size
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"  # deflate, no flags, MTIME 0, Unix
_BGZF_HEADER = struct.Struct("<4sIBBHBBHH")  # magic+CM+FLG, MTIME, XFL, OS, XLEN, SI1, SI2, SLEN, BSIZE


def _zstd_frame(level: int, data: bytearray | memoryview) -> bytes:
    import zstandard

    from ._zstd import backend_level

    # A compressor per frame: ZstdCompressor objects are not for use by several threads at once.
    compressor = zstandard.ZstdCompressor(level=backend_level(level), write_checksum=True, write_content_size=True)
    return compressor.compress(data)


def _gzip_member(level: int, data: bytearray | memoryview) -> bytes:
    from ._deflate import crc32, deflate_block

    view = memoryview(data)
    body = deflate_block(level, view, b"", True)
    return _GZIP_HEADER + body + struct.pack("<II", crc32()(view, 0), len(view) & 0xFFFFFFFF)


def _bgzf_blocks(level: int, data: bytearray | memoryview) -> bytes:
    from ._deflate import crc32, deflate_block

    crc = crc32()
    out = []
    view = memoryview(data)
    for start in range(0, len(data), BGZF_BLOCK):
        block = view[start : start + BGZF_BLOCK]
        body = deflate_block(level, block, b"", True)
        bsize = _BGZF_HEADER.size + len(body) + 8
        out.append(_BGZF_HEADER.pack(b"\x1f\x8b\x08\x04", 0, 0, 0xFF, 6, 66, 67, 2, bsize - 1))
        out.append(body)
        out.append(struct.pack("<II", crc(block, 0), len(block)))
    return b"".join(out)


class FrameEncoder(Encoder):
    """Independent frames of ``fmt`` in ``layout`` (see the module doc), compressed by
    ``threads`` workers (0: in the writing thread; -1: one per core)."""

    def __init__(
        self, fmt: str, level: int, layout: str = "frames", threads: int = -1, frame_size: int | None = None
    ) -> None:
        if fmt not in LAYOUTS.get(layout, ()):
            raise ValueError(
                f"the {layout!r} layout is for {' and '.join(LAYOUTS.get(layout, ())) or 'no format'}, not {fmt}"
            )
        frame_size = DEFAULT_FRAME_SIZE[layout][fmt] if frame_size is None else frame_size
        if frame_size < 1 or (layout == "seekable" and frame_size > 1 << 30):
            raise ValueError(
                f"frame size must be 1 byte to {'1 GiB' if layout == 'seekable' else 'any size'}, got {frame_size}"
            )
        self.format = fmt
        self._layout = layout
        self._level = level
        self._frame_size = frame_size
        self._compress = {"zstd": _zstd_frame, "gzip": _gzip_member}[fmt] if layout != "bgzf" else _bgzf_blocks
        if threads < 0:
            threads = os.cpu_count() or 1
        self._pool: Any = None
        if threads > 0:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(threads, thread_name_prefix="arrowio-frames")
        # Frames in flight: one per worker and one waiting. More keeps nothing busier (filling a
        # frame takes a small part of compressing one) but holds and faults in more memory: two per
        # worker took `compress -T 0` (2 cores) to 192 MB peak RSS and 50,000 page faults (now 158, 36,000).
        self._limit = max(threads, 1) + 1
        # (input size, future, the frame's buffer) of the frames handed to the workers, in order.
        self._pending: deque[tuple[int, Any, bytearray]] = deque()
        # The frame being gathered: a buffer of fixed length filled up to ``_fill``. Input is copied
        # once, into it (the caller may reuse what it wrote), and the buffer itself goes to the
        # worker; a buffer whose frame is compressed is reused for a later frame, so its pages stay
        # warm and no frame is copied again or allocated anew (slices, bytes() and growing a
        # bytearray cost three more copies of the input: 10 % of `compress -T 0`'s CPU).
        self._buffer = bytearray()
        self._fill = 0
        self._spare: list[bytearray] = []
        self._sizes: list[tuple[int, int]] = []  # (compressed, decompressed) of every frame: the seek table

    def _submit(self) -> None:
        buffer, size = self._buffer, self._fill
        self._buffer, self._fill = bytearray(), 0  # the next one is taken when data comes (_grow)
        data = buffer if size == len(buffer) else memoryview(buffer)[:size]
        if self._pool is None:
            self._pending.append((size, _Ready(self._compress(self._level, data)), buffer))
        else:
            self._pending.append((size, self._pool.submit(self._compress, self._level, data), buffer))

    def _collect(self, wait_all: bool) -> bytes:
        pending = self._pending
        out = []
        while pending and (wait_all or len(pending) > self._limit or pending[0][1].done()):
            size, future, buffer = pending.popleft()
            frame = future.result()
            if len(buffer) == self._frame_size:  # its worker is done with it
                self._spare.append(buffer)
            if self._layout == "frames" and self.format == "zstd":
                out.append(_PZSTD.pack(0x184D2A50, 4, len(frame)))
            self._sizes.append((len(frame), size))
            out.append(frame)
        return out[0] if len(out) == 1 else b"".join(out)

    def compress(self, data: bytes | memoryview) -> bytes:
        view = memoryview(data).cast("B")
        size = self._frame_size
        start, end = 0, len(view)
        while start < end:
            take = min(end - start, size - self._fill)
            if len(self._buffer) < self._fill + take:
                self._grow(self._fill + take)
            self._buffer[self._fill : self._fill + take] = view[start : start + take]
            self._fill += take
            start += take
            if self._fill == size:
                self._submit()
        return self._collect(wait_all=False)

    def _grow(self, needed: int) -> None:
        """Make the frame buffer hold ``needed`` bytes. The first frame's buffer doubles up to the
        frame size, so a small input never allocates a whole frame; later frames (the input is
        large) reuse the buffers of compressed frames, or get a whole one at once."""
        if not self._fill and self._spare:  # taken only now, so that the frames collected since count
            self._buffer = self._spare.pop()
            return
        if self._pending or self._sizes:
            length = self._frame_size
        else:
            length = min(self._frame_size, max(needed, 2 * len(self._buffer), 1 << 16))
        grown = bytearray(length)
        grown[: self._fill] = memoryview(self._buffer)[: self._fill]
        self._buffer = grown

    def flush(self) -> bytes:
        """Everything so far, ended as a (short) frame: decodable by a reader of the output so far."""
        if self._fill:
            self._submit()
        return self._collect(wait_all=True)

    def finish(self) -> bytes:
        try:
            if self._fill or (not self._sizes and not self._pending and self._layout != "bgzf"):
                self._submit()  # an empty input still makes one (empty) frame
            out = self._collect(wait_all=True)
            if self._layout == "bgzf":
                out += BGZF_EOF
            elif self._layout == "seekable":
                from ._frametable import seek_table_bytes

                out += seek_table_bytes(self._sizes)
            return out
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers (after finish, or when the stream is given up)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class _Ready:
    """A frame compressed in the writing thread, shaped like a finished future."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def done(self) -> bool:
        return True

    def result(self) -> bytes:
        return self._value
