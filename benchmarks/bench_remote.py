"""Remote reads against a local SeaweedFS: arrowio vs pyarrow.fs.S3FileSystem vs s3fs.

Starts its own ``weed server -s3`` (the test fixture's launcher), uploads a 256 MiB object, then
times, alternating sides each round, in child processes (so each side's peak RSS is its own;
each child imports its libraries before the clock starts, then creates its client and reads):

* sequential read of the object: ``arrowio.input_stream(url).read_buffer(4 MiB)`` until the end,
  vs ``pyarrow.fs.S3FileSystem(endpoint_override=...).open_input_stream(...).read_buffer(4 MiB)``,
  vs ``s3fs.S3FileSystem.cat_file``. Goal (issue 15): a time ratio <= 1.0 to the faster one, and
  peak RSS <= 100 MiB.
* the command line on a zstd object of the same decoded size: ``arrowio cat s3://bench/big.zst >
  /dev/null`` vs downloading it (``pyarrow.fs.copy_files``) and then ``zstd -d -c big.zst >
  /dev/null``, both whole commands timed from outside (start-up included), credentials and
  endpoint in ``AWS_*`` variables. Goal (issue 15): ratio <= 0.8 (decoding overlaps the
  transfer), peak RSS <= 100 MiB.
* ``arrowio info s3://bench/big.zst`` alone, whole command: its time and peak RSS (goal <= 100 MiB).

The tables show the best time of each side, the CPU time (user + system, whole process) of that
run and the mean CPU time of its rounds, its throughput, its ratio to the anchor (arrowio time /
anchor time, lower is better) and its peak RSS (the largest of its rounds). The machine's load
moves wall-clock times; CPU times move less.

``--arrowio CMD`` times another install's ``arrowio`` (a plain, non-editable one, as users run
it); the ``input_stream`` row then runs in that install's python (its shebang's). ``--baseline
CMD`` times a second install (the checkout before a change) in the same alternation, as an extra
row of each table that is never the anchor: on a busy machine, before and after compare fairly
only when they take turns in one run.

    python benchmarks/bench_remote.py [--size-mib 256] [--rounds 3] [--arrowio CMD] [--baseline CMD]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "helpers"))

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

    fs = pyarrow.fs.S3FileSystem(
        access_key=options["key"],
        secret_key=options["secret"],
        endpoint_override=options["endpoint_url"].removeprefix("http://"),
        scheme="http",
    )
    total = 0
    with fs.open_input_stream(url.removeprefix("s3://")) as f:
        while size := f.read_buffer(CHUNK).size:
            total += size
    return total


def read_s3fs(url: str, options: dict) -> int:
    import s3fs

    return len(s3fs.S3FileSystem(**options).cat_file(url))


SIDES = {"arrowio input_stream": read_arrowio, "pyarrow S3FileSystem": read_pyarrow, "s3fs cat_file": read_s3fs}
#: Peak RSS goal of issue 15, MiB.
RSS_GOAL = 100
#: Imported before the clock starts: the table compares reading, not import times (bench_cli does those).
IMPORTS = {
    "arrowio input_stream": ("arrowio", "fsspec", "s3fs"),
    "pyarrow S3FileSystem": ("pyarrow.fs",),
    "s3fs cat_file": ("s3fs",),
}


def worker(side: str, url: str, key: str, secret: str, endpoint: str) -> None:
    import importlib

    for module in IMPORTS[side]:
        importlib.import_module(module)
    options = {"key": key, "secret": secret, "endpoint_url": endpoint}
    started, cpu = time.perf_counter(), _cpu_seconds()
    count = SIDES[side](url, options)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    # VmHWM is this program's own peak: ru_maxrss would include the parent's size at fork.
    peak_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(f"{seconds} {cpu} {count} {peak_kib}")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime


#: One timed run: (seconds, CPU seconds, bytes read or 0, peak RSS in MiB).
Result = tuple[float, float, int, float]


def run_side(side: str, url: str, store: SeaweedFS, python: str = sys.executable) -> Result:
    """One timed read in a child process of ``python``."""
    done = subprocess.run(
        [python, __file__, "--worker", side, url, store.key, store.secret, store.endpoint_url],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    seconds, cpu, count, peak_kib = done.stdout.split()
    return float(seconds), float(cpu), int(count), int(peak_kib) / 1024


def run_command(command: str, env: dict[str, str]) -> Result:
    """A shell command, whole: CPU time of every process it ran and the peak RSS of the largest,
    measured by /usr/bin/time (a small parent, so the figures are the command's own; NaN without it)."""
    with tempfile.NamedTemporaryFile("r") as report:
        timer = ["/usr/bin/time", "-f", "%M %U %S", "-o", report.name] if os.path.exists("/usr/bin/time") else []
        started = time.perf_counter()
        subprocess.run([*timer, "sh", "-c", command], env=env, check=True)
        seconds = time.perf_counter() - started
        if timer:
            peak_kib, user, system = report.read().split()[-3:]
            return seconds, float(user) + float(system), 0, int(peak_kib) / 1024
    return seconds, float("nan"), 0, float("nan")


# -- setup ----------------------------------------------------------------------------------------
def upload(store: SeaweedFS, key: str, size: int) -> str:
    import arrowio as pa

    url = f"s3://{BUCKET}/{key}"
    block = os.urandom(16 * 1024 * 1024)
    with pa.output_stream(url, storage_options=store.storage_options, compression=None) as out:
        for start in range(0, size, len(block)):
            out.write(block[: min(len(block), size - start)])
    return url


def log_corpus(path: Path, size: int) -> None:
    """``size`` bytes of log-like text (compresses about 4x with zstd -3)."""
    rng = random.Random(7)
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(2000)]
    lines = [
        b"%08d %s %s\n" % (i, rng.choice((b"INFO", b"WARN", b"DEBUG")), b" ".join(rng.sample(words, 8)))
        for i in range(100_000)
    ]
    block = b"".join(lines)
    with open(path, "wb") as out:
        for start in range(0, size, len(block)):
            out.write(block[: min(len(block), size - start)])


