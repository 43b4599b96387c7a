"""Seeds and mutations of the decoder fuzzing: small files written by the formats' real tools.

Seeds are made once per process by the real command-line tools (gzip, bgzip, zstd, lz4, brotli,
bzip2, xz) and by python-snappy for the snappy framing format (it has no common CLI), from a few
tiny payloads: the empty one, a short text, a repetitive text (back-references), random bytes
(stored blocks), and two members/frames concatenated. Mutations are plain functions of bytes,
shared by the hypothesis tests and the atheris harness.
"""

from __future__ import annotations

import functools
import random
import shutil
import subprocess
from collections.abc import Callable

#: Streaming formats fuzzed -> (registry format, file extension, the tool that writes it to stdout).
#: "bgzf" is gzip written by bgzip: its own header walk in ``info`` makes it a format of its own here.
WRITERS: dict[str, tuple[str, str, list[str] | None]] = {
    "gzip": ("gzip", ".gz", ["gzip", "-c", "-n"]),
    "bgzf": ("gzip", ".gz", ["bgzip", "-c"]),
    "zstd": ("zstd", ".zst", ["zstd", "-q", "-c"]),
    "lz4": ("lz4", ".lz4", ["lz4", "-q", "-c"]),
    "bz2": ("bz2", ".bz2", ["bzip2", "-c"]),
    "xz": ("xz", ".xz", ["xz", "-c"]),
    "brotli": ("brotli", ".br", ["brotli", "-c"]),
    "snappy": ("snappy", ".sz", None),  # python-snappy's framing writer
}
KINDS = tuple(WRITERS)

_rng = random.Random(1952)  # RFC 1952's number: fixed payloads, so seeds are the same every run
PAYLOADS: tuple[bytes, ...] = (
    b"",
    b"hello, fuzz\n",
    b"abcabcabcabcabcabcabcabcabcabcabcabcabcabc-abcabcabc\n" * 4,
    _rng.randbytes(80),
)


def tools_missing() -> list[str]:
    """The seed-writing tools this machine lacks."""
    return [cmd[0] for _, _, cmd in WRITERS.values() if cmd is not None and shutil.which(cmd[0]) is None]


def compress_with_tool(kind: str, data: bytes) -> bytes:
    """``data`` compressed by the real writer of ``kind``."""
    command = WRITERS[kind][2]
    if command is None:
        import snappy

        return bytes(snappy.StreamCompressor().add_chunk(data))
    return subprocess.run(command, input=data, capture_output=True, check=True, timeout=30).stdout


@functools.cache
def seeds(kind: str) -> tuple[bytes, ...]:
    """The seed files of ``kind``: one per payload, then two members of different payloads."""
    single = tuple(compress_with_tool(kind, payload) for payload in PAYLOADS)
    return (*single, single[1] + single[2])


# -- mutations: (data, rng) -> data -----------------------------------------------------------------
def flip_bit(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]


def set_byte(data: bytes, rng: random.Random) -> bytes:
    """An interesting value (0, 0xff, a small length, a sign bit) at a random place."""
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + bytes([rng.choice((0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)))]) + data[at + 1 :]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def insert(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.randbytes(rng.randint(1, 8)) + data[at:]


def delete(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.randint(1, 8) :]


def duplicate(data: bytes, rng: random.Random) -> bytes:
    """A range repeated in place (a member or block header twice, a length read again)."""
    if not data:
        return data
    at = rng.randrange(len(data))
    piece = data[at : at + rng.randint(1, 16)]
    return data[:at] + piece + data[at:]


def splice(data: bytes, rng: random.Random) -> bytes:
    """This file's head joined to the tail of a seed of another format."""
    other = rng.choice(seeds(rng.choice(KINDS)))
    return data[: rng.randrange(len(data) + 1)] + other[rng.randrange(len(other) + 1) :]


MUTATIONS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    flip_bit,
    set_byte,
    truncate,
    insert,
    delete,
    duplicate,
    splice,
)


def mutate(data: bytes, rng: random.Random, steps: int) -> bytes:
    """``steps`` random mutations of ``data``."""
    for _ in range(steps):
        data = rng.choice(MUTATIONS)(data, rng)
    return data
