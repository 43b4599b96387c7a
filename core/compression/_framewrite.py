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

Memory: a frame is gathered in a reused buffer of anonymous pages (:mod:`._pages`), which a
caller may fill itself (:meth:`FrameWriter.input_view`: ``readinto`` from a file puts the input
straight where the compressor reads it), so each input byte is copied once, from the file. zstd
frames are compressed by the system libzstd (:mod:`._libzstd`) into reused output buffers that
are written out as they are, the ``pzstd`` marker in front of the frame in the same buffer, where
that libzstd is as new as ``zstandard``'s own (see :func:`_direct_zstd`); else by ``zstandard``,
with one compressor per worker thread kept from frame to frame. ``compress -T 0`` of the 256 MiB
corpus went from 36,000 page faults and 157 MB peak RSS to 10,600 and 98 MB through
``zstandard`` (6,400 and 104 MB through libzstd), 3,500 of them Python's start-up.
"""

from __future__ import annotations

import functools
import os
import struct
import threading
from collections import deque

from . import _libzstd
from ._base import out_of_memory
from ._pages import PageBuffer
from ._workers import Workers

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    #: What a frame's task returns: the pieces to write, in order, and the frame's compressed size.
    Pieces = tuple[tuple[Any, ...], int]

__all__ = ["FrameWriter", "check_layout", "LAYOUTS", "DEFAULT_FRAME_SIZE", "BGZF_EOF"]

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


class _Contexts(threading.local):
    """A writer's zstd compression contexts, one per thread that compresses its frames, kept
    from frame to frame (a new one allocates and faults in its tables every frame) and freed
    with the writer (a thread's own would outlive the stream: a level-19 one holds ~100 MB)."""

    libzstd: _libzstd.FrameCompressor | None = None
    zstandard: Any = None


def _zstd_direct(
    contexts: _Contexts, level: int, src: PageBuffer, size: int, out: PageBuffer | None, head: int
) -> Pieces:
    """A zstd frame compressed by libzstd from ``src`` into ``out``, after ``head`` bytes left
    for the pzstd marker (0: none): one piece, a view of ``out``."""
    assert out is not None
    compressor = contexts.libzstd
    if compressor is None:
        compressor = contexts.libzstd = _libzstd.new_compressor()
        if compressor is None:  # hidden after the writer chose libzstd (the tests' switch): as if absent
            return _zstd_frame(contexts, level, src, size, out, head)
    got, error = compressor.compress(level, src.address, size, out.address + head, len(out) - head)
    if error == _libzstd.MEMORY_ALLOCATION:
        raise out_of_memory("zstd frame compressor", f"tables for a {size}-byte frame at level {level}")
    if error:
        from ..errors import ArrowIOError

        raise ArrowIOError(f"zstd: compressing a {size}-byte frame failed: {compressor.error_name(error)}")
    if head:
        _PZSTD.pack_into(out.view, 0, 0x184D2A50, 4, got)
    return (out.view[: head + got],), got


def _zstd_frame(
    contexts: _Contexts, level: int, src: PageBuffer, size: int, out: PageBuffer | None, head: int
) -> Pieces:
    """A zstd frame by ``zstandard``, after its pzstd marker if ``head``."""
    compressor = contexts.zstandard
    if compressor is None:
        import zstandard

        from ._zstd import backend_level

        compressor = zstandard.ZstdCompressor(level=backend_level(level), write_checksum=True, write_content_size=True)
        contexts.zstandard = compressor
    frame = compressor.compress(src.view[:size])
    return ((_PZSTD.pack(0x184D2A50, 4, len(frame)), frame) if head else (frame,)), len(frame)


def _gzip_member(level: int, src: PageBuffer, size: int, out: PageBuffer | None, head: int) -> Pieces:
    from ._deflate import crc32, deflate_block

    view = src.view[:size]
    body = deflate_block(level, view, b"", True)
    member = _GZIP_HEADER + body + struct.pack("<II", crc32()(view, 0), size & 0xFFFFFFFF)
    return (member,), len(member)


def _bgzf_blocks(level: int, src: PageBuffer, size: int, out: PageBuffer | None, head: int) -> Pieces:
    from ._deflate import crc32, deflate_block

    crc = crc32()
    pieces = []
    view = src.view[:size]
    for start in range(0, size, BGZF_BLOCK):
        block = view[start : start + BGZF_BLOCK]
        body = deflate_block(level, block, b"", True)
        bsize = _BGZF_HEADER.size + len(body) + 8
        pieces.append(_BGZF_HEADER.pack(b"\x1f\x8b\x08\x04", 0, 0, 0xFF, 6, 66, 67, 2, bsize - 1))
        pieces.append(body)
        pieces.append(struct.pack("<II", crc(block, 0), len(block)))
    blocks = b"".join(pieces)
    return (blocks,), len(blocks)


def _direct_zstd() -> bool:
    """Whether zstd frames are compressed by the system libzstd (into reused memory): where it
    loads and is at least as new as the one inside ``zstandard``, else by ``zstandard``. Newer
    releases compress better: on the 256 MiB corpus, libzstd 1.5.4's -3 frames are 0.9 % larger
    than 1.5.7's (for 6 % less CPU), and a new build must not make the files it writes larger."""
    found = _libzstd.version()
    if found is None or os.environ.get("ARROWIO_NO_LIBZSTD"):
        return False
    import zstandard

    major, minor, patch = zstandard.ZSTD_VERSION
    return found >= major * 10000 + minor * 100 + patch


def check_layout(fmt: str, layout: str, frame_size: int | None) -> int:
    """The frame size for ``fmt`` in ``layout`` (``frame_size``, or the default); ValueError
    where the layout is not for the format or the size is out of range."""
    if fmt not in LAYOUTS.get(layout, ()):
        raise ValueError(
            f"the {layout!r} layout is for {' and '.join(LAYOUTS.get(layout, ())) or 'no format'}, not {fmt}"
        )
    frame_size = DEFAULT_FRAME_SIZE[layout][fmt] if frame_size is None else frame_size
    if frame_size < 1 or (layout == "seekable" and frame_size > 1 << 30):
        raise ValueError(
            f"frame size must be 1 byte to {'1 GiB' if layout == 'seekable' else 'any size'}, got {frame_size}"
        )
    return frame_size


class FrameWriter:
    """Writes what it is given into ``write`` as independent frames of ``fmt`` in ``layout`` (see
    the module doc), compressed by ``threads`` workers (0: in the writing thread; -1: one per
    core). The writer of a :class:`arrowio.CompressedOutputStream` with a layout.

    Input comes by :meth:`write` (copied into the frame being gathered) or by filling the view
    :meth:`input_view` gives and then calling :meth:`commit`. Compressed frames go to ``write``
    in order as they are done, as views of buffers that are reused once ``write`` returns, unless
    ``keeps_views`` says that ``write`` may keep what it is given (then as copies).
    """

    def __init__(
        self,
        write: Callable[[Any], Any],
        fmt: str,
        level: int,
        layout: str = "frames",
        threads: int = -1,
        frame_size: int | None = None,
        keeps_views: bool = False,
    ) -> None:
        frame_size = check_layout(fmt, layout, frame_size)
        self._write = write
        self._keeps_views = keeps_views
        self._layout = layout
        self._level = level
        self._frame_size = frame_size
        # The pzstd marker before each zstd frame of the 'frames' layout, written into the frame's buffer.
        self._head = _PZSTD.size if layout == "frames" and fmt == "zstd" else 0
        self._task: Callable[..., Pieces]
        self._out_size = 0  # of an output buffer; 0: the task makes its own bytes
        if layout == "bgzf":
            self._task = _bgzf_blocks
        elif fmt == "gzip":
            self._task = _gzip_member
        elif _direct_zstd():
            self._task = functools.partial(_zstd_direct, _Contexts())
            self._out_size = self._head + _libzstd.compress_bound(frame_size)
        else:
            self._task = functools.partial(_zstd_frame, _Contexts())
        if threads < 0:
            threads = os.cpu_count() or 1
        self._pool = Workers(threads, "arrowio-frames") if threads > 0 else None
        # Frames handed on and not yet written: one per worker. The frame submitted beyond that
        # waits, queued, for the first worker that is free (the writer waits for the oldest frame
        # then, and refills its buffer), so no worker idles for want of a frame as long as filling
        # one is quicker than compressing one. More holds and faults in more memory: two per
        # worker took `compress -T 0` (2 cores) to 192 MB peak RSS and 50,000 page faults.
        self._limit = max(threads, 1)
        # (input size, its task, its input buffer, its output buffer) of the frames handed on, in order.
        self._pending: deque[tuple[int, Any, PageBuffer, PageBuffer | None]] = deque()
        self._buffer: PageBuffer | None = None  # the frame being gathered, filled up to _fill
        self._fill = 0
        # Buffers whose frames are written, for later frames: their pages stay mapped and warm.
        self._spare_in: list[PageBuffer] = []
        self._spare_out: list[PageBuffer] = []
        self._sizes: list[tuple[int, int]] = []  # (compressed, decompressed) of every frame: the seek table
        self._encoded = 0
        self._finished = False

    @property
    def encoded(self) -> int:
        """Input bytes taken into frames so far."""
        return self._encoded

    def write(self, data: Any) -> int:
        """Take ``data`` (any bytes-like object; copied, so the caller may reuse it); returns its length."""
        view = memoryview(data).cast("B")
        start, end = 0, len(view)
        while start < end:
            target = self.input_view(end - start)
            take = len(target)
            target[:] = view[start : start + take]
            start += take
            self.commit(take)
        return end

    def input_view(self, nbytes: int = -1) -> memoryview:
        """Where the next input goes: at most ``nbytes`` (-1: any number) writable bytes of the
        frame being gathered, up to its end. Fill a part of it, then :meth:`commit` that part;
        the view must not be used after that."""
        if self._finished:
            raise ValueError("write to a finished compressed stream")
        if self._buffer is None:
            self._buffer = self._spare_in.pop() if self._spare_in else self._new_buffer(self._frame_size)
        room = self._frame_size - self._fill
        if 0 <= nbytes < room:
            room = nbytes
        return self._buffer.view[self._fill : self._fill + room]

    @property
    def room(self) -> int:
        """The most :meth:`commit` takes now: what is left of the frame :meth:`input_view` began."""
        return 0 if self._buffer is None else self._frame_size - self._fill

    def commit(self, nbytes: int) -> None:
        """Take the first ``nbytes`` of the view :meth:`input_view` gave as input."""
        if not 0 <= nbytes <= self.room:
            raise ValueError(f"commit of {nbytes} bytes: more than the view from input_view() holds")
        self._fill += nbytes
        self._encoded += nbytes
        if self._fill == self._frame_size:
            self._submit()
        self._collect(wait_all=False)

    def _new_buffer(self, length: int) -> PageBuffer:
        """A buffer for a frame; the first frame's start stays on small pages: the input may be small."""
        return PageBuffer(length, small_head=not (self._pending or self._sizes))

    def _submit(self) -> None:
        """Hand the frame gathered so far to a worker (or compress it here, without workers)."""
        buffer = self._buffer if self._buffer is not None else PageBuffer(0)  # an empty input's frame
        size = self._fill
        self._buffer, self._fill = None, 0
        out = None
        if self._out_size:
            out = self._spare_out.pop() if self._spare_out else self._new_buffer(self._out_size)
        args = (self._level, buffer, size, out, self._head)
        task = _Ready(self._task(*args)) if self._pool is None else self._pool.submit(self._task, *args)
        self._pending.append((size, task, buffer, out))

    def _collect(self, wait_all: bool) -> None:
        """Write the frames that are done, in order (all of them if ``wait_all``, and the oldest
        while more than the limit are in flight)."""
        pending = self._pending
        while pending and (wait_all or len(pending) > self._limit or pending[0][1].done()):
            size, task, buffer, out = pending.popleft()
            pieces, compressed = task.result()
            if len(buffer) == self._frame_size:  # its task is done with it (not an empty input's)
                self._spare_in.append(buffer)
            for piece in pieces:
                self._write(bytes(piece) if self._keeps_views and isinstance(piece, memoryview) else piece)
            if out is not None:  # written: free for a later frame
                self._spare_out.append(out)
            self._sizes.append((compressed, size))

    def flush(self) -> None:
        """Write everything so far, ended as a (short) frame: decodable by a reader of the output so far."""
        if self._fill:
            self._submit()
        self._collect(wait_all=True)

    def finish(self) -> None:
        """Write the last frame and the layout's end (BGZF's end block, the seek table); stop the workers."""
        if self._finished:
            return
        self._finished = True
        try:
            if self._fill or (not self._sizes and not self._pending and self._layout != "bgzf"):
                self._submit()  # an empty input still makes one (empty) frame
            self._collect(wait_all=True)
            if self._layout == "bgzf":
                self._write(BGZF_EOF)
            elif self._layout == "seekable":
                from ._frametable import seek_table_bytes

                self._write(seek_table_bytes(self._sizes))
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Stop the workers (after finish, or when the stream is given up: nothing more is written)."""
        self._finished = True
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown()


class _Ready:
    """A frame compressed in the writing thread, shaped like a finished task."""

    __slots__ = ("_value",)

    def __init__(self, value: Pieces) -> None:
        self._value = value

    def done(self) -> bool:
        return True

    def result(self) -> Pieces:
        return self._value
