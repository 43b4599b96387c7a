"""The command line on URLs of the live SeaweedFS store, in real processes: credentials and endpoint
in the ``AWS_*`` variables, as a user would set them, or given by ``-S/--storage-option``."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest


def arrowio(s3, *args: str, secret: str | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": s3.store.key,
        "AWS_SECRET_ACCESS_KEY": secret or s3.store.secret,
        "AWS_ENDPOINT_URL": s3.store.endpoint_url,
    }
    return subprocess.run([sys.executable, "-m", "arrowio_cli", *args], capture_output=True, env=env, timeout=120)


def without_aws_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FSSPEC_"))}


def option_args(s3, secret: str | None = None) -> list[str]:
    """The store's credentials and endpoint as -S options."""
    return [
        "-S",
        f"key={s3.store.key}",
        "-S",
        f"secret={secret or s3.store.secret}",
        "-S",
        f"endpoint_url={s3.store.endpoint_url}",
    ]


def arrowio_s(s3, command: str, *args: str, secret: str | None = None, input: bytes | None = None):
    """``arrowio COMMAND -S key=... -S secret=... -S endpoint_url=... ARGS`` with no AWS_* variables set."""
    argv = [sys.executable, "-m", "arrowio_cli", command, *option_args(s3, secret), *args]
    return subprocess.run(argv, capture_output=True, env=without_aws_environment(), input=input, timeout=120)


def uploads_in_progress(s3, name: str = "") -> list:
    """Unfinished multipart uploads under the test's prefix (``name``: of keys starting so)."""
    bucket, prefix = s3.prefix.split("/", 1)
    return s3.fs.call_s3("list_multipart_uploads", Bucket=bucket, Prefix=f"{prefix}/{name}").get("Uploads") or []


def unzstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


def test_cat_decodes_and_concatenates_urls_in_order(s3):
    first = s3.put("first.gz", gzip.compress(b"from a gzip object\n"))
    second = s3.put("second.txt", b"from a plain object\n")
    done = arrowio(s3, "cat", first, second)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"from a gzip object\nfrom a plain object\n"
    ranged = arrowio(s3, "cat", "--offset", "5", "--length", "6", second)
    assert ranged.stdout == b"a plai"


def test_info_on_a_url(s3):
    url = s3.put("data.gz", gzip.compress(b"x" * 10000))
    done = arrowio(s3, "info", "--json", url)
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)["files"]
    assert entry["path"] == url and entry["format"] == "gzip" and entry["decoded_size"] == 10000


@pytest.mark.parametrize("where", ["missing key", "missing bucket", "wrong secret"])
def test_failures_are_one_line_without_secrets(s3, where):
    url = s3.put("present.txt", b"x")
    if where == "missing key":
        url = s3.url("absent.txt")
    elif where == "missing bucket":
        url = "s3://no-such-bucket-anywhere/key.txt"
    wrong = "wrong-secret-" + "z" * 20
    done = arrowio(s3, "cat", url, secret=wrong if where == "wrong secret" else None)
    stderr = done.stderr.decode()
    assert done.returncode == 1 and done.stdout == b""
    assert stderr.count("\n") == 1 and stderr.startswith(f"arrowio: error: {url}: ")
    assert ("Permission denied" if where == "wrong secret" else "No such file") in stderr
    assert s3.secret not in stderr and wrong not in stderr


# -- storage options instead of the environment ---------------------------------------------------------
def test_storage_options_alone_reach_the_store(s3):
    url = s3.put("opts.gz", gzip.compress(b"by storage options\n"))
    done = arrowio_s(s3, "cat", url)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"by storage options\n"
    info = arrowio_s(s3, "info", "--json", url)
    assert info.returncode == 0 and json.loads(info.stdout)["files"][0]["decoded_size"] == 19
    wrong = arrowio_s(s3, "cat", url, secret="wrong-secret-" + "q" * 20)
    assert wrong.returncode == 1 and b"Permission denied" in wrong.stderr
    assert wrong.stderr.count(b"\n") == 1 and s3.secret.encode() not in wrong.stderr


# -- globs -----------------------------------------------------------------------------------------------
def test_cat_expands_globs_in_sorted_order(s3):
    import zstandard

    s3.put("logs/2024-01-02.zst", zstandard.compress(b"second day\n"))
    s3.put("logs/2024-01-01.zst", zstandard.compress(b"first day\n"))
    s3.put("logs/2024-01-03.gz", gzip.compress(b"third day, gzip\n"))
    s3.put("logs/notes.txt", b"not matched\n")
    s3.put("tail.txt", b"the end\n")
    done = arrowio(
        s3, "cat", s3.url("logs/*.zst"), s3.url("nothing/*.zst"), s3.url("logs/2024-01-0[3]*"), s3.url("tail.txt")
    )
    assert done.stdout == b"first day\nsecond day\nthird day, gzip\nthe end\n"
    assert done.returncode == 1
    assert done.stderr.decode() == f"arrowio: error: {s3.url('nothing/*.zst')}: No object matches the pattern\n"


