"""The arrowio command line against the tools people would use instead: start-up, cat, compress.

Each row runs the arrowio command and its anchor alternately, several rounds, on the same
files; the table shows the best wall time of each, their ratio (arrowio / anchor, lower is
better) against the issue's goal, and each side's peak RSS (the largest process of the
pipeline, by /usr/bin/time; "-" where it is not installed).

    python benchmarks/bench_cli.py [--corpus-mib 256] [--plain-mib 512] [--rounds 5] [--startup-runs 20] [--only TEXT]

Inputs are made once under benchmarks/data/ (git-ignored): a text-like corpus, its gzip -6, a
tiny gzip, and a plain random file. The data rows include arrowio's start-up (~0.1 s), so the
inputs are large enough for the data to dominate.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
ARROWIO = str(Path(sys.executable).with_name("arrowio"))
PYTHON = sys.executable


def make_inputs(corpus_size: int, plain_size: int) -> dict[str, Path]:
    """A compressible text-like corpus (words of a Zipf-ish vocabulary), its .gz, tiny.gz, plain.bin."""
    DATA.mkdir(exist_ok=True)
    corpus = DATA / f"corpus-{corpus_size >> 20}M.txt"
    if not corpus.exists() or corpus.stat().st_size != corpus_size:
        rng = random.Random(0)
        vocabulary = ["".join(rng.choice("etaoinshrdlucmfwypvbgkqjxz") for _ in range(rng.randint(2, 10))) for _ in range(5000)]
        weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
        with open(corpus, "wb") as out:
            written = 0
            while written < corpus_size:
                lines = [" ".join(rng.choices(vocabulary, weights, k=12)) for _ in range(10000)]
                block = ("\n".join(lines) + "\n").encode()[: corpus_size - written]
                out.write(block)
                written += len(block)
    gz = corpus.with_suffix(".txt.gz")
    if not gz.exists() or gz.stat().st_mtime < corpus.stat().st_mtime:
        with open(gz, "wb") as out:
            subprocess.run(["gzip", "-6", "-c", corpus], stdout=out, check=True)
    tiny = DATA / "tiny.gz"
    if not tiny.exists():
        with open(tiny, "wb") as out:
            subprocess.run(["gzip", "-c"], input=b"tiny\n", stdout=out, check=True)
    plain = DATA / f"plain-{plain_size >> 20}M.bin"
    if not plain.exists() or plain.stat().st_size != plain_size:
        with open(plain, "wb") as out:
            for _ in range(plain_size >> 24):
                out.write(os.urandom(1 << 24))
            out.write(os.urandom(plain_size & ((1 << 24) - 1)))
    return {"corpus": corpus, "gz": gz, "tiny": tiny, "plain": plain}


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def timed(command: str) -> tuple[float, int | None]:
    """Wall seconds and peak RSS (bytes; None without /usr/bin/time) of one shell command.

    RSS comes from /usr/bin/time, a small process between us and the command: a child of this
    (large) Python process would inherit its peak RSS at exec and report that instead.
    """
    rss_file = DATA / ".rss"
    argv = [TIME, "-f", "%M", "-o", str(rss_file), "/bin/sh", "-c", command] if TIME else ["/bin/sh", "-c", command]
    start = time.perf_counter()
    code = subprocess.run(argv).returncode
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"failed ({code}): {command}")
    rss = int(rss_file.read_text().split()[-1]) * 1024 if TIME else None
    return seconds, rss


def compare(ours: str, anchor: str, rounds: int) -> tuple[float, float, int | None, int | None]:
    best_ours = best_anchor = float("inf")
    rss_ours = rss_anchor = None
    timed(ours), timed(anchor)  # warm the page cache and the interpreter's files
    for _ in range(rounds):
        seconds, rss = timed(ours)
        best_ours, rss_ours = min(best_ours, seconds), rss
        seconds, rss = timed(anchor)
        best_anchor, rss_anchor = min(best_anchor, seconds), rss
    return best_ours, best_anchor, rss_ours, rss_anchor


def _mib(rss: int | None) -> str:
    return "-" if rss is None else f"{rss / 2**20:.1f} M"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-mib", type=int, default=256, help="size of the text corpus (decoded)")
    parser.add_argument("--plain-mib", type=int, default=512, help="size of the plain random file")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds for the data rows; the best is kept")
    parser.add_argument("--startup-runs", type=int, default=20, help="alternating rounds for the start-up rows")
    parser.add_argument("--only", metavar="TEXT", help="run only the rows whose label contains TEXT")
    args = parser.parse_args()
    for tool in ("gzip", "igzip", "zcat", "zstd"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed; see the README for the packages")
    # Start-up is measured as installed: with the bytecode already compiled, whatever the caller's
    # PYTHONDONTWRITEBYTECODE says.
    root = Path(__file__).resolve().parent.parent
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(root / "core"), str(root / "arrowio_cli")], check=True)
    inputs = make_inputs(args.corpus_mib << 20, args.plain_mib << 20)
    q = {k: f"'{v}'" for k, v in inputs.items()}
    click_import = f"'{PYTHON}' -c 'import click'"
    rows = [
        ("start-up: arrowio --version", f"'{ARROWIO}' --version > /dev/null", click_import, 1.5, args.startup_runs),
        ("start-up: arrowio cat tiny.gz", f"'{ARROWIO}' cat {q['tiny']} > /dev/null", click_import, 1.5, args.startup_runs),
        ("cat corpus.gz vs igzip -dc", f"'{ARROWIO}' cat {q['gz']} > /dev/null", f"igzip -dc {q['gz']} > /dev/null", 1.15, args.rounds),
        ("cat corpus.gz vs zcat", f"'{ARROWIO}' cat {q['gz']} > /dev/null", f"zcat {q['gz']} > /dev/null", None, args.rounds),
        ("cat plain.bin | cat", f"'{ARROWIO}' cat {q['plain']} | cat > /dev/null", f"cat {q['plain']} | cat > /dev/null", 1.2, args.rounds),
        (
            "compress -C zstd -3 -c",
            f"'{ARROWIO}' compress -C zstd -3 -c {q['corpus']} > /dev/null",
            f"zstd -q -3 -c {q['corpus']} > /dev/null",
            1.15,
            args.rounds,
        ),
        (
            "compress to a file (atomic)",
            f"'{ARROWIO}' compress -q -f -C zstd -3 -o '{DATA}/out-a.zst' {q['corpus']}",
            f"zstd -q -f -3 -o '{DATA}/out-z.zst' {q['corpus']}",
            None,
            args.rounds,
        ),
    ]
    print(f"inputs: {args.corpus_mib} MiB corpus (gzip -6: {inputs['gz'].stat().st_size >> 20} MiB), "
          f"{args.plain_mib} MiB random plain file; python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
    print(f"{'case':<30} {'arrowio s':>10} {'anchor s':>10} {'ratio':>6}  {'goal':<12} {'RSS arrowio':>11} {'RSS anchor':>11}")
    for label, ours, anchor, goal, rounds in rows:
        if args.only and args.only not in label:
            continue
        t_ours, t_anchor, rss_ours, rss_anchor = compare(ours, anchor, rounds)
        ratio = t_ours / t_anchor
        verdict = "report" if goal is None else f"<= {goal} {'ok' if ratio <= goal else 'MISSED'}"
        print(f"{label:<30} {t_ours:>10.4f} {t_anchor:>10.4f} {ratio:>6.2f}  {verdict:<12} "
              f"{_mib(rss_ours):>11} {_mib(rss_anchor):>11}", flush=True)


if __name__ == "__main__":
    main()
