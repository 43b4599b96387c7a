"""The arrowio command line as a whole process against the tools people would run instead.

Every row is a shell command line timed from fork to exit (interpreter start-up, imports, the
work, the exit), arrowio and its anchor run alternately, ``--rounds`` times each after a warm-up
run of both, on the same files. Data rows run twice, once with stdout on /dev/null and once into
a pipe (``| cat > /dev/null``), because the two cost differently. The table shows for each
side the median wall time, the median CPU time (user + system of the whole pipeline: on a
busy machine wall time also counts the wait for a core) and the peak RSS (the largest process
of the pipeline, by /usr/bin/time; "-" where it is not installed); the ratios (arrowio /
anchor, lower is better) and the issue's goals come last.

``compress -o FILE`` rows write a file, which arrowio does atomically: a temporary file, fsynced,
renamed into place, then the folder fsynced. ``zstd -o`` syncs nothing, so each such row runs
twice: against ``zstd -o`` as people run it (sink ``file``) and against ``zstd -o`` followed by
``sync`` of the file and its folder (sink ``file+sync``), the same work; the difference between
the two anchors is what the syncs cost.

    python benchmarks/bench_cli.py [--rounds 7] [--startup-runs 20] [--big-gib 1] [--only TEXT] [--arrowio CMD]
                                   [--baseline CMD]

``--arrowio`` times another arrowio command (an older checkout's, say) in arrowio's place. The
start-up rows' anchor, ``python -c "import click"``, runs with the python of that command's venv
(read from its shebang), so both sides start the same interpreter with the same site set-up. The
numbers users meet are those of a plain (non-editable) install: an editable one adds an import
finder to every start of its venv's python (~14 ms here). Time one with
``python3.12 -m venv V && V/bin/pip install . && python benchmarks/bench_cli.py --arrowio V/bin/arrowio``.
``--baseline`` times a second arrowio command (the checkout before a change) in the same
alternation, and adds its CPU time and the ratio arrowio / baseline: on a busy machine, before
and after compare fairly only when they take turns in one run.

Inputs are made once under benchmarks/data/ (git-ignored): the 256 MiB mixed corpus of
bench_compression.py with its ``zstd -3`` and ``gzip -6`` forms, a ``zstd -3`` file of
``--big-gib`` GiB (the corpus repeated), 1,000 small logs (10 KiB each) as .gz and as .zst,
a tiny .gz, and a plain random file.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_compression import build_corpus

DATA = Path(__file__).resolve().parent / "data"
ARROWIO = str(Path(sys.executable).with_name("arrowio"))
LOGS = 1000
LOG_SIZE = 10 << 10
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def _made(path: Path, command: str) -> Path:
    """``path``, made by the shell ``command`` (which writes it to stdout) unless it exists."""
    if not path.exists():
        part = path.with_name(path.name + ".part")
        with open(part, "wb") as out:
            subprocess.run(["/bin/sh", "-c", command], stdout=out, check=True)
        part.rename(path)
    return path


def _logs(folder: Path, suffix: str, compress: list[str]) -> list[Path]:
    """LOGS text logs of LOG_SIZE bytes, compressed one file each by ``compress``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{i:04d}.log{suffix}" for i in range(LOGS)]
    if all(p.exists() for p in paths):
        return paths
    rng = random.Random(1)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(2000)]
    for i, path in enumerate(paths):
        lines, size = [], 0
        while size < LOG_SIZE:
            lines.append(
                f"2026-12-07T15:{i % 60:02d}:{len(lines) % 60:02d} INFO {' '.join(rng.choices(words, k=10))}\n"
            )
            size += len(lines[-1])
        text = "".join(lines).encode()[:LOG_SIZE]
        path.write_bytes(subprocess.run(compress, input=text, stdout=subprocess.PIPE, check=True).stdout)
    return paths


def make_inputs(big_gib: int, plain_mib: int) -> dict[str, Path]:
    corpus = build_corpus()
    big = DATA / f"big-{big_gib}G.zst"
    repeats = (big_gib << 30) // corpus.stat().st_size
    inputs = {
        "corpus": corpus,
        "zst": _made(DATA / "corpus.bin.zst", f"zstd -q -3 -c '{corpus}'"),
        "gz": _made(DATA / "corpus.bin.gz", f"gzip -6 -c '{corpus}'"),
        "big": _made(big, f"for i in $(seq {repeats}); do cat '{corpus}'; done | zstd -q -3 -c"),
        "tiny": _made(DATA / "tiny.gz", "printf 'tiny\\n' | gzip -c"),
        "plain": _made(DATA / f"plain-{plain_mib}M.bin", f"head -c {plain_mib << 20} /dev/urandom"),
    }
    _logs(DATA / "logs-gz", ".gz", ["gzip", "-6", "-c"])
    _logs(DATA / "logs-zst", ".zst", ["zstd", "-q", "-3", "-c"])
    return inputs


@dataclass
class Run:
    wall: float
    cpu: float  # user + system of every process of the pipeline
    rss: int | None


