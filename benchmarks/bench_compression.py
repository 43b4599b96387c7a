"""Compression speed: arrowio against the tools people use instead, alternating on the same data.

Builds a 256 MiB mixed corpus from files on this machine (text: documentation and man pages;
source code: the Python standard library; binaries: executables and shared libraries) in
``benchmarks/data/`` (kept between runs), then times, best of ``--repeat`` alternating runs:

  decompress to /dev/null   gzip   arrowio vs pyarrow.input_stream (goal <= 0.5), igzip -d (<= 1.1), zcat
                            zstd   arrowio vs zstd -d (goal <= 1.05)
  compress to /dev/null     zstd -3 single-threaded vs zstd -3 (goal <= 1.1); all cores vs zstd -T0
                            gzip -6 on all cores vs pigz -6 (all cores)

and the peak RSS of streaming 1 GiB of zeros through a gzip input stream (goal <= 64 MiB).
Ratios are arrowio time / anchor time: lower is better. Run: ``python benchmarks/bench_compression.py``.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

CORPUS_SIZE = 256 << 20
CHUNK = 1 << 20
DATA_DIR = Path(__file__).resolve().parent / "data"

_TEXT_ROOTS = ("/usr/share/doc", "/usr/share/man", "/usr/share/common-licenses")
_SOURCE_ROOTS = tuple(sorted({os.path.dirname(os.__file__), "/usr/lib/python3", "/usr/include"}))
_BINARY_ROOTS = ("/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/lib")


def _files(roots: tuple[str, ...], accept: Callable[[str], bool]) -> list[str]:
    found = []
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                if accept(path) and os.path.isfile(path) and not os.path.islink(path):
                    found.append(path)
    return sorted(found)


def _gather(paths: list[str], budget: int, out: list[bytes]) -> None:
    """Append file contents (.gz ones decompressed: they are text) until ``budget`` bytes."""
    got = 0
    for path in paths:
        try:
            data = Path(path).read_bytes()
            if path.endswith(".gz"):
                data = gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile):
            continue
        data = data[: budget - got]
        out.append(data)
        got += len(data)
        if got >= budget:
            return


def build_corpus() -> Path:
    """The 256 MiB mixed corpus (text, source code, binaries, about a third each)."""
    path = DATA_DIR / "corpus.bin"
    if path.exists() and path.stat().st_size == CORPUS_SIZE:
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    third = CORPUS_SIZE // 3
    parts: list[bytes] = []
    _gather(_files(_TEXT_ROOTS, lambda p: True), third, parts)
    _gather(_files(_SOURCE_ROOTS, lambda p: p.endswith((".py", ".c", ".h"))), third, parts)
    _gather(_files(_BINARY_ROOTS, lambda p: os.access(p, os.X_OK) or ".so" in p), CORPUS_SIZE, parts)
    corpus = b"".join(parts)
    while len(corpus) < CORPUS_SIZE:  # a small machine: repeat what there is
        corpus += corpus
    path.write_bytes(corpus[:CORPUS_SIZE])
    return path


def _compressed(corpus: Path, suffix: str, command: list[str]) -> Path:
    path = DATA_DIR / f"corpus.bin{suffix}"
    if not path.exists() or path.stat().st_mtime < corpus.stat().st_mtime:
        with open(corpus, "rb") as src, open(path, "wb") as dst:
            subprocess.run(command, stdin=src, stdout=dst, check=True)
    return path


def _tool(command: list[str], source: Path) -> Callable[[], None]:
    def run() -> None:
        with open(source, "rb") as src, open(os.devnull, "wb") as sink:
            subprocess.run(command, stdin=src, stdout=sink, check=True)

    return run


def _arrowio_decompress(source: Path) -> Callable[[], None]:
    import arrowio

    def run() -> None:
        with arrowio.input_stream(source) as stream, open(os.devnull, "wb") as sink:
            while chunk := stream.read1(CHUNK):
                sink.write(chunk)

    return run


def _pyarrow_decompress(source: Path) -> Callable[[], None]:
    import pyarrow

    def run() -> None:
        with pyarrow.input_stream(str(source)) as stream, open(os.devnull, "wb") as sink:
            while chunk := stream.read(CHUNK):
                sink.write(chunk)

    return run


def _arrowio_compress(source: Path, name: str, level: int, threads: int) -> Callable[[], None]:
    import arrowio

    def run() -> None:
        with open(source, "rb", buffering=0) as src, arrowio.CompressedOutputStream(
            os.devnull, name, compression_level=level, threads=threads
        ) as out:
            while chunk := src.read(CHUNK):
                out.write(chunk)

    return run


def best_of(repeat: int, sides: list[Callable[[], None]]) -> list[float]:
    """Each side's best wall time over ``repeat`` rounds, the sides alternating within a round."""
    best = [float("inf")] * len(sides)
    for _ in range(repeat):
        for i, side in enumerate(sides):
            start = time.perf_counter()
            side()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


