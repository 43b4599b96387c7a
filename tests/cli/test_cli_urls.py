"""URLs on the command line without a server: ``-S/--storage-option`` parsing, refusals, and globs,
compress outputs and secrets on ``file://`` URLs (which go through fsspec and a RemoteFile like any
other URL). Runs that read or write a URL are real processes: the library's fetch threads then never
linger in the test process. The same against a live S3 store: tests/remote/test_remote_cli.py."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest
import zstandard

from arrowio_cli.params import redact_arguments

SECRET = "cli-secret-0123456789abcdef"


def unzstd(data: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


@pytest.fixture
def where(tmp_path):
    """A folder, and its file:// URL."""
    folder = tmp_path / "store"
    folder.mkdir()
    return folder, folder.as_uri()


# -- -S/--storage-option -----------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["cat", "compress", "info", "gpu-copy"])
def test_every_command_that_reads_urls_takes_storage_options(run, command):
    result = run([command, "--help"])
    assert result.exit_code == 0
    assert "-S, --storage-option KEY=VALUE" in result.stdout and "URL" in result.stdout


def test_mmap_read_has_no_storage_options(run):
    assert "--storage-option" not in run(["mmap-read", "--help"]).stdout


@pytest.mark.parametrize("item", [SECRET, f"={SECRET}", f"secret={{{SECRET}"])
def test_a_malformed_option_is_a_usage_error_that_never_repeats_the_value(run, item, tmp_path):
    result = run(["cat", "-S", item, tmp_path / "missing"])
    assert result.exit_code == 2 and "--storage-option" in result.stderr
    assert SECRET not in result.stderr + result.stdout


