"""The fuzzing invariant: every read path gives the reference tool's bytes, or an arrowio error.

:func:`check` reads one input through every path arrowio has (``input_stream`` by path with odd
read sizes, by buffer with detection from the bytes, an unthreaded stream, the incremental
decoder fed odd-sized pieces of input, ``decompress``,
``Codec.decompress`` into the pool, ``arrowio cat``, ``arrowio info`` with and without
``--scan``) and asserts, raising AssertionError with the input in hex:

* a path that returns bytes returns exactly what the format's reference decoder returns, and that
  decoder succeeded (the real CLI: ``gzip -dc``, ``zstd -dc``...; for snappy framing, the Rust
  ``snap`` decoder behind python-snappy);
* a path that fails raises an arrowio error (:class:`arrowio.ArrowException` or OSError, as
  documented) with a message; never another exception type, never a hang (a 10-second guard per
  input, far above any real decode of 64 KiB: it catches loops, it is not a timing);
* a path that detects the format (``compression='auto'``, ``arrowio cat``, ``info --scan``) may
  read a concatenation of streams of different formats (``cat a.zst b.gz``): then its bytes are
  those of one split of the input into streams, each following stream starting with its format's
  magic number and of another format than the one before (a format reads its own next members),
  snappy only last (its stream has no end), brotli only alone (it has no magic number), and every
  stream decoded to the same bytes by the reference *and* by arrowio's strict path for that one
  format (an explicit name): so the sequence rule never accepts what a single-format path refuses;
* all library paths reach the same verdict, and ``info --scan`` accepts exactly what ``cat``
  accepts, refusing with cat's message; the CLI prints one ``arrowio: error:`` line, no traceback.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cli_helpers import run_in_process
from fuzz_corpus import WRITERS

import arrowio

#: The reference decoders, reading stdin (snappy: in-process, see :func:`reference`). zstd is
#: given arrowio's window limit, 2 GiB (the CLI's default stops at 128 MiB): a frame whose header
#: asks for a larger window (one flipped bit does it) is then judged by the same rule.
REFERENCE = {
    "gzip": ["gzip", "-dc"],
    "zstd": ["zstd", "-q", "-dc", "--long=31"],
    "lz4": ["lz4", "-q", "-dc"],
    "bz2": ["bzip2", "-dc"],
    "xz": ["xz", "-dc"],
    "brotli": ["brotli", "-dc"],
}
#: Read sizes cycled through by the odd-size path: single bytes, primes, one under a page.
ODD_SIZES = (1, 3, 7, 64, 1000, 4093)
#: Input piece sizes cycled through by the incremental path.
PIECE_SIZES = (1, 3, 7, 2, 5)
HANG_GUARD_S = 10


#: The ``compression`` value that detects by magic bytes, then extension (cat's rule).
AUTO = "auto"

#: The magic numbers that start a following stream of a sequence, written out here rather than
#: taken from arrowio's registry, so that a wrong entry there is caught. Skippable frames
#: (0x184D2A50-5F, little-endian) are shared by zstd and lz4; a sequence hands them to zstd.
MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    *((b"BZh%d" % level, "bz2") for level in range(1, 10)),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    *((bytes([0x50 + n, 0x2A, 0x4D, 0x18]), "zstd") for n in range(16)),
    (b"\x04\x22\x4d\x18", "lz4"),
    (b"\x02\x21\x4c\x18", "lz4"),
    (b"\xff\x06\x00\x00sNaPpY", "snappy"),
)

Outcome = tuple[str, Any]  # ("ok", bytes) or ("error", exception)


class Hang(BaseException):
    """An input took longer than :data:`HANG_GUARD_S` (a BaseException: no ``except`` swallows it)."""


@contextlib.contextmanager
def hang_guard(what: str) -> Iterator[None]:
    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"{what} took more than {HANG_GUARD_S} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, HANG_GUARD_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def reference(fmt: str, data: bytes) -> bytes | None:
    """What the reference decoder of ``fmt`` makes of ``data``; None when it refuses it."""
    if fmt == "snappy":
        import cramjam

        try:
            return bytes(cramjam.snappy.decompress(data))
        except cramjam.DecompressionError:
            return None
    proc = subprocess.run(REFERENCE[fmt], input=data, capture_output=True, timeout=60)
    return proc.stdout if proc.returncode == 0 else None


def magic_format(head: bytes) -> str | None:
    """The format whose magic number starts ``head``, or None."""
    return next((fmt for magic, fmt in MAGICS if head.startswith(magic)), None)


def strict_single(fmt: str, data: bytes) -> bytes | None:
    """What arrowio's strict path for the one format ``fmt`` (an explicit name) reads from
    ``data``; None when it refuses it."""
    try:
        with arrowio.CompressedInputStream(arrowio.BufferReader(data), fmt, threaded=False) as stream:
            return stream.read()
    except (arrowio.ArrowException, OSError):
        return None


class Sequences:
    """The results the sequence rule allows for ``data`` (see the module docstring), found by
    trying every split at a magic number; references and strict reads are made once per piece."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pieces: dict[tuple[str, int, int], bytes | None] = {}

    def piece(self, fmt: str, start: int, end: int) -> bytes | None:
        """``data[start:end]`` as one stream of ``fmt``: the bytes the reference and arrowio's
        strict path agree on, or None."""
        key = (fmt, start, end)
        if key not in self._pieces:
            chunk = self._data[start:end]
            expected = reference(fmt, chunk)
            self._pieces[key] = expected if expected is not None and strict_single(fmt, chunk) == expected else None
        return self._pieces[key]

    def results(self, fmt: str, start: int = 0) -> set[bytes]:
        """Every decoding of ``data[start:]`` as a sequence whose first stream is ``fmt``."""
        data, found = self._data, set()
        whole = self.piece(fmt, start, len(data))
        if whole is not None:
            found.add(whole)
        if fmt in ("snappy", "brotli"):  # snappy only last, brotli only alone
            return found
        for cut in range(start + 1, len(data)):
            following = magic_format(data[cut : cut + 10])
            if following is None or following == fmt:
                continue
            head = self.piece(fmt, start, cut)
            if head is not None:
                found |= {head + tail for tail in self.results(following, cut)}
        return found


