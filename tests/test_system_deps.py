"""Tests that need something from the machine skip naming the package to install, and fail under
ARROWIO_CI=1. Absence is simulated for real: an inner pytest run whose ``ctypes`` cannot open
libmimalloc, as on a fresh machine without libmimalloc2.0; a PATH without the tool."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from system_deps import need_tool

HERE = Path(__file__).parent

# A plugin loaded before anything imports arrowio: dlopen of mimalloc fails as it does where it is
# not installed.
HIDE_MIMALLOC = """
import ctypes


class _WithoutMimalloc(ctypes.CDLL):
    def __init__(self, name, *args, **kwargs):
        if name and "mimalloc" in str(name):
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        super().__init__(name, *args, **kwargs)


ctypes.CDLL = _WithoutMimalloc
"""

INNER_TESTS = """
import pytest

import arrowio


@pytest.mark.backend("mimalloc")
def test_needs_mimalloc():
    arrowio.mimalloc_memory_pool()


@pytest.mark.parametrize("backend", ["system", pytest.param("mimalloc", marks=pytest.mark.backend("mimalloc"))])
def test_each_backend(backend):
    getattr(arrowio, f"{backend}_memory_pool")()
"""


def run_inner(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "hide_mimalloc.py").write_text(HIDE_MIMALLOC)
    (tmp_path / "conftest.py").write_text((HERE / "conftest.py").read_text())
    (tmp_path / "system_deps.py").write_text((HERE / "helpers" / "system_deps.py").read_text())
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    env = {k: v for k, v in os.environ.items() if k not in ("ARROWIO_CI", "ARROWIO_DEFAULT_MEMORY_POOL")}
    if ci:
        env["ARROWIO_CI"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "hide_mimalloc", "-p", "no:cacheprovider", "-rsf", "-q", "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip


def test_without_mimalloc_its_tests_skip_naming_the_package(tmp_path):
    done = run_inner(tmp_path, ci=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 2 skipped" in done.stdout
    [skipped] = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]  # both, one reason
    assert skipped.startswith("SKIPPED [2] ")
    assert "the mimalloc backend is unavailable (Debian package libmimalloc2.0)" in skipped
    assert "cannot open shared object file" in skipped  # the library's own reason follows


def test_without_mimalloc_its_tests_fail_under_ci(tmp_path):
    done = run_inner(tmp_path, ci=True)
    assert done.returncode == 1
    assert "1 passed, 2 errors" in done.stdout  # a skip in setup, made a failure: reported as an error
    assert "skipped under ARROWIO_CI=1" in done.stdout and "libmimalloc2.0" in done.stdout


def test_a_missing_tool_skips_naming_its_package(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no tool is found
    for tool, package in (("xz", "xz-utils"), ("bgzip", "tabix"), ("hexdump", "bsdextrautils")):
        with pytest.raises(pytest.skip.Exception, match=rf"^{tool} is not installed \(Debian package {package}\)$"):
            need_tool(tool)
