"""Start-up of the arrowio command as a process: whole-process times, and what each module's
import costs, for a build and a baseline build taking turns.

    python benchmarks/bench_startup.py --arrowio V/bin/arrowio [--baseline B/bin/arrowio]
                                       [--rounds 21] [--top 30] [--modules 'cat tiny.gz']

Rows (stdout on /dev/null): ``cat tiny.gz``; ``cat`` of the corpus's first 4 MiB as it is, as
``.zst`` and as ``.gz`` (``zstd -3``, ``gzip -6``: files too large to be read whole, decoded in
pieces); ``cat corpus.zst`` and ``cat corpus.gz`` (64 and 73 MiB, one frame or member, 256 MiB
decoded: start-up before the first byte of a large file, beside its decoding);
``compress -C zstd --level 3 -c`` of the corpus's first MiB;
and the venv's ``python -c pass`` (the interpreter and its site start-up). Each shows the median
and the smallest wall and CPU time (user + system) of the process; on a busy machine compare CPU.
The ``first byte`` rows time, from the spawn, the first byte of ``cat corpus.zst`` and ``cat
corpus.gz`` on a pipe (the process is then ended by SIGPIPE): the start-up of a large file alone,
which its 0.3 s of decoding hides in the whole run (wall only: the process does not finish).
Then the modules of ``cat tiny.gz`` (or of the row ``--modules`` names) by their own import time
as ``-X importtime`` reports it (the smallest of the rounds: the option adds its own overhead and
a busy machine adds noise), baseline beside build, largest first. That list misses what
``importlib.import_module`` loads (the lazy exports, the format modules), on both sides.

Time plain (non-editable) installs with their bytecode compiled: an editable one adds an import
finder to every start (``python3.12 -m venv V && V/bin/pip install . && V/bin/python -m compileall
-q V/lib``). Inputs come from benchmarks/data (``bench_cli.py`` makes them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bench_cli import DATA, python_of


def timed(argv: list[str], stderr: int | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of the process ``argv``, stdout on /dev/null (stderr too, unless given)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull if stderr is None else stderr, 2)]
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
    finally:
        os.close(devnull)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}")
    return wall, usage.ru_utime + usage.ru_stime


def first_byte(argv: list[str]) -> tuple[float, float]:
    """Wall seconds from spawning ``argv`` to the first byte on its stdout, a pipe closed then
    (the process ends by SIGPIPE); CPU is not known (NaN)."""
    read_end, write_end = os.pipe()
    try:
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, write_end, 1)])
        os.close(write_end)
        write_end = -1
        if not os.read(read_end, 1):
            raise SystemExit(f"no output: {' '.join(argv)}")
        wall = time.perf_counter() - start
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    os.waitpid(pid, 0)
    return wall, float("nan")


def import_times(python: str, script: str, args: list[str]) -> dict[str, int]:
    """Each module's own import time (microseconds) in one ``python -X importtime SCRIPT ARGS``."""
    with tempfile.TemporaryFile() as err:
        timed([python, "-X", "importtime", script, *args], stderr=err.fileno())
        err.seek(0)
        lines = err.read().decode().splitlines()
    found = {}
    for line in lines[1:]:
        if line.startswith("import time:"):
            own, _, name = line.removeprefix("import time:").split("|")
            found[name.strip()] = int(own)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arrowio", required=True, metavar="CMD", help="the arrowio script of the build to time")
    parser.add_argument("--baseline", metavar="CMD", help="the arrowio script of the build to compare with")
    parser.add_argument("--rounds", type=int, default=21, help="alternating rounds (the corpus row: a third)")
    parser.add_argument("--top", type=int, default=30, help="modules to list")
    parser.add_argument("--modules", default="cat tiny.gz", metavar="ROW", help="the row whose modules to list")
    args = parser.parse_args()
    builds = [args.arrowio] + ([args.baseline] if args.baseline else [])
    with tempfile.TemporaryDirectory() as scratch:
        plain, mib = Path(scratch, "head.bin"), Path(scratch, "mib.bin")
        with (DATA / "corpus.bin").open("rb") as corpus:
            plain.write_bytes(corpus.read(4 << 20))
        mib.write_bytes(plain.read_bytes()[: 1 << 20])
        for suffix, tool in ((".zst", ["zstd", "-3", "-q", "-c"]), (".gz", ["gzip", "-6", "-c"])):
            with plain.with_suffix(suffix).open("wb") as out:
                subprocess.run([*tool, str(plain)], stdout=out, check=True)
        rows = {
            "cat tiny.gz": ["cat", str(DATA / "tiny.gz")],
            "cat 4 MiB": ["cat", str(plain)],
            "cat 4 MiB .zst": ["cat", str(plain.with_suffix(".zst"))],
            "cat 4 MiB .gz": ["cat", str(plain.with_suffix(".gz"))],
            "cat corpus.zst": ["cat", str(DATA / "corpus.bin.zst")],
            "cat corpus.gz": ["cat", str(DATA / "corpus.bin.gz")],
            "compress zstd -3 -c 1 MiB": ["compress", "-C", "zstd", "--level", "3", "-c", str(mib)],
        }
        if args.modules not in rows:
            parser.error(f"--modules: no row {args.modules!r} (rows: {', '.join(rows)})")
        print(f"python {sys.version.split()[0]}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
        print(f"{'row':<28} {'build':<9} {'wall':>8} {'min':>8} {'cpu':>8} {'min':>8}  (ms, medians and smallest)")
        for label, row_args in rows.items():
            rounds = max(3, args.rounds // 3) if "corpus" in label else args.rounds
            _report(label, [[script, *row_args] for script in builds], rounds)
        for name in ("corpus.bin.zst", "corpus.bin.gz"):
            label = f"first byte cat {name.removeprefix('corpus.bin')[1:]}"
            _report(label, [[script, "cat", str(DATA / name)] for script in builds], args.rounds, first_byte)
        _report("python -c pass", [[python_of(script), "-c", "pass"] for script in builds], args.rounds)
        _modules(builds, args.modules, rows[args.modules], args.rounds, args.top)


def _report(
    label: str, commands: list[list[str]], rounds: int, measure: Callable[..., tuple[float, float]] = timed
) -> None:
    for command in commands:
        measure(command)  # warm-up: page cache, bytecode
    runs: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(rounds):
        for command, done in zip(commands, runs, strict=True):
            done.append(measure(command))
    for name, done in zip(("build", "baseline"), runs, strict=False):
        walls, cpus = [r[0] * 1e3 for r in done], [r[1] * 1e3 for r in done]
        print(
            f"{label:<28} {name:<9} {statistics.median(walls):>8.1f} {min(walls):>8.1f} "
            f"{statistics.median(cpus):>8.1f} {min(cpus):>8.1f}",
            flush=True,
        )


def _modules(builds: list[str], label: str, row_args: list[str], rounds: int, top: int) -> None:
    """The modules of ``arrowio ROW_ARGS`` by own import time, the smallest of ``rounds`` runs."""
    least: list[dict[str, int]] = [defaultdict(lambda: sys.maxsize) for _ in builds]
    for _ in range(rounds):
        for script, best in zip(builds, least, strict=True):
            for name, own in import_times(python_of(script), script, row_args).items():
                best[name] = min(best[name], own)
    names = sorted(set().union(*least), key=lambda n: -max(b.get(n, 0) for b in least))
    heads = ["baseline", "build"] if len(builds) == 2 else ["build"]
    order = least[::-1]  # baseline first, as before and after
    print(f"\nown import time of each module of 'arrowio {label}', us (the smallest of {rounds} runs)")
    print(f"{'module':<44}" + "".join(f"{h:>10}" for h in heads))
    print(f"{'all':<44}" + "".join(f"{sum(b.values()):>10}" for b in order))
    for name in names[:top]:
        print(f"{name:<44}" + "".join(f"{b.get(name, 0):>10}" for b in order))


if __name__ == "__main__":
    main()
