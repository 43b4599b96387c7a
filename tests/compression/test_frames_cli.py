"""The command line over independent frames: compress -T/--seekable/--bgzf, cat on every core, cat --offset."""

from __future__ import annotations

import subprocess
import sys

import pytest
from compression_helpers import make_data, need_tool, run_tool


def arrowio(*args: object, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "arrowio_cli", *map(str, args)], input=input, capture_output=True)


@pytest.fixture(scope="module")
def data() -> bytes:
    return make_data("mixed", 2 * 1024 * 1024 + 777, seed=7)


@pytest.mark.parametrize(
    "options,suffix,readers",
    [
        (["-T", "2"], ".zst", [["zstd", "-q", "-dc"], ["pzstd", "-q", "-dc", "-p", "2"]]),
        (["--seekable"], ".zst", [["zstd", "-q", "-dc"]]),
        (["-C", "gzip", "-T", "0"], ".gz", [["gzip", "-dc"]]),
        (["--bgzf", "-T", "2"], ".gz", [["gzip", "-dc"], ["bgzip", "-dc"]]),
    ],
)
def test_compress_layouts_are_read_by_the_tools_and_by_cat(tmp_path, data, options, suffix, readers):
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    done = arrowio("compress", *options, "--frame-size", "256K", src)
    assert done.returncode == 0, done.stderr
    out = str(src) + suffix
    for reader in readers:
        need_tool(reader[0])
        assert run_tool(reader + [out]) == data
    assert arrowio("cat", out).stdout == data
    window = arrowio("cat", "--offset", "1500000", "--length", "100", out)
    assert window.returncode == 0 and window.stdout == data[1500000:1500100]


def test_cat_offset_reads_bgzip_files(tmp_path, data):
    need_tool("bgzip")
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    run_tool(["bgzip", "-f", "-i", str(src)])
    window = arrowio("cat", "--offset", str(len(data) - 50), "--length", "100", str(src) + ".gz")
    assert window.returncode == 0 and window.stdout == data[-50:]


def test_cat_reports_a_corrupt_seek_table_in_one_line(tmp_path, data):
    path = tmp_path / "s.zst"
    assert arrowio("compress", "--seekable", "-o", path, input=data).returncode == 0
    blob = bytearray(path.read_bytes())
    blob[-5] |= 0x40  # a reserved bit of the seek table descriptor
    path.write_bytes(blob)
    done = arrowio("cat", path)
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode().strip().splitlines() == [
        f"arrowio: error: {path}: zstd: corrupt seek table: reserved descriptor bits set (0x40) "
        f"(at compressed offset {len(blob) - 5})"
    ]


@pytest.mark.parametrize(
    "options,message",
    [
        (["--seekable", "-C", "gzip"], "--seekable needs -C zstd"),
        (["--bgzf", "-C", "zstd"], "--bgzf needs -C gzip"),
        (["--bgzf", "--seekable"], "choose one"),
        (["-C", "xz", "--frame-size", "1M"], "--frame-size needs"),
        (["-d", "--seekable"], "apply to compression only"),
    ],
)
def test_frame_options_that_do_not_fit_are_usage_errors(options, message):
    done = arrowio("compress", *options, "-c", input=b"x")
    assert done.returncode == 2 and message in done.stderr.decode()


def test_cat_offset_decodes_only_the_frames_it_needs(tmp_path, data):
    """A damaged first frame does not matter to a range that starts later: it is never decoded."""
    path = tmp_path / "s.zst"
    assert arrowio("compress", "--seekable", "--frame-size", "256K", "-o", path, input=data).returncode == 0
    blob = bytearray(path.read_bytes())
    blob[100:200] = bytes(100)  # inside the first frame
    path.write_bytes(blob)
    window = arrowio("cat", "--offset", "1M", "--length", "100", path)
    assert window.returncode == 0, window.stderr
    assert window.stdout == data[1 << 20 : (1 << 20) + 100]
    assert arrowio("cat", path).returncode == 1  # read from the start, the damage shows
