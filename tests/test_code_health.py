"""The code checkers run as part of the test suite, so the README's one test command (and CI)
fails on a lint finding, an unformatted file or a type error. Each runs from this venv, on the
paths and with the settings in pyproject.toml."""

from __future__ import annotations

import ast
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


#: The longest function body arrowio_cli/ may have (statements, its docstring not counted): a
#: command parses, calls the library and renders; anything longer is split by what it does.
MAX_CLI_BODY_LINES = 50


def body_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the end of the last one."""
    body = function.body
    if (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    if not body:
        return 0
    end = body[-1].end_lineno
    assert end is not None
    return end - body[0].lineno + 1


def test_no_cli_function_body_is_over_50_lines():
    long = []
    for path in sorted((ROOT / "arrowio_cli").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and body_lines(node) > MAX_CLI_BODY_LINES:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({body_lines(node)} lines)")
    assert not long, "split these by what they do:\n" + "\n".join(long)


def test_body_lines_counts_statements_without_the_docstring():
    source = 'def f():\n    """Doc\n    string."""\n    a = 1\n\n    return a\n\n\ndef g():\n    """Only a doc."""\n'
    f, g = ast.parse(source).body
    assert isinstance(f, ast.FunctionDef) and isinstance(g, ast.FunctionDef)
    assert (body_lines(f), body_lines(g)) == (3, 0)
