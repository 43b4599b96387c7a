"""Ways in: ``python -m arrowio``, shell completion, and man pages found by ``man`` itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cli_helpers import need

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the virtual environment's bin, where `arrowio` is installed


def test_python_m_arrowio_runs_the_cli(tmp_path):
    for module in ("arrowio", "arrowio_cli"):
        version = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True)
        assert (version.returncode, version.stdout) == (0, "arrowio 0.1.0\n")
    missing = subprocess.run(
        [sys.executable, "-m", "arrowio", "cat", tmp_path / "nosuch"], capture_output=True, text=True
    )
    assert (missing.returncode, missing.stderr) == (
        1,
        f"arrowio: error: {tmp_path / 'nosuch'}: No such file or directory\n",
    )


def complete(words: list[str]) -> list[str]:
    """What bash offers for the last of ``words``, through the script `arrowio completion bash` prints."""
    need("bash")
    script = f"""
        eval "$(arrowio completion bash)"
        COMP_WORDS=({" ".join(words)}); COMP_CWORD={len(words) - 1}; COMPREPLY=()
        _arrowio_completion arrowio
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, check=True)
    return result.stdout.split()


def test_bash_completion_completes_subcommands_and_options():
    assert complete(["arrowio", "co"]) == ["completion", "compress"]
    assert complete(["arrowio", "mm"]) == ["mmap-read"]
    assert complete(["arrowio", "compress", "--ul"]) == ["--ultra"]
    assert set(complete(["arrowio", "info", "--"])) >= {"--scan", "--json", "--color", "--help"}


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o nosort -F _arrowio_completion arrowio"),
                                               ("zsh", "compdef _arrowio_completion arrowio"),
                                               ("fish", "complete --no-files --command arrowio")])  # fmt: skip
def test_completion_scripts_for_each_shell(run, shell, marker):
    result = run(["completion", shell])
    assert result.exit_code == 0 and marker in result.stdout and "_ARROWIO_COMPLETE" in result.stdout
    assert run(["completion", "tcsh"]).exit_code == 2


def test_man_finds_the_pages_of_a_clone_with_the_readme_manpath():
    """README: `export MANPATH="$PWD/man:"` in a clone (an editable install places no data files)."""
    need("man")
    env = {**os.environ, "MANPATH": f"{ROOT / 'man'}:"}
    for page in ("arrowio", "arrowio-cat", "arrowio-compress"):
        where = subprocess.run(["man", "-w", page], capture_output=True, text=True, env=env)
        assert where.returncode == 0 and Path(where.stdout.strip()).resolve() == ROOT / "man" / f"{page}.1"
    shown = subprocess.run(
        ["man", "-P", "cat", "arrowio-cat"], capture_output=True, text=True, env={**env, "MANWIDTH": "80"}
    )
    assert shown.returncode == 0 and "arrowio-cat - " in shown.stdout


@pytest.mark.slow
def test_a_wheel_installs_the_pages_where_man_looks(tmp_path):
    """A wheel puts them in <prefix>/share/man/man1, which man searches for <prefix>/bin on PATH."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path, ROOT],
        capture_output=True, text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("arrowio-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    pages = sorted(p.name for p in (ROOT / "man").glob("arrowio*.1"))
    assert pages and {f"arrowio-0.1.0.data/data/share/man/man1/{page}" for page in pages} <= names
    need("man")
    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "share/man/man1").mkdir(parents=True)
    shutil.copy(ROOT / "man" / "arrowio.1", prefix / "share/man/man1")
    env = {k: v for k, v in os.environ.items() if k != "MANPATH"} | {"PATH": f"{prefix / 'bin'}:/usr/bin:/bin"}
    where = subprocess.run(["man", "-w", "arrowio"], capture_output=True, text=True, env=env)
    assert where.stdout.strip() == str(prefix / "share/man/man1/arrowio.1")
