"""arrowio info of a file that states another size than it holds: /proc files stat as 0 bytes
(info reported 0 B where cat prints the content), sysfs files as a page (info reported 4.0 KiB
for 23 bytes). A small file's size is now measured by reading it."""

from __future__ import annotations

import json
import os

import pytest
from cli_helpers import PSEUDO

from arrowio.fileinfo import file_info


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


def _sysfs_file() -> tuple[str, bytes]:
    """A sysfs file: it states a page (4096 bytes) whatever it holds."""
    for path in ("/sys/kernel/mm/transparent_hugepage/enabled", "/sys/kernel/uevent_seqnum", "/sys/power/state"):
        try:
            stated = os.stat(path).st_size
            with open(path, "rb") as f:
                content = f.read()
        except OSError:
            continue
        if content and stated != len(content):
            return path, content
    pytest.skip("needs a readable sysfs file that states another size than it holds")


def test_a_sysfs_file_is_measured_by_its_content_not_its_stated_page():
    path, content = _sysfs_file()
    info = file_info(path)
    assert (info.compressed_size, info.decoded_size) == (len(content), len(content))


def test_a_pseudo_file_of_endless_content_is_not_read_to_its_end(sh, pseudo):
    # /proc/self/pagemap states 0 bytes and holds 8 bytes per page of the address space: terabytes.
    # The measure stops after 16 MiB (the stated size stands), and info goes on to the next file.
    if not os.path.exists("/proc/self/pagemap"):
        pytest.skip("needs /proc/self/pagemap")
    result = sh("info", "--json", "/proc/self/pagemap", PSEUDO, timeout=300)
    pagemap, version = json.loads(result.stdout)["files"]
    assert (version["compressed_size"], version["error"]) == (len(pseudo), None)
    assert pagemap["compressed_size"] == 0 or pagemap["error"] is not None
