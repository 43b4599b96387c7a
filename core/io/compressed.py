"""CompressedInputStream and CompressedOutputStream: NativeFiles that decode or encode a raw stream.

Both accept a NativeFile, a path or a Python file object, are not seekable (except files of
independent frames: see CompressedInputStream), and close the raw stream when they are closed. The formats, their detection and their strictness are those of
:mod:`arrowio.compression`; the reading and writing run through the bounded, threaded
:mod:`arrowio.compression._stream` machinery, so a stream holds a bounded amount of decoded
data whatever the compression ratio.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..compression._access import open_access
from ..compression._base import StreamHeader
from ..compression._registry import FORMATS, MAGIC_PEEK, Format, from_extension, lookup, resolve
from ..compression._sequence import SequenceDecoder
from ..compression._sizehint import first_piece
from ..compression._stream import OUT_CHUNK, DecodingReader, EncodingWriter
from ..compression._whole import WholeReader
from ..compression._whole import decode as decode_whole
from ..compression.codec import Codec
from ..errors import ArrowInvalid, ArrowNotImplementedError
from ..memory import MemoryPool
from ._sources import open_raw
from ._sources import path_of as _path_of
from .native_file import NativeFile

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["CompressedInputStream", "CompressedOutputStream"]


def _open(source: Any, direction: str, storage_options: Mapping[str, Any] | None) -> tuple[NativeFile, str | None]:
    """The raw NativeFile for ``source`` and its path (None unless ``source`` is a path)."""
    raw = open_raw(source, direction, storage_options)
    return raw.stream, raw.path


def _check_name(compression: Any) -> str:
    """``compression`` as a name; ``'auto'`` is taken as ``'detect'`` (both mean detection here).

    Not a str (None included) is a TypeError, as PyArrow raises it.
    """
    if not isinstance(compression, str):
        raise TypeError(f"compression must be a codec name or 'detect', got {compression!r}")
    fmt = FORMATS.get(compression.lower())
    if fmt is not None and not fmt.streaming:  # NotImplementedError, as PyArrow raises it
        raise ArrowNotImplementedError(f"{fmt.name} is a raw block format: streaming (de)compression is unsupported")
    return "detect" if compression.lower() == "auto" else compression


#: The default-level Codec of each format, made once: a Codec is immutable, and making one per
#: stream (a registry lookup and a module import check) was a tenth of the cost of opening a
#: small file.
_CODECS: dict[str, Codec] = {}


def _default_codec(fmt: Format) -> Codec:
    codec = _CODECS.get(fmt.name)
    if codec is None:
        codec = _CODECS[fmt.name] = Codec(fmt.name)
    return codec


def _decoder_for(fmt: Format) -> Any:
    """A new decoder for ``fmt`` (a stream that follows another in a sequence)."""
    return _default_codec(fmt).decoder()


class CompressedInputStream(NativeFile):
    """Decompresses ``stream`` (a NativeFile, path, URL or Python file) as ``compression``.

    ``compression`` is a format name (gzip, bz2, brotli, lz4, zstd, snappy (framing format),
    xz) or ``'detect'`` (also spelled ``'auto'``), which goes by magic number, then by the
    extension of a path source (PyArrow has no detection here and refuses the name).
    ``storage_options`` go to the filesystem of a URL. ``sequence`` (default: when detecting)
    decodes streams of other formats that follow the first one, each by its magic number, as
    ``zstd -d`` reads ``cat a.gz b.zst``; data with no known magic after a stream stays an error.
    ``read(n)`` returns at most n bytes. Corrupt or truncated data raises ArrowIOError naming
    the format and the compressed offset, after the data decoded before the fault was read.

    A seekable zstd or gzip file of independent frames is decoded on all cores (``threaded``)
    when its frames are known without decoding: zstd's seekable format, the frame sizes that
    ``pzstd`` records, BGZF (with its ``.gzi`` index when present), or an index saved beside the
    file by :func:`arrowio.compression.build_index`. Where the decoded size of every frame is
    known too, the stream is ``seekable()``: ``seek``, ``size`` and ``read_at`` decode only the
    frames they need; ``read_at`` decodes the frame its range ends inside only as far as that,
    so it verifies that frame's checksum only if it decodes the frame's last block (as zstd's
    seekable library does). A local gzip file with a checkpoint index beside it
    (:func:`arrowio.compression.build_gzip_index`, through rapidgzip) is seekable too. Those two
    indexes are looked for beside files larger than 256 KiB only: a smaller local file is read
    whole when opened and decoded from memory, sooner than an index could be opened.
    """

    def __init__(
        self,
        stream: Any,
        compression: str,
        *,
        memory_pool: MemoryPool | None = None,
        threaded: bool = True,
        storage_options: Mapping[str, Any] | None = None,
        sequence: bool | None = None,
    ) -> None:
        name = _check_name(compression)
        detect = name.lower() == "detect"
        raw, path = _open(stream, "r", storage_options)
        try:
            head = raw.peek(MAGIC_PEEK) if detect else None
            fmt: Format | None = resolve(name, path, head)
            if fmt is None:
                raise ArrowInvalid(f"cannot detect a compression format for {path or type(stream).__name__}")
            self._decode(raw, fmt, path, threaded, detect if sequence is None else sequence)
        except BaseException:
            if raw is not stream:
                raw.close()
            raise
        super().__init__("rb", seekable=self._access is not None, memory_pool=memory_pool)

    @classmethod
    def _over(cls, raw: NativeFile, fmt: Format, sequence: bool) -> CompressedInputStream:
        """A stream decoding ``raw``, an open readable NativeFile, as ``fmt``, already resolved:
        what ``input_stream`` makes, without checking and resolving everything a second time.
        ``raw`` is the caller's to close if this fails."""
        self = cls.__new__(cls)
        self._decode(raw, fmt, None, True, sequence)
        NativeFile.__init__(self, "rb", seekable=self._access is not None)
        return self

    def _decode(self, raw: NativeFile, fmt: Format, path: str | None, threaded: bool, sequence: bool) -> None:
        """Set up the decoding of ``raw`` (the one way both constructors take)."""
        self._codec = _default_codec(fmt)
        self._raw = raw
        # A small local file is read whole, once (the detection peek may have done it already):
        # frame-table detection and the decoder then work on memory.
        read_whole = getattr(raw, "_read_whole", None)
        if read_whole is not None:
            read_whole()
        snapshot = getattr(raw, "_snapshot", None)
        whole = snapshot() if snapshot is not None else None
        if whole is not None:
            decoded = decode_whole(fmt, whole)
            if decoded is not None:
                # One frame or member, exactly: no frame table, no other stream after it.
                raw._take_ahead(len(whole))  # consumed, as the stream would have read it
                self._access: Any = None
                self._reader: DecodingReader | WholeReader = WholeReader(decoded)
                return
        # An index saved beside the file is looked for by its path (also for an OSFile given).
        named = path if path is not None else getattr(raw, "path", None)
        reader, self._access = open_access(
            raw, fmt.name, os.fsdecode(named) if named is not None else None, threaded, whole, sequence
        )
        if reader is None:
            decoder = self._codec.decoder()
            if sequence:
                decoder = SequenceDecoder(decoder, _decoder_for)
            first = OUT_CHUNK if whole is None else first_piece(fmt.name, whole, OUT_CHUNK)
            regular = getattr(raw, "_regular", False)  # an OSFile of a regular file: its reads never wait
            reader = DecodingReader(raw.read1, decoder, threaded=threaded, first_piece=first, read_ahead=regular)
        self._reader = reader

    @property
    def codec(self) -> Codec:
        """The codec decoding this stream."""
        return self._codec

    @property
    def raw(self) -> NativeFile:
        """The compressed stream below."""
        return self._raw

    @property
    def compressed_read(self) -> int | None:
        """Compressed bytes decoded or in flight, where the stream reads by frames (positional
        reads leave ``raw.tell()`` at 0); None otherwise."""
        return getattr(self._reader, "compressed_read", None)

    def read_view(self, nbytes: int) -> memoryview | bytes:
        """Up to ``nbytes`` decoded bytes as :meth:`read1` gives them (b"" only at the end), but
        without its copy where the reader owns the memory (frames decoded into a ring of reused
        buffers): then a view valid only until the next read of this stream. arrowio only."""
        if not self._rd:
            self._refuse("readable")
        if self._ahead:
            return self._take_ahead(nbytes)
        read_view = getattr(self._reader, "read_view", None)
        return read_view(nbytes) if read_view is not None else self._reader.read1(nbytes)

    @property
    def decode_ahead(self) -> bool | None:
        """Whether a stream decoded piece by piece decodes ahead of the reads in a background
        thread, overlapping the caller's work: None (the default) decides by measuring the
        caller's time between reads, True decodes ahead (from the third piece) whatever it
        measures, as for a caller that writes each piece to a pipe, False never, as for one
        that does nothing with it. Streams decoded otherwise (whole, or frames on all cores)
        ignore it. arrowio only."""
        return getattr(self._reader, "ahead", None)

    @decode_ahead.setter
    def decode_ahead(self, ahead: bool | None) -> None:
        if hasattr(self._reader, "ahead"):
            self._reader.ahead = ahead

    def _readinto(self, view: memoryview) -> int:
        return self._reader.readinto(view)

    def _read_chunk(self, nbytes: int) -> bytes:
        return self._reader.read1(nbytes)

    def _read_bytes(self, nbytes: int) -> bytes:
        return self._reader.read(nbytes)

    def _read_all(self) -> bytes:
        return self._reader.read(-1)

    def _tell(self) -> int:
        return self._reader.position

    # -- random access: files whose frames are known (see arrowio.compression._framescan) --------
    def _seek(self, position: int) -> None:
        self._reader.close()
        self._reader = self._access.reader(position)

    def _size(self) -> int:
        if self._access is None:
            return super()._size()  # UnsupportedOperation, as for any stream
        return self._access.size

    def _readinto_at(self, view: memoryview, offset: int) -> int:
        return self._access.readinto_at(view, offset)

    def _close(self) -> None:
        try:
            self._reader.close()
            if self._access is not None:
                self._access.close()
        finally:
            self._raw.close()

    def __repr__(self) -> str:
        return f"<arrowio.CompressedInputStream codec={self._codec.name} closed={self.closed}>"


