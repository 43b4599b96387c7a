"""arrowio cat on compressed inputs: every format from its own tool, detection by magic and by
extension, strict errors per input, ranges, the decompression-bomb guard, --stats, real pipes,
the pool-stats gates around it, and a start-up that imports no rich or numpy."""

from __future__ import annotations

import gzip
import json
import subprocess

import pytest
from cli_helpers import FORMATS, HEAVY_MODULES, arrowio_command, start_up_imports

TEXT = b"".join(b"line %06d: the quick brown fox jumps over the lazy dog\n" % i for i in range(20000))  # ~1.1 MB


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format(run, make_compressed, fmt):
    path = make_compressed(fmt, TEXT)
    result = run(["cat", path])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout_bytes == TEXT


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "brotli"])  # brotli has no magic number
def test_detection_by_magic_whatever_the_name_and_on_stdin(run, make_compressed, fmt):
    path = make_compressed(fmt, TEXT, name="data.bin")
    assert run(["cat", path]).stdout_bytes == TEXT
    assert run(["cat"], input=path.read_bytes()).stdout_bytes == TEXT
    assert run(["cat", "-"], input=path.read_bytes()).stdout_bytes == TEXT


def test_brotli_by_extension(run, make_compressed):
    assert run(["cat", make_compressed("brotli", TEXT, name="x.br")]).stdout_bytes == TEXT


def test_compression_option(run, make_compressed, tmp_path):
    path = make_compressed("gzip", TEXT, name="x.gz")
    raw = path.read_bytes()
    assert run(["cat", "-C", "none", path]).stdout_bytes == raw  # bytes as they are
    assert run(["cat", "-C", "NONE"], input=raw).stdout_bytes == raw
    renamed = tmp_path / "x.bin"
    renamed.write_bytes(raw)
    assert run(["cat", "-C", "gzip", renamed]).stdout_bytes == TEXT
    assert run(["cat", "-C", "auto", renamed]).stdout_bytes == TEXT
    wrong = run(["cat", "-C", "zstd", path])
    assert wrong.exit_code == 1 and wrong.stderr.startswith(f"arrowio: error: {path}: zstd")


def test_unknown_compression_is_a_usage_error(run, tmp_path):
    result = run(["cat", "-C", "zip", tmp_path / "whatever"])
    assert result.exit_code == 2 and "'zip' (expected auto, none or a codec name: gzip, " in result.stderr


def test_a_raw_block_format_is_a_usage_error(run, tmp_path):
    # lz4_raw has no framing: no file can carry it, so it is refused before any input is opened.
    (tmp_path / "data.lz4").write_bytes(b"anything")
    result = run(["cat", "-C", "lz4_raw", tmp_path / "data.lz4"])
    assert result.exit_code == 2 and result.stdout_bytes == b""
    assert "'lz4_raw' is a raw block format" in result.stderr
    choices = result.stderr.split("codec name:")[1]
    assert "lz4_raw" not in choices and "zstd" in choices and "lz4" in choices


def test_concatenated_members_and_frames(run, make_compressed, tmp_path):
    two = tmp_path / "two.gz"
    two.write_bytes(gzip.compress(b"first\n") + gzip.compress(b"second\n"))
    assert run(["cat", two]).stdout_bytes == b"first\nsecond\n"


def test_bad_inputs_are_reported_and_the_others_still_run(run, make_compressed, tmp_path):
    good = make_compressed("gzip", TEXT, name="good.gz")
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(good.read_bytes()[:-1])
    lying = tmp_path / "lying.gz"
    lying.write_bytes(b"plain text, not gzip\n")
    result = run(["cat", truncated, lying, good])
    assert result.exit_code == 1
    # What the truncated input gave before its fault is a true prefix; then the good input, whole.
    assert result.stdout_bytes.endswith(TEXT) and TEXT.startswith(result.stdout_bytes[: -len(TEXT)])
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"arrowio: error: {truncated}: gzip: truncated input") and "offset" in lines[0]
    assert lines[1].startswith(f"arrowio: error: {lying}:") and "not in gzip format" in lines[1]


@pytest.mark.parametrize(("offset", "length"), [(0, 10), (1000, 5000), (len(TEXT) - 10, 100), (len(TEXT) + 1, None)])
def test_ranges_of_decoded_content(run, make_compressed, offset, length):
    path = make_compressed("zstd", TEXT)
    args = ["cat", "--offset", offset, path] + ([] if length is None else ["--length", length])
    end = None if length is None else offset + length
    assert run(args).stdout_bytes == TEXT[offset:end]


