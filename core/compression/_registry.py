"""The one table of compression formats, and detection.

Each :class:`Format` row says everything the rest of the library needs to know about a format:
its extensions, its magic bytes, its compression levels, the Python backends it needs (with
the command that installs them) and the module that implements it. Adding a format is one row
here plus one module in this package.

Detection order, stated once (:func:`resolve`):

1. an explicit format name wins (``compression='gzip'`` decodes as gzip whatever the content);
2. with ``'detect'``, a known magic number at the start of the content wins (a zstd file named
   ``.gz`` decodes as zstd, as ``zstd -d`` and ``gzip -d`` also go by magic);
3. otherwise the extension decides (the only way to recognise brotli, which has no magic);
4. an extension that names a format whose magic the content lacks is an error
   ("not in gzip format"), never a silent pass-through; no extension and no magic means
   the data is not compressed.

Nothing here imports a backend: :func:`is_available` only asks the import system whether
the backend's top-level package exists.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .._records import NamedTuple
from ..errors import ArrowInvalid, ArrowIOError, ArrowNotImplementedError

__all__ = ["Format", "FORMATS", "lookup", "from_extension", "from_magic", "resolve", "MAGIC_PEEK"]


class Format(NamedTuple):
    """One compression format."""

    name: str
    extensions: tuple[str, ...]  # lower case, with the dot; checked against the end of the path
    magics: tuple[bytes, ...]  # prefixes of the content that identify the format
    levels: tuple[int, int, int] | None  # (minimum, maximum, default), or None: no levels
    backends: tuple[str, ...]  # top-level packages that must be importable
    install_hint: str  # what to run when a backend is missing
    module: str  # the implementing module in arrowio.compression
    streaming: bool = True  # False: one-shot Codec only (raw block formats)
    #: The default level of the format's own command-line tool (gzip -6, zstd -3, brotli -q 11...),
    #: which ``arrowio compress`` follows; the library's default (``levels``) follows PyArrow.
    tool_level: int | None = None
    #: The one-shot API (``Codec.compress``) writes a raw block, unframed, as PyArrow does.
    raw_block: bool = False
    #: The integrity check ``arrowio info`` reports, where every file of the format has the same
    #: one; None where it varies by file and info reads it from the headers.
    checksum: str | None = None

    @property
    def minimum_level(self) -> int:
        return self._levels()[0]

    @property
    def maximum_level(self) -> int:
        return self._levels()[1]

    @property
    def default_level(self) -> int:
        return self._levels()[2]

    def _levels(self) -> tuple[int, int, int]:
        if self.levels is None:
            raise ArrowInvalid(f"Compression codec {self.name!r} does not support a compression level")
        return self.levels

    def is_available(self) -> bool:
        """Whether every backend can be imported (imports nothing)."""
        import importlib.util  # here: decoding a file never asks, and cat starts faster without it

        return all(importlib.util.find_spec(b) is not None for b in self.backends)

    def load(self) -> ModuleType:
        """The implementing module; a missing backend raises ArrowNotImplementedError with the fix."""
        try:
            return importlib.import_module(f"arrowio.compression.{self.module}")
        except ImportError as exc:
            raise ArrowNotImplementedError(
                f"{self.name} compression needs the Python package(s) {', '.join(self.backends)}, "
                f"which could not be imported ({exc}); install with: {self.install_hint}"
            ) from exc


_PIP = "pip install"
# zstd and lz4 frames share the skippable-frame magic range 0x184D2A50..5F (little endian),
# which both decoders read through; detection gives it to zstd, whose CLI writes such frames,
# unless the name says lz4.
_SKIPPABLE = tuple(bytes((0x50 + i, 0x2A, 0x4D, 0x18)) for i in range(16))

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        # RFC 1952; .bgz is BGZF (blocked gzip, samtools/bgzip), a multi-member gzip file.
        Format(
            "gzip", (".gz", ".tgz", ".bgz"), (b"\x1f\x8b",), (1, 9, 9), (), "", "_gzip", tool_level=6, checksum="crc32"
        ),
        # "BZh" and the block size digit: a text that merely starts with "BZh" is not bz2.
        Format(
            "bz2",
            (".bz2",),
            tuple(b"BZh%d" % d for d in range(1, 10)),
            (1, 9, 9),
            (),
            "",
            "_bz2",
            tool_level=9,
            checksum="crc32",
        ),
        Format("xz", (".xz",), (b"\xfd7zXZ\x00",), (0, 9, 6), (), "", "_xz", tool_level=6),
        Format(
            "zstd",
            (".zst", ".zstd"),
            (b"\x28\xb5\x2f\xfd",) + _SKIPPABLE,
            (-131072, 22, 1),
            ("zstandard",),
            f"{_PIP} zstandard",
            "_zstd",
            tool_level=3,
        ),
        # Frame magic 0x184D2204; the legacy format (lz4 -l) has 0x184C2102.
        Format(
            "lz4",
            (".lz4",),
            (b"\x04\x22\x4d\x18", b"\x02\x21\x4c\x18"),
            (1, 12, 1),
            ("lz4",),
            f"{_PIP} lz4",
            "_lz4",
            tool_level=1,
        ),
        Format(
            "brotli", (".br",), (), (0, 11, 8), ("brotli",), f"{_PIP} brotli", "_brotli", tool_level=11, checksum="none"
        ),
        # The snappy framing format (.sz) starts with its stream identifier chunk.
        Format(
            "snappy",
            (".sz",),
            (b"\xff\x06\x00\x00sNaPpY",),
            None,
            ("snappy", "cramjam", "google_crc32c"),
            f"{_PIP} python-snappy cramjam google-crc32c",
            "_snappy",
            raw_block=True,
            checksum="crc32c (chunks)",
        ),
        Format("lz4_raw", (), (), (1, 12, 1), ("lz4",), f"{_PIP} lz4", "_lz4", streaming=False, raw_block=True),
    )
}

#: Bytes to peek at for detection: the longest magic.
MAGIC_PEEK = max(len(m) for f in FORMATS.values() for m in f.magics)

_ALIASES = {"gz": "gzip", "bzip2": "bz2", "lzma": "xz", "zst": "zstd", "br": "brotli", "lz4_frame": "lz4"}


def lookup(name: str) -> Format:
    """The format called ``name`` (case-insensitive, a few common aliases accepted)."""
    if not isinstance(name, str):
        raise TypeError(f"compression must be a str, not {type(name).__name__}")
    key = name.lower()
    key = _ALIASES.get(key, key)
    try:
        return FORMATS[key]
    except KeyError:
        raise ValueError(f"Unknown compression {name!r}; known: {', '.join(FORMATS)}") from None


def from_extension(path: object) -> Format | None:
    """The format whose extension ends ``path`` (case-insensitive), or None."""
    if path is None:
        return None
    text = str(path).lower()
    for fmt in FORMATS.values():
        if text.endswith(fmt.extensions):
            return fmt
    return None


def from_magic(head: bytes) -> Format | None:
    """The streaming format whose magic number starts ``head``, or None."""
    for fmt in FORMATS.values():
        if fmt.streaming and head.startswith(fmt.magics):
            return fmt
    return None


def resolve(compression: str | None, path: object, head: bytes | None) -> Format | None:
    """The format to decode with, following the detection order above; None: not compressed.

    ``head`` is the first bytes of the content (at least :data:`MAGIC_PEEK` unless the content
    is shorter), or None when the content cannot be peeked at.
    """
    if compression is None:
        return None
    if compression.lower() != "detect":
        fmt = lookup(compression)
        if not fmt.streaming:
            raise ValueError(f"{fmt.name} is a raw block format without framing: no stream can carry it")
        return fmt
    by_magic = from_magic(head) if head else None
    if by_magic is not None:
        if head and head.startswith(_SKIPPABLE) and (named := from_extension(path)) is not None and named.name == "lz4":
            return named  # a skippable frame first: zstd and lz4 both start so, the name decides
        return by_magic
    by_extension = from_extension(path)
    if by_extension is None or not by_extension.magics or head is None:
        return by_extension
    raise ArrowIOError(f"{path}: not in {by_extension.name} format (no {by_extension.name} magic number at offset 0)")
