"""The CLI under real write faults: every output path of ``compress`` and ``cat`` must fail with
one ``arrowio: error:`` line naming the output and a non-zero exit, keep its input, and leave
neither a partial output in place of a good one nor a temporary file.

The faults are real: a file-size limit set in the child (writes come back short, then EFBIG),
a tmpfs too small for the output (short, then ENOSPC) and /dev/full (ENOSPC at once).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fault_helpers import EXTENSIONS, FORMATS, LIMIT, decode, encode, run_cli, temporaries

FILE_FAULTS = ["fsize", "tmpfs"]
STREAM_FAULTS = ["fsize", "tmpfs", "devfull"]


def out_folder(fault: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Path, int | None]:
    """Where outputs go for ``fault``, and the file-size limit of the child."""
    if fault == "tmpfs":
        return request.getfixturevalue("tiny"), None
    folder = tmp_path / "out"
    folder.mkdir()
    return folder, LIMIT


def assert_failed(result: subprocess.CompletedProcess[bytes], output: str) -> None:
    """Exit status 1 and exactly one error line, naming ``output``."""
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1 and lines[0].startswith("arrowio: error: "), lines
    assert output in lines[0], lines
    assert any(reason in lines[0] for reason in ("File too large", "No space left on device")), lines


def write_input(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- compress and compress -d into a file -----------------------------------------------------------
@pytest.mark.parametrize("remove", [False, True], ids=["keep", "rm"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fault", FILE_FAULTS)
def test_compress_into_a_file(fault, fmt, remove, tmp_path, request, payload) -> None:
    source = write_input(tmp_path, "in.bin", payload)
    folder, limit = out_folder(fault, tmp_path, request)
    target = folder / f"in.bin{EXTENSIONS[fmt]}"
    result = run_cli(["compress", "-C", fmt, *(["--rm"] if remove else []), source, "-o", target], limit=limit)
    assert_failed(result, str(target))
    assert source.read_bytes() == payload
    assert not target.exists() and temporaries(folder, tmp_path) == []


@pytest.mark.parametrize("remove", [False, True], ids=["keep", "rm"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fault", FILE_FAULTS)
def test_decompress_into_a_file(fault, fmt, remove, tmp_path, request, payload, compressed) -> None:
    # The reported case: `compress -d --rm r.zst -o full/r` exited 0, left a truncated output
    # and removed the only good copy.
    source = write_input(tmp_path, f"r{EXTENSIONS[fmt]}", compressed(fmt))
    folder, limit = out_folder(fault, tmp_path, request)
    target = folder / "r"
    result = run_cli(["compress", "-d", *(["--rm"] if remove else []), source, "-o", target], limit=limit)
    assert_failed(result, str(target))
    assert source.read_bytes() == compressed(fmt)
    assert not target.exists() and temporaries(folder, tmp_path) == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("direction", ["compress", "decompress"])
def test_derived_output_names_with_rm(direction, fmt, tmp_path, payload, compressed) -> None:
    """Output beside the input (its name derived), under a file-size limit."""
    original = payload if direction == "compress" else compressed(fmt)
    source = write_input(tmp_path, "in.bin" if direction == "compress" else f"in{EXTENSIONS[fmt]}", original)
    target = tmp_path / ("in.bin" + EXTENSIONS[fmt] if direction == "compress" else "in")
    args = ["compress", "-C", fmt] if direction == "compress" else ["compress", "-d"]
    result = run_cli([*args, "--rm", source], limit=LIMIT)
    assert_failed(result, str(target))
    assert source.read_bytes() == original
    assert not target.exists() and temporaries(tmp_path) == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("direction", ["compress", "decompress"])
def test_rm_just_under_the_limit_completes(direction, fmt, tmp_path, payload) -> None:
    """The control: an output that fits under the limit is whole and --rm removes its input."""
    data = payload[: LIMIT // 2]
    original = data if direction == "compress" else encode(fmt, data)
    source = write_input(tmp_path, "in.bin" if direction == "compress" else f"in{EXTENSIONS[fmt]}", original)
    target = tmp_path / ("in.bin" + EXTENSIONS[fmt] if direction == "compress" else "in")
    args = ["compress", "-C", fmt] if direction == "compress" else ["compress", "-d"]
    result = run_cli([*args, "--rm", source], limit=LIMIT)
    assert (result.returncode, result.stderr) == (0, b"")
    assert not source.exists() and temporaries(tmp_path) == []
    assert (decode(fmt, target.read_bytes()) if direction == "compress" else target.read_bytes()) == data


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("direction", ["compress", "decompress"])
def test_dev_full_as_the_output(direction, fmt, tmp_path, payload, compressed) -> None:
    original = payload if direction == "compress" else compressed(fmt)
    source = write_input(tmp_path, "in", original)
    args = ["compress", "-C", fmt] if direction == "compress" else ["compress", "-d", "-C", fmt]
    result = run_cli([*args, source, "-o", "/dev/full"])
    assert_failed(result, "/dev/full")
    assert source.read_bytes() == original and temporaries(tmp_path) == []


# -- stdout redirected into a file that cannot take it ------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("direction", ["compress", "decompress"])
@pytest.mark.parametrize("fault", STREAM_FAULTS)
def test_compress_to_stdout(fault, direction, fmt, tmp_path, request, payload, compressed) -> None:
    """With -c the output is the caller's: it cannot be removed, but the failure must be reported."""
    original = payload if direction == "compress" else compressed(fmt)
    source = write_input(tmp_path, "in", original)
    args = ["compress", "-c", "-C", fmt] if direction == "compress" else ["compress", "-d", "-c", "-C", fmt]
    result = _to_stdout_of(fault, tmp_path, request, [*args, source])
    assert_failed(result, "stdout")
    assert source.read_bytes() == original


