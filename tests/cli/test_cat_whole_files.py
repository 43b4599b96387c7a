"""`arrowio cat` of small local files read and decoded whole, with no stream made (issue 15:
per-file cost): the output, the error lines, the exit status and the --stats records are those
of the stream path, input for input, whatever the file holds."""

from __future__ import annotations

import bz2
import gzip
import os
import random
import signal
import subprocess
from pathlib import Path

import pytest
from call_helpers import functions_entered
from cli_helpers import arrowio_command, compressed_by_tool
from fuzz_corpus import WRITERS, apply, random_mutations, seeds

import arrowio_cli
from arrowio_cli.cat_job import CatJob
from arrowio_cli.plain_cat import DEFAULTS
from arrowio_cli.sink import Stdout

LOG = b"".join(b"%05d a line of a small log\n" % i for i in range(2000))
CLI = str(Path(arrowio_cli.__file__).parent)


def cat(names: list[str], out: Path, capsys: pytest.CaptureFixture[str], whole: bool) -> tuple[object, ...]:
    """What a CatJob with cat's defaults makes of ``names``: stdout, stderr, the exit code, the
    records, and how many inputs went the whole-file way. ``whole=False`` sends every input
    through ``input_stream`` as before that way existed: the reference."""
    job = CatJob(**{**DEFAULTS, "storage_options": {}})  # type: ignore[arg-type]
    job._small = whole
    with open(out, "wb", buffering=0) as sink:
        job.out = Stdout(sink)
        entered = functions_entered(lambda: job.run_all(tuple(names)), lambda code: code.co_filename.startswith(CLI))
    records = [(r.source, r.format, r.bytes_in, r.bytes_out, r.error) for r in job.records]
    return out.read_bytes(), capsys.readouterr().err, job.runner.worst, records, entered["CatJob._write_whole"]


def _inputs(tmp_path: Path) -> list[str]:
    """Good files, damaged ones after them, and what cannot be opened, in one run."""
    files = {
        "a.gz": gzip.compress(LOG),
        "b.zst": compressed_by_tool("zstd", LOG),
        "c.txt": LOG,
        "d.bz2": bz2.compress(LOG),
        "e.gz": gzip.compress(LOG)[:-5],  # cut: the bytes before the fault, then the error
        "f.gz": LOG,  # plain under a gzip name
        "g.gz": gzip.compress(LOG) + gzip.compress(b"tail\n"),
        "h.gz": b"",
        "i.txt": b"",
        "j.bin": os.urandom(300_000),  # over 256 KiB: not read whole
    }
    for name, blob in files.items():
        (tmp_path / name).write_bytes(blob)
    names = [str(tmp_path / name) for name in files]
    return [*names[:3], str(tmp_path / "missing.gz"), str(tmp_path), *names[3:], names[0]]


def test_the_whole_file_way_changes_nothing_a_user_sees(tmp_path, capsys):
    names = _inputs(tmp_path)
    fast = cat(names, tmp_path / "fast.out", capsys, whole=True)
    reference = cat(names, tmp_path / "reference.out", capsys, whole=False)
    assert fast[:4] == reference[:4]
    output, errors, worst, records, whole = fast
    assert output.startswith(LOG * 3) and output.endswith(LOG) and worst == 1
    assert f"arrowio: error: {tmp_path / 'missing.gz'}: No such file or directory" in errors
    assert [r[1] for r in records[:3]] == ["gzip", "zstd", "plain"]
    assert records[0][2:4] == ((tmp_path / "a.gz").stat().st_size, len(LOG))
    assert whole == 5 and reference[4] == 0  # a.gz, b.zst, c.txt, i.txt and a.gz again


@pytest.mark.parametrize("kind", ["gzip", "zstd"])
def test_damaged_files_after_good_ones_as_the_stream_path(tmp_path, capsys, kind):
    # The fuzzing seeds and mutants of them, each file after a good one: the same output
    # (the good files' and what the stream decodes before a fault), error lines and records.
    _, suffix, _ = WRITERS[kind]
    rng = random.Random(1515)
    corpus = list(seeds(kind))
    good = tmp_path / f"good{suffix}"
    good.write_bytes(corpus[1])
    names = []
    for n, blob in enumerate(corpus + [apply(rng.choice(corpus), random_mutations(rng)) for _ in range(120)]):
        path = tmp_path / f"{n:03d}{suffix}"
        path.write_bytes(blob)
        names += [str(good), str(path)]
    fast = cat(names, tmp_path / "fast.out", capsys, whole=True)
    reference = cat(names, tmp_path / "reference.out", capsys, whole=False)
    assert fast[:4] == reference[:4]
    assert fast[4] >= len(names) // 2  # every good file at least


def test_a_fifo_among_small_files(tmp_path):
    # Opened once and read as a stream, between files read whole.
    small = tmp_path / "small.gz"
    small.write_bytes(gzip.compress(LOG))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"cat '{small}' > '{fifo}'"])
    done = subprocess.run(arrowio_command("cat", small, fifo, small), capture_output=True, timeout=60)
    writer.wait(10)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == LOG * 3


def test_a_reader_that_leaves_ends_the_run_quietly(tmp_path):
    # Many small files into `head`: killed by SIGPIPE at the first write after the reader left.
    names = []
    for n in range(300):
        path = tmp_path / f"{n}.gz"
        path.write_bytes(gzip.compress(LOG))
        names.append(str(path))
    with subprocess.Popen(arrowio_command("cat", *names), stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(100) == LOG[:100]
        process.stdout.close()
        errors = process.stderr.read()
    assert (process.returncode, errors) == (-signal.SIGPIPE, b"")
