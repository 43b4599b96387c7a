"""arrowio info of a file that stats as 0 bytes yet holds content (/proc files): info reported
0 B compressed and decoded where cat prints the content; the size is now measured by reading."""

from __future__ import annotations

import json
import os

import pytest

from arrowio.fileinfo import file_info

PSEUDO = "/proc/version"  # content of a fixed length that every read gives alike


@pytest.fixture
def pseudo() -> bytes:
    if not os.path.exists(PSEUDO) or os.stat(PSEUDO).st_size != 0:
        pytest.skip(f"needs {PSEUDO}, a file that stats as 0 bytes and has content")
    with open(PSEUDO, "rb") as f:
        content = f.read()
    assert content
    return content


@pytest.mark.parametrize("scan", [False, True])
def test_the_library_measures_the_content(pseudo, scan):
    info = file_info(PSEUDO, scan=scan)
    assert (info.format, info.compressed_size, info.decoded_size) == (None, len(pseudo), len(pseudo))
    assert info.ratio == 1.0


def test_the_json_report_gives_the_content_size(run, pseudo):
    result = run(["info", "--json", PSEUDO])
    assert result.exit_code == 0, result.stderr
    (entry,) = json.loads(result.stdout_bytes)["files"]
    assert (entry["compressed_size"], entry["decoded_size"], entry["error"]) == (len(pseudo), len(pseudo), None)


def test_a_truly_empty_file_is_still_0_bytes(tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    info = file_info(str(empty))
    assert (info.compressed_size, info.decoded_size, info.ratio) == (0, 0, None)
