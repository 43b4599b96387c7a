"""The README's examples run as written: every ``sh`` and ``python`` block that needs neither a
network nor a GPU, in a folder holding the small files the examples name."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
_BLOCK = re.compile(r"^```(sh|python)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks() -> list[tuple[int, str, str, str]]:
    """(line, language, code, the text around it) of each fenced sh/python block."""
    text = (ROOT / "README.md").read_text()
    return [
        (text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2), text[max(0, m.start() - 600) : m.end() + 600])
        for m in _BLOCK.finditer(text)
    ]


def not_run_here(code: str) -> tuple[str, str] | None:
    """Why this test leaves a block out, and the words the README puts before it to say so."""
    if "pip install" in code:
        return "installs from PyPI; .ci/run runs it verbatim", "network access to PyPI"
    if "-m pytest" in code:
        return "runs this very suite", "runs the whole test suite"
    if re.search(r"\b(s3|https?)://", code.replace("https://user:pw@host", "")):
        return "needs a network endpoint", "reachable"
    return None


def runnable() -> list[object]:
    params: list[object] = []
    for line, language, code, _ in blocks():
        if not_run_here(code) is not None:
            continue
        gpu = "from arrowio import cuda" in code
        params.append(pytest.param(language, code, id=f"line{line}", marks=[pytest.mark.gpu] if gpu else []))
    return params


def test_every_block_left_out_says_why_beside_it():
    found = blocks()
    assert len(found) >= 8
    for line, _, code, around in found:
        why = not_run_here(code)
        if why is not None:
            assert why[1] in around.replace("\n", " "), f"README line {line} {why[0]}: say so beside it"
    assert len(runnable()) >= 5


@pytest.fixture
def folder(tmp_path):
    """The files the examples name: logs with an ERROR line, a CSV, a binary file past 1 MiB, a .gz."""
    lines = b"".join(b"2024-01-01 %s event %d\n" % (b"ERROR" if i % 97 == 0 else b"INFO", i) for i in range(20000))
    (tmp_path / "logs.gz").write_bytes(gzip.compress(lines))
    (tmp_path / "big.csv").write_bytes(b"".join(b"%d,%d,%d\n" % (i, i * i, i % 7) for i in range(100000)))
    (tmp_path / "big.bin").write_bytes(os.urandom(1 << 16) * 20)
    (tmp_path / "big.gz").write_bytes(gzip.compress(lines * 4))
    return tmp_path


@pytest.mark.parametrize(("language", "code"), runnable())
def test_readme_block_runs(folder, language, code):
    if "from arrowio import cuda" in code:
        from arrowio import cuda

        if (reason := cuda.unavailable_reason(0)) is not None:
            pytest.skip(reason)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    if language == "sh":
        command = ["bash", "-e", "-o", "pipefail", "-c", code]
    else:
        command = [sys.executable, "-c", code]
    result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
