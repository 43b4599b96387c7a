"""arrowio compress: every codec read back by its own tool, names, atomic outputs that survive
nothing going wrong (full disk, Ctrl-C, bad data), overwrite and terminal refusals, --rm, -t, -v."""

from __future__ import annotations

import errno
import glob
import gzip
import os
import signal
import stat
import subprocess
import time

import pytest
from cli_helpers import FORMATS, arrowio_command, compressed_by_tool, decoded_by_tool, extension, run_in_terminal
from system_deps import need_tool

import arrowio
from arrowio_cli import atomic

TEXT = b"".join(b"%08d compress me, compress me not\n" % i for i in range(30000))  # ~1 MB


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "text.csv"
    path.write_bytes(TEXT)
    os.chmod(path, 0o640)
    os.utime(path, (1_500_000_000, 1_600_000_000))
    return path


def leftovers(folder) -> list[str]:
    return [name for name in os.listdir(folder) if name.endswith(atomic.TEMP_SUFFIX)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_codec_is_read_by_its_own_tool(run, text_file, fmt):
    result = run(["compress", "-C", fmt, text_file])
    assert (result.exit_code, result.stdout_bytes, result.stderr) == (0, b"", "")
    out = text_file.with_name(text_file.name + extension(fmt))
    assert decoded_by_tool(fmt, out.read_bytes()) == TEXT
    assert text_file.read_bytes() == TEXT  # the input is kept
    info = out.stat()
    assert info.st_mode & 0o777 == 0o640 and info.st_mtime == 1_600_000_000


@pytest.mark.parametrize("fmt", FORMATS)
def test_decompress_what_the_tools_wrote(run, tmp_path, fmt):
    packed = tmp_path / f"made{extension(fmt)}"
    packed.write_bytes(compressed_by_tool(fmt, TEXT))
    result = run(["compress", "-d", packed])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "made").read_bytes() == TEXT and packed.exists()


def test_zstd_is_the_default_and_levels_and_threads(run, text_file, tmp_path):
    assert run(["compress", text_file]).exit_code == 0
    default = text_file.with_name("text.csv.zst").read_bytes()
    assert default.startswith(b"\x28\xb5\x2f\xfd")
    strong = run(["compress", "-19", "-T", "0", "-o", tmp_path / "strong.zst", text_file])
    assert strong.exit_code == 0 and len((tmp_path / "strong.zst").read_bytes()) < len(default)
    assert decoded_by_tool("zstd", (tmp_path / "strong.zst").read_bytes()) == TEXT


def test_compresses_in_the_calling_thread(run, text_file, monkeypatch):
    # The codecs' own workers give -T its parallelism; a writer thread of ours would only add a
    # copy and a hand-over per piece.
    import threading

    started = []
    real_start = threading.Thread.start

    def recording_start(thread):
        started.append(thread.name)
        return real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", recording_start)
    for fmt, threads in (("zstd", "1"), ("zstd", "0"), ("gzip", "1")):
        result = run(["compress", "-C", fmt, "-T", threads, "-c", text_file])
        assert result.exit_code == 0 and decoded_by_tool(fmt, result.stdout_bytes) == TEXT
    assert "arrowio-encode" not in started


@pytest.mark.parametrize(("fmt", "level"), [("gzip", 6), ("zstd", 3), ("xz", 6), ("bz2", 9), ("lz4", 1)])
def test_default_level_is_the_tools_not_the_librarys(run, text_file, fmt, level):
    # gzip -6 and zstd -3, as people expect from those tools; the library follows PyArrow (9, 1).
    made = run(["compress", "-c", "-C", fmt, text_file]).stdout_bytes
    explicit = run(["compress", "-c", "-C", fmt, "--level", str(level), text_file]).stdout_bytes
    assert made == explicit


def test_stdout_and_stdin(run, text_file):
    to_stdout = run(["compress", "-c", "-C", "gzip", text_file])
    assert to_stdout.exit_code == 0 and decoded_by_tool("gzip", to_stdout.stdout_bytes) == TEXT
    assert not text_file.with_name("text.csv.gz").exists()
    piped = run(["compress"], input=TEXT)  # stdin goes to stdout
    assert decoded_by_tool("zstd", piped.stdout_bytes) == TEXT
    back = run(["compress", "-d"], input=piped.stdout_bytes)
    assert back.exit_code == 0 and back.stdout_bytes == TEXT
    both = run(["compress", "-c", text_file, text_file])  # concatenated frames
    assert decoded_by_tool("zstd", both.stdout_bytes) == TEXT + TEXT


