"""Running checksums: equal to the one-shot reference however the data is split, zero-copy inputs."""

from __future__ import annotations

import hashlib
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

import arrowio
from arrowio.checksums import CHECKSUMS, checksum, crc32_backend


def reference(name: str, data: bytes) -> str:
    if name == "crc32":
        return f"{zlib.crc32(data):08x}"
    if name == "xxh64":
        import xxhash

        return xxhash.xxh64(data).hexdigest()
    if name == "sha256":
        return hashlib.sha256(data).hexdigest()
    return ""


@pytest.mark.parametrize("name", CHECKSUMS)
@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 3000), max_size=5))
def test_pieces_give_the_one_shot_value(name, data, cuts):
    running = checksum(name)
    start = 0
    for cut in sorted(cuts) + [len(data)]:
        running.update(data[start:cut] if cut >= start else b"")
        start = max(start, cut)
    assert running.hexdigest() == reference(name, data)


@pytest.mark.parametrize("name", CHECKSUMS)
def test_accepts_buffers_and_memoryviews(name):
    data = b"arrowio" * 1000
    buffer = arrowio.py_buffer(data)
    running = checksum(name)
    running.update(buffer[:3000])
    running.update(memoryview(data)[3000:])
    assert running.hexdigest() == reference(name, data)


def test_crc32_prefers_isal():
    pytest.importorskip("isal")
    assert crc32_backend()[0] == "isal" and checksum("crc32").backend == "isal"


def test_crc32_falls_back_to_zlib(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "isal", None)  # hide ISA-L: the import fails
    name, function = crc32_backend()
    assert name == "zlib" and function(b"abc", 0) == zlib.crc32(b"abc")


def test_unknown_name():
    with pytest.raises(arrowio.ArrowInvalid, match="unknown checksum 'md5' .valid: none, crc32, xxh64, sha256"):
        checksum("md5")
