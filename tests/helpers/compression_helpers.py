"""Helpers of the compression tests: data factories, real tools, a faulty file, a decoder driver."""

from __future__ import annotations

import os
import random
import subprocess
from typing import Any

import system_deps

from arrowio.compression import FORMATS

#: Every streaming format, and every format (the one-shot-only ones too), from the registry:
#: a new row is tested by every test parametrized over these.
STREAMING = tuple(f.name for f in FORMATS.values() if f.streaming)
ONESHOT = tuple(FORMATS)

_WORDS = b"arrow buffer stream codec frame member block window checksum trailer header".split()


def make_data(kind: str, size: int, seed: int = 0) -> bytes:
    """Test input of ``size`` bytes: 'text' (compressible words), 'random', 'zeros' or 'mixed'."""
    rng = random.Random(seed)
    if kind == "zeros":
        return bytes(size)
    if kind == "random":
        return rng.randbytes(size)
    if kind == "text":
        out = bytearray()
        while len(out) < size:
            out += b" ".join(rng.choice(_WORDS) for _ in range(64)) + b"\n"
        return bytes(out[:size])
    if kind == "mixed":
        third = size // 3
        return make_data("text", third, seed) + make_data("random", third, seed) + bytes(size - 2 * third)
    raise ValueError(kind)


def need_tool(name: str) -> str:
    """The path of a command-line tool, or skip naming its package (CI turns the skip into a failure)."""
    return system_deps.need_tool(name)


def run_tool(args: list[str], data: bytes = b"") -> bytes:
    """Run a tool with ``data`` on stdin; its stdout, or an assertion error with its stderr."""
    need_tool(args[0])
    proc = subprocess.run(args, input=data, capture_output=True)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}"
    return proc.stdout


class FailingFile:
    """A binary file object that raises OSError on its Nth read or write (counting from 1)."""

    def __init__(self, data: bytes = b"", fail_read: int = 0, fail_write: int = 0) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self.written = bytearray()
        self.reads = self.writes = 0
        self.fail_read, self.fail_write = fail_read, fail_write
        self.closed = False

    def read(self, n: int = -1) -> bytes:
        self.reads += 1
        if self.reads == self.fail_read:
            raise OSError("injected read failure")
        end = len(self._data) if n < 0 else self._pos + n
        out = self._data[self._pos : end].tobytes()
        self._pos += len(out)
        return out

    def write(self, data: bytes) -> int:
        self.writes += 1
        if self.writes == self.fail_write:
            raise OSError("injected write failure")
        self.written += data
        return len(data)

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def drive(decoder, data: bytes, chunks: list[int] | None = None, max_lengths: list[int] | None = None) -> bytes:
    """Feed ``data`` to an incremental decoder in pieces of the given sizes (cycled), draining
    it with the given output limits (cycled), checking that no output exceeds its limit."""
    chunks = chunks or [1 << 20]
    limits = max_lengths or [1 << 20]
    out = []
    pos = i = j = 0
    while pos < len(data):
        size = chunks[i % len(chunks)]
        i += 1
        piece = data[pos : pos + size]
        pos += len(piece)
        limit = limits[j % len(limits)]
        j += 1
        got = decoder.decompress(piece, limit)
        assert len(got) <= limit
        out.append(got)
        while not decoder.needs_input:
            limit = limits[j % len(limits)]
            j += 1
            got = decoder.decompress(b"", limit)
            assert len(got) <= limit
            out.append(got)
    decoder.finish()
    return b"".join(out)


def sequence_decode(first: str, data: bytes, piece: int) -> bytes:
    """Decode ``data`` with a SequenceDecoder whose first stream is ``first``, given in pieces of
    ``piece`` bytes and drained without an output limit (how 'auto' reads ``cat a.gz b.zst``)."""
    import arrowio
    from arrowio.compression._sequence import SequenceDecoder

    decoder = SequenceDecoder(arrowio.Codec(first).decoder(), lambda fmt: arrowio.Codec(fmt.name).decoder())
    out = []
    for start in range(0, len(data), piece):
        out.append(decoder.decompress(data[start : start + piece]))
        while not decoder.needs_input:
            out.append(decoder.decompress(b""))
    decoder.finish()
    return b"".join(out)


def failures_with_and_without(path: str, hide: str, monkeypatch: Any) -> list[tuple[bytes, str]]:
    """What reading ``path`` to its error gives (the bytes before it, the message), first with the
    C library the environment variable ``hide`` hides, then with it hidden: the two must agree."""
    import pytest

    import arrowio
    from arrowio.errors import ArrowIOError

    outcomes = []
    for hidden in (False, True):
        if hidden:
            monkeypatch.setenv(hide, "1")
        got = bytearray()
        with arrowio.input_stream(path, compression="auto") as stream, pytest.raises(ArrowIOError) as info:
            while chunk := stream.read(65536):
                got += chunk
        outcomes.append((bytes(got), str(info.value)))
    return outcomes


def read_only_through(path: str, expected: bytes, taken: str, refused: str, monkeypatch: Any) -> None:
    """Read ``path`` whole and check it gives ``expected`` with the frame decoder's function
    ``taken`` called (the file is decoded in tasks, as one with a frame table is) and ``refused``
    never called (it raises if it is)."""
    import arrowio
    from arrowio.compression import _framedecode

    def refuse(*args: object) -> int:
        raise AssertionError(f"{refused} ran")

    calls = []
    real = getattr(_framedecode, taken)

    def counting(*args: object) -> int:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(_framedecode, refused, refuse)
    monkeypatch.setattr(_framedecode, taken, counting)
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.read() == expected
    assert calls


def gzip_with_dense_index(path: str, plain: bytes, chunk_size: int) -> str:
    """Write ``plain`` gzipped by the real gzip to ``path`` and, beside it, rapidgzip's checkpoint
    index with a checkpoint every ``chunk_size`` or so of compressed input (with a random stretch
    in ``plain``: checkpoints inside bytes and before stored blocks). Returns ``path``."""
    import rapidgzip  # optional: callers importorskip it

    open(path, "wb").write(run_tool(["gzip", "-c"], plain))
    f = rapidgzip.RapidgzipFile(path, parallelization=1, chunk_size=chunk_size)
    try:
        f.seek(0, os.SEEK_END)
        f.export_index(path + ".gzidx")
    finally:
        f.close()
    return path


class DecodeThreadSpy:
    """Counts the decode threads that ``DecodingReader``s start (the real start still runs)."""

    def __init__(self, monkeypatch: Any) -> None:
        from arrowio.compression import _stream

        self.started = 0
        start = _stream.DecodingReader._start_thread

        def counted(reader: Any) -> None:
            self.started += 1
            start(reader)

        monkeypatch.setattr(_stream.DecodingReader, "_start_thread", counted)
