"""Every format of the registry appears consistently wherever formats are listed: the Codec
table, the CLI's -C help and choices, info's walkers, and the tests' format lists.

Adding a format is one registry row, one module and its tests; this test fails when something
else still lists formats of its own, or a row lacks what one of them needs."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from compression_helpers import ONESHOT, STREAMING

from arrowio import Codec
from arrowio.compression import FORMATS
from arrowio.fileinfo import _WALKERS
from arrowio_cli.main import cli

STREAMING_ROWS = [f for f in FORMATS.values() if f.streaming]


def _load(path: Path) -> ModuleType:
    """A helper module of another test folder (each folder's helpers are on the path only there)."""
    spec = importlib.util.spec_from_file_location(f"_consistency_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _help(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], terminal_width=1000)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def _between(text: str, start: str, end: str) -> str:
    match = re.search(rf"{re.escape(start)}(.*?){re.escape(end)}", text)
    assert match, f"{start!r} ... {end!r} not in the help"
    return match.group(1)


def test_test_format_lists_are_the_registry():
    faults = _load(Path(__file__).parent.parent / "helpers" / "fault_helpers.py")

    assert list(STREAMING) == [f.name for f in STREAMING_ROWS]
    assert list(ONESHOT) == list(FORMATS)
    assert faults.FORMATS == list(STREAMING)
    assert faults.EXTENSIONS == {f.name: f.extensions[0] for f in STREAMING_ROWS}


@pytest.mark.parametrize("fmt", FORMATS.values(), ids=FORMATS)
def test_codec_table_agrees_with_the_row(fmt):
    assert Codec.supports_compression_level(fmt.name) == (fmt.levels is not None)
    if fmt.levels is not None:
        low, high, default = fmt.levels
        assert (Codec.minimum_compression_level(fmt.name), Codec.maximum_compression_level(fmt.name)) == (low, high)
        assert Codec.default_compression_level(fmt.name) == default
    assert Codec.is_available(fmt.name) == fmt.is_available()
    for extension in fmt.extensions:
        assert Codec.detect(f"data{extension}").name == fmt.name
    if fmt.is_available():
        codec = Codec(fmt.name)
        assert codec.format is fmt
        data = b"one row per format " * 100
        size = len(data) if fmt.raw_block else None
        assert codec.decompress(codec.compress(data, asbytes=True), size, asbytes=True) == data


@pytest.mark.parametrize("fmt", STREAMING_ROWS, ids=[f.name for f in STREAMING_ROWS])
def test_info_knows_every_streaming_format(fmt):
    """info reads a format's checksum from its headers (a walker) or the row states it."""
    assert fmt.name in _WALKERS or fmt.checksum is not None, f"info has neither a walker nor a checksum for {fmt.name}"


def test_info_walks_only_registry_formats():
    assert set(_WALKERS) <= {f.name for f in STREAMING_ROWS}


def test_compress_help_names_every_streaming_format_and_its_tool_level():
    text = _help("compress")
    listed = re.findall(r"[a-z0-9_]+", _between(text, "-C, --codec NAME Format:", "; with -d"))
    assert sorted(set(listed) - {"default"}) == sorted(f.name for f in STREAMING_ROWS)
    level_help = _between(text, "Default: the format's own tool's:", ".")
    for fmt in STREAMING_ROWS:
        if fmt.tool_level is not None:
            assert f"{fmt.name} {fmt.tool_level}" in level_help


@pytest.mark.parametrize("command", [["compress", "-c"], ["cat"]], ids=["compress", "cat"])
def test_cli_choices_are_the_streaming_formats(command, tmp_path):
    """-C accepts every streaming format and refuses a raw block format, naming the valid ones."""
    plain = tmp_path / "x"
    plain.write_bytes(b"x")
    for fmt in FORMATS.values():
        result = CliRunner().invoke(cli, [*command, "-C", fmt.name, str(plain)])
        if fmt.streaming:  # compressed, or for cat "not in that format": never a usage error
            assert result.exit_code != 2, result.output
        else:
            assert result.exit_code == 2
            for name in (f.name for f in STREAMING_ROWS):
                assert name in result.output
