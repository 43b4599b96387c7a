"""Pipelines as zstd, zcat and cat users build them: concatenated inputs of different formats,
a reader that leaves early (SIGPIPE, status 141 under pipefail), ``info -`` reading stdin."""

from __future__ import annotations

import random
import subprocess

import pytest
from cli_helpers import arrowio_command, compressed_by_tool

PARTS = [b"".join(b"%s line %06d\n" % (name.encode(), i) for i in range(40000)) for name in "abcdef"]
#: Every format with a magic number. snappy's framing has no end marker, so it can only come
#: last; brotli has no magic (and its decoder cannot tell where its stream ends inside a piece
#: of input), so it stays a file of its own, as with zstd -d.
ORDER = ["gzip", "zstd", "xz", "bz2", "lz4", "snappy"]
OTHER_ORDER = ["bz2", "lz4", "gzip", "xz", "zstd", "snappy"]


def bash(command: str, **kwargs) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["bash", "-c", command], capture_output=True, **kwargs)


@pytest.fixture
def mixed(tmp_path):
    """Six streams of six formats, one after the other, as ``cat a.gz b.zst ... > mixed.gz`` makes."""
    path = tmp_path / "mixed.gz"
    path.write_bytes(b"".join(compressed_by_tool(fmt, part) for fmt, part in zip(ORDER, PARTS, strict=True)))
    return path


def test_concatenated_formats_decode_in_sequence(run, mixed):
    result = run(["cat", mixed])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout_bytes == b"".join(PARTS)


def test_concatenated_formats_on_a_pipe_as_zstd_dc_reads_them(tmp_path):
    """``cat a.gz b.zst | arrowio cat``: detected by magic on the pipe, then stream by stream."""
    data = b"".join(compressed_by_tool(fmt, part) for fmt, part in zip(OTHER_ORDER, PARTS, strict=True))
    result = subprocess.run(arrowio_command("cat"), input=data, capture_output=True)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == b"".join(PARTS)
    both = compressed_by_tool("gzip", PARTS[0]) + compressed_by_tool("zstd", PARTS[1])
    assert subprocess.run(["zstd", "-dcq"], input=both, capture_output=True).stdout == PARTS[0] + PARTS[1]
    assert subprocess.run(arrowio_command("cat"), input=both, capture_output=True).stdout == PARTS[0] + PARTS[1]


def test_plain_data_after_compressed_data_stays_an_error(run, tmp_path):
    head = compressed_by_tool("gzip", PARTS[0]) + compressed_by_tool("zstd", PARTS[1])
    path = tmp_path / "tail.gz"
    path.write_bytes(head + b"plain text, not compressed\n")
    result = run(["cat", path])
    assert result.exit_code == 1 and result.stdout_bytes == PARTS[0] + PARTS[1]
    # The offset counts from the start of the file, not of the zstd stream.
    assert (
        result.stderr == f"arrowio: error: {path}: zstd: trailing garbage after the last zstd frame "
        f"(unknown frame magic number) (at compressed offset {len(head)})\n"
    )


def test_a_cut_stream_after_another_names_its_offset_in_the_file(run, tmp_path):
    first = compressed_by_tool("gzip", PARTS[0])
    path = tmp_path / "cut.gz"
    path.write_bytes(first + compressed_by_tool("xz", PARTS[1])[:100])
    result = run(["cat", path])
    assert result.exit_code == 1 and "xz: truncated input" in result.stderr
    assert f"starting at offset {len(first)} " in result.stderr


@pytest.mark.parametrize(
    "command",
    ["compress -c {big}", "cat {big}", "cat {big}.gz", "compress -dc {big}.gz", "cat - < {big}"],
)
def test_a_reader_that_leaves_early_ends_us_by_sigpipe(tmp_path, command):
    """Quiet, and status 141 under pipefail, as cat, zcat and zstd end: truncated output shows."""
    big = tmp_path / "big.txt"
    # More than a pipe holds even widened to 1 MiB (sink.py), decoded and compressed alike: with
    # output that fits, a writer may finish before its reader leaves, and status 0 is then right.
    big.write_bytes(b"".join(PARTS) * 4 + random.Random(0).randbytes(4 << 20))
    subprocess.run(["gzip", "-k", "-1", big], check=True)
    arrowio = " ".join(arrowio_command())
    line = f"set -o pipefail; {arrowio} {command.format(big=big)} | head -c 10 > /dev/null"
    result = bash(line)
    assert (result.returncode, result.stderr) == (141, b"")
    assert bash(f"set -o pipefail; zcat {big}.gz | head -c 10 > /dev/null").returncode == 141  # the habit copied


def test_complete_output_into_a_pipe_is_status_0(tmp_path):
    small = tmp_path / "small.txt"
    small.write_bytes(PARTS[0][:1000])
    arrowio = " ".join(arrowio_command())
    assert bash(f"set -o pipefail; {arrowio} compress -c {small} | cat > /dev/null").returncode == 0


def test_info_reads_stdin_from_a_pipe_and_from_a_file(run, tmp_path):
    packed = tmp_path / "x"  # stdin has no name, so no extension either
    packed.write_bytes(compressed_by_tool("zstd", PARTS[0]))
    by_name = run(["info", "--json", packed]).stdout.replace(str(packed), "<stdin>")
    assert '"format": "zstd"' in by_name
    assert run(["info", "--json", "-"], input=packed.read_bytes()).stdout == by_name  # in-process: no fd
    arrowio = arrowio_command("info", "--json", "-")
    with open(packed, "rb") as regular:
        assert subprocess.run(arrowio, stdin=regular, capture_output=True).stdout.decode() == by_name
    piped = subprocess.run(arrowio, input=packed.read_bytes(), capture_output=True)
    assert (piped.returncode, piped.stdout.decode()) == (0, by_name)
    scan = subprocess.run(arrowio_command("info", "--scan", "-"), input=packed.read_bytes(), capture_output=True)
    assert scan.returncode == 0 and b"<stdin>" in scan.stdout and b"zstd" in scan.stdout