def test_stdin_to_a_named_output(run, tmp_path):
    assert run(["compress", "-o", tmp_path / "in.zst", "-"], input=TEXT).exit_code == 0
    assert decoded_by_tool("zstd", (tmp_path / "in.zst").read_bytes()) == TEXT
    assert (tmp_path / "in.zst").stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_decompress_names_and_outputs(run, tmp_path):
    (tmp_path / "a.tgz").write_bytes(compressed_by_tool("gzip", b"tar bytes"))
    (tmp_path / "b.ZST").write_bytes(compressed_by_tool("zstd", b"upper case"))
    (tmp_path / "c.data").write_bytes(compressed_by_tool("zstd", b"no extension"))
    assert run(["compress", "-d", tmp_path / "a.tgz", tmp_path / "b.ZST"]).exit_code == 0
    assert (tmp_path / "a.tar").read_bytes() == b"tar bytes" and (tmp_path / "b").read_bytes() == b"upper case"
    unknown = run(["compress", "-d", tmp_path / "c.data"])
    assert unknown.exit_code == 1
    assert (
        unknown.stderr == f"arrowio: error: {tmp_path / 'c.data'}: unknown extension: use -o or -c to name the output\n"
    )
    assert run(["compress", "-d", "-o", tmp_path / "c.out", tmp_path / "c.data"]).exit_code == 0
    assert (tmp_path / "c.out").read_bytes() == b"no extension"
    assert run(["compress", "-dc", tmp_path / "c.data"]).stdout_bytes == b"no extension"


def test_decompressing_a_plain_file_is_an_error(run, text_file, tmp_path):
    result = run(["compress", "-d", "-o", tmp_path / "out", text_file])
    assert result.exit_code == 1 and "not in a known compressed format" in result.stderr
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []
    # With -f -c a plain input passes through, as gzip -dcf does.
    assert run(["compress", "-dcf", text_file]).stdout_bytes == TEXT


def test_refuses_to_overwrite_without_force(run, text_file):
    target = text_file.with_name("text.csv.zst")
    target.write_bytes(b"precious")
    result = run(["compress", text_file])
    assert result.exit_code == 1
    assert result.stderr == f"arrowio: error: {target}: already exists (use -f to overwrite)\n"
    assert target.read_bytes() == b"precious"
    assert run(["compress", "-f", text_file]).exit_code == 0
    assert decoded_by_tool("zstd", target.read_bytes()) == TEXT


def test_rm_removes_inputs_only_after_success(run, text_file, tmp_path):
    bad = tmp_path / "bad.gz"
    bad.write_bytes(compressed_by_tool("gzip", TEXT)[:-9])
    result = run(["compress", "-d", "--rm", bad])
    assert result.exit_code == 1 and bad.exists() and not (tmp_path / "bad").exists()
    assert run(["compress", "--rm", text_file]).exit_code == 0
    assert not text_file.exists() and decoded_by_tool("zstd", text_file.with_name("text.csv.zst").read_bytes()) == TEXT


def test_bad_data_leaves_no_output(run, tmp_path):
    corrupt = bytearray(compressed_by_tool("gzip", TEXT))
    corrupt[len(corrupt) // 2] ^= 0xFF
    (tmp_path / "x.gz").write_bytes(bytes(corrupt))
    result = run(["compress", "-d", tmp_path / "x.gz"])
    assert result.exit_code == 1 and result.stderr.startswith(f"arrowio: error: {tmp_path / 'x.gz'}: gzip")
    assert not (tmp_path / "x").exists() and leftovers(tmp_path) == []


def test_a_failing_input_does_not_stop_the_others(run, text_file, tmp_path):
    result = run(["compress", tmp_path / "missing", tmp_path, text_file])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"arrowio: error: {tmp_path / 'missing'}: No such file or directory",
        f"arrowio: error: {tmp_path}: is a directory",
    ]
    assert text_file.with_name("text.csv.zst").exists()


