"""The code checkers run as part of the test suite, so the README's one test command (and CI)
fails on a lint finding, an unformatted file or a type error. Each runs from this venv, on the
paths and with the settings in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = ["core", "arrowio_cli", "tests", "benchmarks"]


def run_checker(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m <checker> ...`` from the repository root, with its output captured."""
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"{' '.join(result.args[2:])} found problems:\n{result.stdout}{result.stderr}"


def test_ruff_check_finds_nothing():
    assert_clean(run_checker("ruff", "check", "--no-cache", *PATHS))


def test_ruff_format_changes_nothing():
    assert_clean(run_checker("ruff", "format", "--check", "--no-cache", *PATHS))


def test_mypy_finds_nothing():
    # mypy reads packages and settings from pyproject.toml; a cache in a temporary place keeps
    # the checkout clean and parallel runs apart.
    assert_clean(run_checker("mypy", "--cache-dir", "/dev/null"))
