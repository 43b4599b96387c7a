"""arrowio cat on plain (uncompressed) inputs: order, stdin, ranges by read_at, mmap, hexdump,
the output guard, per-input failures, --stats, and the kernel copy in real processes."""

from __future__ import annotations

import os
import subprocess

import pytest
from cli_helpers import arrowio_command

import arrowio

DATA = bytes(range(256)) * 512  # 128 KiB
OTHER = b"second file\n" * 100


@pytest.fixture
def files(tmp_path):
    a, b = tmp_path / "a.bin", tmp_path / "b.txt"
    a.write_bytes(DATA)
    b.write_bytes(OTHER)
    return a, b


def test_inputs_in_order(run, files):
    a, b = files
    result = run(["cat", a, b, a])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout_bytes == DATA + OTHER + DATA


def test_stdin_by_default_and_by_dash(run, files):
    a, _ = files
    assert run(["cat"], input=b"from stdin").stdout_bytes == b"from stdin"
    # stdin is read once: a second "-" finds it at its end.
    assert run(["cat", "-", a, "-"], input=b"in").stdout_bytes == b"in" + DATA


@pytest.mark.parametrize(
    ("offset", "length"),
    [(0, None), (1000, None), (1000, 5000), (0, 0), (len(DATA) - 3, 100), (len(DATA), None), (len(DATA) + 5, 10)],
)
def test_ranges(run, files, offset, length):
    a, _ = files
    args = ["cat", "--offset", offset, a] + ([] if length is None else ["--length", length])
    end = None if length is None else offset + length
    result = run(args)
    assert result.exit_code == 0 and result.stdout_bytes == DATA[offset:end]


def test_ranges_apply_to_each_input(run, files):
    a, b = files
    assert run(["cat", "--offset", "2", "--length", "3", a, b]).stdout_bytes == DATA[2:5] + OTHER[2:5]


def test_a_range_of_a_plain_file_is_read_by_read_at_only(run, files, monkeypatch):
    """In-process stdout has no descriptor, so no sendfile: the range must come from read_at alone."""
    a, _ = files
    calls = []
    original = arrowio.OSFile.read_at

    def read_at(self, nbytes, offset):
        calls.append((nbytes, offset))
        return original(self, nbytes, offset)

    def forbidden(self, *args):
        raise AssertionError("a sequential read of a plain seekable file")

    monkeypatch.setattr(arrowio.OSFile, "read_at", read_at)
    for name in ("read", "readinto", "read1", "readinto1", "read_buffer", "readall"):
        monkeypatch.setattr(arrowio.OSFile, name, forbidden)
    result = run(["cat", "--offset", "100000", "--length", "10", a])
    assert result.stdout_bytes == DATA[100000:100010] and calls == [(10, 100000)]


def test_stdin_ranges_skip_by_reading(run):
    assert run(["cat", "--offset", "3", "--length", "4"], input=b"0123456789").stdout_bytes == b"3456"


def test_mmap(run, files, tmp_path):
    a, b = files
    (tmp_path / "empty").write_bytes(b"")
    result = run(["cat", "--mmap", "--offset", "7", a, tmp_path / "empty", b])
    assert result.exit_code == 0 and result.stdout_bytes == DATA[7:] + OTHER[7:]


