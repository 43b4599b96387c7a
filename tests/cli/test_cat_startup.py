"""What ``arrowio cat`` of a small file loads: only what the path it takes needs. Without options
it runs without click (arrowio_cli.plain_cat). The stats module, the report renderer (json, rich),
the machinery for files of independent frames and the decoding thread's queue come in when the run
asks for them (--stats, a progress line, a file with frames, a long input), not before."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pytest

#: Modules a plain ``cat small.gz`` (stderr not a terminal) must not import.
NOT_NEEDED = (
    "arrowio.stats",
    "arrowio_cli.report",
    "json",
    "arrowio.compression._frameread",
    "arrowio.compression._framewrite",
    "arrowio.io.buffered",
    # the click application and what click itself imports
    "click",
    "arrowio_cli.app",
    "arrowio_cli.cat",
    "arrowio_cli.params",
    "uuid",
    "gettext",
    # dataclasses imports inspect (with ast, dis, tokenize): about 12 ms; records are NamedTuples
    "dataclasses",
    "inspect",
    # wanted only by a decoding thread (a long input) and by a non-blocking stdout
    "queue",
    "select",
)

#: Every module of the command line that a plain ``cat small.gz`` imports.
CLI_MODULES = {
    "arrowio_cli",
    "arrowio_cli.main",
    "arrowio_cli.errors",
    "arrowio_cli.exit_codes",
    "arrowio_cli.names",
    "arrowio_cli.plain_cat",
    "arrowio_cli.cat_job",
    "arrowio_cli.remote",
    "arrowio_cli.runner",
    "arrowio_cli.sink",
    "arrowio_cli.streams",
    "arrowio_cli.malloc_tuning",
}


def _imported(*args: object) -> tuple[bytes, set[str]]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "arrowio_cli", "cat", *map(str, args)],
        capture_output=True,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.decode().splitlines() if line.startswith("import time:")]
    return result.stdout, {line.rsplit("|", 1)[-1].strip() for line in lines}


@pytest.fixture
def small_gz(tmp_path):
    path = tmp_path / "small.gz"
    path.write_bytes(gzip.compress(b"small\n"))
    return path


def test_cat_of_a_small_file_imports_only_its_path(small_gz):
    out, modules = _imported(small_gz)
    assert out == b"small\n"
    assert "arrowio.io.compressed" in modules  # the check sees the real import list
    assert not modules & set(NOT_NEEDED), sorted(modules & set(NOT_NEEDED))


def test_cat_without_options_imports_these_cli_modules_and_no_click(small_gz):
    _, modules = _imported(small_gz)
    assert {m for m in modules if m.startswith("arrowio_cli")} == CLI_MODULES
    assert not any(m == "click" or m.startswith("click.") for m in modules)


def test_stats_and_progress_still_load_what_they_need(small_gz):
    _, modules = _imported("--stats", "--progress", small_gz)
    assert {"arrowio.stats", "arrowio_cli.report"} <= modules


def test_a_file_of_frames_still_gets_its_frame_reader(tmp_path):
    path = tmp_path / "frames.gz"
    subprocess.run(["bgzip", "-c"], input=b"x" * 100_000, stdout=path.open("wb"), check=True)
    out, modules = _imported(path)
    assert out == b"x" * 100_000 and "arrowio.compression._frameread" in modules
