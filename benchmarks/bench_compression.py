"""Compression speed: arrowio against the tools people use instead, alternating on the same data.

Builds a 256 MiB mixed corpus from files on this machine (text: documentation and man pages;
source code: the Python standard library; binaries: executables and shared libraries) in
``benchmarks/data/`` (kept between runs), then times, best of ``--repeat`` alternating runs:

  decompress to /dev/null   gzip   arrowio vs pyarrow.input_stream (goal <= 0.5), igzip -d (<= 1.1), zcat
                            zstd   arrowio vs zstd -d (goal <= 1.05)
  compress to /dev/null     zstd -3 single-threaded vs zstd -3 (goal <= 1.1); all cores vs zstd -T0
                            gzip -6 on all cores vs pigz -6 (all cores)

and the peak RSS of streaming 1 GiB of zeros through a gzip input stream (goal <= 64 MiB).
Files of independent frames (issue 15, goals 2 and 3), all written from the same corpus:

  parallel decompress       zstd frames (compress -T N)  vs zstd -d (goal <= 0.65), pzstd -d -p N (<= 1.0)
                            pzstd's own file              vs pzstd -d -p N (<= 1.0)
                            BGZF (compress --bgzf)        vs igzip -d (<= 0.65), bgzip -d -@ N (<= 1.0)
  random access             64 bytes at 200 MiB of zstd --seekable and of BGZF vs a full decode (<= 0.02),
                            each read the first in its process (zstd also mid-frame and at a frame's
                            end; BGZF also reopened, its walk kept from the open before, and at
                            1 MiB, its walk going only as far as that; zstd -T frames, reported)
                            single-member gzip: checkpoint index (rapidgzip) vs a full decode (<= 1.2),
                            in process and as a process against ``arrowio cat`` (<= 1.2) and igzip -d,
                            on 2 threads and by indexed_gzip (reported), then 64 bytes at 200 MiB vs a
                            full decode (<= 0.02)

The ``(cat)`` rows time the ``arrowio cat`` process, start-up included, beside the tool's: into
/dev/null and, with ``--pipe``, with both sides' output through ``| cat`` (a pipe costs
differently than /dev/null). They run ``--arrowio CMD`` (default: the ``arrowio`` script beside
this python). Users meet the numbers of a plain install: an editable one adds an import finder
to every start of its python (~35 ms of a 190 ms ``cat`` here, the larger part of what once
looked like a gap between the in-process rows and the process rows), so the header says which
kind was timed. Time one with ``python3.12 -m venv V && V/bin/pip install . && V/bin/python -m
compileall -q V/lib``, then ``--arrowio V/bin/arrowio``. ``--baseline CMD`` times a second
arrowio command (the checkout before a change) in the same alternation: its ``(cat, base)``
rows follow, against the same anchor times. ``--frame-sizes`` prints instead what
independent frames cost in compressed size (zstd -3 and gzip -6, frames of 1 to 16 MiB against
one frame): the numbers the default frame size rests on.
Ratios are arrowio time / anchor time: lower is better. Run: ``python benchmarks/bench_compression.py``.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

#: A table row: what, anchor, (wall, CPU) of arrowio, (wall, CPU) of the anchor, goal.
Row = tuple[str, str, tuple[float, float], tuple[float, float], str]

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


def _tool(command: list[str], source: Path, pipe: bool = False) -> Callable[[], None]:
    """``command`` reading ``source`` on stdin, its output to /dev/null or, with ``pipe``, into
    ``cat > /dev/null`` (the CPU time then counts the shell and ``cat`` too, on both sides)."""

    def run() -> None:
        with open(source, "rb") as src, open(os.devnull, "wb") as sink:
            if pipe:
                subprocess.run(f"{shlex.join(command)} | cat", shell=True, stdin=src, stdout=sink, check=True)
            else:
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


def _arrowio_read_views(source: Path) -> Callable[[], None]:
    """Decoding as ``arrowio cat`` reads: ``read_view`` (the reader's own decoded memory, no copy
    for frames decoded into its ring), each piece written before the next is asked for."""
    import arrowio

    def run() -> None:
        with arrowio.input_stream(source, compression="auto") as stream, open(os.devnull, "wb") as sink:
            while piece := stream.read_view(CHUNK):
                sink.write(piece)

    return run


#: The arrowio command the (cat) rows run (``--arrowio``), and the one timed beside it (``--baseline``).
ARROWIO = [str(Path(sys.executable).with_name("arrowio"))]
BASELINE: list[str] | None = None


def _arrowio_cat(source: Path, pipe: bool = False, command: list[str] | None = None) -> Callable[[], None]:
    """``arrowio cat`` (``command``, default ``--arrowio``'s) as a process, start-up included."""
    return _tool([*(command or ARROWIO), "cat", str(source)], source, pipe)


def install_kind(command: list[str]) -> str:
    """Whether ``command``'s arrowio is a plain install or an editable one (its modules read
    from a source tree: every start of its python runs the editable import finder first)."""
    script = shutil.which(command[0]) or command[0]
    try:
        with open(script, "rb") as head:
            first = head.readline()
    except OSError:
        return "unknown install"
    python = first[2:].decode(errors="replace").split()[0] if first.startswith(b"#!") else sys.executable
    found = subprocess.run(
        [python, "-c", "import arrowio_cli; print(arrowio_cli.__file__)"], capture_output=True, text=True, cwd="/"
    )
    if found.returncode != 0:
        return "unknown install"
    where = found.stdout.strip()
    return "plain install" if "site-packages" in Path(where).parts else f"EDITABLE install ({where}): start-up inflated"


def _arrowio_compress(source: Path, name: str, level: int, threads: int) -> Callable[[], None]:
    import arrowio

    def run() -> None:
        with (
            open(source, "rb", buffering=0) as src,
            arrowio.CompressedOutputStream(os.devnull, name, compression_level=level, threads=threads) as out,
        ):
            while chunk := src.read(CHUNK):
                out.write(chunk)

    return run


def _framed(corpus: Path, suffix: str, fmt: str, layout: str, frame_size: int | None = None) -> Path:
    """The corpus written by arrowio as independent frames (kept between runs)."""
    import arrowio

    path = DATA_DIR / f"corpus.bin{suffix}"
    if not path.exists() or path.stat().st_mtime < corpus.stat().st_mtime:
        with (
            open(corpus, "rb") as src,
            arrowio.CompressedOutputStream(
                str(path),
                fmt,
                compression_level=3 if fmt == "zstd" else 6,
                threads=-1,
                layout=layout,
                frame_size=frame_size,
            ) as out,
        ):
            while chunk := src.read(CHUNK):
                out.write(chunk)
    return path


def _arrowio_read_at(source: Path, offset: int, size: int, reopened: bool = False) -> Callable[[], None]:
    """Open ``source`` and read ``size`` bytes at ``offset``: as the first open in a process (the
    BGZF walk a previous round kept is forgotten first) or, with ``reopened``, as a later one."""
    import arrowio
    from arrowio.compression import _framecache

    def run() -> None:
        if not reopened:
            _framecache.clear()
        with arrowio.input_stream(source) as stream:
            assert stream.seekable(), f"{source} should be seekable"
            assert len(stream.read_at(size, offset)) == size

    return run


def _build_gzip_index(source: Path, workers: int | None = None) -> Callable[[], None]:
    from arrowio.compression import build_gzip_index  # a submodule: ``import arrowio`` alone does not load it

    def run() -> None:
        build_gzip_index(str(source), workers)

    return run


#: A process that builds the checkpoint index of the gzip file argv[1].
_BUILD_GZIP_INDEX = "import sys; from arrowio.compression import build_gzip_index; build_gzip_index(sys.argv[1])"


def _has_indexed_gzip() -> bool:
    try:
        import indexed_gzip  # noqa: F401
    except ImportError:
        print("indexed_gzip not found: its index row is skipped (pip install indexed_gzip)")
        return False
    return True


def _indexed_gzip_build(source: Path) -> Callable[[], None]:
    """indexed_gzip's index of ``source`` (zlib), a checkpoint every 4 MiB decoded as in ours,
    exported beside the file under another name."""
    import indexed_gzip

    def run() -> None:
        with indexed_gzip.IndexedGzipFile(str(source), spacing=4 << 20) as f:
            f.build_full_index()
            f.export_index(f"{source}.indexed_gzip")

    return run


def frame_size_costs(corpus: Path) -> None:
    """Compressed size of independent frames of 1..16 MiB against one frame, zstd -3 and gzip -6."""
    import arrowio

    data = corpus.read_bytes()
    sample = data[: 64 << 20]  # gzip -6 is slow: its cost is measured on the first 64 MiB

    def size_of(fmt: str, level: int, payload: bytes, frame_size: int | None) -> int:
        sink = arrowio.BufferOutputStream()
        layout = None if frame_size is None else "frames"
        with arrowio.CompressedOutputStream(
            sink, fmt, compression_level=level, threads=-1 if layout else 0, layout=layout, frame_size=frame_size
        ) as out:
            out.write(payload)
        return sink.getvalue().size

    print(f"{'format':<10}{'input':>8}{'one frame':>14}" + "".join(f"{f'{m} MiB':>16}" for m in (1, 4, 16)))
    for fmt, level, payload in (("zstd", 3, data), ("gzip", 6, sample)):
        whole = size_of(fmt, level, payload, None)
        cells = []
        for mib in (1, 4, 16):
            framed = size_of(fmt, level, payload, mib << 20)
            cells.append(f"{framed:>10} {100 * (framed / whole - 1):+.1f}%")
        print(
            f"{fmt + ' -' + str(level):<10}{len(payload) >> 20:>5}MiB{whole:>14}" + "".join(f"{c:>16}" for c in cells)
        )


def _cpu() -> float:
    """User + system CPU seconds of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best_of(repeat: int, sides: list[Callable[[], None]]) -> list[tuple[float, float]]:
    """Each side's best wall time and best CPU time (user + system, its threads and child
    processes) over ``repeat`` rounds, the sides alternating within a round. CPU time is the
    steadier number on a shared machine."""
    best = [(float("inf"), float("inf"))] * len(sides)
    for _ in range(repeat):
        for i, side in enumerate(sides):
            cpu, start = _cpu(), time.perf_counter()
            side()
            wall, cpu = time.perf_counter() - start, _cpu() - cpu
            best[i] = (min(best[i][0], wall), min(best[i][1], cpu))
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
    parser.add_argument("--frame-sizes", action="store_true", help="print the compressed-size cost of frame sizes")
    parser.add_argument("--only-frames", action="store_true", help="only the parallel and random-access rows")
    parser.add_argument(
        "--pipe", action="store_true", help="also time the (cat) rows of framed files into a pipe (| cat)"
    )
    parser.add_argument(
        "--arrowio", metavar="CMD", default=ARROWIO[0], help="the arrowio command the (cat) rows run (a plain install)"
    )
    parser.add_argument("--baseline", metavar="CMD", help="a second arrowio command timed in the same alternation")
    args = parser.parse_args()
    ARROWIO[:] = shlex.split(args.arrowio)
    global BASELINE
    BASELINE = shlex.split(args.baseline) if args.baseline else None
    for tool in ("gzip", "pigz", "igzip", "zcat", "zstd"):
        if shutil.which(tool) is None:
            sys.exit(f"bench_compression needs {tool} on PATH")

    corpus = build_corpus()
    if args.frame_sizes:
        frame_size_costs(corpus)
        return
    gz = _compressed(corpus, ".gz", ["pigz", "-6", "-c"])
    zst = _compressed(corpus, ".zst", ["zstd", "-3", "-c"])
    cores = os.cpu_count() or 1
    print(
        f"corpus: {corpus.stat().st_size >> 20} MiB mixed ({gz.stat().st_size >> 20} MiB as .gz, "
        f"{zst.stat().st_size >> 20} MiB as .zst); {cores} cores; best of {args.repeat} alternating rounds; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"(cat) rows: {shlex.join(ARROWIO)}, {install_kind(ARROWIO)}")
    if BASELINE is not None:
        print(f"(cat, base) rows: {shlex.join(BASELINE)}, {install_kind(BASELINE)}")

    rows: list[Row] = []

    def compare(
        what: str,
        anchor: str,
        ours: Callable[[], None],
        theirs: Callable[[], None],
        goal: str,
        base: Callable[[], None] | None = None,
    ) -> None:
        """A row of ``ours`` against ``theirs``, and with ``base`` a row of it too, all alternating."""
        times = best_of(args.repeat, [ours, theirs] if base is None else [ours, base, theirs])
        rows.append((what, anchor, times[0], times[-1], goal))
        if base is not None:
            rows.append((what.replace("(cat", "(cat, base", 1), anchor, times[1], times[-1], goal))

    framed_rows(corpus, cores, compare, args.pipe)
    if args.only_frames:
        _print(rows)
        return
    gz_ours = _arrowio_decompress(gz)
    compare("gzip -d", "pyarrow.input_stream", gz_ours, _pyarrow_decompress(gz), "<= 0.5")
    compare("gzip -d", "igzip -d", gz_ours, _tool(["igzip", "-dc"], gz), "<= 1.1")
    compare("gzip -d", "zcat", gz_ours, _tool(["zcat"], gz), "report")
    compare("zstd -d", "zstd -d", _arrowio_decompress(zst), _tool(["zstd", "-dc"], zst), "<= 1.05")
    compare(
        "zstd -3, 1 thread",
        "zstd -3",
        _arrowio_compress(corpus, "zstd", 3, 0),
        _tool(["zstd", "-3", "-c"], corpus),
        "<= 1.1",
    )
    compare(
        f"zstd -3, {cores} threads",
        "zstd -3 -T0",
        _arrowio_compress(corpus, "zstd", 3, -1),
        _tool(["zstd", "-3", "-T0", "-c"], corpus),
        "report",
    )
    compare(
        f"gzip -6, {cores} threads",
        f"pigz -6 ({cores} threads)",
        _arrowio_compress(corpus, "gzip", 6, -1),
        _tool(["pigz", "-6", "-c"], corpus),
        "report",
    )

    _print(rows)
    print(f"\npeak RSS streaming 1 GiB of zeros from .gz: {zeros_peak_rss():.1f} MiB (goal <= 64)")


def framed_rows(corpus: Path, cores: int, compare: Callable[..., None], pipe: bool = False) -> None:
    """The parallel-decoding and random-access rows (tools missing here are skipped, with a message).

    Decoding is timed in-process as ``arrowio cat`` reads (``read_view``) and as
    the ``arrowio cat`` process itself, start-up included, into /dev/null and, with ``pipe``, also
    into a pipe to ``cat`` (the tool likewise)."""
    zst_frames = _framed(corpus, ".frames.zst", "zstd", "frames")
    seekable = _framed(corpus, ".seekable.zst", "zstd", "seekable")
    bgzf = _framed(corpus, ".bgzf.gz", "gzip", "bgzf")
    offset = 200 << 20

    def both(what: str, source: Path, anchor: str, command: list[str], goal: str) -> None:
        compare(what, anchor, _arrowio_read_views(source), _tool(command, source), goal)
        for sink, into_pipe in (("(cat)", False), ("(cat|)", True)) if pipe else (("(cat)", False),):
            base = None if BASELINE is None else _arrowio_cat(source, into_pipe, BASELINE)
            ours, theirs = _arrowio_cat(source, into_pipe), _tool(command, source, into_pipe)
            compare(f"{what} {sink}", anchor, ours, theirs, goal, base)

    both("zstd frames -d", zst_frames, "zstd -d (same file)", ["zstd", "-dc"], "<= 0.65")
    if shutil.which("pzstd"):
        pzstd = ["pzstd", "-dc", "-p", str(cores)]
        both("zstd frames -d", zst_frames, f"pzstd -d -p {cores}", pzstd, "<= 1.0")
        pz = _compressed(corpus, ".pzstd.zst", ["pzstd", "-3", "-c", "-p", str(cores)])
        both("pzstd's file -d", pz, f"pzstd -d -p {cores}", pzstd, "<= 1.0")
    else:
        print("pzstd not found: its rows are skipped (Debian: zstd)")
    both("BGZF -d", bgzf, "igzip -d (same file)", ["igzip", "-dc"], "<= 0.65")
    if shutil.which("bgzip"):
        bgzip = ["bgzip", "-dc", "-@", str(cores)]
        both("BGZF -d", bgzf, f"bgzip -d -@ {cores}", bgzip, "<= 1.0")
        theirs = _compressed(corpus, ".bgzip.gz", ["bgzip", "-c", "-@", str(cores)])
        both("bgzip's file -d", theirs, f"bgzip -d -@ {cores}", bgzip, "<= 1.0")
    else:
        print("bgzip not found: its rows are skipped (Debian: tabix)")
    try:
        import rapidgzip  # noqa: F401
    except ImportError:
        print("rapidgzip not found: the single-member gzip rows are skipped (pip install rapidgzip)")
    else:
        # One member, a file of its own: the index beside it must not change the other gzip rows.
        single = _compressed(corpus, ".single.gz", ["pigz", "-6", "-c"])
        with tempfile.TemporaryDirectory() as folder:  # the index goes beside a link: data/ is never written
            linked = Path(folder) / single.name
            linked.symlink_to(single)
            full = _arrowio_read_views(linked)  # our sequential ISA-L decode, in process, as the build is
            compare("gzip checkpoint index", "full decode", _build_gzip_index(linked), full, "<= 1.2")
            # The same as processes, start-up included: the decode `arrowio cat` does (the malloc
            # tuning of the command line too), and the tool's.
            build = _tool([sys.executable, "-c", _BUILD_GZIP_INDEX, str(linked)], linked)
            compare("  ... as a process", "arrowio cat (process)", build, _arrowio_cat(linked), "<= 1.2")
            compare("  ... as a process", "igzip -d (same file)", build, _tool(["igzip", "-dc"], linked), "report")
            # The other ways to build it: rapidgzip's parallel mode, and indexed_gzip (zlib).
            compare("  ... on 2 threads", "full decode", _build_gzip_index(linked, 2), full, "report")
            if _has_indexed_gzip():
                compare("  ... by indexed_gzip", "full decode", _indexed_gzip_build(linked), full, "report")
            compare("gzip read_at 64B", "full decode", _arrowio_read_at(linked, offset, 64), full, "<= 0.02")
    # 200 MiB is where a 4 MiB seekable frame starts: the frame's first block is all a read there
    # decodes. In the middle of a frame it decodes half of it, at its end all of it.
    full = _arrowio_read_views(seekable)
    compare("seekable read_at 64B", "full decode", _arrowio_read_at(seekable, offset, 64), full, "<= 0.02")
    middle, end = offset + (2 << 20), offset + (4 << 20) - 64
    compare("  ... mid-frame", "full decode", _arrowio_read_at(seekable, middle, 64), full, "report")
    compare("  ... frame's end", "full decode", _arrowio_read_at(seekable, end, 64), full, "report")
    full = _arrowio_read_views(bgzf)
    compare("BGZF read_at 64B", "full decode", _arrowio_read_at(bgzf, offset, 64), full, "<= 0.02")
    compare("  ... reopened", "full decode", _arrowio_read_at(bgzf, offset, 64, reopened=True), full, "report")
    # The walk goes only as far as a read needs: near the start it walks a few blocks.
    compare("  ... at 1 MiB", "full decode", _arrowio_read_at(bgzf, 1 << 20, 64), full, "report")
    # Our -T zstd frames declare their sizes in pzstd's skippable frames (no seek table): read_at
    # decodes the 16 MiB frame it lands in as far as the range (pzstd's own frames declare no
    # decoded sizes: such a file is not seekable).
    full = _arrowio_read_views(zst_frames)
    compare("zstd frames read_at 64B", "full decode", _arrowio_read_at(zst_frames, offset, 64), full, "report")


def _print(rows: list[Row]) -> None:
    width = max([24, *(len(row[0]) + 1 for row in rows)])  # the (cat, base|) labels are longer
    print(
        f"\n{'arrowio':<{width}}{'anchor':<26}{'arrowio s':>10}{'anchor s':>10}{'ratio':>8}"
        f"{'cpu s':>8}{'anchor':>8}{'ratio':>8}  goal (wall)"
    )
    for what, anchor, (ours, ours_cpu), (theirs, their_cpu), goal in rows:
        print(
            f"{what:<{width}}{anchor:<26}{ours:>10.3f}{theirs:>10.3f}{ours / theirs:>8.2f}"
            f"{ours_cpu:>8.3f}{their_cpu:>8.3f}{ours_cpu / their_cpu:>8.2f}  {goal}"
        )


if __name__ == "__main__":
    main()
