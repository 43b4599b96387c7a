"""arrowio cat of a file whose size the kernel does not know: /proc files stat as 0 bytes yet
have content, which cat, zcat and zstd -dc print. Going by the stated size, arrowio cat printed
nothing and exited 0 (a silent loss), on the click-free path and the click path alike."""

from __future__ import annotations

import pytest
from cli_helpers import PSEUDO


def test_a_process_prints_what_the_file_holds(sh, pseudo):
    # A real process: the click-free path, and stdout a pipe (where plain files go by sendfile).
    result = sh("cat", PSEUDO)
    assert (result.returncode, result.stderr, result.stdout) == (0, b"", pseudo)


@pytest.mark.parametrize("options", [[], ["-C", "none"], ["--mmap"], ["-q"]])
def test_in_process_prints_what_the_file_holds(run, pseudo, options):
    result = run(["cat", *options, PSEUDO])
    assert (result.exit_code, result.stderr, result.stdout_bytes) == (0, "", pseudo)


def test_a_range_of_it(run, pseudo):
    result = run(["cat", "--offset", "3", "--length", "10", PSEUDO, PSEUDO])
    assert (result.exit_code, result.stdout_bytes) == (0, pseudo[3:13] * 2)


def test_an_empty_file_stays_empty(run, tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    result = run(["cat", "--mmap", tmp_path / "empty", tmp_path / "empty"])
    assert (result.exit_code, result.stderr, result.stdout_bytes) == (0, "", b"")
