"""Reads through a gzip checkpoint index come from the file that was opened.

The checkpoint reads opened the file again by its name for every ``read_at`` (and rapidgzip's
reader too): once the name was given to another file (a log rotated, ``mv new.gz log.gz``), an
open stream read the new file's bytes through the old file's checkpoints: wrong bytes or a
corrupt-data error, where every other reader keeps reading the file it opened, as a descriptor does.
"""

from __future__ import annotations

import gzip
import os

import pytest
from compression_helpers import make_data

import arrowio
from arrowio.compression import build_gzip_index

pytest.importorskip("rapidgzip")  # the index builder

SIZE = 3_000_000


@pytest.fixture
def replaced(tmp_path):
    """A stream open on ``log.gz`` (with its checkpoint index), whose name then goes to another
    gzip file of the same size; yields the stream and the data it was opened on."""
    first, second = make_data("mixed", SIZE, seed=41), make_data("mixed", SIZE, seed=42)
    path = tmp_path / "log.gz"
    path.write_bytes(gzip.compress(first, 6) + gzip.compress(first[:1000], 6))  # two members
    build_gzip_index(str(path))
    (tmp_path / "new.gz").write_bytes(gzip.compress(second, 6) + gzip.compress(second[:1000], 6))
    data = first + first[:1000]
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert stream.seekable()
        assert stream.read_at(64, 1_500_000) == data[1_500_000:1_500_064]  # through the index
        os.replace(tmp_path / "new.gz", path)  # rotated: the name is another file's now
        yield stream, data


def test_read_at_reads_the_file_that_was_opened(replaced):
    stream, data = replaced
    for offset in (2_500_000, 10, SIZE - 100):
        assert stream.read_at(64, offset) == data[offset : offset + 64]


def test_a_read_across_a_member_end_reads_the_file_that_was_opened(replaced):
    stream, data = replaced
    assert stream.read_at(200, SIZE - 100) == data[SIZE - 100 : SIZE + 100]


def test_seek_then_read_reads_the_file_that_was_opened(replaced):
    stream, data = replaced
    stream.seek(SIZE - 5000)
    assert stream.read(6000) == data[SIZE - 5000 : SIZE + 1000]


def test_an_index_beside_a_name_given_to_another_file_is_not_used(tmp_path):
    # A file opened, then its name given to another file of the same size, which gets an index
    # of its own: a stream over the file opened must not read it through that index.
    first, second = make_data("mixed", SIZE, seed=43), make_data("mixed", SIZE, seed=44)
    path = tmp_path / "log.gz"
    # Of the same size: the one check the index makes of the file it is used for.
    size = max(len(gzip.compress(first, 6)), len(gzip.compress(second, 6))) + 2
    path.write_bytes(_padded(first, size))
    with arrowio.OSFile(str(path)) as raw:
        (tmp_path / "new.gz").write_bytes(_padded(second, size))
        os.replace(tmp_path / "new.gz", path)
        build_gzip_index(str(path))  # the new file's index, beside the name
        with arrowio.CompressedInputStream(raw, "gzip") as stream:
            assert not stream.seekable()  # no index of its own: read from the start only
            assert stream.read() == first


def _padded(data: bytes, size: int) -> bytes:
    """A one-member gzip file of ``data`` of exactly ``size`` bytes (an FCOMMENT fills it up)."""
    member = gzip.compress(data, 6)
    room = size - len(member)
    assert room >= 2
    return member[:3] + bytes([member[3] | 0x10]) + member[4:10] + b"c" * (room - 1) + b"\0" + member[10:]
