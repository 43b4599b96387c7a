"""Allocate-and-drop of pool buffers: arrowio's default pool vs pyarrow.allocate_buffer; the debug pool; the plugin.

Both sides run alternately in one process, several rounds each, on the same sizes; the table
shows the best time per operation of each and their ratio (arrowio / pyarrow, lower is better).
Goal (issue 2): arrowio within 3x of pyarrow per operation.

Then the debug memory pool (guard bytes) against a plain pool of its own over the same backend,
goal (issue 13) at most 2x per allocate+free; and the pytest plugin's overhead on a generated
1,000-test run (pytest vs pytest --arrowio-pool, alternating, best wall time), goal at most +10 %.

    python benchmarks/bench_pool.py [--ops 200000] [--rounds 5] [--tests 1000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
import timeit
from pathlib import Path

import pyarrow

import arrowio

SIZES = {"64 B": 64, "64 KiB": 64 * 1024}


def per_op_ns(function, ops: int) -> float:
    return timeit.timeit(function, number=ops) / ops * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=200_000, help="allocations per timing")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; the best is kept")
    parser.add_argument("--tests", type=int, default=1000, help="tests in the generated suite for the plugin")
    args = parser.parse_args()

    print(
        f"arrowio pool: {arrowio.default_memory_pool().backend_name}; "
        f"pyarrow pool: {pyarrow.default_memory_pool().backend_name}"
    )
    print(f"{'allocate+drop':<14} {'arrowio ns':>11} {'pyarrow ns':>11} {'ratio':>7}  goal")
    for label, size in SIZES.items():
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(per_op_ns(lambda: arrowio.allocate_buffer(size), args.ops))
            theirs.append(per_op_ns(lambda: pyarrow.allocate_buffer(size), args.ops))
        ratio = min(ours) / min(theirs)
        verdict = "ok" if ratio <= 3 else "MISSED"
        print(f"{label:<14} {min(ours):>11.0f} {min(theirs):>11.0f} {ratio:>7.2f}  <= 3.0 {verdict}")
    debug_pool(args.ops, args.rounds)
    plugin_overhead(args.tests, args.rounds)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {peak_kib / 1024:.1f} MiB")


def debug_pool(ops: int, rounds: int) -> None:
    """allocate+free on a debug pool (mode abort: guards written and checked) vs a plain pool of its own."""
    from arrowio.diagnostics import debug_memory_pool

    plain, guarded = debug_memory_pool("none"), debug_memory_pool("abort")
    print(f"\ndebug pool ({plain.backend_name}) {'plain ns':>9} {'debug ns':>9} {'ratio':>7}  goal")
    for label, size in {**SIZES, "4 MiB": 4 << 20}.items():
        n = ops if size < (1 << 20) else max(1, ops // 50)  # large blocks bypass the cache: fewer, slower ops
        ours, debug = [], []
        for _ in range(rounds):
            ours.append(per_op_ns(lambda: arrowio.allocate_buffer(size, memory_pool=plain), n))
            debug.append(per_op_ns(lambda: arrowio.allocate_buffer(size, memory_pool=guarded), n))
        ratio = min(debug) / min(ours)
        verdict = "ok" if ratio <= 2 else "MISSED"
        print(f"{label:<19} {min(ours):>9.0f} {min(debug):>9.0f} {ratio:>7.2f}  <= 2.0 {verdict}")
    # The guard lies past the block's last page, which the plain pool never touches when nothing is
    # written: a program that fills its buffer pays that page fault with either pool.
    size, n = 4 << 20, max(1, ops // 50)
    ours, debug = [], []
    for _ in range(rounds):
        ours.append(per_op_ns(lambda: _touch_end(arrowio.allocate_buffer(size, memory_pool=plain)), n))
        debug.append(per_op_ns(lambda: _touch_end(arrowio.allocate_buffer(size, memory_pool=guarded)), n))
    ratio = min(debug) / min(ours)
    print(
        f"{'4 MiB, last byte set':<19} {min(ours):>9.0f} {min(debug):>9.0f} {ratio:>7.2f}  <= 2.0 "
        f"{'ok' if ratio <= 2 else 'MISSED'}"
    )


def _touch_end(buffer: arrowio.Buffer) -> None:
    memoryview(buffer)[-1] = 1


SUITE_TEST = """
    def test_{n}():
        buffer = arrowio.allocate_buffer({size})
        assert buffer.size == {size}
"""


def plugin_overhead(tests: int, rounds: int) -> None:
    """Wall and CPU time of a generated suite of small tests that allocate, with and without --arrowio-pool.

    The CPU time (user + system of the pytest process) is given beside the wall time because on a
    shared machine the wall time of one run swings by more than the overhead measured.
    """
    with tempfile.TemporaryDirectory() as folder:
        source = "import arrowio\n" + "".join(
            textwrap.dedent(SUITE_TEST).format(n=n, size=64 << (n % 12)) for n in range(tests)
        )
        Path(folder, "test_generated.py").write_text(source)
        base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_generated.py"]
        runs: dict[str, tuple[list[float], list[float]]] = {"plain": ([], []), "--arrowio-pool": ([], [])}
        for _ in range(rounds):
            for label, command in (("plain", base), ("--arrowio-pool", [*base, "--arrowio-pool"])):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                subprocess.run(command, cwd=folder, check=True, capture_output=True)
                wall = time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                runs[label][0].append(wall)
                runs[label][1].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    (plain_wall, plain_cpu), (ours_wall, ours_cpu) = runs["plain"], runs["--arrowio-pool"]
    wall = min(ours_wall) / min(plain_wall) - 1
    cpu = min(ours_cpu) / min(plain_cpu) - 1
    print(
        f"\npytest plugin, {tests} tests (best of {rounds}): wall {min(plain_wall):.2f} s -> {min(ours_wall):.2f} s "
        f"({wall:+.1%}), CPU {min(plain_cpu):.2f} s -> {min(ours_cpu):.2f} s ({cpu:+.1%})  "
        f"<= +10% {'ok' if wall <= 0.10 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