def test_test_mode_writes_nothing(run, tmp_path):
    good = tmp_path / "good.xz"
    good.write_bytes(compressed_by_tool("xz", TEXT))
    bad = tmp_path / "bad.xz"
    bad.write_bytes(good.read_bytes()[:-20])
    before = sorted(os.listdir(tmp_path))
    ok = run(["compress", "-t", "-v", good])
    assert ok.exit_code == 0 and ok.stdout_bytes == b"" and ok.stderr.startswith(f"{good}: OK (xz, ")
    failed = run(["compress", "-t", good, bad])
    assert failed.exit_code == 1 and failed.stderr.startswith(f"arrowio: error: {bad}: xz")
    # A name without a known extension needs no output name to be tested: content decides.
    unnamed = tmp_path / "unnamed.bin"
    unnamed.write_bytes(good.read_bytes())
    plain = tmp_path / "plain.txt"
    plain.write_bytes(TEXT)
    before = sorted(os.listdir(tmp_path))
    assert run(["compress", "-t", unnamed]).exit_code == 0
    not_compressed = run(["compress", "-t", plain])
    assert not_compressed.exit_code == 1 and "not in a known compressed format" in not_compressed.stderr
    assert sorted(os.listdir(tmp_path)) == before


def test_verbose_reports_ratio_and_speed(run, text_file):
    result = run(["compress", "-v", "-C", "gzip", text_file])
    line = result.stderr.strip()
    assert result.exit_code == 0 and line.startswith(f"{text_file}: ") and line.endswith(f"-> {text_file}.gz")
    assert "%" in line and "x)" in line and "/s" in line
    assert run(["compress", "-q", "-f", "-C", "gzip", text_file]).stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "x", "a", "b"], "-o/--output names one output"),
        (["-o", "x", "-c", "a"], "choose one"),
        (["-t", "-c", "a"], "-t/--test writes nothing"),
        (["--rm", "-c", "a"], "--rm removes an input only after"),
        (["-C", "zip", "a"], "'zip' (expected a codec name: gzip, "),
        (["-C", "crc32", "a"], "xz's -C/--check have no counterpart: -C names the format"),
        (["-C", "lz4_raw", "a"], "'lz4_raw' is a raw block format"),
        (["-d", "-C", "lz4_raw", "a"], "'lz4_raw' is a raw block format"),
        (["-C", "gzip", "--level", "99", "a"], "-N/--level"),
        (["-C", "gzip", "-99", "a"], "-N/--level"),
        (["-C", "brotli", "--level", "12", "a"], "brotli has levels 0 to 11, not 12"),
        (["--fast=200000", "a"], "zstd has levels -131072 to 22, not -200000"),
        (["-d", "--level", "3", "a"], "-N/--level applies to compression only"),
        (["-d", "-3", "a"], "-N/--level applies to compression only"),
        (["-22", "a"], "zstd level 22 needs --ultra"),
        (["-C", "gzip", "--ultra", "-9", "a"], "--ultra applies to zstd only"),
        (["-C", "gzip", "--fast=3", "a"], "--fast=N is zstd's negative level -N; gzip's fastest is --fast or -1"),
        (["-9", "--best", "a"], "-N/--level and --best both set the level"),
        (["-C", "snappy", "-1", "a"], "snappy has no compression levels"),
        (["-l", "-d", "a"], "-l/--list only lists"),
        (["-l"], "-l/--list needs FILEs"),
        (["-S", ".suf", "a"], "for gzip's -S .suf, use --suffix .suf"),
        (["-T", "-1", "a"], "-T"),
    ],
)
def test_usage_errors(run, args, message):
    result = run(["compress", *args])
    assert result.exit_code == 2 and message in result.stderr and result.stdout_bytes == b""


# -- a full disk, Ctrl-C, a terminal: real failures ------------------------------------------------
class FailsOnNthWrite(atomic._TempFile):
    """The temporary output, failing with ENOSPC on its third write, as a full disk does."""

    writes = 0

    def write(self, data):
        FailsOnNthWrite.writes += 1
        if FailsOnNthWrite.writes == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_a_full_disk_in_process_leaves_nothing(run, tmp_path, monkeypatch):
    big = tmp_path / "random.bin"
    big.write_bytes(os.urandom(12 << 20))  # incompressible: many writes
    monkeypatch.setattr(atomic, "_TempFile", FailsOnNthWrite)
    FailsOnNthWrite.writes = 0
    result = run(["compress", "-C", "lz4", big])
    assert result.exit_code == 1 and "no space left on device" in result.stderr.lower()
    assert not (tmp_path / "random.bin.lz4").exists() and leftovers(tmp_path) == []