@pytest.mark.parametrize("hexdump", [False, True], ids=["bytes", "hexdump"])
def test_mmap_of_a_file_that_shrinks_while_it_is_read_names_the_input(tmp_path, hexdump):
    # Another process truncates the file while cat is blocked writing to the pipe. Before the
    # check, the dump died of SIGBUS (exit 135) and the plain copy blamed stdout (EFAULT).
    path = tmp_path / "shrinks.bin"
    path.write_bytes(DATA * 128)  # 16 MiB: far more than the (widened, 1 MiB) pipe holds
    others = tmp_path / "after.txt"
    others.write_bytes(OTHER)
    flags = ["-x"] if hexdump else []
    with subprocess.Popen(
        arrowio_command("cat", "--mmap", *flags, path, others), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as cat:
        assert cat.stdout is not None
        head = cat.stdout.read(1 << 16)  # cat is mapping and writing now
        os.truncate(path, 4096)
        rest, errors = cat.communicate(timeout=60)
    assert cat.returncode == 1, errors
    assert errors.decode() == (
        f"arrowio: error: {path}: the file shrank from {len(DATA) * 128} to 4096 bytes while it was read; stopped\n"
    )
    out = head + rest
    if not hexdump:
        assert out.endswith(OTHER)  # the next input still ran
        assert (DATA * 128).startswith(out[: -len(OTHER)])  # what was written before the stop is right


def test_hexdump_matches_hexdump_c(run, files):
    a, _ = files
    result = run(["cat", "-x", "--offset", "200", "--length", "700", a])
    with open(a, "rb") as f:
        expected = subprocess.run(["hexdump", "-C", "-s", "200", "-n", "700"], stdin=f, capture_output=True).stdout
    assert result.exit_code == 0 and result.stdout_bytes == expected


def test_hexdump_restarts_for_each_input(run, tmp_path):
    (tmp_path / "x").write_bytes(b"x")
    result = run(["cat", "-x", tmp_path / "x", tmp_path / "x"])
    dump = b"00000000  78                                                |x|\n00000001\n"
    assert result.stdout_bytes == dump + dump


def test_max_output_stops_the_whole_run(run, files):
    a, b = files
    result = run(["cat", "--max-output", "1K", b, a, b])
    assert result.exit_code == 1
    assert result.stdout_bytes == (OTHER + DATA)[:1024]
    assert result.stderr == "arrowio: error: output exceeds --max-output 1.0 KiB (1024 bytes); stopped\n"
    assert run(["cat", "--max-output", str(len(DATA)), a]).exit_code == 0  # exactly the limit is fine


def test_max_output_on_stdin(run):
    result = run(["cat", "--max-output", "4"], input=b"0123456789")
    assert result.exit_code == 1 and result.stdout_bytes == b"0123" and "--max-output" in result.stderr


def test_a_failing_input_is_reported_and_the_others_still_run(run, files, tmp_path):
    a, b = files
    missing = tmp_path / "missing.bin"
    result = run(["cat", a, missing, tmp_path, b])
    assert result.exit_code == 1
    assert result.stdout_bytes == DATA + OTHER
    assert result.stderr.splitlines() == [
        f"arrowio: error: {missing}: No such file or directory",
        f"arrowio: error: {tmp_path}: Expected file path, but it is a directory",
    ]


def test_stats_go_to_stderr(run, files):
    a, b = files
    result = run(["cat", "--stats", a, b])
    assert result.exit_code == 0 and result.stdout_bytes == DATA + OTHER
    for text in ("input", "format", "plain", str(a), "total", "pool peak", "peak RSS"):
        assert text in result.stderr


def test_stats_show_a_failed_input(run, files, tmp_path):
    result = run(["cat", "--stats", tmp_path / "missing"])
    assert result.exit_code == 1 and "failed" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--offset", "-1"], "invalid size"), (["--max-output", "lots"], "invalid size"), (["--bogus"], "No such option")],
)
def test_usage_errors(run, files, args, message):
    result = run(["cat", *args, files[0]])
    assert result.exit_code == 2 and message in result.stderr and result.stdout_bytes == b""


# -- real processes: the kernel copy, pipes, a reader that leaves early -------------------------------
def test_sendfile_into_a_pipe_and_a_file(files, tmp_path):
    a, b = files
    piped = subprocess.run(f"{' '.join(_arrowio())} cat --offset 5 '{a}' '{b}' | cat", shell=True, capture_output=True)
    assert piped.returncode == 0 and piped.stdout == DATA[5:] + OTHER[5:]
    target = tmp_path / "copy"
    with open(target, "wb") as out:
        result = subprocess.run([*_arrowio(), "cat", "--length", "1000", a, b], stdout=out, stderr=subprocess.PIPE)
    assert result.returncode == 0 and result.stderr == b""
    assert target.read_bytes() == DATA[:1000] + OTHER[:1000]


def test_appending_to_a_file_falls_back_from_sendfile(files, tmp_path):
    a, _ = files
    target = tmp_path / "log"
    target.write_bytes(b"start:")
    with open(target, "ab") as out:  # O_APPEND: sendfile refuses, read_at takes over
        assert subprocess.run([*_arrowio(), "cat", a], stdout=out).returncode == 0
    assert target.read_bytes() == b"start:" + DATA


def test_a_reader_that_leaves_early_ends_cat_quietly(tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(DATA * 80)  # 10 MiB: far more than a pipe holds
    for source in (f"'{big}'", f"- < '{big}'"):
        result = subprocess.run(f"{' '.join(_arrowio())} cat {source} | head -c 10", shell=True, capture_output=True)
        assert result.returncode == 0 and result.stdout == DATA[:10] and result.stderr == b""
        status = subprocess.run(
            f"{' '.join(_arrowio())} cat {source} | head -c 10 > /dev/null; echo ${{PIPESTATUS[0]}}",
            shell=True, capture_output=True, executable="/bin/bash",
        )  # fmt: skip
        assert status.stdout.strip() == b"141" and status.stderr == b""  # killed by SIGPIPE, as cat is


def _arrowio() -> list[str]:
    return arrowio_command()