_ZEROS_SCRIPT = """
import re, sys
import arrowio
total = 0
with arrowio.input_stream(sys.argv[1]) as stream:
    while chunk := stream.read(1 << 20):
        total += len(chunk)
assert total == 1 << 30, total
status = open("/proc/self/status").read()  # VmHWM: this process's own peak (see the tests)
print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024)
"""


def zeros_peak_rss() -> float:
    path = DATA_DIR / "zeros-1GiB.gz"
    if not path.exists():
        from isal import isal_zlib

        compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, 31)
        block = bytes(CHUNK)
        with open(path, "wb") as out:
            for _ in range(1024):
                out.write(compressor.compress(block))
            out.write(compressor.flush())
    proc = subprocess.run([sys.executable, "-c", _ZEROS_SCRIPT, str(path)], capture_output=True, text=True, check=True)
    return float(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="alternating rounds; the best time counts")
    args = parser.parse_args()
    for tool in ("gzip", "pigz", "igzip", "zcat", "zstd"):
        if shutil.which(tool) is None:
            sys.exit(f"bench_compression needs {tool} on PATH")

    corpus = build_corpus()
    gz = _compressed(corpus, ".gz", ["pigz", "-6", "-c"])
    zst = _compressed(corpus, ".zst", ["zstd", "-3", "-c"])
    cores = os.cpu_count() or 1
    print(f"corpus: {corpus.stat().st_size >> 20} MiB mixed ({gz.stat().st_size >> 20} MiB as .gz, "
          f"{zst.stat().st_size >> 20} MiB as .zst); {cores} cores; best of {args.repeat} alternating rounds")

    rows: list[tuple[str, str, float, float, str]] = []

    def compare(what: str, anchor: str, ours: Callable[[], None], theirs: Callable[[], None], goal: str) -> None:
        ours_time, their_time = best_of(args.repeat, [ours, theirs])
        rows.append((what, anchor, ours_time, their_time, goal))

    gz_ours = _arrowio_decompress(gz)
    compare("gzip -d", "pyarrow.input_stream", gz_ours, _pyarrow_decompress(gz), "<= 0.5")
    compare("gzip -d", "igzip -d", gz_ours, _tool(["igzip", "-dc"], gz), "<= 1.1")
    compare("gzip -d", "zcat", gz_ours, _tool(["zcat"], gz), "report")
    compare("zstd -d", "zstd -d", _arrowio_decompress(zst), _tool(["zstd", "-dc"], zst), "<= 1.05")
    compare("zstd -3, 1 thread", "zstd -3", _arrowio_compress(corpus, "zstd", 3, 0),
            _tool(["zstd", "-3", "-c"], corpus), "<= 1.1")
    compare(f"zstd -3, {cores} threads", "zstd -3 -T0", _arrowio_compress(corpus, "zstd", 3, -1),
            _tool(["zstd", "-3", "-T0", "-c"], corpus), "report")
    compare(f"gzip -6, {cores} threads", f"pigz -6 ({cores} threads)", _arrowio_compress(corpus, "gzip", 6, -1),
            _tool(["pigz", "-6", "-c"], corpus), "report")

    print(f"\n{'arrowio':<22}{'anchor':<26}{'arrowio s':>10}{'anchor s':>10}{'ratio':>8}  goal")
    for what, anchor, ours_time, their_time, goal in rows:
        print(f"{what:<22}{anchor:<26}{ours_time:>10.3f}{their_time:>10.3f}{ours_time / their_time:>8.2f}  {goal}")
    print(f"\npeak RSS streaming 1 GiB of zeros from .gz: {zeros_peak_rss():.1f} MiB (goal <= 64)")


if __name__ == "__main__":
    main()
