"""The command line's share of ``arrowio cat``'s per-file cost, in process: a diagnosis beside
bench_cli.py's whole-process rows (issue 15, goal 1), not a result.

For the 1,000 small logs of bench_cli.py (benchmarks/data/logs-gz, logs-zst) four loops run in
alternation, ``--rounds`` times each, with stdout on /dev/null: the floor (open, fstat, read,
close, one call of the decoding backend, write: what the work costs with no arrowio layer at
all), the library's stream loop (``input_stream``, ``read_view`` until the end, write, close:
what a library user's loop costs), its whole-file loop (``read_or_open``, write: what ``cat``
asks of the library) and ``CatJob.run_all``, which is what ``arrowio cat FILE...`` runs. The
table shows each loop's median CPU time per file and the differences (what the library's and
the CLI's layers around each input cost: whole - floor, cat - whole), then the Python calls
per file that cProfile counts for the CatJob run: in all, in arrowio_cli's own functions, and
those the CLI's functions make (its own plus the calls across its boundary).

    python benchmarks/bench_cat_layers.py [--rounds 15] [--top 0]

It times the arrowio this python imports; run it with another venv's python (a checkout before a
change) to compare, alternating the two commands.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import arrowio
import arrowio_cli
from arrowio.io.whole_file import WholeFile, read_or_open
from arrowio_cli.cat_job import CHUNK, CatJob
from arrowio_cli.plain_cat import DEFAULTS

DATA = Path(__file__).resolve().parent / "data"
CLI = str(Path(arrowio_cli.__file__).parent)


def stream(names: tuple[str, ...]) -> None:
    """The library's work for each file as a stream (``input_stream``), as a library user reads it."""
    out = sys.stdout.buffer
    for name in names:
        stream = arrowio.input_stream(name, compression="auto")
        while piece := stream.read_view(CHUNK):
            out.write(piece)
        stream.close()


def whole(names: tuple[str, ...]) -> None:
    """The library's work for each file as ``cat`` asks for it: the content where the file is
    read and decoded whole, else the stream."""
    out = sys.stdout.buffer
    for name in names:
        opened = read_or_open(name)
        if isinstance(opened, WholeFile):
            out.write(opened.data)
            continue
        while piece := opened.read_view(CHUNK):
            out.write(piece)
        opened.close()


def floor(names: tuple[str, ...]) -> None:
    """Each file's system calls and one backend call, as a C tool makes them: no arrowio at all.

    The read asks for the size and one byte more, as arrowio does: a read of 1 MiB makes Python
    allocate a 1 MiB object and shrink it, per file (13 of the 45 us this floor once showed for
    a .gz log), which is no part of the work."""
    import zstandard
    from isal import igzip_lib

    out = sys.stdout.buffer
    dctx = zstandard.ZstdDecompressor()
    for name in names:
        fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC)
        data = os.read(fd, os.fstat(fd).st_size + 1)
        os.close(fd)
        if name.endswith(".zst"):
            out.write(dctx.decompressobj().decompress(data))
        else:
            out.write(igzip_lib.decompress(data, flag=igzip_lib.DECOMP_GZIP))


def job(names: tuple[str, ...]) -> None:
    """``arrowio cat NAMES`` without its start-up: the job the click-free path runs."""
    CatJob(**{**DEFAULTS, "storage_options": {}}).run_all(names)  # type: ignore[arg-type]


def cpu_per_file(
    loops: dict[str, Callable[[tuple[str, ...]], None]], names: tuple[str, ...], rounds: int
) -> dict[str, float]:
    """Median CPU µs per file of each loop, the loops taking turns (order reversed every round)."""
    times: dict[str, list[float]] = {label: [] for label in loops}
    for loop in loops.values():
        loop(names)  # warm-up: imports, page cache, decoder contexts
    for round_ in range(rounds):
        order = list(loops.items()) if round_ % 2 == 0 else list(reversed(loops.items()))
        for label, loop in order:
            start = time.process_time()
            loop(names)
            times[label].append((time.process_time() - start) / len(names) * 1e6)
    return {label: statistics.median(values) for label, values in times.items()}


def calls_per_file(names: tuple[str, ...], top: int) -> tuple[float, float, float]:
    """Python calls per file of a profiled CatJob run: all, arrowio_cli's own, and the CLI's
    functions' with the calls they make into other code. With ``top``, prints the profile."""
    profile = cProfile.Profile()
    profile.enable()
    job(names)
    profile.disable()
    stats = pstats.Stats(profile, stream=sys.stderr)
    total = own = made = 0
    for (filename, _, _), (_, ncalls, _, _, callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += ncalls
        if filename.startswith(CLI):
            own += ncalls
            made += ncalls
        else:
            made += sum(c[1] for (caller, _, _), c in callers.items() if caller.startswith(CLI))
    if top:
        stats.sort_stats("ncalls").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
    return total / len(names), own / len(names), made / len(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="alternating rounds of each loop; medians are shown")
    parser.add_argument("--top", type=int, default=0, help="print the profile's N top lines by ncalls and by tottime")
    args = parser.parse_args()
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())  # the data goes nowhere; the table goes to stderr
    print(f"arrowio from {Path(arrowio.__file__).parent}; medians of {args.rounds} rounds", file=sys.stderr)
    print(
        f"{'files':<14} {'floor us':>8} {'stream us':>9} {'whole us':>8} {'cat us':>8} {'lib us':>7} {'CLI us':>7}"
        " | calls/file: all  CLI own  CLI made",
        file=sys.stderr,
    )
    for folder in ("logs-gz", "logs-zst"):
        names = tuple(sorted(str(p) for p in (DATA / folder).iterdir()))
        if not names:
            raise SystemExit(f"no files in {DATA / folder}: run benchmarks/bench_cli.py once to make them")
        cpu = cpu_per_file({"floor": floor, "stream": stream, "whole": whole, "cat": job}, names, args.rounds)
        total, own, made = calls_per_file(names, args.top)
        print(
            f"{len(names)} {folder:<9} {cpu['floor']:8.1f} {cpu['stream']:9.1f} {cpu['whole']:8.1f} {cpu['cat']:8.1f}"
            f" {cpu['whole'] - cpu['floor']:7.1f} {cpu['cat'] - cpu['whole']:7.1f}"
            f" | {total:15.1f} {own:8.1f} {made:9.1f}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
