"""``Codec`` and the one-shot ``compress``/``decompress`` functions (PyArrow's API, plus ``xz``)."""

from __future__ import annotations

from types import ModuleType

from ..buffer import Buffer, ResizableBuffer, _byte_view, allocate_buffer
from ..errors import ArrowInvalid, ArrowIOError
from ..memory import MemoryPool
from ._base import Decoder, Encoder, StreamHeader, out_of_memory
from ._registry import Format, from_extension, lookup

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any, Literal, overload

__all__ = ["Codec", "compress", "decompress"]

_CHUNK = 16 << 20  # decoded bytes per decoder call in one-shot decompression
_NO_LEVEL = -(2**31)  # Arrow's kUseDefaultCompressionLevel (INT_MIN), lz4_raw's reported level
_INT32 = (-(2**31), 2**31 - 1)  # a level is a C int in Arrow
_ZLIB_LEVELS = (-1, 9)  # what deflateInit2 takes: -1 is Z_DEFAULT_COMPRESSION, 0 stores


class Codec:
    """A compression format with a level: ``Codec('zstd', compression_level=3)``.

    Names: those of ``arrowio.compression.FORMATS``: gzip, bz2, xz, zstd, lz4 (frame), brotli,
    snappy (raw block), lz4_raw.
    ``compression_level`` None (or INT_MIN, Arrow's marker) means the format's default; it is
    None for snappy. As in PyArrow, a level outside ``minimum..maximum_compression_level`` is
    kept and reported as given: zstd, brotli and lz4 compress at the nearest level their
    library has, bz2 and xz streams refuse it when made (OSError), and gzip takes zlib's
    -1..9 (-1: zlib's default, 6; 0: stored) and raises OSError ("zlib deflateInit failed")
    here for anything else.
    """

    __slots__ = ("_format", "_level", "_module")

    def __init__(self, compression: str, compression_level: int | None = None) -> None:
        if compression is None:
            raise TypeError("Codec needs a compression name (str), got None")
        level = _level_argument(compression_level)
        fmt = lookup(compression)
        if level is None or level == _NO_LEVEL:  # INT_MIN is Arrow's "use the default" too
            level = fmt.levels[2] if fmt.levels else None
        elif fmt.levels is None:
            raise ArrowInvalid(f"Codec {fmt.name!r} doesn't support setting a compression level.")
        elif fmt.name == "gzip" and not _ZLIB_LEVELS[0] <= level <= _ZLIB_LEVELS[1]:
            # zlib's deflateInit2 refuses the level; Arrow makes its deflate stream here, so
            # PyArrow fails at Codec creation with this message (zlib gives no text of its own).
            raise ArrowIOError(
                f"zlib deflateInit failed: compression level {level} is outside zlib's -1..9 (-1: its default, 6)"
            )
        # Any other level is kept as given, as PyArrow keeps it: each encoder clamps it where its
        # library needs that (zstd, brotli) or refuses it when the stream is made (bz2, xz).
        self._format = fmt
        self._level = level
        self._module = fmt.load()

    # -- what the format offers (class level, nothing imported) ----------------------------------
    @staticmethod
    def is_available(compression: str) -> bool:
        """Whether the codec's backend is installed (imports nothing)."""
        return lookup(compression).is_available()

    @staticmethod
    def supports_compression_level(compression: str) -> bool:
        """Whether the codec takes a compression level."""
        return lookup(compression).levels is not None

    @staticmethod
    def default_compression_level(compression: str) -> int:
        """The level used when none is given (ValueError for codecs without levels)."""
        return lookup(compression).default_level

    @staticmethod
    def minimum_compression_level(compression: str) -> int:
        """The lowest (fastest) level (ValueError for codecs without levels)."""
        return lookup(compression).minimum_level

    @staticmethod
    def maximum_compression_level(compression: str) -> int:
        """The highest (smallest output) level (ValueError for codecs without levels)."""
        return lookup(compression).maximum_level

    @staticmethod
    def detect(path: str | Any) -> Codec:
        """The codec named by the extension of ``path``: ``Codec.detect('x.gz').name == 'gzip'``."""
        if path is None:
            raise TypeError("Codec.detect needs a path, got None")
        fmt = from_extension(path)
        if fmt is None:
            raise ValueError(f"Cannot detect a compression codec from the extension of {str(path)!r}")
        return Codec(fmt.name)

    # -- this codec ------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._format.name

    @property
    def compression_level(self) -> int | None:
        """The level; None for snappy. lz4_raw reports INT_MIN as PyArrow does (Arrow's "no
        level set" marker), though it compresses at the level it was given."""
        return _NO_LEVEL if self.name == "lz4_raw" else self._level

    @property
    def format(self) -> Format:
        """The registry row of this codec's format."""
        return self._format

    def __repr__(self) -> str:
        return f"<arrowio.Codec name={self.name} compression_level={self.compression_level}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Codec) and (self.name, self._level) == (other.name, other._level)

    def __hash__(self) -> int:
        return hash((self.name, self._level))

    def decoder(self) -> Decoder:
        """A new strict incremental decoder for this format (streaming formats only)."""
        self._check_streaming()
        return self._module.decoder()

    def encoder(self, threads: int = 0, header: StreamHeader | None = None) -> Encoder:
        """A new incremental encoder at this codec's level; ``threads`` > 0 (or -1, one per
        core) compresses zstd and gzip with that many workers, other formats ignore it.
        ``header``: what the stream records about its content where the format has room
        (zstd: the content size; gzip: name and mtime); other formats ignore it."""
        self._check_streaming()
        if threads < 0:  # one per core, as arrowio.cpu_count() counts them (set_cpu_count lowers it)
            from ..threads import cpu_count

            threads = cpu_count()
        if header is not None and getattr(self._module, "RECORDS", None):
            return self._module.encoder(self._level, threads, header)
        return self._module.encoder(self._level, threads)

    def _check_streaming(self) -> None:
        if not self._format.streaming:
            raise ValueError(f"{self.name} is a raw block format: it has one-shot compress/decompress only")

    if TYPE_CHECKING:  # overloads for type checkers; typing is not imported at run time

        @overload
        def compress(
            self, buf: Any, asbytes: Literal[False] = ..., memory_pool: MemoryPool | None = ...
        ) -> ResizableBuffer: ...
        @overload
        def compress(self, buf: Any, asbytes: Literal[True], memory_pool: MemoryPool | None = ...) -> bytes: ...
        @overload
        def compress(self, buf: Any, asbytes: bool, memory_pool: MemoryPool | None = ...) -> Buffer | bytes: ...

    def compress(
        self, buf: Any, asbytes: bool = False, memory_pool: MemoryPool | None = None
    ) -> ResizableBuffer | bytes:
        """Compress a Buffer or bytes-like object; a pool-allocated ResizableBuffer (as PyArrow's),
        or bytes if ``asbytes``."""
        data = _byte_view(buf)
        module: ModuleType = self._module
        if self._format.raw_block:
            out = module.compress_block(data, self._level)
        elif hasattr(module, "compress_oneshot"):
            out = module.compress_oneshot(data, self._level)
        else:
            encoder = self.encoder()
            out = encoder.compress(data) + encoder.finish()
        return out if asbytes else _to_pool(out, memory_pool, resizable=True)

    if TYPE_CHECKING:  # overloads for type checkers; typing is not imported at run time

        @overload
        def decompress(
            self,
            buf: Any,
            decompressed_size: int | None = ...,
            asbytes: Literal[False] = ...,
            memory_pool: MemoryPool | None = ...,
        ) -> Buffer: ...
        @overload
        def decompress(
            self, buf: Any, decompressed_size: int | None, asbytes: Literal[True], memory_pool: MemoryPool | None = ...
        ) -> bytes: ...
        @overload
        def decompress(
            self, buf: Any, decompressed_size: int | None, asbytes: bool, memory_pool: MemoryPool | None = ...
        ) -> Buffer | bytes: ...

    def decompress(
        self,
        buf: Any,
        decompressed_size: int | None = None,
        asbytes: bool = False,
        memory_pool: MemoryPool | None = None,
    ) -> Buffer | bytes:
        """Decompress everything in ``buf`` (all members/frames/streams, checked strictly).

        ``decompressed_size`` is required for lz4_raw (a raw block does not record it) and
        otherwise optional: when given, decoding more than that is an error, and the result
        still has the true decoded length.
        """
        data = _byte_view(buf)
        if decompressed_size is not None:
            decompressed_size = int(decompressed_size)
            if decompressed_size < 0:
                raise ValueError(f"decompressed_size must be non-negative, got {decompressed_size}")
        if self.name == "lz4_raw":
            if decompressed_size is None:
                raise ValueError("lz4_raw needs decompressed_size: a raw LZ4 block does not record it")
            out = self._module.decompress_block(data, decompressed_size)
            return out if asbytes else _to_pool(out, memory_pool)
        if self._format.raw_block:  # a framed block that records its size (snappy)
            out = self._module.decompress_block(data, decompressed_size)
            return out if asbytes else _to_pool(out, memory_pool)
        decoder = self.decoder()
        if asbytes:
            pieces = list(_decode_all(decoder, data, decompressed_size))
            try:
                return b"".join(pieces)
            except MemoryError:
                size = sum(map(len, pieces))
                raise out_of_memory(f"{self.name} decompress", f"asked for {size} bytes to join its output") from None
        return _decode_into_pool(decoder, data, decompressed_size, memory_pool)


