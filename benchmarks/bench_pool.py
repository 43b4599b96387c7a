"""Allocate-and-drop of pool buffers: arrowio's default pool vs pyarrow.allocate_buffer.

Both sides run alternately in one process, several rounds each, on the same sizes; the table
shows the best time per operation of each and their ratio (arrowio / pyarrow, lower is better).
Goal (issue 2): arrowio within 3x of pyarrow per operation.

    python benchmarks/bench_pool.py [--ops 200000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import resource
import timeit

import pyarrow

import arrowio

SIZES = {"64 B": 64, "64 KiB": 64 * 1024}


def per_op_ns(function, ops: int) -> float:
    return timeit.timeit(function, number=ops) / ops * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=200_000, help="allocations per timing")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; the best is kept")
    args = parser.parse_args()

    print(f"arrowio pool: {arrowio.default_memory_pool().backend_name}; "
          f"pyarrow pool: {pyarrow.default_memory_pool().backend_name}")
    print(f"{'allocate+drop':<14} {'arrowio ns':>11} {'pyarrow ns':>11} {'ratio':>7}  goal")
    for label, size in SIZES.items():
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(per_op_ns(lambda: arrowio.allocate_buffer(size), args.ops))
            theirs.append(per_op_ns(lambda: pyarrow.allocate_buffer(size), args.ops))
        ratio = min(ours) / min(theirs)
        verdict = "ok" if ratio <= 3 else "MISSED"
        print(f"{label:<14} {min(ours):>11.0f} {min(theirs):>11.0f} {ratio:>7.2f}  <= 3.0 {verdict}")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {peak_kib / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
