"""Seeds and mutations of the decoder fuzzing: small files written by the formats' real tools.

Seeds are made once per process by the real command-line tools (gzip, bgzip, zstd, lz4, brotli,
bzip2, xz) and by python-snappy for the snappy framing format (it has no common CLI), from a few
payloads: the empty one, a short text, a repetitive text (back-references), random bytes
(stored blocks), a table of 135 KB (several blocks), two members/frames concatenated, and a
stream followed by one of another format.
Mutations are plain functions of bytes, shared by the hypothesis tests and the atheris harness.
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
    # Larger than a BGZF block (64 KiB) and a zstd block (128 KiB): several blocks, still under
    # 64 KiB once compressed.
    b"".join(b"row %06d,%d,%s\n" % (i, _rng.randrange(100), _rng.choice((b"ok", b"no"))) for i in range(8000)),
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


#: The kind whose stream follows each kind's in its mixed seed (``cat a.gz b.zst``, which 'auto'
#: reads in sequence): a ring, so every format follows one and precedes one.
FOLLOWER = dict(zip(KINDS, KINDS[2:] + KINDS[:2], strict=True))


@functools.cache
def seeds(kind: str) -> tuple[bytes, ...]:
    """The seed files of ``kind``: one per payload, two members of different payloads, then a
    stream of ``kind`` followed by one of another format (:data:`FOLLOWER`)."""
    single = tuple(compress_with_tool(kind, payload) for payload in PAYLOADS)
    return (*single, single[1] + single[2], single[1] + compress_with_tool(FOLLOWER[kind], PAYLOADS[2]))


# -- mutations: (data, at, blob) -> data, deterministic, so that hypothesis can shrink them --------
# ``at`` is any non-negative number (taken modulo the length), ``blob`` some bytes to use.
def flip_bit(data: bytes, at: int, blob: bytes) -> bytes:
    if not data:
        return data
    bit = at % (8 * len(data))
    return data[: bit // 8] + bytes([data[bit // 8] ^ (1 << bit % 8)]) + data[bit // 8 + 1 :]


#: Values that lengths, flags and sizes get wrong: zero, one, the sign bits, all ones.
INTERESTING = (0, 1, 0x7F, 0x80, 0xFF)


def set_byte(data: bytes, at: int, blob: bytes) -> bytes:
    """An interesting value (or the blob's first byte) at ``at``."""
    if not data:
        return data
    at %= len(data)
    value = blob[0] if blob else INTERESTING[at % len(INTERESTING)]
    return data[:at] + bytes([value]) + data[at + 1 :]


def truncate(data: bytes, at: int, blob: bytes) -> bytes:
    return data[: at % (len(data) + 1)]


def insert(data: bytes, at: int, blob: bytes) -> bytes:
    at %= len(data) + 1
    return data[:at] + (blob or b"\0") + data[at:]


def delete(data: bytes, at: int, blob: bytes) -> bytes:
    if not data:
        return data
    at %= len(data)
    return data[:at] + data[at + 1 + len(blob) :]


def duplicate(data: bytes, at: int, blob: bytes) -> bytes:
    """A range repeated in place (a member or block header twice, a length read again)."""
    if not data:
        return data
    at %= len(data)
    piece = data[at : at + 1 + 2 * len(blob)]
    return data[:at] + piece + data[at:]


def splice(data: bytes, at: int, blob: bytes) -> bytes:
    """This file's head joined to the tail of a seed of another format (the blob picks which)."""
    pick = int.from_bytes(blob or b"\0", "little")
    pool = seeds(KINDS[pick % len(KINDS)])
    other = pool[pick // len(KINDS) % len(pool)]
    cut = at % (len(data) + 1)
    return data[:cut] + other[(at // (len(data) + 1)) % (len(other) + 1) :]


MUTATIONS: dict[str, Callable[[bytes, int, bytes], bytes]] = {
    f.__name__: f for f in (flip_bit, set_byte, truncate, insert, delete, duplicate, splice)
}

Mutation = tuple[str, int, bytes]


def apply(data: bytes, mutations: list[Mutation]) -> bytes:
    for name, at, blob in mutations:
        data = MUTATIONS[name](data, at, blob)
    return data


def random_mutations(rng: random.Random) -> list[Mutation]:
    """One to four random mutations (the plain fuzzing loop's way of drawing them)."""
    return [
        (rng.choice(list(MUTATIONS)), rng.randrange(1 << 16), rng.randbytes(rng.randint(0, 8)))
        for _ in range(rng.randint(1, 4))
    ]
