"""arrowio compress speaks gzip's and zstd's flags: -1 ... -19, --ultra -22, --fast[=N], --best,
-l/--list, --suffix, -N/-n; what the headers record; -v counts the bytes it wrote."""

from __future__ import annotations

import os
import subprocess

import pytest

TEXT = b"".join(b"%08d flags as zstd and gzip take them\n" % i for i in range(20000))


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "text.csv"
    path.write_bytes(TEXT)
    os.utime(path, (1_500_000_000, 1_600_000_000))
    return path


def compressed(run, *args) -> bytes:
    result = run(["compress", "-c", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


@pytest.mark.parametrize(
    ("short", "long"),
    [
        (["-19"], ["--level", "19"]),
        (["-1"], ["--level", "1"]),
        (["--ultra", "-22"], ["--ultra", "--level", "22"]),
        (["--fast"], ["--level=-1"]),
        (["--fast=5"], ["--level=-5"]),
        (["--best"], ["--level", "19"]),
        (["-C", "gzip", "-9"], ["-C", "gzip", "--level", "9"]),
        (["-C", "gzip", "--fast"], ["-C", "gzip", "--level", "1"]),
        (["-C", "gzip", "--best"], ["-C", "gzip", "--level", "9"]),
        (["-C", "xz", "--fast"], ["-C", "xz", "--level", "0"]),
        (["-C", "lz4", "--best"], ["-C", "lz4", "--level", "12"]),
    ],
)
def test_level_flags_mean_what_the_tools_mean(run, text_file, short, long):
    assert compressed(run, *short, text_file) == compressed(run, *long, text_file)


def test_numeric_levels_in_clusters_and_values_left_alone(run, text_file, tmp_path):
    """``-9c`` is -9 and -c, as in gzip; ``-o -1`` names a file ``-1``, never a level."""
    assert run(["compress", "-C", "gzip", "-9c", text_file]).stdout_bytes == compressed(
        run, "-C", "gzip", "-9", text_file
    )
    os.chdir(tmp_path)
    result = run(["compress", "-3", "-o", "-1", text_file])
    assert result.exit_code == 0, result.stderr
    assert subprocess.run(["zstd", "-dc", "--", "-1"], capture_output=True, check=True).stdout == TEXT


def test_levels_are_not_the_default(run, text_file):
    """The flags reach the encoder: -1 and -19 give different streams, both decoded by zstd."""
    fast, strong = compressed(run, "-1", text_file), compressed(run, "-19", text_file)
    assert fast != strong and len(strong) < len(fast)
    for data in (fast, strong):
        assert subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True).stdout == TEXT


def test_zstd_records_the_content_size_of_a_file_as_zstd_does(run, text_file, tmp_path):
    assert run(["compress", text_file]).exit_code == 0
    listed = subprocess.run(["zstd", "-lv", f"{text_file}.zst"], capture_output=True, text=True, check=True).stdout
    size_line = next(line for line in listed.splitlines() if line.startswith("Decompressed Size:"))
    assert size_line.endswith(f"({len(TEXT)} B)")
    info = run(["info", "--json", f"{text_file}.zst"])
    assert f'"decoded_size": {len(TEXT)}' in info.stdout and '"decoded_size_from": "header"' in info.stdout
    # stdin's size is not known in advance: nothing is pledged (as zstd does), and it still decodes.
    piped = tmp_path / "piped.zst"
    piped.write_bytes(run(["compress", "-c"], input=TEXT).stdout_bytes)
    assert '"decoded_size": null' in run(["info", "--json", piped]).stdout
    assert subprocess.run(["zstd", "-dc", piped], capture_output=True, check=True).stdout == TEXT


def test_gzip_records_name_and_mtime_unless_n(run, text_file, tmp_path):
    packed = tmp_path / "renamed.gz"
    packed.write_bytes(compressed(run, "-C", "gzip", text_file))
    listed = subprocess.run(["gzip", "-lN", packed], capture_output=True, text=True, check=True).stdout
    assert listed.split()[-1] == str(tmp_path / "text.csv")  # gzip -N restores the recorded name
    header = compressed(run, "-C", "gzip", text_file)[:10]
    assert header[3] == 0x08 and int.from_bytes(header[4:8], "little") == 1_600_000_000
    # -n: neither, as gzip -n writes; and the same bytes as gzip -n at the same level.
    bare = compressed(run, "-C", "gzip", "-n", "-6", text_file)
    assert bare[3] == 0 and bare[4:8] == b"\0\0\0\0"
    tool = subprocess.run(["gzip", "-n", "-6", "-c", text_file], capture_output=True, check=True).stdout
    assert bare[:4] == tool[:4] and bare[4:8] == tool[4:8]
    assert subprocess.run(["gzip", "-dc"], input=bare, capture_output=True, check=True).stdout == TEXT


def test_list_is_the_info_table(run, text_file):
    assert run(["compress", text_file]).exit_code == 0
    listed = run(["compress", "-l", f"{text_file}.zst"])
    assert listed.exit_code == 0
    assert listed.stdout == run(["info", f"{text_file}.zst"]).stdout and "zstd" in listed.stdout
    missing = run(["compress", "-l", text_file.with_name("nosuch.zst")])
    assert missing.exit_code == 1 and missing.stderr.startswith("arrowio: error: ")


def test_suffix_names_outputs_and_is_stripped_by_d(run, text_file, tmp_path):
    assert run(["compress", "-C", "gzip", "--suffix", ".z9", text_file]).exit_code == 0
    packed = tmp_path / "text.csv.z9"
    assert subprocess.run(["gzip", "-dc"], input=packed.read_bytes(), capture_output=True, check=True).stdout == TEXT
    text_file.unlink()
    assert run(["compress", "-d", "--suffix", ".z9", packed]).exit_code == 0
    assert text_file.read_bytes() == TEXT
    wrong = run(["compress", "-d", "--suffix", ".q", packed])
    assert wrong.exit_code == 1 and "does not end in .q" in wrong.stderr


@pytest.mark.parametrize("where", ["stdout", "device"])
def test_verbose_counts_the_bytes_written(run, text_file, where):
    """Not a stat of the target: stdout and /dev/null have no size to read."""
    args = ["-c"] if where == "stdout" else ["-o", os.devnull]
    result = run(["compress", "-v", "-19", *args, text_file])
    assert result.exit_code == 0, result.stderr
    size = len(compressed(run, "-19", text_file))
    from arrowio_cli.report import format_bytes

    assert f"<-> {format_bytes(size)} ({100 * size / len(TEXT):.2f}%" in result.stderr
    assert "<-> 0 B" not in result.stderr
