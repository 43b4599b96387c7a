"""arrowio info (and arrowio.fileinfo): formats, recorded and scanned sizes, members, checksums."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess

import pytest
from cli_helpers import FORMATS, compressed_by_tool, extension, need
from system_deps import need_tool

import arrowio
from arrowio.fileinfo import file_info

TEXT = b"".join(b"row %06d,info,sizes\n" % i for i in range(40000))  # ~800 KB


def info_of(run, *paths, scan=False):
    result = run(["info", "--json", *(["--scan"] if scan else []), *paths])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["schema"] == "arrowio.info/1"
    return report["files"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format(run, tmp_path, fmt):
    path = tmp_path / f"data{extension(fmt)}"
    path.write_bytes(compressed_by_tool(fmt, TEXT))
    (got,) = info_of(run, path)
    assert list(got) == [
        "path", "format", "format_by_magic", "format_by_extension", "extension_agrees", "compressed_size",
        "decoded_size", "decoded_size_from", "members", "checksum", "followed_by", "ratio", "error",
    ]  # fmt: skip
    assert got["error"] is None
    assert got["format"] == fmt and got["extension_agrees"] is True and got["compressed_size"] == path.stat().st_size
    recorded = {"gzip": "trailer", "zstd": "header", "xz": "header"}  # lz4 records the size only when asked
    assert got["decoded_size_from"] == recorded.get(fmt)
    if fmt in recorded:
        assert got["decoded_size"] == len(TEXT)
    (scanned,) = info_of(run, path, scan=True)
    assert scanned["decoded_size"] == len(TEXT) and scanned["decoded_size_from"] == "scan"
    assert scanned["ratio"] == pytest.approx(len(TEXT) / path.stat().st_size)
    expected_checksum = {"gzip": "crc32", "zstd": "xxh64", "lz4": "xxh32 content", "bz2": "crc32", "xz": "crc64",
                         "brotli": "none", "snappy": "crc32c (chunks)"}  # fmt: skip
    assert got["checksum"] == expected_checksum[fmt]


def test_members_and_frames(run, tmp_path):
    two_gz = tmp_path / "two.gz"
    two_gz.write_bytes(gzip.compress(TEXT) + gzip.compress(b"tail\n"))
    two_zst = tmp_path / "two.zst"
    two_zst.write_bytes(compressed_by_tool("zstd", TEXT) + compressed_by_tool("zstd", b"tail\n"))
    two_xz = tmp_path / "two.xz"
    two_xz.write_bytes(compressed_by_tool("xz", TEXT) + compressed_by_tool("xz", b"tail\n"))
    gz, zst, xz = info_of(run, two_gz, two_zst, two_xz)
    assert gz["members"] is None and gz["decoded_size"] == 5  # the trailer: the last member only, as gzip -l
    assert zst["members"] == 2 and zst["decoded_size"] == len(TEXT) + 5
    assert xz["members"] == 2 and xz["decoded_size"] == len(TEXT) + 5
    gz, zst = info_of(run, two_gz, two_zst, scan=True)
    assert gz["members"] == 2 and gz["decoded_size"] == len(TEXT) + 5 and zst["members"] == 2


def test_bgzf_blocks_are_walked_without_decoding(run, tmp_path):
    need("bgzip")
    path = tmp_path / "data.bgz"
    path.write_bytes(subprocess.run(["bgzip", "-c"], input=TEXT, capture_output=True, check=True).stdout)
    (got,) = info_of(run, path)
    assert got["decoded_size"] == len(TEXT) and got["decoded_size_from"] == "header" and got["members"] > 1


def test_lz4_content_size_when_recorded(run, tmp_path):
    need("lz4")
    path = tmp_path / "sized.lz4"
    (tmp_path / "plain").write_bytes(TEXT)
    made = subprocess.run(
        ["lz4", "-q", "-c", "--content-size", "-BX", tmp_path / "plain"], capture_output=True, check=True
    )
    path.write_bytes(made.stdout)
    (got,) = info_of(run, path)
    assert got["decoded_size"] == len(TEXT) and got["checksum"] == "xxh32 content, xxh32 blocks"


def test_extension_and_magic_disagree(run, tmp_path):
    zst_named_gz = tmp_path / "really-zstd.gz"
    zst_named_gz.write_bytes(compressed_by_tool("zstd", TEXT))
    unnamed = tmp_path / "data.bin"
    unnamed.write_bytes(compressed_by_tool("gzip", TEXT))
    a, c = info_of(run, zst_named_gz, unnamed)
    assert (a["format"], a["format_by_extension"], a["extension_agrees"]) == ("zstd", "gzip", False)
    assert (c["format"], c["extension_agrees"]) == ("gzip", None)
    table = run(["info", zst_named_gz]).stdout
    assert "zstd (!)" in table and "the extension says gzip, the content is zstd" in table


@pytest.mark.parametrize("scan", [False, True])
def test_a_name_without_its_formats_magic_is_refused_as_cat_refuses_it(run, tmp_path, scan):
    # It was described as "plain (!)" and accepted by --scan, though cat refuses to read it.
    plain_named_gz = tmp_path / "x.gz"
    plain_named_gz.write_bytes(b"hi")
    cat = run(["cat", plain_named_gz])
    result = run(["info", *(["--scan"] if scan else []), plain_named_gz])
    assert cat.exit_code == result.exit_code == 1 and result.stdout == ""
    refusal = f"arrowio: error: {plain_named_gz}: not in gzip format (no gzip magic number at offset 0)\n"
    assert result.stderr == cat.stderr == refusal


def test_a_skippable_frame_first_in_an_lz4_file_is_described_as_lz4(run, tmp_path):
    # zstd and lz4 share the skippable magic; the reader decodes a .lz4 file as lz4, so info must.
    path = tmp_path / "s.lz4"
    path.write_bytes(b"\x50\x2a\x4d\x18" + (4).to_bytes(4, "little") + b"meta" + compressed_by_tool("lz4", b"abc"))
    for scan in (False, True):
        (got,) = info_of(run, path, scan=scan)
        assert got["format"] == "lz4" and got["extension_agrees"] is True
    assert run(["cat", path]).stdout_bytes == b"abc"


def test_table(run, tmp_path):
    path = tmp_path / "t.gz"
    path.write_bytes(gzip.compress(TEXT))
    result = run(["info", path, tmp_path / "missing.gz"])
    assert result.exit_code == 1
    assert result.stderr == f"arrowio: error: {tmp_path / 'missing.gz'}: No such file or directory\n"
    header, row = result.stdout.splitlines()[:2]
    assert header.split() == ["file", "format", "compressed", "decoded", "ratio", "members", "checksum"]
    assert row.split()[:2] == [str(path), "gzip"] and "*" in row and "--scan counts exactly" in result.stdout


def test_scan_of_corrupt_data_fails(run, tmp_path):
    corrupt = tmp_path / "c.zst"
    corrupt.write_bytes(compressed_by_tool("zstd", TEXT)[:-50])
    result = run(["info", "--scan", corrupt])
    assert result.exit_code == 1 and result.stderr.startswith(f"arrowio: error: {corrupt}: zstd")


def test_needs_a_file(run):
    result = run(["info"])
    assert result.exit_code == 2 and "Missing argument" in result.stderr


def test_the_library_function(tmp_path):
    path = tmp_path / "x.xz"
    path.write_bytes(compressed_by_tool("xz", b"abc"))
    got = file_info(str(path))
    assert got.format == "xz" and got.decoded_size == 3 and got.ratio == pytest.approx(3 / path.stat().st_size)
    assert isinstance(got, arrowio.fileinfo.FileInfo)


def test_zstd_frames_without_content_size_and_skippable_frames(run, tmp_path):
    need_tool("zstd")
    streamed = subprocess.run("zstd -q -c --no-content-size", input=TEXT, capture_output=True, shell=True).stdout
    skippable = b"\x50\x2a\x4d\x18" + (4).to_bytes(4, "little") + b"meta"
    path = tmp_path / "s.zst"
    path.write_bytes(skippable + streamed)
    (got,) = info_of(run, path)
    assert got["members"] == 1 and got["decoded_size"] is None
    (scanned,) = info_of(run, path, scan=True)
    assert scanned["decoded_size"] == len(TEXT)


@pytest.mark.parametrize("fmt", ["gzip", "zstd", "lz4"])
def test_header_walk_of_a_cut_file_names_an_offset_inside_it(run, tmp_path, fmt):
    good = compressed_by_tool(fmt, TEXT * 4)
    for keep in (30, 100, len(good) // 2):
        path = tmp_path / f"cut{keep}{extension(fmt)}"
        path.write_bytes(good[:keep])
        result = run(["info", path])
        assert result.exit_code == 1 and "truncated" in result.stderr, (keep, result.stderr)
        offsets = [int(n) for n in re.findall(r"offset (\d+)", result.stderr)]
        assert offsets and all(n < keep for n in offsets), (keep, result.stderr)


def _corruptions(fmt: str, good: bytes) -> dict[str, bytes]:
    middle = len(good) // 2
    cases = {
        "intact": good,
        "truncated by one byte": good[:-1],
        "a flipped payload byte": good[:middle] + bytes([good[middle] ^ 0x55]) + good[middle + 1 :],
        "a flipped last byte": good[:-1] + bytes([good[-1] ^ 0x01]),
        "trailing garbage": good + b"garbage!",
    }
    if fmt == "gzip":
        cases["a reserved header flag"] = good[:3] + bytes([good[3] | 0x20]) + good[4:]  # gzip -d refuses it
    return cases


@pytest.mark.parametrize("fmt", FORMATS)
def test_scan_accepts_exactly_what_cat_reads(run, tmp_path, fmt):
    good = compressed_by_tool(fmt, TEXT)
    for case, data in _corruptions(fmt, good).items():
        path = tmp_path / f"{case.replace(' ', '-')}{extension(fmt)}"
        path.write_bytes(data)
        cat = run(["cat", path])
        scanned = run(["info", "--scan", "--json", path])
        assert scanned.exit_code == cat.exit_code, (case, cat.stderr, scanned.stderr)
        if cat.exit_code:  # the same error: the decoder's
            assert scanned.stderr == cat.stderr, case
        else:
            assert json.loads(scanned.stdout)["files"][0]["decoded_size"] == len(cat.stdout_bytes), case


def test_scan_reads_a_concatenation_of_formats_as_cat_does(run, tmp_path):
    """``cat a.gz b.zst c.bz2 > all.gz``, made by the real tools: cat reads it whole, so --scan
    does, naming the formats that follow; a plain tail stays refused by both, in cat's words."""
    parts = {"gzip": TEXT[:5000], "zstd": TEXT[5000:12000], "bz2": TEXT[:300]}
    joined = b"".join(compressed_by_tool(fmt, text) for fmt, text in parts.items())
    path = tmp_path / "all.gz"
    path.write_bytes(joined + compressed_by_tool("gzip", b"again"))
    cat = run(["cat", path])
    assert cat.exit_code == 0 and cat.stdout_bytes == b"".join(parts.values()) + b"again", cat.stderr
    (got,) = info_of(run, path, scan=True)
    assert (got["format"], got["followed_by"]) == ("gzip", ["zstd", "bz2", "gzip"])
    assert got["decoded_size"] == len(cat.stdout_bytes)
    assert got["decoded_size_from"] == "scan" and got["checksum"] is None
    assert "gzip+zstd+bz2+gzip" in run(["info", "--scan", path]).stdout
    pair = tmp_path / "pair.xz"  # xz then bz2: both decoders count their streams
    pair.write_bytes(compressed_by_tool("xz", b"x") + compressed_by_tool("bz2", b"y") + compressed_by_tool("bz2", b"z"))
    (got,) = info_of(run, pair, scan=True)
    assert (got["followed_by"], got["members"], got["decoded_size"]) == (["bz2"], 3, 3)
    (tmp_path / "one.gz").write_bytes(gzip.compress(b"x"))
    (alone,) = info_of(run, tmp_path / "one.gz", scan=True)
    assert (alone["followed_by"], alone["members"]) == ([], 1)
    path.write_bytes(joined + b"plain tail")
    cat, scanned = run(["cat", path]), run(["info", "--scan", "--json", path])
    assert cat.exit_code == scanned.exit_code == 1 and scanned.stderr == cat.stderr
    assert "trailing garbage" in cat.stderr


