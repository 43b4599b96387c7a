"""An input whose size is not the size it stated when opened (a /proc file stats as 0 bytes; a log
grows while it is read) breaks the content size a zstd frame pledges, as it breaks ``zstd``'s.
That is the input's failure: one ``arrowio: error:`` line naming it, no output left for it, and
the other inputs still compressed. It was an "internal error" (zstandard's own exception type,
outside the library's) that ended the whole run at that input."""

from __future__ import annotations

import os

import pytest
import zstandard

PSEUDO = "/proc/version"  # stats as 0 bytes, holds about 100


@pytest.fixture
def pseudo() -> bytes:
    if not os.path.exists(PSEUDO) or os.stat(PSEUDO).st_size != 0:
        pytest.skip(f"needs {PSEUDO}, a file that stats as 0 bytes and has content")
    with open(PSEUDO, "rb") as f:
        return f.read()


def test_the_input_fails_alone_and_the_others_are_compressed(sh, pseudo, tmp_path):
    other = tmp_path / "other.txt"
    other.write_bytes(b"another input\n" * 1000)
    result = sh("compress", "-c", PSEUDO, other)
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"arrowio: error: {PSEUDO}: "), lines
    assert "internal error" not in lines[0] and "pledged" in lines[0]
    # The other input's frame comes last, whole (the failed one's bytes, if any, never end a frame).
    tail = result.stdout[result.stdout.rindex(zstandard.FRAME_HEADER) :]
    assert zstandard.ZstdDecompressor().decompressobj().decompress(tail) == other.read_bytes()


def test_no_output_file_is_left(sh, pseudo, tmp_path):
    out = tmp_path / "version.zst"
    result = sh("compress", "-o", out, PSEUDO)
    assert result.returncode == 1 and b"internal error" not in result.stderr
    assert not out.exists() and os.listdir(tmp_path) == []