def upload_file(store: SeaweedFS, key: str, path: Path) -> str:
    import arrowio as pa

    url = f"s3://{BUCKET}/{key}"
    with open(path, "rb") as src, pa.output_stream(url, storage_options=store.storage_options, compression=None) as out:
        out.upload(src, 16 * 1024 * 1024)
    return url


def python_of(arrowio: str) -> str:
    """The python that runs the ``arrowio`` script (its shebang's: its venv's); this one where
    that cannot be read."""
    try:
        with open(shutil.which(arrowio) or arrowio, "rb") as script:
            first = script.readline()
    except OSError:
        return sys.executable
    words = first[2:].decode(errors="replace").split() if first.startswith(b"#!") else []
    return words[0] if words and os.access(words[0], os.X_OK) else sys.executable


def cli_commands(url: str, store: SeaweedFS, folder: str, arrowio: str) -> dict[str, str]:
    arrowio = shlex.quote(arrowio)
    local = os.path.join(folder, "downloaded.zst")
    endpoint = store.endpoint_url.removeprefix("http://")
    download = (
        f"import pyarrow.fs as f; f.copy_files({url.removeprefix('s3://')!r}, {local!r}, "
        f"source_filesystem=f.S3FileSystem(endpoint_override={endpoint!r}, scheme='http'), "
        "destination_filesystem=f.LocalFileSystem())"
    )
    python, local = shlex.quote(sys.executable), shlex.quote(local)
    return {
        "arrowio cat": f"{arrowio} cat {shlex.quote(url)} > /dev/null",
        "download + zstd -d": f"{python} -c {shlex.quote(download)} && zstd -d -q -c {local} > /dev/null && rm {local}",
    }


def info_command(url: str, arrowio: str) -> dict[str, str]:
    return {"arrowio info": f"{shlex.quote(arrowio)} info {shlex.quote(url)} > /dev/null"}


#: The label of a table's extra row for the ``--baseline`` install.
BASELINE = "baseline"


