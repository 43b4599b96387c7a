"""The hex dump is byte for byte what ``hexdump -C`` prints, however the data is split."""

from __future__ import annotations

import subprocess

from hypothesis import given
from hypothesis import strategies as st
from system_deps import need_tool

from arrowio_cli.hexdump import HexDump


def dump(data: bytes, pieces: list[int], offset: int = 0) -> bytes:
    out: list[bytes] = []
    hexdump = HexDump(out.append, offset)
    position = 0
    for size in pieces:
        hexdump.feed(data[position : position + size])
        position += size
    hexdump.feed(data[position:])
    hexdump.close()
    return b"".join(out)


def reference(data: bytes, offset: int, tmp_path) -> bytes:
    need_tool("hexdump")
    if not data:
        return b""  # hexdump -C -s N still prints the offset N for nothing; we print nothing, like xxd
    path = tmp_path / "data"
    path.write_bytes(b"\0" * offset + data)
    return subprocess.run(["hexdump", "-C", "-s", str(offset), path], capture_output=True, check=True).stdout


# Runs of repeated lines matter (the '*' squeeze), so draw from a small alphabet too.
data_strategy = st.one_of(
    st.binary(max_size=200), st.lists(st.sampled_from([b"a" * 16, b"\0" * 8, b"xyz"]), max_size=12).map(b"".join)
)


@given(data=data_strategy, pieces=st.lists(st.integers(0, 40), max_size=8), offset=st.sampled_from([0, 3, 16, 100]))
def test_matches_hexdump_c(data, pieces, offset, tmp_path_factory):
    assert dump(data, pieces, offset) == reference(data, offset, tmp_path_factory.mktemp("hexdump"))


def test_examples():
    assert dump(b"", []) == b""
    assert dump(b"hello\n", [2]) == b"00000000  68 65 6c 6c 6f 0a                                 |hello.|\n00000006\n"
    assert dump(b"a" * 48 + b"b", [5, 30]) == (
        b"00000000  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|\n"
        b"*\n"
        b"00000030  62                                                |b|\n"
        b"00000031\n"
    )