class _CountingWrite:
    """``write`` that counts the bytes it passed on (after each write: only what was taken)."""

    __slots__ = ("_write", "count")

    def __init__(self, write: Any) -> None:
        self._write = write
        self.count = 0

    def __call__(self, data: Any) -> Any:
        result = self._write(data)
        self.count += len(data)
        return result


class CompressedOutputStream(NativeFile):
    """Compresses what is written into ``stream`` (a NativeFile, path, URL or Python file).

    ``compression`` is a format name, or ``'detect'`` to take it from the extension of a path.
    ``storage_options`` go to the filesystem of a URL.
    ``compression_level`` as for :class:`arrowio.Codec`; ``threads`` > 0 compresses zstd and
    gzip with that many workers (-1: one per core; gzip then works as pigz does), 0 in the
    writing thread alone. ``header`` (an :class:`arrowio.compression.StreamHeader`) is what
    the stream records about its content where the format has room: zstd the content size,
    gzip the original name and mtime. ``compressed_size`` counts the bytes handed to
    ``stream`` so far, ``encoded_size`` the bytes compressed so far. ``layout`` writes independent frames of ``frame_size`` input bytes
    (default 16 MiB for zstd frames, 4 MiB otherwise), compressed by ``threads`` workers:
    ``'frames'`` (zstd frames as pzstd writes them, or gzip members), ``'seekable'`` (zstd's
    seekable format) or ``'bgzf'`` (gzip's BGZF); frames record no ``header``. ``flush()`` makes everything written so far
    decodable (a sync flush, for formats that have one); ``close()`` ends the compressed
    stream and closes ``stream``; ``abort()`` gives it up without ending it. The arguments are
    checked before a path is opened, so a refused one leaves an existing file as it was.
    A write to ``stream`` that fails (a full disk) fails this stream for good: later writes,
    flushes and the close raise the same error, and the close aborts ``stream`` as
    :meth:`abort` does, so compressed data with a hole never closes as complete.
    """

    def __init__(
        self,
        stream: Any,
        compression: str,
        compression_level: int | None = None,
        *,
        threads: int = 0,
        layout: str | None = None,
        frame_size: int | None = None,
        memory_pool: MemoryPool | None = None,
        threaded: bool = True,
        storage_options: Mapping[str, Any] | None = None,
        header: StreamHeader | None = None,
    ) -> None:
        name = _check_name(compression)
        # Everything that can refuse the arguments runs before the sink is opened: a bad codec,
        # level or format must not truncate an existing file.
        path = _path_of(stream)
        if name.lower() == "detect":
            fmt = from_extension(path)
            if fmt is None:
                raise ArrowInvalid(f"cannot detect a compression format from {path or type(stream).__name__}")
        else:
            fmt = lookup(name)
        codec = Codec(fmt.name, compression_level)
        if layout is None:
            encoder = codec.encoder(threads, header)
        else:
            from ..compression._framewrite import FrameWriter, check_layout  # not imported by readers

            frame_size = check_layout(fmt.name, layout, frame_size)
        raw, _ = _open(stream, "w", storage_options)
        try:
            self._codec = codec
            self._raw = raw
            # Not a bound method: the writer must not keep this stream alive (its finalizer ends it).
            self._counter = _CountingWrite(raw.write)
            if layout is None:
                self._writer: Any = EncodingWriter(self._counter, encoder, threaded=threaded)
            else:
                # Frames have workers of their own: no encoding thread in front of them. The frames
                # leave as views of reused memory, copied only for a Python file, which may keep them.
                from .python_file import PythonFile  # here: it imports select, which cat does not need

                assert codec.compression_level is not None
                self._writer = FrameWriter(
                    self._counter, fmt.name, codec.compression_level, layout, threads, frame_size,
                    keeps_views=isinstance(raw, PythonFile),
                )  # fmt: skip
        except BaseException:
            if raw is not stream:
                raw.abort()  # a remote write must not publish an empty object
            raise
        self._written = 0
        self._owns_raw = True  # closed after the end of the compressed data, aborted by abort()
        super().__init__("wb", seekable=False, memory_pool=memory_pool)
        self._hold(raw)

    @property
    def codec(self) -> Codec:
        """The codec encoding this stream."""
        return self._codec

    @property
    def raw(self) -> NativeFile:
        """The stream the compressed bytes go to."""
        return self._raw

    @property
    def compressed_size(self) -> int:
        """Compressed bytes written to the raw stream so far (all of them once closed)."""
        return self._counter.count

    @property
    def encoded_size(self) -> int:
        """Bytes written to this stream that the encoder has compressed so far; with a
        background thread, those still queued for it are not counted (a progress measure)."""
        return self._writer.encoded

    def _write(self, view: memoryview) -> None:
        self._written += self._guarded(self._writer.write, view)

    def input_view(self, nbytes: int = -1) -> memoryview | None:
        """Memory for the next input, to fill in place of a :meth:`write` (``readinto`` from a
        file: the input lands where the compressor reads it, with no copy): at most ``nbytes``
        writable bytes (-1: any number), or None where this stream has no such memory (only the
        independent frames of a ``layout`` have it). Fill a part, then :meth:`commit` it; the
        view must not be used after that. arrowio only."""
        if not self._wr:
            self._refuse("writable")
        input_view = getattr(self._writer, "input_view", None)
        return None if input_view is None else self._guarded(input_view, nbytes)

    def commit(self, nbytes: int) -> None:
        """Take the first ``nbytes`` of the view :meth:`input_view` gave as written, as
        ``write`` of them would. arrowio only."""
        if not self._wr:
            self._refuse("writable")
        commit = getattr(self._writer, "commit", None)
        if commit is None:  # commit(0) passes the room check below; refuse it as the others
            raise ValueError("commit without input memory: this stream's input_view() gives None; use write()")
        room = self._writer.room
        if not 0 <= nbytes <= room:  # the caller's mistake: refused, and the stream stays usable
            raise ValueError(f"commit of {nbytes} bytes: the view from input_view() held at most {room}")
        self._guarded(commit, nbytes)
        self._written += nbytes

    def _flush(self) -> None:
        if not self._writer_done:
            self._guarded(self._writer.flush)
        self._guarded(self._raw.flush)

    def _guarded(self, call: Any, *args: Any) -> Any:
        """Call the encoder or ``raw``; after a failure of either, only that failure is raised."""
        if self._failure is not None:
            raise self._failure
        try:
            return call(*args)
        except BaseException as exc:
            self._failure = exc
            raise

    _writer_done = False
    _finish_failed = False
    _failure: BaseException | None = None  # the error that lost compressed bytes

    def close(self) -> None:
        """End the compressed stream, then close the raw stream (also when ending failed).

        Closed by a ``with`` block that ends in an exception, the stream is aborted instead
        (see :meth:`abort`): an interrupted write never looks complete.
        """
        if self.closed:
            return
        failure = self._failure
        if failure is not None:
            self.abort()
            raise failure
        try:
            self._writer.finish()
        except BaseException:
            self._writer.abandon()
            self._finish_failed = True
            raise
        finally:
            self._writer_done = True
            super().close()

    def abort(self) -> None:
        """Give the stream up: stop the encoder (and its thread) without ending the compressed
        stream, so no final frame, trailer or index is written, then abort the raw stream where
        it can be (a remote write publishes nothing) or close it as it is.

        What was written before stays in the raw stream but never decodes as a complete stream
        (a decoder reports it truncated), except in snappy's framing format, which has no end
        marker. Harmless on a closed stream.
        """
        if self.closed:
            return
        try:
            self._writer.abandon()
        finally:
            self._writer_done = True
            self._finish_failed = True
            super().close()

    def _close_interrupted(self, dropped: bool) -> None:
        # A with block that raised aborts (an interrupted write never looks complete); a stream
        # dropped unclosed ends its compressed data as close() does, and the stream below is
        # told it was dropped (an upload then publishes nothing).
        if not dropped:
            self.abort()
            return
        self._interrupted = dropped
        self.close()

    def _tell(self) -> int:
        return self._written

    def _close(self) -> None:
        self._let_go()
        if not self._owns_raw:
            return
        if self._finish_failed:
            self._raw.abort()  # a remote write must not publish a truncated stream
        else:
            self._close_owned(self._raw)

    def __repr__(self) -> str:
        return f"<arrowio.CompressedOutputStream codec={self._codec.name} closed={self.closed}>"
