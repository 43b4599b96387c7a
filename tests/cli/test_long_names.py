"""Outputs whose names are long but legal (up to NAME_MAX, 255 bytes): the temporary file they are
written into first is named ``.<name>.<random>.arrowio-tmp``, 26 bytes more, so ``arrowio compress``
of a 250-byte name failed with "File name too long" where ``zstd`` and ``gzip`` write it. So
did an upload to a ``file://`` URL, whose temporary name is made alike."""

from __future__ import annotations

import os

import pytest
from cli_helpers import decoded_by_tool, need


@pytest.mark.parametrize(
    "name",
    ["a" * 251, "é" * 125 + "b"],  # 251 bytes: with .zst, an output name of exactly 255
    ids=["ascii", "two-byte-characters"],
)
def test_compress_and_decompress_a_file_with_a_long_name(run, tmp_path, name):
    need("zstd")
    data = b"long names\n" * 1000
    source = tmp_path / name
    source.write_bytes(data)
    result = run(["compress", str(source)])
    assert (result.exit_code, result.stderr) == (0, "")
    output = tmp_path / f"{name}.zst"
    assert len(os.fsencode(output.name)) == 255
    assert decoded_by_tool("zstd", output.read_bytes()) == data
    source.unlink()
    result = run(["compress", "-d", str(output)])
    assert (result.exit_code, result.stderr) == (0, "")
    assert source.read_bytes() == data
    assert sorted(os.listdir(tmp_path)) == sorted([name, output.name])  # no temporary file left


def test_a_name_over_the_limit_is_still_the_one_line_error(run, tmp_path):
    source = tmp_path / ("c" * 252)  # its .zst output would be 256 bytes
    source.write_bytes(b"x")
    result = run(["compress", str(source)])
    assert (result.exit_code, result.stderr) == (1, f"arrowio: error: {source}.zst: File name too long\n")
    assert os.listdir(tmp_path) == [source.name]


def test_a_url_output_with_a_long_name(run, tmp_path):
    # file:// goes through the remote upload, whose temporary name had 27 bytes more as well.
    pytest.importorskip("fsspec")
    need("zstd")
    data = b"long names\n" * 1000
    (tmp_path / "in").write_bytes(data)
    name = "u" * 255
    result = run(["compress", "-o", f"file://{tmp_path}/{name}", str(tmp_path / "in")])
    assert (result.exit_code, result.stderr) == (0, "")
    assert decoded_by_tool("zstd", (tmp_path / name).read_bytes()) == data
    assert sorted(os.listdir(tmp_path)) == ["in", name]
