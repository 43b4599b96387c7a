"""Random access into single-member gzip through a checkpoint index: reads from one checkpoint,
by ISA-L and by the zlib fallback, checked against the decoded data."""

from __future__ import annotations

import os
import random
import struct

import pytest
from compression_helpers import gzip_with_dense_index, make_data

import arrowio
from arrowio.errors import ArrowIOError

pytest.importorskip("rapidgzip")  # the index builder of these tests


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, bytes]:
    """A gzip file with a random stretch (stored blocks) between text, and an index with a
    checkpoint every 16 KiB or so of compressed input: checkpoints inside bytes and before stored blocks."""
    plain = make_data("text", 900_000, seed=21) + random.Random(22).randbytes(300_000) + make_data("mixed", 900_000)
    return gzip_with_dense_index(str(tmp_path_factory.mktemp("gzcheckpoint") / "dense.gz"), plain, 16 << 10), plain


def checkpoints(index: str) -> list[tuple[int, int, int, int]]:
    """(compressed offset, decoded offset, bits, has window) of each checkpoint of ``index``."""
    blob = open(index, "rb").read()
    count = struct.unpack_from("<I", blob, 31)[0]
    return [struct.unpack_from("<QQBB", blob, 35 + 18 * i) for i in range(count)]


def inflater_kind() -> str:
    from arrowio.compression._rawinflate import inflater

    return type(inflater(b"", 0, 0)).__name__


def test_read_at_from_every_checkpoint_equals_the_decoded_data(dense, deflate_backend):
    path, plain = dense
    points = checkpoints(path + ".gzidx")
    assert len(points) > 10 and any(p[2] for p in points)  # some checkpoints fall inside a byte
    assert inflater_kind() == {"isal": "_IsalInflater", "zlib": "_ZlibInflater"}[deflate_backend]
    rng = random.Random(23)
    offsets = [p[1] + d for p in points[1:] for d in (0, 1, -1)] + [rng.randrange(len(plain)) for _ in range(40)]
    with arrowio.input_stream(path, compression="auto") as stream:
        assert stream.seekable() and stream.size() == len(plain)
        for offset in offsets:
            n = rng.choice([1, 64, 5000, 300_000])
            assert stream.read_at(n, offset) == plain[offset : offset + n], offset
        assert stream.read_at(100, len(plain) - 10) == plain[-10:]  # the end of the member
        assert stream.read_at(10, len(plain)) == b""
        assert stream._access._opened is None  # each read decoded from its checkpoint, never through rapidgzip


def test_corrupt_data_after_a_checkpoint_is_an_error_that_names_its_offset(dense, deflate_backend, tmp_path):
    path, plain = dense
    comp, decoded, bits, _ = checkpoints(path + ".gzidx")[1]
    blob = bytearray(open(path, "rb").read())
    for bit in range(comp * 8 - bits, comp * 8 - bits + 3):  # the block's header: BFINAL 1, BTYPE 3 (reserved)
        blob[bit // 8] |= 1 << (bit % 8)
    damaged = str(tmp_path / "damaged.gz")
    open(damaged, "wb").write(blob)
    open(damaged + ".gzidx", "wb").write(open(path + ".gzidx", "rb").read())  # newer than the file: used
    with arrowio.input_stream(damaged, compression="auto") as stream:
        assert stream.read_at(64, decoded - 5000) == plain[decoded - 5000 : decoded - 4936]  # from the one before
        with pytest.raises(
            ArrowIOError, match=r"gzip: corrupt deflate data after a checkpoint \(.*compressed offset \d+"
        ):
            stream.read_at(64, decoded)


def test_index_of_indexed_gzip_serves_read_at_and_ours_serves_it(dense):
    """The index format is indexed_gzip's: an index it builds (with zlib, checkpoints where its
    spacing falls) serves our reads, and one we build serves its seeks."""
    indexed_gzip = pytest.importorskip("indexed_gzip")
    path, plain = dense
    theirs = path.replace("dense", "theirs")
    os.link(path, theirs)
    with indexed_gzip.IndexedGzipFile(theirs, spacing=64 << 10) as f:
        f.build_full_index()
        f.export_index(theirs + ".gzidx")
    assert any(p[2] for p in checkpoints(theirs + ".gzidx"))  # some inside a byte
    rng = random.Random(24)
    with arrowio.input_stream(theirs, compression="auto") as stream:
        for _ in range(40):
            offset, n = rng.randrange(len(plain)), rng.choice([1, 64, 100_000])
            assert stream.read_at(n, offset) == plain[offset : offset + n]
    os.remove(theirs + ".gzidx")
    arrowio.compression.build_gzip_index(theirs)
    with indexed_gzip.IndexedGzipFile(theirs) as f:
        f.import_index(theirs + ".gzidx")
        for _ in range(20):
            offset = rng.randrange(len(plain))
            f.seek(offset)
            assert f.read(1000) == plain[offset : offset + 1000]