# -- refusals ------------------------------------------------------------------------------------------
def test_mmap_read_refuses_a_url_before_any_request():
    # In a fresh process: the refusal must come before fsspec is even imported.
    script = (
        "import sys\nfrom arrowio_cli.main import main\n"
        "try:\n    main(['mmap-read', 's3://bucket/big.bin'])\n"
        "except SystemExit as exc:\n    print(exc.code, 'fsspec' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout == "1 False\n"
    assert done.stderr == "arrowio: error: mmap-read: cannot memory-map a URL (s3://bucket/big.bin); use arrowio cat\n"


def test_mmap_read_refusal_hides_credentials_in_the_url(run):
    result = run(["mmap-read", f"https://reader:{SECRET}@example.com/big.bin"])
    assert result.exit_code == 1
    assert result.stderr == (
        "arrowio: error: mmap-read: cannot memory-map a URL (https://***@example.com/big.bin); use arrowio cat\n"
    )


def test_cat_mmap_reads_a_url_by_ranged_requests(sh, where, tmp_path):
    folder, url = where
    (tmp_path / "local.bin").write_bytes(b"mapped\n")
    (folder / "remote.bin").write_bytes(b"0123456789" * 1000)
    done = sh("cat", "--mmap", tmp_path / "local.bin", f"{url}/remote.bin")
    assert done.returncode == 0 and done.stdout == b"mapped\n" + b"0123456789" * 1000
    ranged = sh("cat", "--mmap", "--offset", "5", "--length", "12", f"{url}/remote.bin")
    assert ranged.stdout == b"567890123456"


# -- globs ---------------------------------------------------------------------------------------------
def test_cat_expands_url_globs_in_sorted_order_and_reports_a_glob_without_match(sh, where, tmp_path):
    folder, url = where
    (folder / "logs").mkdir()
    (folder / "logs" / "b.zst").write_bytes(zstandard.compress(b"b.zst\n"))
    (folder / "logs" / "a.gz").write_bytes(gzip.compress(b"a.gz\n"))
    (folder / "logs" / "c.txt").write_bytes(b"c.txt\n")
    (folder / "other.txt").write_bytes(b"other\n")
    local = tmp_path / "local*.txt"  # a local name with a glob character is taken as it is
    local.write_bytes(b"local\n")
    done = sh("cat", f"{url}/logs/*", f"{url}/none/*.zst", local, f"{url}/other.txt")
    assert done.returncode == 1
    assert done.stdout == b"a.gz\nb.zst\nc.txt\nlocal\nother\n"
    assert done.stderr.decode() == f"arrowio: error: {url}/none/*.zst: No object matches the pattern\n"


def test_cat_stats_list_each_match(sh, where):
    folder, url = where
    (folder / "x1.txt").write_bytes(b"1")
    (folder / "x2.txt").write_bytes(b"22")
    done = sh("cat", "--stats", f"{url}/x?.txt")
    assert done.returncode == 0 and done.stdout == b"122"
    assert b"x1.txt" in done.stderr and b"x2.txt" in done.stderr


def test_info_expands_url_globs(sh, where):
    folder, url = where
    (folder / "a.gz").write_bytes(gzip.compress(b"a" * 1000))
    (folder / "b.zst").write_bytes(zstandard.compress(b"b" * 500))
    done = sh("info", "--json", f"{url}/*", f"{url}/*.xz")
    assert done.returncode == 1
    files = json.loads(done.stdout)["files"]
    assert [(f["path"], f["format"], f["decoded_size"]) for f in files] == [
        (f"{url}/a.gz", "gzip", 1000),
        (f"{url}/b.zst", "zstd", 500),
        (f"{url}/*.xz", None, None),
    ]
    assert files[2]["error"] == f"{url}/*.xz: No object matches the pattern"
    assert done.stderr.decode() == f"arrowio: error: {url}/*.xz: No object matches the pattern\n"


# -- compress with URLs ------------------------------------------------------------------------------
def test_compress_to_a_url_and_next_to_a_url_input(sh, where, tmp_path):
    folder, url = where
    local = tmp_path / "local.csv"
    local.write_bytes(b"a,b\n" * 1000)
    assert sh("compress", local, "-o", f"{url}/up.csv.zst").returncode == 0
    assert unzstd((folder / "up.csv.zst").read_bytes()) == local.read_bytes()
    (folder / "remote.csv").write_bytes(b"remote\n")
    assert sh("compress", "-C", "gzip", f"{url}/remote.csv").returncode == 0
    assert gzip.decompress((folder / "remote.csv.gz").read_bytes()) == b"remote\n"
    assert sh("compress", "-d", f"{url}/up.csv.zst", "-o", tmp_path / "back.csv").returncode == 0
    assert (tmp_path / "back.csv").read_bytes() == local.read_bytes()


def test_compress_refuses_an_existing_object_without_force(sh, where, tmp_path):
    folder, url = where
    local = tmp_path / "x.txt"
    local.write_bytes(b"new\n")
    (folder / "x.txt.zst").write_bytes(b"old")
    done = sh("compress", local, "-o", f"{url}/x.txt.zst")
    assert done.returncode == 1
    assert done.stderr.decode() == f"arrowio: error: {url}/x.txt.zst: already exists (use -f to overwrite)\n"
    assert (folder / "x.txt.zst").read_bytes() == b"old"
    assert sh("compress", "-f", local, "-o", f"{url}/x.txt.zst").returncode == 0
    assert unzstd((folder / "x.txt.zst").read_bytes()) == b"new\n"


def test_compress_rm_deletes_a_url_input_only_after_its_output_is_written(sh, where):
    folder, url = where
    (folder / "in.log").write_bytes(b"log\n")
    (folder / "in.log.zst").write_bytes(b"in the way")
    refused = sh("compress", "--rm", f"{url}/in.log")
    assert refused.returncode == 1 and (folder / "in.log").exists()
    (folder / "in.log.zst").unlink()
    done = sh("compress", "--rm", f"{url}/in.log")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["in.log.zst"]
    assert unzstd((folder / "in.log.zst").read_bytes()) == b"log\n"


def test_a_failed_compress_publishes_nothing(sh, where):
    folder, url = where
    whole = gzip.compress(bytes(range(256)) * 4096)
    (folder / "cut.gz").write_bytes(whole[: len(whole) // 2])
    done = sh("compress", "-d", f"{url}/cut.gz")
    assert done.returncode == 1 and done.stderr.decode().startswith(f"arrowio: error: {url}/cut.gz: ")
    assert done.stderr.count(b"\n") == 1
    assert [p.name for p in folder.iterdir()] == ["cut.gz"]  # no output, no temporary file


def test_compress_verbose_reports_the_url_output(sh, where, tmp_path):
    folder, url = where
    local = tmp_path / "v.txt"
    local.write_bytes(b"v" * 10000)
    done = sh("compress", "-v", local, "-o", f"{url}/v.txt.zst")
    assert done.returncode == 0
    size = (folder / "v.txt.zst").stat().st_size
    assert f"-> {url}/v.txt.zst".encode() in done.stderr and f"{size} B".encode() in done.stderr


# -- gpu-copy reads URLs through input_stream, never a map ------------------------------------------------
def test_gpu_copy_takes_a_url_and_reads_it_as_a_stream(where):
    folder, url = where
    (folder / "plain.bin").write_bytes(b"p" * 5000)
    (folder / "data.gz").write_bytes(gzip.compress(b"g" * 3000))
    script = """if True:
        import sys
        import arrowio
        from arrowio_cli.gpu_copy import _open_input, gpu_copy

        url = sys.argv[1]
        assert gpu_copy.make_context("gpu-copy", [f"{url}/plain.bin"]).params["file"] == f"{url}/plain.bin"
        opener, size, name = _open_input(f"{url}/plain.bin", "auto", {})
        assert (size, name) == (5000, "none")
        with opener() as stream:
            assert not isinstance(stream, arrowio.MemoryMappedFile) and stream.read() == b"p" * 5000
        opener, size, name = _open_input(f"{url}/data.gz", "auto", {})
        assert (size, name) == (None, "auto")
        with opener() as stream:
            assert stream.read() == b"g" * 3000
        print("ok")
    """
    done = subprocess.run([sys.executable, "-c", script, url], capture_output=True, text=True, timeout=60)
    assert done.stdout == "ok\n", done.stderr


def test_gpu_copy_of_a_missing_url_is_one_line(sh, where):
    from arrowio import cuda

    _, url = where
    done = sh("gpu-copy", f"{url}/missing.bin")
    stderr = done.stderr.decode()
    assert stderr.count("\n") == 1
    if cuda.unavailable_reason(0) is None:
        assert done.returncode == 1 and stderr.startswith(f"arrowio: error: {url}/missing.bin: No such file")
    else:  # the device is looked for first: without one, nothing is opened
        assert done.returncode == 69 and stderr.startswith("arrowio: error: gpu-copy: no CUDA device (")


@pytest.mark.parametrize("args", [["cat"], ["info"], ["compress", "-c"]])
def test_a_url_without_the_remote_extra_exits_69(args, tmp_path):
    # fsspec hidden (its import fails, as without the extra): a needed facility is absent, not bad data.
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"local data\n")
    script = "import sys; sys.modules['fsspec'] = None; from arrowio_cli.main import main; main(sys.argv[1:])"
    done = subprocess.run(
        [sys.executable, "-c", script, *args, "s3://bucket/data.txt", str(plain)], capture_output=True, timeout=60
    )
    stderr = done.stderr.decode()
    assert done.returncode == 69, stderr
    assert stderr.startswith("arrowio: error: s3://bucket/data.txt: ") and "pip install 'arrowio[remote]'" in stderr
    # The other input is still done.
    if args[0] == "cat":
        assert done.stdout == b"local data\n"
    elif args[0] == "compress":
        assert unzstd(done.stdout) == b"local data\n"
    else:
        assert b"plain.txt" in done.stdout


# -- secrets ---------------------------------------------------------------------------------------------
def test_redact_arguments_hides_every_form_of_storage_option():
    args = [
        "cat",
        "-S",
        f"secret={SECRET}",
        f"--storage-option=key={SECRET}",
        "--storage-option",
        SECRET,
        f"-Stoken={SECRET}",
        "-vS",
        f"a.b={SECRET}",
        f"https://u:{SECRET}@host/x",
        "plain.gz",
        "-x",
    ]
    shown = redact_arguments(args)
    assert shown == [
        "cat",
        "-S",
        "secret=***",
        "--storage-option=key=***",
        "--storage-option",
        "***",
        "-Stoken=***",
        "-vS",
        "a.b=***",
        "https://***@host/x",
        "plain.gz",
        "-x",
    ]


def test_pool_stats_reports_the_workload_without_option_values(run, tmp_path):
    result = run(["pool-stats", "--json", "--", "cat", "-S", f"secret={SECRET}", tmp_path / "missing.gz"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["workload"][:3] == ["cat", "-S", "secret=***"]
    assert SECRET not in result.stdout + result.stderr
    table = run(["pool-stats", "--", "cat", f"--storage-option=secret={SECRET}", tmp_path / "missing.gz"])
    assert table.exit_code == 1 and "secret=***" in table.stdout
    assert SECRET not in table.stdout + table.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["cat", "--stats", "{url}/missing.gz"],
        ["cat", "-x", "{url}/none/*.gz"],
        ["info", "--json", "{url}/missing.gz"],
        ["compress", "-v", "{url}/missing.txt"],
        ["compress", "-v", "-d", "{url}/missing.gz", "-o", "{url}/out"],
        ["gpu-copy", "--json", "{url}/missing.bin"],
        ["mmap-read", "{url}/missing.bin"],
        ["pool-stats", "--json", "--", "cat", "-S", f"password={SECRET}", "{url}/missing.gz"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_no_output_ever_shows_a_secret(sh, args):
    # A URL whose user-info holds the secret, the secret as a storage option and in the environment;
    # nothing listens on the port, so every command fails at its first request, or before it.
    url = f"https://user:{SECRET}@127.0.0.1:9"
    argv = [a.format(url=url) for a in args]
    if argv[0] not in ("pool-stats", "mmap-read"):
        argv[1:1] = ["-S", f"secret={SECRET}"]
    done = sh(*argv, env={"AWS_SECRET_ACCESS_KEY": SECRET + "-env"})
    from arrowio import cuda

    looks_for_a_device_first = argv[0] == "gpu-copy" and cuda.unavailable_reason(0) is not None
    assert done.returncode == (69 if looks_for_a_device_first else 1), done.stderr
    assert done.stderr.startswith(b"arrowio: error: ") and b"Traceback" not in done.stderr
    assert SECRET.encode() not in done.stdout + done.stderr