def test_hexdump_of_decoded_content(run, make_compressed, tmp_path):
    path = make_compressed("xz", TEXT)
    result = run(["cat", "-x", "--offset", "16", "--length", "40", path])
    (tmp_path / "plain").write_bytes(TEXT)
    expected = subprocess.run(["hexdump", "-C", "-s", "16", "-n", "40", tmp_path / "plain"], capture_output=True).stdout
    assert result.stdout_bytes == expected


def test_max_output_stops_a_decompression_bomb(run, tmp_path):
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(gzip.compress(b"\0" * (64 << 20), compresslevel=9))  # 64 MiB of zeros in ~64 KiB
    result = run(["cat", "--max-output", "1M", bomb])
    assert result.exit_code == 1 and result.stdout_bytes == b"\0" * (1 << 20)
    assert result.stderr == "arrowio: error: output exceeds --max-output 1.0 MiB (1048576 bytes); stopped\n"


@pytest.mark.parametrize("kind", ["plain file", "compressed file", "stdin"])
def test_max_output_counts_only_what_is_written(run, tmp_path, kind):
    # The same limit whatever the input: bytes skipped by --offset are not output.
    data = bytes(range(256)) * 40  # 10240 bytes
    path = tmp_path / ("data.gz" if kind == "compressed file" else "data.bin")
    path.write_bytes(gzip.compress(data) if kind == "compressed file" else data)
    args, stdin = ([path], None) if kind != "stdin" else ([], data)
    fits = run(["cat", "--offset", "8K", "--max-output", "2K", *args], input=stdin)
    assert (fits.exit_code, fits.stdout_bytes, fits.stderr) == (0, data[8192:], "")
    over = run(["cat", "--offset", "8K", "--max-output", "1K", *args], input=stdin)
    assert over.exit_code == 1 and over.stdout_bytes == data[8192:9216]
    assert over.stderr == "arrowio: error: output exceeds --max-output 1.0 KiB (1024 bytes); stopped\n"


def test_stats(run, make_compressed):
    gz, zst = make_compressed("gzip", TEXT), make_compressed("zstd", TEXT)
    result = run(["cat", "--stats", gz, zst])
    assert result.exit_code == 0 and result.stdout_bytes == TEXT + TEXT
    rows = {line.split()[0]: line.split() for line in result.stderr.splitlines() if line.strip()}
    assert rows[str(gz)][1] == "gzip" and rows[str(zst)][1] == "zstd"
    assert "total" in rows and "pool" in rows and float(rows[str(gz)][6].rstrip("x")) > 1