def _level_argument(value: Any) -> int | None:
    """``compression_level`` as PyArrow converts it to a C int: None stays None, a number is
    truncated to an int, a string is a TypeError, beyond 32 bits an OverflowError."""
    if value is None:
        return None
    if isinstance(value, (str, bytes, bytearray)):
        raise TypeError(f"an integer is required for compression_level, got {type(value).__name__}")
    level = int(value)
    if not _INT32[0] <= level <= _INT32[1]:
        raise OverflowError(f"value too large to convert to int: compression_level={level}")
    return level


def _decode_all(decoder: Decoder, data: memoryview, limit: int | None) -> Any:
    """Yield the decoded pieces of ``data``; raise once their total passes ``limit``."""
    total = 0
    out = decoder.decode(data, _CHUNK)
    while True:
        if out:
            total += len(out)
            _check_size(decoder.format, total, limit)
            yield out
        if decoder.needs_input:
            break
        out = decoder.decode(b"", _CHUNK)
    decoder.finish()


def _decode_into_pool(decoder: Decoder, data: memoryview, limit: int | None, pool: MemoryPool | None) -> Buffer:
    capacity = limit if limit is not None else max(4 * len(data), 64 * 1024)
    result = allocate_buffer(capacity, pool, resizable=True)
    size = 0
    for piece in _decode_all(decoder, data, limit):
        if size + len(piece) > capacity:
            capacity = max(2 * capacity, size + len(piece))
            result._resize(capacity, False, zero_fill=False)  # overwritten by what follows
        result._memview()[size : size + len(piece)] = piece
        size += len(piece)
    result.resize(size, shrink_to_fit=True)
    return result._frozen()


