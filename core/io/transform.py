"""TransformInputStream and transcoding_input_stream: streams that rewrite bytes as they are read."""

from __future__ import annotations

import codecs
from collections.abc import Callable

from ..buffer import Buffer, py_buffer
from ._views import byte_view
from .native_file import NativeFile

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["TransformInputStream", "transcoding_input_stream"]

#: Bytes asked of the stream below per transform call, at least.
_CHUNK = 64 * 1024
_EMPTY = py_buffer(b"")


class TransformInputStream(NativeFile):
    """Read ``stream`` through ``transform``: a callable that takes each chunk read, as a
    Buffer, and returns the bytes to hand on (any buffer-protocol object).

    At the end of ``stream`` the transform is called once more with an empty Buffer, to flush
    what it holds back. Not seekable; closing closes ``stream``.
    """

    def __init__(self, stream: NativeFile, transform: Callable[[Buffer], Any]) -> None:
        if not callable(transform):
            raise TypeError(f"transform must be callable, not {type(transform).__name__}")
        self._raw = stream
        self._transform = transform
        self._out = memoryview(b"")
        self._out_pos = 0
        self._produced = 0
        self._finished = False
        self._failure: Exception | None = None
        self._owns_raw = True  # closed with this stream
        super().__init__("rb")

    def _close(self) -> None:
        self._out = memoryview(b"")
        if self._owns_raw:
            self._raw.close()

    def _tell(self) -> int:
        return self._produced

    def _produce(self, wanted: int) -> bool:
        """Transform more input; False once the transform has been flushed and is empty."""
        while self._out_pos >= len(self._out):
            if self._failure is not None:
                raise self._failure  # the chunk it failed on is gone: the stream cannot go on
            if self._finished:
                return False
            chunk = self._raw.read1(max(wanted, _CHUNK))
            try:
                if chunk:
                    result = self._transform(py_buffer(chunk))
                else:
                    self._finished = True
                    result = self._transform(_EMPTY)
            except Exception as exc:
                self._failure = exc
                raise
            self._out = byte_view(result)
            self._out_pos = 0
        return True

    def _readinto(self, view: memoryview) -> int:
        if not self._produce(len(view)):
            return 0
        start = self._out_pos
        count = min(len(view), len(self._out) - start)
        view[:count] = self._out[start : start + count]
        self._out_pos = start + count
        self._produced += count
        return count

    def _read_chunk(self, nbytes: int) -> bytes:
        if not self._produce(nbytes):
            return b""
        start = self._out_pos
        count = min(nbytes, len(self._out) - start)
        self._out_pos = start + count
        self._produced += count
        return self._out[start : start + count].tobytes()


def transcoding_input_stream(stream: NativeFile, src_encoding: str, dest_encoding: str) -> NativeFile:
    """``stream`` re-encoded incrementally from ``src_encoding`` to ``dest_encoding``.

    Equivalent encodings (``'utf8'`` and ``'UTF-8'``) return ``stream`` itself. Undecodable
    input raises UnicodeDecodeError (also for a truncated last character), unencodable
    characters UnicodeEncodeError; an unknown encoding raises LookupError.
    """
    source = codecs.lookup(src_encoding)
    target = codecs.lookup(dest_encoding)
    if source.name == target.name:
        return stream
    decoder = source.incrementaldecoder("strict")
    encoder = target.incrementalencoder("strict")

    def transcode(chunk: Buffer) -> bytes:
        final = chunk.size == 0
        return encoder.encode(decoder.decode(chunk._memview(), final), final)

    return TransformInputStream(stream, transcode)
