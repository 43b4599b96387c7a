"""Remote reads against a local SeaweedFS: arrowio vs pyarrow.fs.S3FileSystem vs s3fs.

Starts its own ``weed server -s3`` (the test fixture's launcher), uploads a 512 MiB object, then
times, alternating sides each round, in child processes (so each side's peak RSS is its own;
each child imports its libraries before the clock starts, then creates its client and reads):

* sequential read of the object: ``arrowio.input_stream(url).read_buffer(4 MiB)`` until the end,
  vs ``pyarrow.fs.S3FileSystem(endpoint_override=...).open_input_stream(...).read_buffer(4 MiB)``,
  vs ``s3fs.S3FileSystem.cat_file``. Goal (issue 7): arrowio >= 0.8x the faster one's throughput,
  i.e. a time ratio <= 1.25.

The table shows the best time of each side, its throughput, its ratio to the anchor (arrowio time
/ anchor time, lower is better) and its peak RSS.

    python benchmarks/bench_remote.py [--size-mib 512] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "remote"))

from _seaweedfs import SeaweedFS  # noqa: E402  (the test suite's launcher)

BUCKET = "bench"
CHUNK = 4 * 1024 * 1024


# -- the sides, each run in a child process -------------------------------------------------------
def read_arrowio(url: str, options: dict) -> int:
    import arrowio as pa

    total = 0
    with pa.input_stream(url, storage_options=options) as f:
        while size := f.read_buffer(CHUNK).size:
            total += size
    return total


def read_pyarrow(url: str, options: dict) -> int:
    import pyarrow.fs

    fs = pyarrow.fs.S3FileSystem(access_key=options["key"], secret_key=options["secret"],
                                 endpoint_override=options["endpoint_url"].removeprefix("http://"), scheme="http")
    total = 0
    with fs.open_input_stream(url.removeprefix("s3://")) as f:
        while size := f.read_buffer(CHUNK).size:
            total += size
    return total


def read_s3fs(url: str, options: dict) -> int:
    import s3fs

    return len(s3fs.S3FileSystem(**options).cat_file(url))


SIDES = {"arrowio input_stream": read_arrowio, "pyarrow S3FileSystem": read_pyarrow, "s3fs cat_file": read_s3fs}
#: Imported before the clock starts: the table compares reading, not import times (bench_cli does those).
IMPORTS = {"arrowio input_stream": ("arrowio", "fsspec", "s3fs"), "pyarrow S3FileSystem": ("pyarrow.fs",),
           "s3fs cat_file": ("s3fs",)}


def worker(side: str, url: str, key: str, secret: str, endpoint: str) -> None:
    import importlib

    for module in IMPORTS[side]:
        importlib.import_module(module)
    options = {"key": key, "secret": secret, "endpoint_url": endpoint}
    started = time.perf_counter()
    count = SIDES[side](url, options)
    print(f"{time.perf_counter() - started} {count}")


def run_side(side: str, url: str, store: SeaweedFS) -> tuple[float, int, float]:
    """(seconds, bytes read, peak RSS in MiB) of one timed read in a child process."""
    child = subprocess.Popen([sys.executable, __file__, "--worker", side, url, store.key, store.secret,
                              store.endpoint_url], stdout=subprocess.PIPE, text=True)
    out = child.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{side} failed with exit code {child.returncode}")
    seconds, count = out.split()
    return float(seconds), int(count), usage.ru_maxrss / 1024


# -- setup ----------------------------------------------------------------------------------------
def upload(store: SeaweedFS, key: str, size: int) -> str:
    import arrowio as pa

    url = f"s3://{BUCKET}/{key}"
    block = os.urandom(16 * 1024 * 1024)
    with pa.output_stream(url, storage_options=store.storage_options, compression=None) as out:
        for start in range(0, size, len(block)):
            out.write(block[: min(len(block), size - start)])
    return url


def table(title: str, url: str, store: SeaweedFS, sides: list[str], rounds: int, goal: float) -> None:
    best: dict[str, tuple[float, int, float]] = {}
    for _ in range(rounds):
        for side in sides:
            result = run_side(side, url, store)
            if side not in best or result[0] < best[side][0]:
                best[side] = result
    ours, *anchors = sides
    anchor = min(anchors, key=lambda side: best[side][0])
    print(f"\n{title} (anchor: {anchor}, best of {rounds})")
    print(f"{'side':<24} {'seconds':>8} {'MB/s':>8} {'ratio':>7} {'peak RSS':>10}")
    for side in sides:
        seconds, count, rss = best[side]
        ratio = seconds / best[anchor][0]
        print(f"{side:<24} {seconds:>8.3f} {count / seconds / 1e6:>8.0f} {ratio:>7.2f} {rss:>7.0f} MiB")
    ratio = best[ours][0] / best[anchor][0]
    print(f"goal: ratio <= {goal:.2f} -> {'ok' if ratio <= goal else 'MISSED'} ({ratio:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512, help="size of the object read")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best is kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-remote-") as folder, SeaweedFS(folder) as store:
        import s3fs

        s3fs.S3FileSystem(**store.storage_options).mkdir(BUCKET)
        started = time.perf_counter()
        big = upload(store, "big.bin", args.size_mib * 1024 * 1024)
        print(f"uploaded {args.size_mib} MiB through arrowio.output_stream in {time.perf_counter() - started:.1f} s")
        table(f"sequential read of {args.size_mib} MiB", big, store, list(SIDES), args.rounds, goal=1.25)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:])
    else:
        main()
