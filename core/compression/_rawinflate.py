"""Raw inflate from a checkpoint of a deflate stream: a 32 KiB window and the bits of a byte.

A checkpoint (zlib's zran, indexed_gzip) is a block boundary, possibly inside a byte: the block
starts ``bits`` bits before the byte at its compressed offset, in that previous byte's high bits.
Shifting the bytes into alignment does not work (a stored block pads to the boundaries of the
original bytes), so the decoder must be primed with those bits, which Python's bindings cannot do.

ISA-L decodes here, through ctypes: python-isal (a dependency) exports ``isal_inflate`` from its
extension, and ISA-L primes bits by its public ``read_in``/``read_in_length`` fields (as
rapidgzip does). It inflates 2.5 times faster than zlib on the 256 MiB corpus, which is what a
read from a checkpoint costs. Without python-isal, the zlib that CPython's ``zlib`` module loads
does it, with ``inflatePrime``. ctypes releases the GIL while either works.
"""

from __future__ import annotations

import ctypes
from functools import cache

from ._base import corrupt
from ._clib import load_library

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, Protocol

    class Inflater(Protocol):
        ended: bool

        def feed(self, data: Any, end: int, wanted: int) -> Iterator[memoryview]: ...

        def close(self) -> None: ...


__all__ = ["inflater"]

_OUT = 1 << 20  # decoded bytes per inflate call


def inflater(window: bytes, bits: int, value: int) -> Inflater:
    """A raw inflater with ``window`` as its history, primed with the ``bits`` low bits of ``value``."""
    lib = _isal()
    if lib is not None:
        return _IsalInflater(lib, window, bits, value)
    return _ZlibInflater(window, bits, value)


def _bad_checkpoint() -> Exception:
    return corrupt("gzip", 0, "unusable checkpoint (its window or bit offset)")


class _IsalHead(ctypes.Structure):
    """The leading fields of ISA-L's ``struct inflate_state`` (igzip_lib.h: public, and in this
    order since ISA-L 2.x); the rest of the state is ISA-L's own."""

    _fields_ = [
        ("next_out", ctypes.c_void_p),
        ("avail_out", ctypes.c_uint32),
        ("total_out", ctypes.c_uint32),
        ("next_in", ctypes.c_void_p),
        ("read_in", ctypes.c_uint64),
        ("avail_in", ctypes.c_uint32),
        ("read_in_length", ctypes.c_int32),
    ]


# Room for a ``struct inflate_state`` (about 90 KiB in ISA-L 2.31: Huffman tables and a 64 KiB
# output buffer); its exact size is not exported, so it gets ample room.
_STATE_ROOM = 256 << 10
_ISAL_ERRORS = {
    -1: "invalid block",
    -2: "needs a dictionary",
    -3: "invalid symbol",
    -4: "distance too far back",
}


def _isal() -> Any:
    """ISA-L's inflate from python-isal's extension, or None where there is none (or it hides
    its symbols). Looked up on every call, as :func:`._deflate.backend` does, so that hiding
    python-isal hides it here too."""
    try:
        from isal import igzip_lib
    except ImportError:
        return None
    return _isal_symbols(igzip_lib.__file__)


@cache
def _isal_symbols(path: str) -> Any:
    try:
        lib = ctypes.CDLL(path)  # already loaded by the import: this only finds its symbols
        lib.isal_inflate_init.argtypes = lib.isal_inflate.argtypes = [ctypes.c_void_p]
        lib.isal_inflate_set_dict.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32]
    except (OSError, AttributeError):
        return None
    for name in ("isal_inflate_init", "isal_inflate_set_dict", "isal_inflate"):
        getattr(lib, name).restype = ctypes.c_int
    return lib