def timed(command: str) -> Run:
    """One shell command line, from fork to exit.

    RSS comes from /usr/bin/time, a small process between us and the command: a child of this
    (large) Python process would inherit its peak RSS at exec and report that instead. CPU time
    is what this process's waited-for descendants used, before and after.
    """
    rss_file = DATA / f".rss.{os.getpid()}"  # one per run: several runs may share the data folder
    argv = [TIME, "-f", "%M", "-o", str(rss_file), "/bin/sh", "-c", command] if TIME else ["/bin/sh", "-c", command]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    code = subprocess.run(argv).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        raise SystemExit(f"failed ({code}): {command}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss = None
    if TIME:
        rss = int(rss_file.read_text().split()[-1]) * 1024
        rss_file.unlink()
    return Run(wall, cpu, rss)


@dataclass
class Row:
    label: str
    sink: str
    ours: str
    anchor: str
    goal: float | None
    baseline: str | None = None  # the same command line with the baseline arrowio


def measure(row: Row, rounds: int) -> tuple[list[Run], list[Run], list[Run]]:
    """Alternating runs of every side after one warm-up each (page cache, interpreter files):
    arrowio, the anchor, and the baseline arrowio when there is one."""
    commands = [row.ours, row.anchor] + ([row.baseline] if row.baseline else [])
    for command in commands:
        timed(command)
    runs: list[list[Run]] = [[] for _ in commands]
    for _ in range(rounds):
        for command, done in zip(commands, runs, strict=True):
            done.append(timed(command))
    return runs[0], runs[1], runs[2] if row.baseline else []


SINKS = {"/dev/null": "> /dev/null", "pipe": "| cat > /dev/null"}


def file_rows(q: dict[str, str], a: str, out: Path) -> list[Row]:
    """Compression into a file (see the module doc): arrowio's atomic, fsynced output vs ``zstd -o``
    without and with the same syncs."""
    ours, theirs = f"'{out / 'arrowio.zst'}'", f"'{out / 'zstd.zst'}'"
    zstd = f"zstd -q -3 -f {q['corpus']} -o {theirs}"
    label = "compress zstd -3 -o FILE | zstd -o"
    command = f"{a} compress -C zstd -3 -f {q['corpus']} -o {ours}"
    return [
        Row(label, "file", command, zstd, None),
        Row(label, "file+sync", command, f"{zstd} && sync {theirs} '{out}'", 1.05),
    ]


def rows(q: dict[str, str], big_gib: int, arrowio: str, out: Path, python: str) -> list[Row]:
    a = f"'{arrowio}'"
    logs_gz, logs_zst = f"'{DATA}/logs-gz/'*.gz", f"'{DATA}/logs-zst/'*.zst"
    data = [
        ("cat corpus.zst | zstd -dc", f"{a} cat {q['zst']}", f"zstd -dc {q['zst']}", 1.05),
        ("cat corpus.gz | igzip -dc", f"{a} cat {q['gz']}", f"igzip -dc {q['gz']}", 1.05),
        ("cat corpus.gz | zcat", f"{a} cat {q['gz']}", f"zcat {q['gz']}", None),
        (f"cat {big_gib} GiB .zst | zstd -dc", f"{a} cat {q['big']}", f"zstd -dc {q['big']}", 1.05),
        (f"cat {LOGS} small .gz | zcat", f"{a} cat {logs_gz}", f"zcat {logs_gz}", 1.0),
        (f"cat {LOGS} small .gz | igzip -dc", f"{a} cat {logs_gz}", f"igzip -dc {logs_gz}", None),
        (f"cat {LOGS} small .zst | zstd -dc", f"{a} cat {logs_zst}", f"zstd -qdc {logs_zst}", 1.0),
        ("cat plain.bin | cat", f"{a} cat {q['plain']}", f"cat {q['plain']}", 1.2),
        (
            "compress zstd -3 | zstd -3",
            f"{a} compress -C zstd -3 -c {q['corpus']}",
            f"zstd -q -3 -c {q['corpus']}",
            1.05,
        ),
        (
            "compress zstd -3 -T0 | zstd -T0",
            f"{a} compress -C zstd -3 -T 0 -c {q['corpus']}",
            f"zstd -q -3 -T0 -c {q['corpus']}",
            1.05,
        ),
        (
            "compress gzip -6 -T0 | pigz -6",
            f"{a} compress -C gzip -6 -T 0 -c {q['corpus']}",
            f"pigz -6 -c {q['corpus']}",
            1.0,
        ),
    ]
    made = [
        Row(
            "start-up: --version | import click",
            "/dev/null",
            f"{a} --version > /dev/null",
            f"'{python}' -c 'import click'",
            1.5,
        ),
        Row(
            "start-up: cat tiny.gz | import click",
            "/dev/null",
            f"{a} cat {q['tiny']} > /dev/null",
            f"'{python}' -c 'import click'",
            1.3,
        ),
    ]
    for label, ours, anchor, goal in data:
        for sink, redirect in SINKS.items():
            made.append(Row(label, sink, f"{ours} {redirect}", f"{anchor} {redirect}", goal))
    return made + file_rows(q, a, out)


def python_of(arrowio: str) -> str:
    """The python that runs the ``arrowio`` script (the one its shebang names: its venv's), so that
    the start-up anchor pays the same interpreter and site start-up; this python where that
    cannot be read."""
    path = shutil.which(arrowio) or arrowio
    try:
        with open(path, "rb") as script:
            first = script.readline()
    except OSError:
        return sys.executable
    if not first.startswith(b"#!"):
        return sys.executable
    words = first[2:].decode(errors="replace").split()
    return words[0] if words and os.access(words[0], os.X_OK) else sys.executable


def _mib(rss: int | None) -> str:
    return "-" if rss is None else f"{rss / 2**20:.0f} M"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds for the data rows; medians are shown")
    parser.add_argument("--startup-runs", type=int, default=20, help="alternating rounds for the start-up rows")
    parser.add_argument("--big-gib", type=int, default=1, help="size of the large .zst input (decoded), GiB")
    parser.add_argument("--plain-mib", type=int, default=512, help="size of the plain random file")
    parser.add_argument("--only", metavar="TEXT", help="run only the rows whose label contains TEXT")
    parser.add_argument(
        "--arrowio",
        default=ARROWIO,
        metavar="CMD",
        help="the arrowio command to time; the start-up anchor runs its venv's python. "
        "Users meet the numbers of a plain (non-editable) install",
    )
    parser.add_argument("--baseline", metavar="CMD", help="a second arrowio command timed in the same alternation")
    args = parser.parse_args()
    for tool in ("gzip", "igzip", "zcat", "zstd", "pigz"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed; see the README for the packages")
    # Start-up is measured as installed: with the bytecode already compiled, whatever the caller's
    # PYTHONDONTWRITEBYTECODE says.
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(root / "core"), str(root / "arrowio_cli")], check=True
    )
    python = python_of(args.arrowio)
    inputs = make_inputs(args.big_gib, args.plain_mib)
    q = {k: f"'{v}'" for k, v in inputs.items()}
    print(
        f"inputs: {inputs['corpus'].stat().st_size >> 20} MiB mixed corpus (zstd -3: {inputs['zst'].stat().st_size >> 20} MiB, "
        f"gzip -6: {inputs['gz'].stat().st_size >> 20} MiB), {args.big_gib} GiB .zst, {LOGS} logs of {LOG_SIZE >> 10} KiB; "
        f"python {sys.version.split()[0]}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"arrowio: {args.arrowio}; start-up anchor: {python} -c 'import click'")
    print("medians; wall s and CPU s (user+sys) of arrowio, then of the anchor; ratio = arrowio / anchor")
    print(
        f"{'case':<36} {'sink':<9} {'wall':>7} {'cpu':>7} {'rss':>6} | {'wall':>7} {'cpu':>7} {'rss':>6} | "
        f"{'wall x':>6} {'cpu x':>6}  goal{'  | baseline cpu, cpu x vs it' if args.baseline else ''}"
    )
    # Outputs of the -o rows: a folder of our own beside the shared inputs (same file system),
    # removed at the end.
    out = Path(tempfile.mkdtemp(prefix=".bench-cli-", dir=DATA))
    try:
        baselines = (
            {(r.label, r.sink): r.ours for r in rows(q, args.big_gib, args.baseline, out, python)}
            if args.baseline
            else {}
        )
        for row in rows(q, args.big_gib, args.arrowio, out, python):
            if args.only and args.only not in row.label:
                continue
            row.baseline = baselines.get((row.label, row.sink))
            _report(row, args)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _report(row: Row, args: argparse.Namespace) -> None:
    """Measure one row and print its line of the table."""
    rounds = args.startup_runs if row.label.startswith("start-up") else args.rounds
    ours, theirs, base = measure(row, rounds)
    wall_o, wall_t = statistics.median(r.wall for r in ours), statistics.median(r.wall for r in theirs)
    cpu_o, cpu_t = statistics.median(r.cpu for r in ours), statistics.median(r.cpu for r in theirs)
    ratio = wall_o / wall_t
    verdict = "report" if row.goal is None else f"<= {row.goal} {'ok' if ratio <= row.goal else 'MISSED'}"
    print(
        f"{row.label:<36} {row.sink:<9} {wall_o:>7.3f} {cpu_o:>7.3f} {_mib(ours[-1].rss):>6} | "
        f"{wall_t:>7.3f} {cpu_t:>7.3f} {_mib(theirs[-1].rss):>6} | {ratio:>6.2f} {cpu_o / cpu_t:>6.2f}  {verdict}"
        + (f"  | {(cpu_b := statistics.median(r.cpu for r in base)):>7.3f} {cpu_o / cpu_b:>6.2f}" if base else ""),
        flush=True,
    )


if __name__ == "__main__":
    main()