def test_info_expands_a_glob(s3):
    s3.put("parts/b.gz", gzip.compress(b"b" * 300))
    s3.put("parts/a.gz", gzip.compress(b"a" * 100))
    done = arrowio(s3, "info", "--json", s3.url("parts/*"))
    assert done.returncode == 0, done.stderr
    files = json.loads(done.stdout)["files"]
    assert [(f["path"], f["decoded_size"]) for f in files] == [(s3.url("parts/a.gz"), 100), (s3.url("parts/b.gz"), 300)]


# -- one-line errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["info"], ["compress", "-d", "-c"], ["gpu-copy"]])
def test_a_missing_object_is_one_line_for_every_command(s3, command):
    from arrowio import cuda

    url = s3.url("missing.gz")
    done = arrowio(s3, *command, url)
    assert done.stdout == b""
    if command == ["gpu-copy"] and cuda.unavailable_reason(0) is not None:
        # gpu-copy looks for its device before it opens anything
        assert done.returncode == 69 and done.stderr.decode().startswith("arrowio: error: gpu-copy: no CUDA device (")
        return
    assert done.returncode == 1
    assert done.stderr.decode() == f"arrowio: error: {url}: No such file, object or bucket\n"


# -- compress with URL inputs and outputs ----------------------------------------------------------------
def test_compress_up_to_the_store_and_back(s3, tmp_path):
    local = tmp_path / "table.csv"
    local.write_bytes(b"id,name\n" + b"".join(b"%d,row %d\n" % (i, i) for i in range(20000)))
    done = arrowio(s3, "compress", "-v", str(local), "-o", s3.url("up/table.csv.zst"))
    assert done.returncode == 0, done.stderr
    assert f"-> {s3.url('up/table.csv.zst')}".encode() in done.stderr
    if shutil.which("zstd"):  # the format's own tool reads what we uploaded
        decoded = subprocess.run(["zstd", "-dc"], input=s3.get("up/table.csv.zst"), capture_output=True, check=True)
        assert decoded.stdout == local.read_bytes()
    assert unzstd(s3.get("up/table.csv.zst")) == local.read_bytes()
    # The default output name sits next to a URL input, on both sides.
    down = arrowio(s3, "compress", "-d", s3.url("up/table.csv.zst"))
    assert down.returncode == 0, down.stderr
    assert s3.get("up/table.csv") == local.read_bytes()
    back = arrowio(s3, "compress", "-d", s3.url("up/table.csv.zst"), "-o", str(tmp_path / "back.csv"))
    assert back.returncode == 0 and (tmp_path / "back.csv").read_bytes() == local.read_bytes()
    piped = arrowio(s3, "compress", "-d", "-c", s3.url("up/table.csv.zst"))
    assert piped.stdout == local.read_bytes()


#: ``arrowio ARGS`` as the entry point runs it (main() without arguments), with witnesses of how the
#: process ends: an atexit handler, a non-daemon thread that finishes late, and a module-level
#: object whose finalizer runs only in the interpreter's teardown. Each appends its name to MARKS.
ENDING_WITNESSES = """
import atexit, sys, threading, time
marks = sys.argv.pop(1)
def mark(name, open=open):  # open itself is gone late in a teardown
    with open(marks, "a") as out:
        out.write(name + "\\n")
atexit.register(mark, "atexit")
class Teardown:
    def __del__(self):
        mark("teardown")
witness = Teardown()
def late():
    time.sleep(0.5)
    mark("thread")
threading.Thread(target=late).start()
from arrowio_cli.main import main
main()
"""


def arrowio_ending(s3, marks, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": s3.store.key,
        "AWS_SECRET_ACCESS_KEY": s3.store.secret,
        "AWS_ENDPOINT_URL": s3.store.endpoint_url,
    }
    argv = [sys.executable, "-c", ENDING_WITNESSES, str(marks), *args]
    return subprocess.run(argv, capture_output=True, env=env, timeout=120)