def _small_tmpfs_command(unshare: list[str], folder: str, inner: list[str]) -> list[str]:
    """Run ``inner`` with a 256 KiB tmpfs mounted on ``folder``, in a private mount namespace."""
    mount = f"mount -t tmpfs -o size=256k tmpfs '{folder}'"
    script = f"{mount} && " + " ".join(f"'{a}'" for a in inner) + f"; code=$?; ls -A '{folder}'; exit $code"
    return [*unshare, "sh", "-c", script]


def test_a_really_full_disk_leaves_nothing(text_file, tmp_path):
    need_tool("unshare")
    # A mount namespace as root, else inside a user namespace (unprivileged users, most containers).
    ways = [["unshare", "-m"], ["unshare", "-Urm"]] if os.geteuid() == 0 else [["unshare", "-Urm"]]
    unshare = next(
        (
            w
            for w in ways
            if subprocess.run(_small_tmpfs_command(w, str(tmp_path), ["true"]), capture_output=True).returncode == 0
        ),
        None,
    )
    if unshare is None:
        pytest.skip("no way to mount a small tmpfs here (no mount namespace); the in-process full-disk test still runs")
    big = tmp_path.parent / f"{tmp_path.name}-random.bin"
    big.write_bytes(os.urandom(1 << 20))
    disk = tmp_path / "disk"
    disk.mkdir()
    command = arrowio_command("compress", "-C", "gzip", "-o", disk / "out.gz", big)
    result = subprocess.run(_small_tmpfs_command(unshare, str(disk), command), capture_output=True)
    assert result.returncode == 1
    assert (
        result.stderr.decode() == f"arrowio: error: {disk / 'out.gz'}: No space left on device\n"
    )  # the output's name
    assert result.stdout == b""  # `ls -A` of the full tmpfs: no output, no temporary file
    big.unlink()


@pytest.mark.parametrize(
    ("sig", "code", "message"),
    [(signal.SIGINT, 130, b"arrowio: error: interrupted\n"), (signal.SIGTERM, 143, b"arrowio: error: terminated\n")],
)
def test_ctrl_c_or_sigterm_leaves_no_output(tmp_path, sig, code, message):
    target = tmp_path / "out.zst"
    process = subprocess.Popen(
        arrowio_command("compress", "-o", target, "-"), stdin=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdin.write(TEXT)  # and keep stdin open: compress waits for more
    process.stdin.flush()
    deadline = time.monotonic() + 20
    while not glob.glob(str(tmp_path / f".out.zst.*{atomic.TEMP_SUFFIX}")):
        assert time.monotonic() < deadline, "the temporary output never appeared"
        time.sleep(0.02)
    process.send_signal(sig)
    _, err = process.communicate(timeout=20)
    assert (process.returncode, err) == (code, message)  # one line, and no temporary file left
    assert os.listdir(tmp_path) == []


def _in_a_terminal(args: list[str], cwd) -> tuple[int, str]:
    """Run arrowio with stdout (and stderr) on a pseudo-terminal; its exit code and what it showed."""
    code, shown = run_in_terminal(arrowio_command(*args), cwd)
    return code, shown.decode(errors="replace")


def test_refuses_compressed_data_on_a_terminal(text_file, tmp_path):
    code, shown = _in_a_terminal(["compress", "-c", str(text_file)], tmp_path)
    assert code == 1 and "refusing to write compressed data to a terminal" in shown
    code, shown = _in_a_terminal(["compress", "-dc", str(tmp_path / "missing.zst")], tmp_path)
    assert code == 1 and "refusing" not in shown  # decompressed data may go to a terminal


def test_interop_with_the_real_tools_in_processes(text_file, tmp_path):
    for fmt, decode in (("zstd", ["zstd", "-dc"]), ("gzip", ["gzip", "-dc"])):
        need_tool(decode[0])
        packed = subprocess.run(arrowio_command("compress", "-c", "-C", fmt, text_file), capture_output=True)
        assert packed.returncode == 0 and packed.stderr == b""
        assert subprocess.run(decode, input=packed.stdout, capture_output=True).stdout == TEXT


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_library_round_trip_of_compress_output(run, text_file):
    run(["compress", "-C", "bz2", text_file])
    with arrowio.input_stream(str(text_file) + ".bz2") as stream:
        assert stream.read() == TEXT


# -- outputs that are the input, or not regular files ----------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["--rm", "-f", "-o", "{x}", "{x}"],  # once deleted both input and output with exit 0
        ["-f", "-o", "{x}", "{x}"],
        ["-d", "-f", "-o", "{gz}", "{gz}"],  # once replaced its input
        ["-d", "-f", "-o", "{link}", "{gz}"],  # another name of the same file
    ],
)
def test_refuses_an_output_that_is_the_input(run, text_file, args):
    packed = text_file.with_name("packed.gz")
    packed_bytes = compressed_by_tool("gzip", TEXT)
    packed.write_bytes(packed_bytes)
    link = text_file.with_name("link.gz")
    os.link(packed, link)
    names = {"x": text_file, "gz": packed, "link": link}
    result = run(["compress", *(a.format(**names) for a in args)])
    assert result.exit_code == 1 and result.stdout_bytes == b"" and result.stderr.count("\n") == 1
    assert "input and output" in result.stderr and "are the same file" in result.stderr
    assert text_file.read_bytes() == TEXT and packed.read_bytes() == packed_bytes
    assert leftovers(text_file.parent) == []


