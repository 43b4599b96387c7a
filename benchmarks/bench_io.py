"""Benchmark arrowio's files and streams against the tools users would pick instead.

Each pair runs alternately in this one process on the same data (a 256 MiB file made here and
read once so that it sits in the page cache); the table shows the median time of each side and
the ratio arrowio / anchor (lower is better) next to the goal from the issue, then peak RSS.

    python benchmarks/bench_io.py [--size-mib 256] [--rounds 7] [--keep]

Rows:
  read_buffer(1 MiB)   sequential OSFile.read_buffer(1 MiB) over the file
                       vs open(path, 'rb').readinto(bytearray(1 MiB))            goal <= 1.1x
  memory_map (256 MiB) memory_map(path).read_buffer() of the whole file, then close
                       vs pyarrow.memory_map(path).read_buffer()                 goal <= 2x
  memory_map (4 KiB)   the same on a 4 KiB file: the time must not grow with the size
  1 KiB writes (10 MB) 10 MB in 1 KiB writes to BufferOutputStream, then getvalue()
                       vs io.BytesIO, then getbuffer()                           goal <= 1.5x
                       and, for context, vs pyarrow.BufferOutputStream

The default memory pool (ARROWIO_DEFAULT_MEMORY_POOL) decides how often fresh pages must be
faulted in, which dominates the read_buffer and BufferOutputStream rows: run with each backend.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable

import arrowio as pa

MIB = 1 << 20


def _timed(fn: Callable[[], object], repeat: int) -> float:
    """Seconds per call of ``fn``, averaged over ``repeat`` calls."""
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def alternate(
    ours: Callable[[], object], anchor: Callable[[], object], rounds: int, repeat: int
) -> tuple[float, float]:
    """Median seconds per call of each side, the two sides taking turns."""
    ours(), anchor()  # warm up both
    mine, theirs = [], []
    for _ in range(rounds):
        mine.append(_timed(ours, repeat))
        theirs.append(_timed(anchor, repeat))
    return statistics.median(mine), statistics.median(theirs)


def make_file(path: str, size: int) -> None:
    chunk = os.urandom(MIB)
    with open(path, "wb") as out:
        for _ in range(size // MIB):
            out.write(chunk)
        out.write(chunk[: size % MIB])
    with open(path, "rb") as f:  # pull it into the page cache
        while f.read(16 * MIB):
            pass


def bench_sequential_reads(path: str, rounds: int) -> tuple[float, float]:
    def ours() -> None:
        with pa.OSFile(path) as f:
            while f.read_buffer(MIB).size:
                pass

    target = bytearray(MIB)

    def anchor() -> None:
        with open(path, "rb") as f:
            while f.readinto(target):
                pass

    return alternate(ours, anchor, rounds, repeat=1)


def bench_memory_map(path: str, rounds: int) -> tuple[float, float] | None:
    try:
        import pyarrow
    except ImportError:
        return None

    def ours() -> None:
        with pa.memory_map(path) as m:
            m.read_buffer()

    def anchor() -> None:
        with pyarrow.memory_map(path) as m:
            m.read_buffer()

    return alternate(ours, anchor, rounds, repeat=200)


_PIECE = os.urandom(1024)
_PIECES = 10_000_000 // len(_PIECE)


def _fill_buffer_output_stream() -> None:
    out = pa.BufferOutputStream()
    write = out.write
    for _ in range(_PIECES):
        write(_PIECE)
    out.getvalue()


def bench_small_writes(rounds: int) -> tuple[float, float]:
    def anchor() -> None:
        out = io.BytesIO()
        write = out.write
        for _ in range(_PIECES):
            write(_PIECE)
        out.getbuffer().release()

    return alternate(_fill_buffer_output_stream, anchor, rounds, repeat=3)


def bench_small_writes_pyarrow(rounds: int) -> tuple[float, float] | None:
    try:
        import pyarrow
    except ImportError:
        return None

    def anchor() -> None:
        out = pyarrow.BufferOutputStream()
        write = out.write
        for _ in range(_PIECES):
            write(_PIECE)
        out.getvalue()

    return alternate(_fill_buffer_output_stream, anchor, rounds, repeat=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=256, help="size of the test file (default 256)")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds per row (default 7)")
    parser.add_argument("--dir", default=None, help="where to put the test files (default: a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="arrowio-bench-") as folder:
        big, small = os.path.join(folder, "big.bin"), os.path.join(folder, "small.bin")
        make_file(big, args.size_mib * MIB)
        make_file(small, 4096)
        rows: list[tuple[str, tuple[float, float] | None, str]] = [
            (
                f"read_buffer(1 MiB) over {args.size_mib} MiB vs open().readinto",
                bench_sequential_reads(big, args.rounds),
                "<= 1.1",
            ),
            (f"memory_map {args.size_mib} MiB read_buffer vs pyarrow", bench_memory_map(big, args.rounds), "<= 2"),
            ("memory_map 4 KiB read_buffer vs pyarrow", bench_memory_map(small, args.rounds), "<= 2"),
            ("10 MB in 1 KiB writes: BufferOutputStream vs BytesIO", bench_small_writes(args.rounds), "<= 1.5"),
            (
                "10 MB in 1 KiB writes: BufferOutputStream vs pyarrow's",
                bench_small_writes_pyarrow(args.rounds),
                "(context)",
            ),
        ]

    print(f"memory pool: {pa.default_memory_pool().backend_name}")
    print(f"{'benchmark':58} {'arrowio':>11} {'anchor':>11} {'ratio':>7}  goal")
    for name, result, goal in rows:
        if result is None:
            print(f"{name:58} {'(pyarrow not installed)':>31}")
            continue
        mine, theirs = result
        print(f"{name:58} {_show(mine):>11} {_show(theirs):>11} {mine / theirs:>6.2f}x  {goal}")
    if rows[1][1] and rows[2][1]:
        print(
            f"memory_map time, {args.size_mib} MiB file / 4 KiB file: {rows[1][1][0] / rows[2][1][0]:.2f}x (zero-copy: ~1)"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {peak / 1024:.1f} MiB")


def _show(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


if __name__ == "__main__":
    main()