def test_a_run_ends_after_its_upload_threads_and_atexit_without_the_teardown(s3, tmp_path):
    local, marks = tmp_path / "table.csv", tmp_path / "marks"
    local.write_bytes(b"".join(b"%d,row %d\n" % (i, i) for i in range(50000)))
    done = arrowio_ending(s3, marks, "compress", str(local), "-o", s3.url("end/table.csv.zst"))
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert unzstd(s3.get("end/table.csv.zst")) == local.read_bytes()  # published before the end
    assert uploads_in_progress(s3, "end/") == []
    # The thread was waited for, then the atexit handlers ran; the interpreter's teardown (its
    # finalizers, the last collection) was skipped.
    assert marks.read_text().split() == ["thread", "atexit"]


def test_a_quick_ending_keeps_the_output_and_exit_codes(s3, tmp_path):
    data = b"".join(b"line %d\n" % i for i in range(200000))
    s3.put("end/lines.gz", gzip.compress(data))
    read = arrowio_ending(s3, tmp_path / "read", "cat", s3.url("end/lines.gz"))
    assert (read.returncode, read.stdout, read.stderr) == (0, data, b"")  # every byte through the pipe
    missing = arrowio_ending(s3, tmp_path / "missing", "cat", s3.url("end/missing.gz"))
    assert missing.returncode == 1 and missing.stdout == b""
    assert missing.stderr == f"arrowio: error: {s3.url('end/missing.gz')}: No such file, object or bucket\n".encode()
    usage = arrowio_ending(s3, tmp_path / "usage", "cat", "--no-such-option")
    assert usage.returncode == 2 and b"No such option" in usage.stderr
    for name in ("read", "missing", "usage"):
        assert (tmp_path / name).read_text().split() == ["thread", "atexit"]


def test_a_profiled_run_ends_normally_so_the_profile_is_written(s3, tmp_path):
    import pstats

    s3.put("end/small.gz", gzip.compress(b"profiled\n"))
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": s3.store.key,
        "AWS_SECRET_ACCESS_KEY": s3.store.secret,
        "AWS_ENDPOINT_URL": s3.store.endpoint_url,
    }
    profile = tmp_path / "cat.prof"
    argv = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "arrowio_cli", "cat", s3.url("end/small.gz")]
    done = subprocess.run(argv, capture_output=True, env=env, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"profiled\n", b"")
    assert pstats.Stats(str(profile)).total_calls > 0  # cProfile writes it once main() has returned


def test_a_python_workload_of_pool_stats_keeps_the_normal_ending(s3, tmp_path):
    # The program reads the store through arrowio and leaves its output file unclosed, held by a
    # reference cycle with the collector off: only the interpreter's teardown (its last
    # collection) flushes it, so that run must end the normal way.
    s3.put("end/note.txt", b"from the store\n")
    out = tmp_path / "copied.txt"
    program = (
        "import arrowio, gc\n"
        "gc.disable()\n"
        "held = {}\n"
        "held['self'] = held\n"
        f"held['copy'] = open({str(out)!r}, 'w')\n"
        f"held['copy'].write(arrowio.input_stream({s3.url('end/note.txt')!r}).read().decode())\n"
    )
    done = arrowio(s3, "pool-stats", "--json", "--", "python", "-c", program)
    assert done.returncode == 0, done.stderr
    assert out.read_text() == "from the store\n"


