"""The BGZF block walk that every open of a BGZF file runs, against a plain reading of the format:
the same table, or None (decode sequentially) wherever the file is not BGZF to its end."""

from __future__ import annotations

import struct

import pytest
from compression_helpers import make_data, need_tool, run_tool

import arrowio
from arrowio.compression._framescan import _walk, _walk_bgzf


def oracle(blob: bytes) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Block starts and decoded offsets, one block at a time, as the BGZF specification reads."""
    comp, plain, pos = [0], [0], 0
    while pos < len(blob):
        header = blob[pos : pos + 18]
        if len(header) < 18 or header[:4] != b"\x1f\x8b\x08\x04" or header[10:16] != b"\x06\x00BC\x02\x00":
            return None
        end = pos + struct.unpack_from("<H", header, 16)[0] + 1
        if end > len(blob) or end - pos < 26:
            return None
        plain.append(plain[-1] + struct.unpack_from("<I", blob, end - 4)[0])
        comp.append(end)
        pos = end
    return (tuple(comp), tuple(plain)) if len(comp) >= 3 else None


@pytest.fixture(scope="module")
def bgzf() -> bytes:
    need_tool("bgzip")
    return run_tool(["bgzip", "-c"], make_data("mixed", 700_000, seed=3))


def damaged(blob: bytes, how: str) -> bytes:
    second = struct.unpack_from("<H", blob, 16)[0] + 1  # where the second block starts
    data = bytearray(blob)
    if how == "cut_header":
        return bytes(data[: second + 10])
    if how == "cut_block":
        return bytes(data[:-30])
    if how == "bad_magic":
        data[second + 2] = 7
    elif how == "bad_subfield":
        data[second + 12] = ord("X")
    elif how == "tiny_bsize":
        struct.pack_into("<H", data, second + 16, 20)
    elif how == "long_bsize":
        struct.pack_into("<H", data, second + 16, 0xFFFF)
    elif how == "plain_gzip_after":
        return bytes(data) + run_tool(["gzip", "-c"], b"not bgzf")
    return bytes(data)


@pytest.mark.parametrize(
    "how",
    ["intact", "cut_header", "cut_block", "bad_magic", "bad_subfield", "tiny_bsize", "long_bsize", "plain_gzip_after"],
)
@pytest.mark.parametrize("where", ["file", "memory"])
def test_walk_agrees_with_the_format(tmp_path, bgzf, how, where):
    blob = damaged(bgzf, how)
    expected = oracle(blob)
    assert (expected is not None) == (how == "intact")
    path = tmp_path / "b.gz"
    path.write_bytes(blob)
    raw = arrowio.OSFile(str(path)) if where == "file" else arrowio.BufferReader(blob)
    with raw:
        table = _walk(raw, _walk_bgzf)
    assert (None if table is None else (table.comp, table.plain)) == expected


def test_walk_after_a_gzi_entry_continues_its_offsets(tmp_path, bgzf):
    comp, plain = oracle(bgzf)
    path = tmp_path / "b.gz"
    path.write_bytes(bgzf)
    with arrowio.OSFile(str(path)) as raw:
        table = _walk(raw, lambda source: _walk_bgzf(source, [(0, 0), (comp[3], plain[3])]))
    assert table is not None
    assert table.comp == (0, *comp[3:]) and table.plain == (0, *plain[3:])
