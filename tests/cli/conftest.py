"""Fixtures of the CLI tests: in-process runs through the real entry point, and subprocess runs.

``run(args)`` goes through :func:`arrowio_cli.main.main` inside ``CliRunner.isolation``, so the
one-line error translation and the exit codes are those a user sees; stdout comes back as bytes,
stderr separately. ``sh(args)`` runs ``python -m arrowio_cli`` in a real process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from arrowio_cli.main import main


@dataclass
class Run:
    exit_code: int
    stdout_bytes: bytes
    stderr: str

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode()


def run_in_process(args: Sequence[str], input: bytes | str | None = None, env: Mapping[str, str] | None = None) -> Run:
    # ARROWIO_REEXECUTED keeps main() from exec'ing a jemalloc-ready interpreter in place of pytest.
    environment = {"ARROWIO_REEXECUTED": "1", **(env or {})}
    with CliRunner().isolation(input=input, env=environment) as (out, err, _):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
        else:
            raise AssertionError("main() returned without exiting")
        return Run(int(code or 0), out.getvalue(), err.getvalue().decode())


@pytest.fixture
def run() -> Callable[..., Run]:
    return run_in_process


def arrowio_command(*args: object) -> list[str]:
    return [sys.executable, "-m", "arrowio_cli", *map(str, args)]


@pytest.fixture
def sh() -> Callable[..., subprocess.CompletedProcess[bytes]]:
    def sh(*args: object, input: bytes | None = None, env: Mapping[str, str] | None = None, timeout: float = 60):
        return subprocess.run(
            arrowio_command(*args), input=input, capture_output=True, timeout=timeout, env={**os.environ, **(env or {})}
        )

    return sh