def test_stats_after_the_guard_stopped_the_run_and_after_a_failed_input(run, make_compressed, tmp_path):
    gz = make_compressed("gzip", TEXT)
    stopped = run(["cat", "--max-output", "1K", "--stats", gz, gz])
    assert stopped.exit_code == 1 and stopped.stdout_bytes == TEXT[:1024]
    rows = {line.split()[0]: line.split() for line in stopped.stderr.splitlines() if line.strip()}
    assert rows[str(gz)][1] == "failed" and rows[str(gz)][3:5] == ["1.0", "KiB"]
    assert stopped.stderr.rstrip().endswith("output exceeds --max-output 1.0 KiB (1024 bytes); stopped")
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(gz.read_bytes()[: len(gz.read_bytes()) // 2])
    failed = run(["cat", "--stats", truncated])
    written = len(failed.stdout_bytes)
    assert failed.exit_code == 1 and written > 0 and TEXT.startswith(failed.stdout_bytes)
    row = next(line.split() for line in failed.stderr.splitlines() if line.startswith(str(truncated)))
    assert row[1] == "failed" and row[3] != "0"  # the bytes written before the fault are counted


# -- real processes ---------------------------------------------------------------------------------
def shell(command: str, **kwargs) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(command, shell=True, capture_output=True, executable="/bin/bash", **kwargs)


@pytest.fixture
def big_gz(tmp_path):
    path = tmp_path / "big.gz"
    path.write_bytes(gzip.compress(TEXT * 8, compresslevel=1))  # ~9 MB decoded: more than a pipe holds
    return path


def test_head_of_a_compressed_file_exits_quietly(big_gz):
    arrowio = " ".join(arrowio_command())
    result = shell(f"{arrowio} cat '{big_gz}' | head -c 10; echo \" ${{PIPESTATUS[0]}}\"")
    assert result.stdout == TEXT[:10] + b" 141\n" and result.stderr == b""  # killed by SIGPIPE, as zcat
    result = shell(f"{arrowio} cat '{big_gz}' | head -1")
    assert result.stdout == TEXT.split(b"\n")[0] + b"\n" and result.stderr == b""


def test_a_pipe_is_detected_by_magic(big_gz, make_compressed):
    arrowio = " ".join(arrowio_command())
    for path in (big_gz, make_compressed("zstd", TEXT, name="z.bin")):
        result = shell(f"cat '{path}' | {arrowio} cat | sha256sum")
        expected = TEXT * 8 if path == big_gz else TEXT
        assert (
            result.returncode == 0
            and result.stdout.split()[0].decode() == __import__("hashlib").sha256(expected).hexdigest()
        )


def test_pool_stats_gates_around_cat(big_gz, sh):
    # A guarded cat (--max-output) reads through its pool buffer: the gates see that memory.
    guarded = ("cat", "--max-output", "1G", big_gz)
    failing = sh("pool-stats", "--max-peak", "1K", "--", *guarded)
    assert failing.returncode == 10 and failing.stdout.startswith(b"arrowio cat")
    assert failing.stderr.decode().startswith("arrowio: error: pool peak ") and failing.stderr.count(b"\n") == 1
    passing = sh("pool-stats", "--json", "--max-peak", "1G", "--fail-on-leak", "--", *guarded)
    assert passing.returncode == 0, passing.stderr
    report = json.loads(passing.stdout)
    assert report["failures"] == [] and report["bytes_allocated"] == 0 and 1024 < report["max_memory"] <= 1 << 30


def test_a_whole_decoded_input_is_written_from_the_decoders_pieces(big_gz, sh):
    # No copy into a scratch buffer: the pool is not touched at all, and the output is whole.
    report = sh("pool-stats", "--json", "--fail-on-leak", "--", "cat", big_gz)
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["max_memory"] == 0
    assert sh("cat", big_gz).stdout == TEXT * 8


def test_start_up_of_cat_imports_no_rich_or_numpy(tmp_path):
    tiny = tmp_path / "tiny.gz"
    tiny.write_bytes(gzip.compress(b"tiny\n"))
    result, imported = start_up_imports("cat", tiny)
    assert result.returncode == 0 and result.stdout == b"tiny\n", result.stderr
    assert not HEAVY_MODULES & imported


def test_stats_of_stdin_count_the_compressed_bytes(run, make_compressed):
    raw = make_compressed("gzip", TEXT).read_bytes()
    result = run(["cat", "--stats"], input=raw)
    row = next(line.split() for line in result.stderr.splitlines() if line.startswith("<stdin>"))
    assert result.stdout_bytes == TEXT and row[1] == "gzip" and row[2] != "-"
    assert float(row[6].rstrip("x")) == pytest.approx(len(TEXT) / len(raw), rel=0.01)  # "300.8 KiB" is two fields


@pytest.mark.parametrize("fmt,layout", [("zstd", "seekable"), ("gzip", "bgzf")])
def test_frames_are_written_from_the_readers_ring_with_the_bytes_and_error_of_a_read(
    run, tmp_path, monkeypatch, fmt, layout
):
    # cat writes frames decoded in parallel straight from the reader's ring of reused buffers (no
    # copy per byte): one frame per task reuses each buffer many times, and what reaches stdout,
    # its error and its offset are still those of reading the stream.
    import arrowio
    from arrowio.compression import _frameread

    monkeypatch.setattr(_frameread, "TASK_GROUP", 64 << 10)
    read_view, asked = arrowio.CompressedInputStream.read_view, []  # cat's read: the ring's own memory
    monkeypatch.setattr(arrowio.CompressedInputStream, "read_view", lambda s, n: asked.append(n) or read_view(s, n))
    data = TEXT * 3
    path = str(tmp_path / f"f.{layout}")
    with arrowio.CompressedOutputStream(path, fmt, layout=layout, frame_size=64 << 10) as out:
        out.write(data)
    with arrowio.input_stream(path, compression=fmt) as stream:
        assert isinstance(stream, arrowio.CompressedInputStream)
        piece = stream.read_view(1 << 20)  # the ring's memory itself, not a copy
        assert isinstance(piece, memoryview) and piece.obj is not None and piece == data[: len(piece)]
    asked.clear()
    result = run(["cat", "-C", fmt, path])
    assert (result.exit_code, result.stderr, result.stdout_bytes) == (0, "", data) and asked
    blob = bytearray(open(path, "rb").read())
    blob[len(blob) // 2 : len(blob) // 2 + 64] = bytes(64)
    open(path, "wb").write(blob)
    expected = bytearray()
    with arrowio.input_stream(path, compression=fmt) as stream, pytest.raises(arrowio.ArrowIOError) as info:
        while chunk := stream.read1(1 << 20):
            expected += chunk
    result = run(["cat", "-C", fmt, path])
    assert result.exit_code != 0 and result.stdout_bytes == expected and len(expected) > len(data) // 3
    assert result.stderr.strip().endswith(str(info.value))
