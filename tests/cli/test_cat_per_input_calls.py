"""`arrowio cat` of many small files: the command line's own layers around each input make only
the Python calls that do work for it (issue 15: per-file cost). Calls are counted, not timed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from call_helpers import functions_entered
from cli_helpers import compressed_by_tool, extension

import arrowio_cli
from arrowio.io.urls import is_url as library_is_url
from arrowio_cli.cat_job import CatJob
from arrowio_cli.plain_cat import DEFAULTS
from arrowio_cli.remote import is_url, shown
from arrowio_cli.sink import Stdout

CLI = str(Path(arrowio_cli.__file__).parent)
#: run, Tally, InputRunner.call, _copy, _pieces, Stdout.write, _bytes_in, shown, is_url and the
#: resumption of expand_inputs: each does work for the input (or decides it has none to do).
BUDGET = 10


def _cli_calls(job: CatJob, names: tuple[str, ...]) -> Counter[str]:
    """The Python functions of arrowio_cli entered (generator resumptions included) while ``job``
    copies ``names``."""
    return functions_entered(lambda: job.run_all(names), lambda code: code.co_filename.startswith(CLI))


@pytest.mark.parametrize("fmt", ["gzip", "zstd"])
def test_each_small_input_costs_the_cli_a_fixed_few_calls(tmp_path, fmt):
    logs = [b"".join(b"log %d, line %d\n" % (n, i) for i in range(200 + n)) for n in range(40)]
    names = []
    for n, log in enumerate(logs):
        path = tmp_path / f"{n:02d}.log{extension(fmt)}"
        path.write_bytes(compressed_by_tool(fmt, log))
        names.append(str(path))
    with open(tmp_path / "out", "wb", buffering=0) as out:
        job = CatJob(**{**DEFAULTS, "storage_options": {}})
        job.out = Stdout(out)
        job.run_all(tuple(names[:1]))  # the first input imports the decoder's modules
        one = _cli_calls(job, tuple(names[1:2]))  # what a run costs besides its inputs, and one
        many = _cli_calls(job, tuple(names[2:]))
    assert (tmp_path / "out").read_bytes() == b"".join(logs)
    assert [record.bytes_out for record in job.records] == [len(log) for log in logs]
    per_input = (sum(many.values()) - sum(one.values())) / (len(names) - 3)
    assert per_input <= BUDGET, sorted(many.items(), key=lambda kv: -kv[1])


@pytest.mark.parametrize(
    "name",
    ["logs/a.gz", "-", "", "a:b", "c:/x", "s3://b/k", "simplecache::s3://b/k", "file:///tmp/x", "dir/s3://x", "1x://y"],
)
def test_the_cheap_url_test_agrees_with_the_library(name):
    assert is_url(name) is library_is_url(name)
    assert (shown(name) == name) or is_url(name)


def test_a_local_name_is_shown_as_it_is():
    assert shown("logs/0001.log.zst", {"key": "secret-value"}) == "logs/0001.log.zst"
    assert "hunter22" not in shown("https://user:hunter22@example.com/x.gz")