def table(
    title: str,
    url: str,
    store: SeaweedFS,
    sides: list[str],
    rounds: int,
    goal: float | None,
    commands: dict[str, str] | None = None,
    pythons: dict[str, str] | None = None,
) -> None:
    """Time ``sides`` (the first is arrowio, the fastest other the anchor; a side named
    :data:`BASELINE` is shown but never the anchor) in ``rounds`` alternating rounds: each a
    shell command of ``commands``, else an ``input_stream``-like read in a worker of the python
    that ``pythons`` names for it (this one by default)."""
    best: dict[str, Result] = {}
    cpus: dict[str, list[float]] = {}
    peaks: dict[str, float] = {}
    pythons = pythons or {}
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": store.key,
        "AWS_SECRET_ACCESS_KEY": store.secret,
        "AWS_ENDPOINT_URL": store.endpoint_url,
    }
    ours, *others = sides
    anchors = [side for side in others if side != BASELINE]
    for _ in range(rounds):
        for side in sides:
            if commands:
                result = run_command(commands[side], env)
            else:
                worker_side = ours if side == BASELINE else side
                result = run_side(worker_side, url, store, pythons.get(side, sys.executable))
            if side not in best or result[0] < best[side][0]:
                best[side] = result
            cpus.setdefault(side, []).append(result[1])
            peaks[side] = max(peaks.get(side, 0.0), result[3])
    anchor = min(anchors, key=lambda side: best[side][0]) if anchors else ours
    print(f"\n{title} (anchor: {anchor}, best of {rounds})")
    print(f"{'side':<24} {'seconds':>8} {'CPU s':>7} {'mean CPU':>8} {'MB/s':>8} {'ratio':>7} {'peak RSS':>10}")
    for side in sides:
        seconds, cpu, count, _ = best[side]
        ratio = seconds / best[anchor][0]
        rate = f"{count / seconds / 1e6:>8.0f}" if count else f"{'-':>8}"
        mean_cpu = sum(cpus[side]) / len(cpus[side])
        print(f"{side:<24} {seconds:>8.3f} {cpu:>7.2f} {mean_cpu:>8.2f} {rate} {ratio:>7.2f} {peaks[side]:>7.0f} MiB")
    ratio = best[ours][0] / best[anchor][0]
    if goal is not None:
        print(f"goal: ratio <= {goal:.2f} -> {'ok' if ratio <= goal else 'MISSED'} ({ratio:.2f})")
    print(f"goal: peak RSS <= {RSS_GOAL} MiB -> {'ok' if peaks[ours] <= RSS_GOAL else 'MISSED'} ({peaks[ours]:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=256, help="size of the object read")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best is kept")
    parser.add_argument(
        "--arrowio", metavar="CMD", default=str(Path(sys.executable).parent / "arrowio"), help="the arrowio timed"
    )
    parser.add_argument("--baseline", metavar="CMD", help="a second arrowio timed in the same alternation")
    args = parser.parse_args()
    ours = "arrowio input_stream"
    pythons = {ours: python_of(args.arrowio)}
    read_sides = [ours, *(s for s in SIDES if s != ours)]
    if args.baseline:
        pythons[BASELINE] = python_of(args.baseline)
        read_sides.append(BASELINE)
    with tempfile.TemporaryDirectory(prefix="bench-remote-") as folder, SeaweedFS(folder) as store:
        import s3fs

        s3fs.S3FileSystem(**store.storage_options).mkdir(BUCKET)
        started = time.perf_counter()
        big = upload(store, "big.bin", args.size_mib * 1024 * 1024)
        print(f"uploaded {args.size_mib} MiB through arrowio.output_stream in {time.perf_counter() - started:.1f} s")
        table(f"sequential read of {args.size_mib} MiB", big, store, read_sides, args.rounds, 1.0, pythons=pythons)
        if shutil.which("zstd") is None:
            raise SystemExit("the zstd command is needed for the command-line comparison")
        corpus = Path(folder) / "corpus.log"
        log_corpus(corpus, args.size_mib * 1024 * 1024)
        subprocess.run(["zstd", "-3", "-T0", "-q", "-f", str(corpus), "-o", f"{corpus}.zst"], check=True)
        corpus.unlink()
        packed = upload_file(store, "big.zst", Path(f"{corpus}.zst"))
        print(f"\nbig.zst: {os.path.getsize(f'{corpus}.zst') / 2**20:.0f} MiB, {args.size_mib} MiB decoded")
        commands = cli_commands(packed, store, folder, args.arrowio)
        if args.baseline:
            commands[BASELINE] = cli_commands(packed, store, folder, args.baseline)["arrowio cat"]
        table(
            f"command line, s3://{BUCKET}/big.zst to /dev/null",
            packed,
            store,
            list(commands),
            args.rounds,
            goal=0.8,
            commands=commands,
        )
        info = info_command(packed, args.arrowio)
        if args.baseline:
            info[BASELINE] = info_command(packed, args.baseline)["arrowio info"]
        table(f"arrowio info s3://{BUCKET}/big.zst", packed, store, list(info), args.rounds, None, info)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:])
    else:
        main()