def test_scan_counts_gzip_members_by_the_strict_decoder(tmp_path):
    path = tmp_path / "three.gz"
    path.write_bytes(gzip.compress(b"a") + gzip.compress(b"") + gzip.compress(b"bc"))
    got = file_info(str(path), scan=True)
    assert (got.members, got.decoded_size, got.decoded_size_from) == (3, 3, "scan")
    bz2_path = tmp_path / "two.bz2"
    bz2_path.write_bytes(compressed_by_tool("bz2", b"x") + compressed_by_tool("bz2", b"yz"))
    assert (file_info(str(bz2_path), scan=True).members, file_info(str(bz2_path)).members) == (2, None)


@pytest.mark.parametrize("kind", ["fifo", "character device", "directory"])
def test_non_regular_files_are_refused_without_opening_them(sh, tmp_path, kind):
    # A FIFO with no writer: an open for reading would wait forever (hence a process with a timeout).
    path = {"fifo": tmp_path / "pipe", "character device": "/dev/null", "directory": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    for args in (["info", path], ["info", "--scan", path]):
        result = sh(*args, timeout=30)
        assert result.returncode == 1 and result.stdout == b""
        err = result.stderr.decode()
        assert err.startswith(f"arrowio: error: {path}: a ") and err.count("\n") == 1
        assert "info reads regular files only" in err


def _bgzf_with_block_size(tmp_path, name: str, size_field: bytes):
    need("bgzip")
    path = tmp_path / name
    good = subprocess.run(["bgzip", "-c"], input=b"host\n", capture_output=True, check=True).stdout
    path.write_bytes(good[:16] + size_field + good[18:])  # BSIZE, the block size less one
    return path


@pytest.mark.parametrize("scan", [False, True])
def test_a_bgzf_block_size_past_the_end_is_no_crash_and_every_file_is_reported(run, tmp_path, scan):
    # "internal error: unpack requires a buffer of 4 bytes", and nothing for the other files.
    bad = _bgzf_with_block_size(tmp_path, "h.gz", b"\xff\xff")
    cut = tmp_path / "cut.gz"
    cut.write_bytes(bad.read_bytes()[:40])
    ok = tmp_path / "ok.gz"
    ok.write_bytes(gzip.compress(b"fine"))
    result = run(["info", "--json", *(["--scan"] if scan else []), ok, cut, bad, tmp_path / "missing.gz"])
    assert result.exit_code == 1 and "internal error" not in result.stderr
    files = json.loads(result.stdout)["files"]
    assert [f["path"] for f in files] == [str(ok), str(cut), str(bad), str(tmp_path / "missing.gz")]
    assert files[0]["error"] is None and files[0]["decoded_size"] == 4
    # A BGZF file whose block size field is wrong is still a gzip file (cat reads it; gzip ignores
    # BSIZE): it is described as one, by its last member's trailer or by decoding it.
    assert files[2]["error"] is None and files[2]["decoded_size"] == (5 if scan else 0)
    assert run(["cat", bad]).stdout_bytes == b"host\n"
    for failed in (files[1], files[3]):
        assert failed["error"] and failed["format"] is None and failed["decoded_size"] is None
        assert f"arrowio: error: {failed['error']}\n" in result.stderr
    assert files[3]["error"] == f"{tmp_path / 'missing.gz'}: No such file or directory"


def test_a_table_run_reports_the_files_before_and_after_a_corrupt_one(run, tmp_path):
    bad = _bgzf_with_block_size(tmp_path, "h.gz", b"\xff\xff")
    cut = tmp_path / "cut.gz"
    cut.write_bytes(bad.read_bytes()[:17])
    ok = tmp_path / "ok.gz"
    ok.write_bytes(gzip.compress(b"fine"))
    result = run(["info", ok, cut, bad])
    assert result.exit_code == 1 and result.stderr.count("arrowio: error:") == 1 and str(cut) in result.stderr
    rows = [line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()]
    assert rows[:2] == [str(ok), str(bad)]


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        # lz4: a frame header that records a content size, cut inside that size.
        ("lz4", b"\x04\x22\x4d\x18\x68\x40\x01\x02"),
        # xz: a footer whose backward size points before the start of the file.
        ("xz", b"\xfd7zXZ\x00" + bytes(6) + bytes(4) + b"\xff\xff\xff\x00" + b"\x00\x00YZ"),
    ],
)
def test_malformed_headers_are_errors_of_the_format_not_crashes(run, tmp_path, fmt, data):
    path = tmp_path / f"bad{extension(fmt)}"
    path.write_bytes(data)
    result = run(["info", path])
    assert result.exit_code == 1 and result.stderr.startswith(f"arrowio: error: {path}: {fmt}: "), result.stderr


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("flag.lz4", bytes.fromhex("04224d1864a700000000055dcc02")),  # a reserved lz4 frame flag
        ("bad.bz2", bytes.fromhex("425a683917724538507f00000000")),  # a bz2 block magic cut short
    ],
)
def test_scan_refuses_with_cats_words_also_where_the_offset_depends_on_the_reads(run, tmp_path, name, data):
    # The decoder names the compressed offset it had reached, which depends on how its input was
    # cut: --scan fed it whole chunks where cat gives it the detection peek first (found by fuzzing).
    path = tmp_path / name
    path.write_bytes(data)
    cat, scanned = run(["cat", path]), run(["info", "--scan", path])
    assert cat.exit_code == scanned.exit_code == 1 and scanned.stderr == cat.stderr