def test_compress_force_and_rm_on_urls(s3):
    s3.put("day.log", b"log line\n" * 100)
    s3.put("day.log.gz", b"an older object")
    refused = arrowio(s3, "compress", "-C", "gzip", "--rm", s3.url("day.log"))
    assert refused.returncode == 1
    assert refused.stderr.decode() == f"arrowio: error: {s3.url('day.log.gz')}: already exists (use -f to overwrite)\n"
    assert s3.get("day.log.gz") == b"an older object" and s3.exists("day.log")
    done = arrowio(s3, "compress", "-C", "gzip", "-f", "--rm", s3.url("day.log"))
    assert done.returncode == 0, done.stderr
    assert gzip.decompress(s3.get("day.log.gz")) == b"log line\n" * 100
    assert not s3.exists("day.log")


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_compress_publishes_nothing(s3, existing):
    # More than one 8 MiB part is decoded and uploaded before the truncation is found.
    whole = gzip.compress(bytes(range(256)) * (24 << 12), compresslevel=1)
    s3.put("cut.gz", whole[: len(whole) * 9 // 10])
    if existing:
        s3.put("cut", b"the old object")
    done = arrowio(s3, "compress", "-d", "-f", s3.url("cut.gz"))
    assert done.returncode == 1 and done.stderr.startswith(f"arrowio: error: {s3.url('cut.gz')}: ".encode())
    assert done.stderr.count(b"\n") == 1
    if existing:
        assert s3.get("cut") == b"the old object"
    else:
        assert not s3.exists("cut")
    assert not uploads_in_progress(s3)


def test_ctrl_c_during_an_upload_publishes_nothing(s3):
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": s3.store.key,
        "AWS_SECRET_ACCESS_KEY": s3.store.secret,
        "AWS_ENDPOINT_URL": s3.store.endpoint_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "arrowio_cli", "compress", "-1", "-o", s3.url("interrupted.zst")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        # Incompressible bytes, several parts: the multipart upload is under way before stdin ends.
        process.stdin.write(os.urandom(24 << 20))
        process.stdin.flush()
        deadline = time.monotonic() + 60
        while not uploads_in_progress(s3, "interrupted.zst"):
            assert time.monotonic() < deadline, "the upload never started"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130 and err.strip() == b"arrowio: error: interrupted"
    assert not s3.exists("interrupted.zst")
    assert not uploads_in_progress(s3, "interrupted.zst")


# -- secrets never appear ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["cat", "--stats", "{missing}"],
        ["cat", "{glob}"],
        ["info", "--json", "{missing}"],
        ["compress", "-v", "{missing}"],
        ["compress", "-v", "-d", "{missing}", "-o", "s3://no-such-bucket-anywhere/out"],
        ["gpu-copy", "--json", "{missing}"],
        ["mmap-read", "--json", "{missing}"],
        ["pool-stats", "--json", "--", "cat", "-S", "secret={secret}", "{missing}"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
@pytest.mark.parametrize("where", ["option", "environment"])
def test_no_secret_in_the_output_of_a_failing_command(s3, args, where):
    secret = s3.store.secret
    argv = [a.format(missing=s3.url("missing.gz"), glob=s3.url("none/*.gz"), secret=secret) for a in args]
    if where == "option" and argv[0] not in ("mmap-read", "pool-stats"):
        argv[1:1] = [
            "-S",
            f"secret={secret}",
            "-S",
            f"key={s3.store.key}",
            "-S",
            f"endpoint_url={s3.store.endpoint_url}",
        ]
        env = without_aws_environment()
    else:
        env = {
            **without_aws_environment(),
            "AWS_ACCESS_KEY_ID": s3.store.key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_ENDPOINT_URL": s3.store.endpoint_url,
        }
    done = subprocess.run([sys.executable, "-m", "arrowio_cli", *argv], capture_output=True, env=env, timeout=120)
    from arrowio import cuda

    looks_for_a_device_first = argv[0] == "gpu-copy" and cuda.unavailable_reason(0) is not None
    assert done.returncode == (69 if looks_for_a_device_first else 1), done.stderr
    assert b"Traceback" not in done.stderr
    assert secret.encode() not in done.stdout + done.stderr


# -- cat's read-ahead ------------------------------------------------------------------------------------
def test_cat_finds_a_urls_format_by_its_name_or_its_content_and_names_it_in_errors(s3):
    import brotli
    import zstandard

    text = b"".join(b"%06d a line of a log\n" % i for i in range(20000))
    by_name = s3.put("text.br", brotli.compress(text))  # brotli has no magic number: the name alone
    by_content = s3.put("zstd.bin", zstandard.compress(text))
    named_wrongly = s3.put("plain.zst", b"plain text, not zstd\n" * 10)
    done = arrowio(s3, "cat", by_name, by_content)
    assert done.returncode == 0, done.stderr
    assert done.stdout == text + text
    forced = arrowio(s3, "cat", "-C", "zstd", by_content)
    assert forced.returncode == 0 and forced.stdout == text
    wrong = arrowio(s3, "cat", named_wrongly)
    assert wrong.returncode == 1 and wrong.stdout == b""
    assert (
        wrong.stderr.decode()
        == f"arrowio: error: {named_wrongly}: not in zstd format (no zstd magic number at offset 0)\n"
    )


def test_cat_decodes_a_url_with_a_shallow_read_ahead(s3):
    """cat's decoder is slower than the store: two 4 MiB blocks ahead (three blocks allocated at
    most, reused) instead of the library's four keep its memory low."""
    import zstandard

    url = s3.put("random.zst", zstandard.compress(os.urandom(24 << 20), 1))  # 24 MiB: no window is ever short
    done = arrowio(s3, "pool-stats", "--json", "--workload-output", os.devnull, "--", "cat", url)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["max_memory"] <= 3 * (4 << 20), report  # the library's default window: 5 * 4 MiB
    # A plain object is copied, as fast as the store delivers: the library's window, half the requests.
    plain = s3.put("random.bin", os.urandom(24 << 20))
    copied = arrowio(s3, "pool-stats", "--json", "--workload-output", os.devnull, "--", "cat", plain)
    assert copied.returncode == 0, copied.stderr
    assert json.loads(copied.stdout)["max_memory"] >= 4 * (4 << 20)
