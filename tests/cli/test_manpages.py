"""Man pages: generated from the click tree, reproducible, complete, and in step with --help."""

from __future__ import annotations

import re
import subprocess

import click
import pytest
from click.testing import CliRunner
from system_deps import need_tool

from arrowio_cli import _manpages
from arrowio_cli.main import COMMANDS, cli

REGENERATE = "python -m arrowio_cli._manpages"


def command_names() -> list[str]:
    return cli.list_commands(click.Context(cli))


def test_man_folder_is_up_to_date():
    stale = _manpages.stale_pages()
    assert not stale, f"man/ is stale ({', '.join(stale)}): run `{REGENERATE}` and commit man/"


def test_every_registered_command_has_a_page():
    assert set(COMMANDS) <= set(command_names())
    expected = {"arrowio.1"} | {f"arrowio-{name}.1" for name in command_names()}
    assert set(_manpages.render_pages()) == expected


def test_a_new_command_is_picked_up(monkeypatch, tmp_path):
    @click.command("frobnicate")
    @click.option("--level", type=int, help="How hard.")
    def frobnicate(level: int) -> None:
        """Frobnicate things."""

    monkeypatch.setitem(cli.commands, "frobnicate", frobnicate)
    pages = _manpages.render_pages()
    assert "arrowio-frobnicate.1" in pages and "\\-\\-level INTEGER" in pages["arrowio-frobnicate.1"]
    assert "arrowio-frobnicate.1" in _manpages.stale_pages()


@pytest.mark.parametrize("name", command_names())
def test_options_match_help(name):
    help_text = CliRunner().invoke(cli, [name, "--help"], prog_name="arrowio").output
    page = _manpages.render_pages()[f"arrowio-{name}.1"]
    options = help_text.split("\nOptions:\n", 1)[1]
    for spec in re.findall(r"^  (-\S.*?)(?:  |$)", options, flags=re.M):
        assert f"\\fB{_manpages._escape(spec.strip())}\\fR" in page, spec
    usage = help_text.splitlines()[0].removeprefix(f"Usage: arrowio {name} ")
    assert _manpages._escape(usage) in page


def test_pages_are_reproducible(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    _manpages.write_pages(first)
    _manpages.write_pages(second)
    for page in first.iterdir():
        assert page.read_bytes() == (second / page.name).read_bytes()
        assert f'"{_manpages.MAN_DATE}"' in page.read_text().splitlines()[0]


def test_check_mode_and_removed_commands(tmp_path, capsys):
    assert _manpages._main(["--check", str(tmp_path)]) == 1
    assert _manpages._main([str(tmp_path)]) == 0
    assert _manpages._main(["--check", str(tmp_path)]) == 0
    (tmp_path / "arrowio-gone.1").write_text("old")
    assert _manpages.stale_pages(tmp_path) == ["arrowio-gone.1"]
    _manpages.write_pages(tmp_path)
    assert not (tmp_path / "arrowio-gone.1").exists()


def test_pages_render_without_warnings():
    need_tool("groff")
    for name, text in _manpages.render_pages().items():
        result = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=text, capture_output=True, text=True)
        assert result.returncode == 0 and result.stderr == "", (name, result.stderr)
