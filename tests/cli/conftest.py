"""Fixtures of the CLI tests: in-process runs through the real entry point, and subprocess runs.

``run(args)`` goes through :func:`arrowio_cli.main.main` inside ``CliRunner.isolation``, so the
one-line error translation and the exit codes are those a user sees; stdout comes back as bytes,
stderr separately. ``sh(args)`` runs ``python -m arrowio_cli`` in a real process.
``make_compressed(fmt, data, name=None)`` writes a file compressed by the format's own tool.
``pseudo``: the content of a /proc file that stats as 0 bytes.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping

import pytest
from cli_helpers import PSEUDO, Run, arrowio_command, compressed_by_tool, extension, run_in_process


@pytest.fixture
def run() -> Callable[..., Run]:
    return run_in_process


@pytest.fixture
def sh() -> Callable[..., subprocess.CompletedProcess[bytes]]:
    def sh(*args: object, input: bytes | None = None, env: Mapping[str, str] | None = None, timeout: float = 60):
        return subprocess.run(
            arrowio_command(*args), input=input, capture_output=True, timeout=timeout, env={**os.environ, **(env or {})}
        )

    return sh


@pytest.fixture
def make_compressed(tmp_path):
    def make(fmt: str, data: bytes, name: str | None = None):
        path = tmp_path / (name or f"data{extension(fmt)}")
        path.write_bytes(compressed_by_tool(fmt, data))
        return path

    return make


@pytest.fixture
def pseudo() -> bytes:
    """The content of :data:`cli_helpers.PSEUDO`, a file that stats as 0 bytes yet has content."""
    if not os.path.exists(PSEUDO) or os.stat(PSEUDO).st_size != 0:
        pytest.skip(f"needs {PSEUDO}, a file that stats as 0 bytes and has content")
    with open(PSEUDO, "rb") as f:
        content = f.read()
    assert content  # the point of the tests that use it
    return content