def test_refuses_stdin_that_is_the_output(text_file):
    with open(text_file, "rb") as stdin:
        result = subprocess.run(arrowio_command("compress", "-f", "-o", text_file), stdin=stdin, capture_output=True)
    assert result.returncode == 1 and b"<stdin>: input and output" in result.stderr
    assert text_file.read_bytes() == TEXT


def test_refuses_stdout_that_is_the_input(text_file):
    with open(text_file, "ab") as stdout:
        result = subprocess.run(arrowio_command("compress", "-c", text_file), stdout=stdout, stderr=subprocess.PIPE)
    assert result.returncode == 1 and b"input and output (stdout) are the same file" in result.stderr
    assert text_file.read_bytes() == TEXT


@pytest.fixture
def null_device(tmp_path):
    """A character device that discards what is written: /dev/null where a regression could not
    replace it (no write access to /dev), else a node of our own (root: a broken rename must
    never replace the machine's /dev/null)."""
    if not os.access("/dev", os.W_OK):
        return "/dev/null"
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("/dev is writable but device nodes cannot be made here")
    return node


@pytest.mark.parametrize("force", [[], ["-f"]])
def test_a_device_is_written_into_not_replaced(run, text_file, null_device, force):
    before = os.stat(null_device)
    result = run(["compress", *force, "-o", null_device, text_file])
    assert (result.exit_code, result.stderr) == (0, "")
    after = os.stat(null_device)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert text_file.read_bytes() == TEXT and leftovers(os.path.dirname(null_device)) == []


def test_a_fifo_output_is_written_into_not_replaced(text_file, tmp_path):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader first, so arrowio's open never waits
    process = subprocess.Popen(
        arrowio_command("compress", "-f", "-C", "gzip", "-o", fifo, text_file), stderr=subprocess.PIPE
    )
    chunks = []
    while True:  # until arrowio has exited and the FIFO is drained
        try:
            chunk = os.read(reader, 1 << 16)
        except BlockingIOError:
            chunk = None
        if chunk:
            chunks.append(chunk)
        elif process.poll() is not None and chunk is not None:
            break
        else:
            time.sleep(0.01)
    os.close(reader)
    received = b"".join(chunks)
    assert process.returncode == 0 and process.stderr.read() == b""
    assert gzip.decompress(received) == TEXT
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and leftovers(tmp_path) == []


def test_rm_with_a_special_output_keeps_the_input(run, text_file, null_device):
    result = run(["compress", "--rm", "-f", "-o", null_device, text_file])
    assert result.exit_code == 1 and "not a regular file" in result.stderr
    assert text_file.read_bytes() == TEXT


def test_a_full_disk_with_o_names_the_output(run, tmp_path, monkeypatch):
    big = tmp_path / "random.bin"
    big.write_bytes(os.urandom(12 << 20))
    target = tmp_path / "named.lz4"
    monkeypatch.setattr(atomic, "_TempFile", FailsOnNthWrite)
    FailsOnNthWrite.writes = 0
    result = run(["compress", "-C", "lz4", "-o", target, big])
    assert (result.exit_code, result.stderr) == (1, f"arrowio: error: {target}: No space left on device\n")
    assert not target.exists() and leftovers(tmp_path) == []
