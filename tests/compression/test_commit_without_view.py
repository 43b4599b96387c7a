"""``CompressedOutputStream.commit`` on a stream that has no input memory (no frame layout:
``input_view()`` answers None). ``commit(0)`` passed the room check (0 of 0) and then failed
with an AttributeError from inside the stream, not the library's refusal."""

from __future__ import annotations

import pytest
import zstandard

import arrowio


@pytest.mark.parametrize("nbytes", [0, 1])
def test_commit_is_refused_and_the_stream_stays_usable(tmp_path, nbytes):
    path = tmp_path / "x.zst"
    out = arrowio.CompressedOutputStream(str(path), "zstd")
    assert out.input_view() is None
    with pytest.raises(ValueError, match="input_view"):
        out.commit(nbytes)
    out.write(b"still usable")
    out.close()
    assert zstandard.ZstdDecompressor().decompressobj().decompress(path.read_bytes()) == b"still usable"
