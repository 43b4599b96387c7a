"""Running checksums over buffers without copying them: crc32, xxh64, sha256.

crc32 uses ISA-L's (``isal.isal_zlib.crc32``, several times zlib's speed) when ``isal`` is
installed and zlib's otherwise; both give the same value. Each backend is imported on first use.
Anything with the buffer protocol can be fed: bytes, memoryview, :class:`arrowio.Buffer`.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import ArrowInvalid, ArrowNotImplementedError

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["CHECKSUMS", "Checksum", "checksum", "crc32_backend"]

#: The names :func:`checksum` accepts, in the order the CLI lists them.
CHECKSUMS = ("none", "crc32", "xxh64", "sha256")


def crc32_backend() -> tuple[str, Callable[[Any, int], int]]:
    """The crc32 implementation in use, as ``(name, function(data, start) -> crc)``."""
    try:
        from isal import isal_zlib
    except ImportError:
        import zlib

        return "zlib", zlib.crc32
    return "isal", isal_zlib.crc32


class Checksum:
    """A running checksum: ``update(data)`` any number of times, then ``hexdigest()``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.backend = name
        self._crc = 0
        self._crc32: Callable[[Any, int], int] | None = None
        self._hash: Any = None
        if name == "crc32":
            self.backend, self._crc32 = crc32_backend()
        elif name == "xxh64":
            try:
                import xxhash
            except ImportError:
                raise ArrowNotImplementedError("xxh64 needs the xxhash package: pip install xxhash") from None
            self._hash = xxhash.xxh64()
            self.backend = "xxhash"
        elif name == "sha256":
            import hashlib

            self._hash = hashlib.sha256()
            self.backend = "hashlib"
        elif name != "none":
            raise ArrowInvalid(f"unknown checksum {name!r} (valid: {', '.join(CHECKSUMS)})")

    def update(self, data: Any) -> None:
        view = memoryview(data)
        if self._crc32 is not None:
            self._crc = self._crc32(view, self._crc)
        elif self._hash is not None:
            self._hash.update(view)

    def hexdigest(self) -> str:
        """Lower-case hex; crc32 as 8 digits (big-endian, as ``crc32`` tools print it); '' for none."""
        if self._crc32 is not None:
            return f"{self._crc:08x}"
        if self._hash is not None:
            return str(self._hash.hexdigest())
        return ""


def checksum(name: str) -> Checksum:
    """A new running checksum by name (one of :data:`CHECKSUMS`)."""
    return Checksum(name)