def _check_size(name: str, size: int, limit: int | None) -> None:
    if limit is not None and size > limit:
        raise ArrowIOError(f"{name}: data decodes to more than decompressed_size={limit} bytes")


def _to_pool(data: bytes, pool: MemoryPool | None, resizable: bool = False) -> Any:
    result = allocate_buffer(len(data), pool, resizable=resizable)
    if data:
        result._memview()[:] = data
    return result


def _codec(codec: str | Codec) -> Codec:
    return codec if isinstance(codec, Codec) else Codec(codec)


def compress(buf: Any, codec: str | Codec = "lz4", asbytes: bool = False, memory_pool: MemoryPool | None = None) -> Any:
    """Compress ``buf`` with ``codec`` (a name or a Codec); see :meth:`Codec.compress`."""
    return _codec(codec).compress(buf, asbytes=asbytes, memory_pool=memory_pool)


def decompress(
    buf: Any,
    decompressed_size: int | None = None,
    codec: str | Codec = "lz4",
    asbytes: bool = False,
    memory_pool: MemoryPool | None = None,
) -> Any:
    """Decompress ``buf`` with ``codec`` (a name or a Codec); see :meth:`Codec.decompress`."""
    return _codec(codec).decompress(buf, decompressed_size, asbytes=asbytes, memory_pool=memory_pool)
