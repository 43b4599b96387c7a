"""The empty name (``arrowio cat ""``) in an error: it was printed bare (``arrowio: error: : No
such file or directory``); it is now quoted as GNU cat quotes it (``'': No such file``)."""

from __future__ import annotations

import pytest

MESSAGE = "arrowio: error: '': No such file or directory\n"


@pytest.mark.parametrize("command", ["cat", "compress", "info", "mmap-read"])
def test_each_command_names_the_empty_name(run, command):
    result = run([command, ""])
    assert (result.exit_code, result.stderr) == (1, MESSAGE)


def test_a_process_names_it_and_goes_on_with_the_next_input(sh, tmp_path):
    # The click-free cat path, in a real process: the empty name fails, the next file is printed.
    data = tmp_path / "data"
    data.write_bytes(b"after\n")
    result = sh("cat", "", data)
    assert (result.returncode, result.stderr, result.stdout) == (1, MESSAGE.encode(), b"after\n")
