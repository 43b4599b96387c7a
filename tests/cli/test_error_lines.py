"""Error lines that named things badly. The empty name (``arrowio cat ""``) was printed bare
(``arrowio: error: : No such file or directory``); it is now quoted as GNU cat quotes it
(``'': No such file``). An empty output name (``compress -o ""``) is refused: it was taken for no ``-o`` at all. A kernel error
without a file name read as Python prints it (``[Errno 5] Input/output error``)."""

from __future__ import annotations

import os
import subprocess

import pytest
from cli_helpers import arrowio_command

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


@pytest.mark.parametrize("args", [["-o", ""], ["-d", "-o", ""], ["--output="]])
def test_an_empty_output_name_is_a_usage_error_not_the_default_name(sh, tmp_path, args):
    # `-o ""` was taken for "no -o": stdin compressed into a file named "-.zst", exit 0.
    result = subprocess.run(
        arrowio_command("compress", *args), input=b"data\n", capture_output=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.endswith(b"Error: Invalid value for -o/--output: an empty name names no file\n")
    assert os.listdir(tmp_path) == []


def test_an_empty_output_name_with_a_file_writes_nothing(run, tmp_path):
    source = tmp_path / "f"
    source.write_bytes(b"data\n")
    result = run(["compress", "-o", "", str(source)])
    assert result.exit_code == 2 and "an empty name names no file" in result.stderr
    assert os.listdir(tmp_path) == ["f"]


def test_a_kernel_error_without_a_file_name_reads_as_the_kernel_says(sh):
    # Reading /proc/self/mem at offset 0 fails with EIO; the line showed Python's "[Errno 5] ...".
    if not os.path.exists("/proc/self/mem"):
        pytest.skip("needs /proc/self/mem")
    result = sh("cat", "/proc/self/mem")
    assert (result.returncode, result.stderr) == (1, b"arrowio: error: /proc/self/mem: Input/output error\n")


@pytest.mark.parametrize("decompress", [False, True])
def test_an_empty_suffix_is_a_usage_error(run, tmp_path, decompress):
    # --suffix '' was taken for the format's suffix when compressing, and with -d stripped
    # nothing to name the output '' ("arrowio: error: : No such file or directory"). gzip -S ''
    # refuses it too.
    source = tmp_path / "f.zst"
    source.write_bytes(bytes.fromhex("28b52ffd2000010000"))  # an empty zstd frame
    result = run(["compress", *(["-d"] if decompress else []), "--suffix", "", str(source)])
    assert result.exit_code == 2 and "Invalid value for --suffix: an empty suffix names no output" in result.stderr
    assert os.listdir(tmp_path) == ["f.zst"]