def _to_stdout_of(fault: str, tmp_path: Path, request: pytest.FixtureRequest, args: list[object]):
    if fault == "devfull":
        with open("/dev/full", "wb") as full:
            return run_cli(args, stdout=full)
    folder, limit = out_folder(fault, tmp_path, request)
    with open(folder / "stdout", "wb") as out:
        return run_cli(args, stdout=out, limit=limit)


CAT_SOURCES = ["plain-file", "plain-pipe", *FORMATS]


@pytest.mark.parametrize("source_kind", CAT_SOURCES)
@pytest.mark.parametrize("fault", STREAM_FAULTS)
def test_cat_to_stdout(fault, source_kind, tmp_path, request, payload, compressed) -> None:
    """cat's three ways to write: the kernel's sendfile (a plain file), plain reads (a pipe) and
    decoded data."""
    if source_kind.startswith("plain"):
        original, source = payload, write_input(tmp_path, "in.bin", payload)
    else:
        original = compressed(source_kind)
        source = write_input(tmp_path, f"in{EXTENSIONS[source_kind]}", original)
    if source_kind == "plain-pipe":
        with open(source, "rb") as pipe_end:  # a file as stdin is not a pipe: feed it through `cat`
            feeder = subprocess.Popen(["cat"], stdin=pipe_end, stdout=subprocess.PIPE)
            assert feeder.stdout is not None
            try:
                result = _cat_with_stdin(fault, tmp_path, request, feeder.stdout)
            finally:
                feeder.stdout.close()
                feeder.wait()
    else:
        result = _to_stdout_of(fault, tmp_path, request, ["cat", source])
    assert_failed(result, "stdout")
    assert source.read_bytes() == original


def _cat_with_stdin(
    fault: str, tmp_path: Path, request: pytest.FixtureRequest, stdin
) -> subprocess.CompletedProcess[bytes]:
    if fault == "devfull":
        with open("/dev/full", "wb") as full:
            return run_cli(["cat", "-"], stdout=full, stdin=stdin)
    folder, limit = out_folder(fault, tmp_path, request)
    with open(folder / "stdout", "wb") as out:
        return run_cli(["cat", "-"], stdout=out, stdin=stdin, limit=limit)