class _IsalInflater:
    """Raw inflate by ISA-L (see the module's docstring)."""

    def __init__(self, lib: Any, window: bytes, bits: int, value: int) -> None:
        self._lib = lib
        self._state = ctypes.create_string_buffer(_STATE_ROOM)
        self._head = _IsalHead.from_buffer(self._state)
        self._out = ctypes.create_string_buffer(_OUT)
        self._view = memoryview(self._out).cast("B")
        self.ended = False
        lib.isal_inflate_init(self._state)  # raw deflate (crc_flag 0), a 32 KiB history
        if window and lib.isal_inflate_set_dict(self._state, window, len(window)) != 0:
            raise _bad_checkpoint()
        self._head.read_in, self._head.read_in_length = value, bits  # after the dictionary, which resets nothing else

    def feed(self, data: Any, end: int, wanted: int) -> Iterator[memoryview]:
        """Inflate ``data`` (a writable buffer ending at compressed offset ``end``): decoded
        pieces, each valid until the next, at most ``wanted`` bytes in all."""
        head, state, inflate = self._head, self._state, self._lib.isal_inflate
        source = (ctypes.c_char * len(data)).from_buffer(data)
        head.next_in, head.avail_in = ctypes.addressof(source), len(data)
        out = ctypes.addressof(self._out)
        while wanted > 0:
            room = min(_OUT, wanted)
            head.next_out, head.avail_out = out, room
            status = inflate(state)
            got = room - head.avail_out
            if status < 0:
                detail = _ISAL_ERRORS.get(status, f"error {status}")
                raise corrupt("gzip", end - head.avail_in, f"corrupt deflate data after a checkpoint ({detail})")
            if got:
                wanted -= got
                yield self._view[:got]
            if head.avail_out:  # ISA-L returns with room left when the input is used up, or at the stream's end
                self.ended = head.avail_in > 0
                break

    def close(self) -> None:
        pass  # ISA-L's state is plain memory, freed with this object


class _ZStream(ctypes.Structure):
    """zlib's ``z_stream`` (zlib.h: a public, stable layout)."""

    _fields_ = [
        ("next_in", ctypes.c_void_p),
        ("avail_in", ctypes.c_uint),
        ("total_in", ctypes.c_ulong),
        ("next_out", ctypes.c_void_p),
        ("avail_out", ctypes.c_uint),
        ("total_out", ctypes.c_ulong),
        ("msg", ctypes.c_char_p),
        ("state", ctypes.c_void_p),
        ("zalloc", ctypes.c_void_p),
        ("zfree", ctypes.c_void_p),
        ("opaque", ctypes.c_void_p),
        ("data_type", ctypes.c_int),
        ("adler", ctypes.c_ulong),
        ("reserved", ctypes.c_ulong),
    ]


_Z_OK, _Z_STREAM_END, _Z_BUF_ERROR = 0, 1, -5


@cache
def _libz() -> Any:
    lib = load_library(("libz.so.1",), "z")  # the name CPython's zlib module links to
    if lib is None:
        raise OSError("zlib (libz.so.1) cannot be loaded: random access into gzip needs it or ISA-L")
    lib.zlibVersion.restype = ctypes.c_char_p
    for name in ("inflateInit2_", "inflateSetDictionary", "inflatePrime", "inflate", "inflateEnd"):
        getattr(lib, name).restype = ctypes.c_int
    return lib


class _ZlibInflater:
    """Raw inflate by zlib: ``inflateSetDictionary``, then ``inflatePrime``."""

    def __init__(self, window: bytes, bits: int, value: int) -> None:
        self._lib = lib = _libz()
        self._stream = _ZStream()
        self._out = ctypes.create_string_buffer(_OUT)
        self._view = memoryview(self._out).cast("B")
        self.ended = False
        ref = ctypes.byref(self._stream)
        if lib.inflateInit2_(ref, -15, lib.zlibVersion(), ctypes.sizeof(_ZStream)) != _Z_OK:
            raise MemoryError("zlib: inflateInit2 failed")
        self._open = True
        if (window and lib.inflateSetDictionary(ref, window, len(window)) != _Z_OK) or (
            bits and lib.inflatePrime(ref, bits, value) != _Z_OK
        ):
            self.close()
            raise _bad_checkpoint()

    def feed(self, data: Any, end: int, wanted: int) -> Iterator[memoryview]:
        """As :meth:`_IsalInflater.feed`."""
        stream, lib = self._stream, self._lib
        source = (ctypes.c_char * len(data)).from_buffer(data)
        stream.next_in, stream.avail_in = ctypes.addressof(source), len(data)
        ref = ctypes.byref(stream)
        out = ctypes.addressof(self._out)
        while wanted > 0 and stream.avail_in:
            room = min(_OUT, wanted)
            stream.next_out, stream.avail_out = out, room
            status = lib.inflate(ref, 0)
            got = room - stream.avail_out
            if status not in (_Z_OK, _Z_STREAM_END, _Z_BUF_ERROR):
                detail = (stream.msg or b"error %d" % status).decode(errors="replace")
                raise corrupt("gzip", end - stream.avail_in, f"corrupt deflate data after a checkpoint ({detail})")
            if got:
                wanted -= got
                yield self._view[:got]
            if status == _Z_STREAM_END:
                self.ended = True
                break
            if status == _Z_BUF_ERROR and not got:
                break

    def close(self) -> None:
        if self._open:
            self._open = False
            self._lib.inflateEnd(ctypes.byref(self._stream))
