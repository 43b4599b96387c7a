"""Which ``arrowio compress`` command lines go without click (arrowio_cli.plain_compress), what they
are read as, the defaults they run with, and what such a run imports."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pytest

from arrowio_cli import plain_compress
from arrowio_cli.compress_request import Request

#: Command lines the click-free path reads, and the fields they set (every other is the default).
READ: list[tuple[list[str], dict[str, object], tuple[str, ...]]] = [
    ([], {}, ()),
    (["-"], {}, ("-",)),
    (["a", "-", "b"], {}, ("a", "-", "b")),
    (["-c", "a"], {"to_stdout": True}, ("a",)),
    (["--stdout", "a"], {"to_stdout": True}, ("a",)),
    (["a", "-c"], {"to_stdout": True}, ("a",)),
    (["-19", "a"], {"level": 19}, ("a",)),
    (["-9c", "a"], {"level": 9, "to_stdout": True}, ("a",)),
    (["-c9f", "a"], {"level": 9, "to_stdout": True, "force": True}, ("a",)),
    (["-3", "-5", "a"], {"level": 5}, ("a",)),
    (["--level", "7", "a"], {"level": 7}, ("a",)),
    (["--level=07", "a"], {"level": 7}, ("a",)),
    (["-C", "gz", "a"], {"codec": "gzip"}, ("a",)),
    (["-Czst"], {"codec": "zstd"}, ()),
    (["--codec", " BZ2 "], {"codec": "bz2"}, ()),
    (["--codec=xz"], {"codec": "xz"}, ()),
    (["-T0"], {"threads": 0}, ()),
    (["-T", "4"], {"threads": 4}, ()),
    (["--threads=2"], {"threads": 2}, ()),
    (["--threads", "0"], {"threads": 0}, ()),
    (["-9T0", "a"], {"level": 9, "threads": 0}, ("a",)),
    (["-o", "out", "a"], {"output": "out"}, ("a",)),
    (["-oout", "a"], {"output": "out"}, ("a",)),
    (["-co", "x.zst"], {"to_stdout": True, "output": "x.zst"}, ()),
    (["--output=o.zst"], {"output": "o.zst"}, ()),
    (["--output", "-", "a"], {"output": "-"}, ("a",)),
    (["-o9"], {"output": "9"}, ()),  # -o takes the rest of its argument, digits too
    (["-kfq", "a"], {"keep": True, "force": True, "quiet": True}, ("a",)),
    (["--keep", "--force", "--quiet"], {"keep": True, "force": True, "quiet": True}, ()),
    (["s3://bucket/key"], {}, ("s3://bucket/key",)),
]


@pytest.mark.parametrize(("args", "fields", "inputs"), READ, ids=[" ".join(a) or "none" for a, _, _ in READ])
def test_read_as_click_reads_it(args, fields, inputs, monkeypatch):
    monkeypatch.delenv("_ARROWIO_COMPLETE", raising=False)
    assert plain_compress.parse(["compress", *args]) == (Request(**fields), inputs)


CLICK_WAY = [
    ["--"],
    ["--", "a"],
    ["-h"],
    ["--help"],
    ["-d", "a.zst"],
    ["-t", "a.zst"],
    ["-v", "a"],
    ["--rm", "a"],
    ["-l", "a.zst"],
    ["--seekable", "a"],
    ["--bgzf", "a"],
    ["--frame-size", "1M", "a"],
    ["--fast", "a"],
    ["--best", "a"],
    ["--ultra", "-22", "a"],
    ["-n", "a"],
    ["-N", "a"],
    ["--suffix", ".x", "a"],
    ["-S", "anon=true", "a"],
    ["--progress", "a"],
    ["--color", "a"],
    ["-cx", "a"],  # an unknown letter in a cluster
    ["--stdout=yes", "a"],  # a flag given a value
    ["-T"],
    ["-o"],
    ["--level"],
    ["-C", "nope"],
    ["-C", "lz4_raw"],
    ["-C", "auto"],
    ["--level", "+3"],
    ["--level", " 3"],
    ["--level", "3_0"],
    ["--level=-1"],
    ["-T", "\u0663"],  # an Arabic-Indic three: int() reads it, so click would
    ["-\u0663", "a"],
    ["-o", "-x", "a"],
    ["-o-x", "a"],
]


@pytest.mark.parametrize("args", CLICK_WAY, ids=" ".join)
def test_anything_else_goes_the_click_way(args, monkeypatch):
    monkeypatch.delenv("_ARROWIO_COMPLETE", raising=False)
    assert plain_compress.parse(["compress", *args]) is None


@pytest.mark.parametrize("args", [[], ["cat", "a"], ["--traceback", "compress", "a"], ["info", "a"]])
def test_only_compress_itself(args):
    assert plain_compress.parse(args) is None


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_a_terminal_on_stderr_or_a_completion_request_goes_the_click_way(monkeypatch):
    monkeypatch.delenv("_ARROWIO_COMPLETE", raising=False)
    assert plain_compress.parse(["compress", "a"]) is not None
    monkeypatch.setattr(sys, "stderr", _Terminal())  # the progress line may show there
    assert plain_compress.parse(["compress", "a"]) is None
    monkeypatch.undo()
    monkeypatch.setenv("_ARROWIO_COMPLETE", "bash_complete")
    assert plain_compress.parse(["compress", "a"]) is None


def test_the_completion_variable_is_the_one_click_answers():
    from arrowio_cli.completion import COMPLETE_VAR

    assert plain_compress._COMPLETE_VAR == COMPLETE_VAR


@pytest.mark.parametrize(
    "args", [["-22", "a"], ["-c", "-o", "x", "a"], ["-o", "x", "a", "b"], ["-C", "gzip", "-10"], ["-C", "bz2", "-0"]]
)
def test_a_usage_error_is_left_to_click(args, monkeypatch):
    """Read, but refused by the checks: click is to say it, with its usage lines."""
    monkeypatch.delenv("_ARROWIO_COMPLETE", raising=False)
    assert plain_compress.parse(["compress", *args]) is not None
    assert plain_compress.job(["compress", *args]) is None


def test_the_defaults_are_those_of_the_click_command():
    from arrowio_cli.compress import compress

    params = compress.make_context("compress", []).params
    assert set(params) == {*Request._fields, "inputs", "list_"}
    assert {name: params[name] for name in Request._fields} == Request()._asdict()
    assert params["list_"] is False  # -l lists instead of compressing: never on the click-free path


def test_the_options_read_are_options_of_the_click_command():
    from arrowio_cli.compress import compress

    spelled = {opt: param.name for param in compress.params for opt in param.opts}
    short = {
        f"-{letter}": field for letter, field in {**plain_compress._SHORT_FLAGS, **plain_compress._SHORT_VALUED}.items()
    }
    for option, field in {**short, **plain_compress._LONG_FLAGS, **plain_compress._LONG_VALUED}.items():
        assert spelled[option] == field, option


#: What a click-free ``compress -c small`` must not import: click and what it brings, the
#: renderer (it imports click), dataclasses with inspect (about 12 ms), and the atomic writer of
#: output files (with signal and select) where no file is written.
NOT_NEEDED = (
    "arrowio_cli.atomic",
    "click",
    "arrowio_cli.app",
    "arrowio_cli.compress",
    "arrowio_cli.params",
    "arrowio_cli.report",
    "dataclasses",
    "inspect",
    "uuid",
    "gettext",
)


def test_a_click_free_compress_imports_no_click(tmp_path):
    path = tmp_path / "small"
    path.write_bytes(b"small\n" * 100)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("_ARROWIO_COMPLETE", None)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "arrowio_cli", "compress", "-C", "gzip", "-6", "-c", path],
        capture_output=True,
        env=env,
    )
    assert result.returncode == 0 and gzip.decompress(result.stdout) == b"small\n" * 100
    lines = result.stderr.decode().splitlines()
    modules = {line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import time:")}
    assert "arrowio_cli.compress_job" in modules  # the check sees the real import list
    assert not modules & set(NOT_NEEDED), sorted(modules & set(NOT_NEEDED))
