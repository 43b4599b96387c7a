"""`arrowio cat` of many small compressed files: each costs only the system calls its work needs
(issue 15: per-file cost), traced by the real strace."""

from __future__ import annotations

import re
import subprocess

import pytest
from cli_helpers import arrowio_command, compressed_by_tool, extension
from system_deps import need_tool

#: The names the C library gives fstat(2) on the machines we run on.
FSTAT = {"fstat", "fstat64", "newfstatat", "statx"}


def per_file_calls(trace: str, path: str, following: str) -> list[str]:
    """The system calls made from the open of ``path`` to the open of ``following``, the next input."""
    lines = trace.splitlines()
    start = next(i for i, line in enumerate(lines) if f'"{path}"' in line and "openat(" in line)
    end = next(i for i, line in enumerate(lines) if f'"{following}"' in line and "openat(" in line)
    calls = []
    for line in lines[start:end]:
        name = re.match(r"\s*(?:\d+\s+)?(\w+)\(", line)
        if name is not None:
            calls.append(name.group(1))
    return calls


@pytest.mark.parametrize("fmt", ["gzip", "zstd"])
def test_each_small_file_is_opened_stated_read_closed_and_written(tmp_path, fmt):
    need_tool("strace")
    if subprocess.run(["strace", "-o", "/dev/null", "true"], capture_output=True).returncode:
        pytest.skip("strace cannot trace here (ptrace is not permitted)")
    logs = [b"".join(b"log %d, line %d\n" % (n, i) for i in range(500 * (n + 1))) for n in range(5)]
    paths = []
    for n, log in enumerate(logs):
        path = tmp_path / f"{n}.log{extension(fmt)}"
        path.write_bytes(compressed_by_tool(fmt, log))
        paths.append(str(path))
    trace = tmp_path / "trace"
    done = subprocess.run(
        ["strace", "-f", "-qq", "-o", str(trace), *arrowio_command("cat", *paths)], capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"".join(logs)
    text = trace.read_text()
    # The first file's open also imports the decoder's modules; the last one's is followed by exit.
    for path, following in zip(paths[1:-1], paths[2:], strict=True):
        calls = per_file_calls(text, path, following)
        named = ["fstat" if call in FSTAT else call for call in calls]
        # Closed as soon as it is read: the decoded content is written after, in one write.
        assert named == ["openat", "fstat", "read", "close", "write"], (path, calls)