def outcome(read: Callable[[], Any]) -> Outcome:
    try:
        return "ok", read()
    except (arrowio.ArrowException, OSError) as exc:
        assert str(exc).strip(), f"an error without a message: {exc!r}"
        exc.__traceback__ = None  # the frames hold buffer views; only the type and message are kept
        return "error", exc


def _read_odd(stream: Any) -> bytes:
    pieces, i = [], 0
    while piece := stream.read(ODD_SIZES[i % len(ODD_SIZES)]):
        pieces.append(piece)
        i += 1
    return b"".join(pieces)


def _read_into(stream: Any) -> bytes:
    out, target = bytearray(), bytearray(4093)
    while n := stream.readinto(target):
        out += target[:n]
    return bytes(out)


def library_paths(fmt: str, data: bytes, path: Path) -> dict[str, Callable[[], bytes]]:
    """The library's ways of reading ``data`` (also in the file ``path``) as ``fmt``."""

    def by_path() -> bytes:
        with arrowio.input_stream(str(path), compression=fmt) as stream:
            return _read_odd(stream)

    def by_buffer() -> bytes:
        with arrowio.input_stream(arrowio.py_buffer(data), compression=fmt) as stream:
            return _read_into(stream)

    def unthreaded() -> bytes:
        with arrowio.CompressedInputStream(arrowio.BufferReader(data), fmt, threaded=False) as stream:
            return _read_odd(stream)

    def odd_pieces() -> bytes:
        """The incremental decoder fed odd-sized pieces of input (headers cut anywhere)."""
        decoder, out, start = arrowio.Codec(fmt).decoder(), [], 0
        for size in itertools.cycle(PIECE_SIZES):
            if start >= len(data):
                break
            out.append(decoder.decompress(data[start : start + size], 4093))
            start += size
            while not decoder.needs_input:
                out.append(decoder.decompress(b"", 4093))
        decoder.finish()
        return b"".join(out)

    def one_shot() -> bytes:
        return arrowio.decompress(data, codec=fmt, asbytes=True)

    def codec_into_pool() -> bytes:
        return arrowio.Codec(fmt).decompress(data).to_pybytes()

    paths = {
        "input_stream(path)": by_path,
        "input_stream(buffer)": by_buffer,
        "unthreaded": unthreaded,
        "decoder in pieces": odd_pieces,
    }
    if fmt != "snappy":  # the one-shot snappy codec is the raw block format, as in PyArrow
        paths |= {"decompress": one_shot, "Codec.decompress": codec_into_pool}
    return paths


