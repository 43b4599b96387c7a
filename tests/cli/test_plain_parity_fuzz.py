"""The click-free parsers against click itself, on drawn command lines: whatever
:mod:`arrowio_cli.plain_compress` or :mod:`arrowio_cli.plain_cat` reads must be read the same
by the click command (same values, same operands, no usage error), or left to click. The listed
cases of test_plain_compress_parse.py and test_plain_cat.py say what is read; this says that
nothing is read otherwise, for spellings no list foresaw (clusters, ``=``, values that look
like options or digits, ``-`` and ``--`` anywhere)."""

from __future__ import annotations

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrowio_cli import plain_cat, plain_compress
from arrowio_cli.compress_request import Request

#: Pieces of command lines: every option the click-free compress reads, in every spelling, values
#: of each kind, and neighbours it must leave to click.
COMPRESS_TOKENS = [
    "-c", "-f", "-k", "-q", "-0", "-1", "-3", "-9", "-19", "-007", "-9c", "-c9", "-kfq", "-cq9",
    "-C", "-Cgz", "-Czstd", "-C-", "gzip", "zst", "bz2", "nope", "-T", "-T0", "-T4", "-cT2", "-9T0",
    "-o", "-oout", "-o-", "-co", "-oc", "out", "--level", "--level=5", "--level=", "--level=-1",
    "--codec", "--codec=gz", "--codec=xz", "--threads", "--threads=2", "--output", "--output=x",
    "--output=-", "--stdout", "--keep", "--force", "--quiet", "--stdout=1", "-", "--", "a", "b.txt",
    "0", "4", "7", "=", "x=y", "-x", "-d", "--rm", "\u0663", "-\u0663", " 3", "+3", "",
]  # fmt: skip

CAT_TOKENS = ["-", "--", "a", "b.gz", "-q", "-x", "--stats", "-C", "none", "--offset", "5", "", "-a", "=", "x=y"]


def _click_compress(args: list[str]) -> object:
    from arrowio_cli.compress import compress

    try:
        params = compress.make_context("compress", list(args)).params
    except (click.ClickException, click.exceptions.Exit) as exc:
        return exc
    return Request(**{name: params[name] for name in Request._fields}), tuple(params["inputs"])


def _click_cat(args: list[str]) -> object:
    from arrowio_cli.cat import cat

    try:
        params = cat.make_context("cat", list(args)).params
    except (click.ClickException, click.exceptions.Exit) as exc:
        return exc
    return params


@pytest.fixture(autouse=True)
def _no_completion(monkeypatch):
    monkeypatch.delenv("_ARROWIO_COMPLETE", raising=False)
    monkeypatch.setattr("sys.stderr", None)  # not a terminal: the click-free paths apply


@settings(max_examples=600)
@given(st.lists(st.sampled_from(COMPRESS_TOKENS), max_size=7))
def test_compress_reads_what_click_reads(args):
    read = plain_compress.parse(["compress", *args])
    if read is not None:
        assert _click_compress(args) == read, args


@settings(max_examples=300)
@given(st.lists(st.sampled_from(CAT_TOKENS), max_size=6))
def test_cat_reads_what_click_reads(args):
    inputs = plain_cat.operands(["cat", *args])
    if inputs is None:
        return
    params = _click_cat(args)
    assert isinstance(params, dict), (args, params)
    assert params.pop("inputs") == inputs
    assert params.pop("compression") == plain_cat.DEFAULTS["codec"]
    flags = {"show_stats": False, "progress": False, "quiet": False}
    assert params == {**{k: v for k, v in plain_cat.DEFAULTS.items() if k != "codec"}, **flags}
