"""Running out of memory while decoding is an ArrowMemoryError that says how much was asked for,
never a bare MemoryError. Each case runs in a child process under ``ulimit -v`` (RLIMIT_AS) a
little above what it already uses, with data that decodes to more than that."""

from __future__ import annotations

import subprocess
import sys

import pytest
from compression_helpers import STREAMING

CHILD = r"""
import resource, sys
import arrowio

fmt, how = sys.argv[1], sys.argv[2]
raw = b"\0" * (96 << 20)
if how == "stream":
    sink = arrowio.BufferOutputStream()
    with arrowio.CompressedOutputStream(sink, fmt) as out:
        out.write(raw)
    data = sink.getvalue().to_pybytes()
else:
    data = arrowio.compress(raw, codec=fmt, asbytes=True)
del raw
used = int(open("/proc/self/statm").read().split()[0]) * 4096
resource.setrlimit(resource.RLIMIT_AS, (used + (48 << 20), resource.getrlimit(resource.RLIMIT_AS)[1]))
try:
    if how == "stream":
        with arrowio.input_stream(arrowio.BufferReader(data), compression=fmt) as f:
            f.read()
    else:
        arrowio.decompress(data, 96 << 20, codec=fmt, asbytes=True)
except MemoryError as exc:
    print(type(exc).__name__, exc, sep="\n")
else:
    print("decoded without running out of memory")
"""


def decode_under_a_limit(fmt: str, how: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", CHILD, fmt, how], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize("fmt", STREAMING)
def test_reading_a_whole_bomb_says_what_was_asked_for(fmt):
    kind, message = decode_under_a_limit(fmt, "stream")
    assert kind == "ArrowMemoryError"
    assert message.startswith(f"{fmt} decoder at compressed offset ") or message.startswith("decoded stream: ")
    assert " out of memory: " in message and " bytes" in message
    assert "read() of everything" in message  # and what the read held: the usual cause
    if fmt == "zstd" and message.startswith("zstd decoder"):
        assert "-byte window for the frame starting at offset 0" in message


@pytest.mark.parametrize("fmt", ["zstd", "lz4_raw", "snappy"])
def test_one_shot_decompress_says_what_was_asked_for(fmt):
    # snappy: the Rust backend aborted the whole process when its own allocation failed.
    kind, message = decode_under_a_limit(fmt, "oneshot")
    assert kind == "ArrowMemoryError"
    assert " out of memory: asked for " in message and " bytes" in message