def check(kind: str, data: bytes, guard: bool = True) -> None:
    """Assert the invariant for ``data``, a (mutated) file of ``kind`` (see the module docstring).

    ``guard`` False leaves hangs to the caller (libFuzzer's -timeout owns SIGALRM)."""
    fmt, extension, _ = WRITERS[kind]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{extension}"
        path.write_bytes(data)
        with hang_guard(f"{kind} input {data.hex()}") if guard else contextlib.nullcontext():
            _check(fmt, data, path)


def _check(fmt: str, data: bytes, path: Path) -> None:
    references: dict[str, bytes | None] = {}

    def expected(name: str) -> bytes | None:
        if name not in references:
            references[name] = reference(name, data)
        return references[name]

    where = f"{fmt} input {data.hex()}"
    verdicts = {name: outcome(read) for name, read in library_paths(fmt, data, path).items()}
    for name, (status, value) in verdicts.items():
        if status == "ok":
            assert value == expected(fmt), f"{name} returned bytes the reference does not ({where})"
    assert len({status for status, _ in verdicts.values()}) == 1, f"library paths disagree: {verdicts} ({where})"

    # Detection from the bytes of a buffer, then from the bytes and the name of a file (cat's way):
    # the whole input as the detected format, or a sequence of streams (see the module docstring).
    sequences = Sequences(data)

    def allowed(detected: str | None, decoded: bytes) -> bool:
        if detected is None:
            return decoded == data
        return decoded in sequences.results(detected)  # one stream is a sequence of one

    for source, label in ((arrowio.py_buffer(data), "buffer"), (str(path), "path")):
        status, value = outcome(functools.partial(_read_detected, source))
        if status == "ok":
            detected, decoded = value
            assert allowed(detected, decoded), f"input_stream({label}, {AUTO!r}) as {detected} ({where})"
    _check_cli(data, path, value[1] if status == "ok" else None)


def _read_detected(source: Any) -> tuple[str | None, bytes]:
    """The format ``input_stream(source, AUTO)`` detects (None: plain) and what it reads."""
    with arrowio.input_stream(source, compression=AUTO) as stream:
        fmt = stream.codec.name if isinstance(stream, arrowio.CompressedInputStream) else None
        return fmt, _read_odd(stream)


def _one_error_line(stderr: str, where: str) -> None:
    assert stderr.startswith("arrowio: error: ") and stderr.count("\n") == 1, f"{stderr!r} ({where})"
    assert "internal error" not in stderr and "Traceback" not in stderr, f"{stderr!r} ({where})"


def _check_cli(data: bytes, path: Path, wanted: bytes | None) -> None:
    """``wanted``: what the library read from ``path`` with cat's detection; None: it failed."""
    where = f"{path.name} {data.hex()}"
    cat = run_in_process(["cat", path])
    if wanted is not None:
        assert cat.exit_code == 0 and cat.stdout_bytes == wanted, f"cat: {cat.stderr!r} ({where})"
    else:
        assert cat.exit_code == 1, f"cat exited {cat.exit_code}, the library failed ({where})"
        _one_error_line(cat.stderr, where)
    scan = run_in_process(["info", "--scan", "--json", path])
    assert scan.exit_code == cat.exit_code, f"info --scan exit {scan.exit_code}, cat {cat.exit_code} ({where})"
    (entry,) = json.loads(scan.stdout)["files"]
    if cat.exit_code == 0:
        assert entry["error"] is None and entry["decoded_size"] == len(cat.stdout_bytes), f"{entry} ({where})"
    else:
        assert scan.stderr == cat.stderr, f"info --scan refused otherwise than cat ({where})"
        assert f"arrowio: error: {entry['error']}\n" == scan.stderr, f"{entry} ({where})"
    # Without --scan only headers are read: it may accept what cat refuses, but never crashes,
    # and reports the file after a bad one too.
    plain = run_in_process(["info", "--json", path, path])
    files = json.loads(plain.stdout)["files"]
    assert len(files) == 2 and files[0] == files[1], f"{files} ({where})"
    if plain.exit_code:
        assert plain.exit_code == 1 and files[0]["error"], f"{plain.exit_code} {files} ({where})"
        assert plain.stderr == f"arrowio: error: {files[0]['error']}\n" * 2, f"{plain.stderr!r} ({where})"
    else:
        assert plain.stderr == "" and files[0]["error"] is None, f"{plain.stderr!r} ({where})"
