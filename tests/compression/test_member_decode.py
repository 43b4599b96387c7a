"""gzip members decoded into a buffer: by libdeflate where it loads, by ISA-L/zlib where it does
not (``ARROWIO_NO_LIBDEFLATE``). Both paths give the same bytes, and the same errors at the
same offsets as a sequential read; every file is also read or written by bgzip."""

from __future__ import annotations

import struct
import threading
import zlib

import pytest
from compression_helpers import failures_with_and_without, make_data, need_tool, read_only_through, run_tool

import arrowio
from arrowio.compression import _libdeflate
from arrowio.compression._framedecode import DecodeError, Overflow, decode_into
from arrowio.errors import ArrowIOError


@pytest.fixture(params=["libdeflate", "isal"])
def member_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test once on libdeflate and once with it hidden."""
    if request.param == "isal":
        monkeypatch.setenv("ARROWIO_NO_LIBDEFLATE", "1")
        assert _libdeflate.decoder() is None
    elif _libdeflate.decoder() is None:
        pytest.skip("libdeflate is not installed (Debian package libdeflate0)")
    return request.param


@pytest.fixture(scope="module")
def data() -> bytes:
    return make_data("mixed", 2 * 1024 * 1024 + 777, seed=7)


def member(payload: bytes, header_crc: int | None = None) -> bytes:
    """One gzip member; with ``header_crc`` it carries FHCRC with that value (None: no FHCRC)."""
    flags = 0 if header_crc is None else 0x02
    header = b"\x1f\x8b\x08" + bytes([flags]) + bytes(4) + b"\x00\xff"
    if header_crc is not None:
        header += struct.pack("<H", header_crc)
    deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = deflater.compress(payload) + deflater.flush()
    return header + body + struct.pack("<II", zlib.crc32(payload), len(payload) & 0xFFFFFFFF)


def members(pieces: list[bytes]) -> tuple[memoryview, list[int]]:
    blobs = [member(piece) for piece in pieces]
    bounds = [0]
    for blob in blobs:
        bounds.append(bounds[-1] + len(blob))
    return memoryview(b"".join(blobs)), bounds


def test_members_are_decoded_into_the_buffer(member_path):
    pieces = [b"alpha " * 3000, b"", bytes(range(256)) * 100, b"omega"]
    src, bounds = members(pieces)
    out = memoryview(bytearray(sum(map(len, pieces))))
    assert decode_into("gzip", src, 1000, bounds, out) == len(out)
    assert out == b"".join(pieces)


def test_more_than_the_buffer_holds_is_an_overflow_after_the_members_that_fit(member_path):
    src, bounds = members([b"a" * 1000, b"b" * 1000])
    out = memoryview(bytearray(1500))
    with pytest.raises(Overflow) as info:
        decode_into("gzip", src, 0, bounds, out)
    assert info.value.filled == 1000 and out[:1000] == b"a" * 1000


@pytest.mark.parametrize("damage", ["crc", "isize", "cut", "early_end", "deflate"])
def test_bad_members_are_decode_errors_after_the_good_ones(member_path, damage):
    first, second = member(b"x" * 5000), bytearray(member(b"y" * 7000))
    if damage == "crc":
        second[-8] ^= 1
    elif damage == "isize":
        second[-4] ^= 1
    elif damage == "cut":
        del second[-3:]
    elif damage == "early_end":
        second += b"\0\0"  # the table says it ends two bytes later than it does
    else:
        second[10] = 0xFF  # block type 3: reserved
    src = memoryview(first + second)
    with pytest.raises(DecodeError) as info:
        decode_into("gzip", src, 0, [0, len(first), len(src)], memoryview(bytearray(12000)))
    # (libdeflate may call a cut member an overflow: the caller decodes either strictly again)
    assert info.value.filled == 5000
    assert isinstance(info.value.error, ArrowIOError)


def test_a_wrong_header_crc16_is_an_error_on_every_path(member_path):
    # libdeflate skips FHCRC without checking it: such members go through the strict decoders.
    payload = b"header crc " * 500
    good = member(payload)
    header_crc = zlib.crc32(b"\x1f\x8b\x08\x02" + bytes(4) + b"\x00\xff") & 0xFFFF
    right, wrong = member(payload, header_crc), member(payload, header_crc ^ 0x5A5A)
    out = memoryview(bytearray(2 * len(payload)))
    src = memoryview(good + right)
    assert decode_into("gzip", src, 0, [0, len(good), len(src)], out) == len(out)
    assert out == payload * 2
    src = memoryview(good + wrong)
    with pytest.raises(DecodeError) as info:
        decode_into("gzip", src, 0, [0, len(good), len(src)], out)
    assert info.value.filled == len(payload)
    # A sequential read says the same.
    with pytest.raises(ArrowIOError, match="header CRC16 mismatch"):
        arrowio.decompress(bytes(src), codec="gzip")


def test_each_thread_has_its_own_decoder():
    if _libdeflate.decoder() is None:
        pytest.skip("libdeflate is not installed (Debian package libdeflate0)")
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(_libdeflate.decoder()))
    thread.start()
    thread.join()
    assert seen[0] is not None and seen[0] is not _libdeflate.decoder()


def test_bgzip_files_read_the_same_on_both_paths(member_path, tmp_path, data):
    need_tool("bgzip")
    path = tmp_path / "theirs.gz"
    path.write_bytes(run_tool(["bgzip", "-c", "-@", "2"], data))
    with arrowio.input_stream(str(path), compression="auto") as stream:
        assert stream.seekable()
        assert stream.read() == data
        assert stream.read_at(100, 1_500_000) == data[1_500_000:1_500_100]


def test_a_damaged_block_fails_alike_on_both_paths(tmp_path, data, monkeypatch):
    need_tool("bgzip")
    blob = bytearray(run_tool(["bgzip", "-c"], data))
    where = len(blob) // 2
    blob[where : where + 40] = bytes(40)
    path = tmp_path / "damaged.gz"
    path.write_bytes(blob)
    outcomes = failures_with_and_without(str(path), "ARROWIO_NO_LIBDEFLATE", monkeypatch)
    assert outcomes[0] == outcomes[1]
    # The blocks before the damaged one came first (its own bytes come before its CRC is checked).
    third = len(data) // 3
    assert len(outcomes[0][0]) > third and outcomes[0][0][:third] == data[:third]


def test_the_libdeflate_path_is_the_one_taken(monkeypatch, tmp_path, data):
    # Where libdeflate loads, members never go through the ISA-L/zlib path.
    if _libdeflate.decoder() is None:
        pytest.skip("libdeflate is not installed (Debian package libdeflate0)")
    path = tmp_path / "ours.gz"
    with arrowio.CompressedOutputStream(str(path), "gzip", layout="bgzf") as out:
        out.write(data)

    read_only_through(str(path), data, "_gzip_into", "_member_into", monkeypatch)
