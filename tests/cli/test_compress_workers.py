"""compress -T 1 writes zstd from a file as zstd's default does: one libzstd worker compresses
beside the thread that reads and writes, into one standard frame (content size, checksum).
stdin, other formats, the frame layouts and a single core compress in the calling thread."""

from __future__ import annotations

import subprocess

import pytest
import zstandard

import arrowio as pa
from arrowio.compression._framewrite import _direct_zstd

# Several of libzstd's jobs (8 MiB at -3), so that the worker really takes turns with the reader.
DATA = b"".join(b"%09d worker and reader take turns, as in zstd -T1\n" % i for i in range(400_000))


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``threads`` every zstd compressor is made with; the real compressor still runs."""
    seen: list[int] = []
    real = zstandard.ZstdCompressor

    def recording(*args, **kwargs):
        seen.append(kwargs.get("threads", 0))
        return real(*args, **kwargs)

    monkeypatch.setattr(zstandard, "ZstdCompressor", recording)
    return seen


@pytest.fixture
def cores():
    """Set arrowio's core count for a test; the machine's count comes back afterwards."""
    before = pa.cpu_count()
    yield pa.set_cpu_count
    pa.set_cpu_count(before)


@pytest.fixture
def big_file(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(DATA)
    return path


def test_one_thread_means_one_libzstd_worker_and_one_frame(run, big_file, workers, cores):
    cores(2)
    assert run(["compress", "-C", "zstd", big_file]).exit_code == 0
    assert workers == [1]
    listed = subprocess.run(["zstd", "-lv", f"{big_file}.zst"], capture_output=True, check=True).stdout
    assert b"Frames: 1\n" in listed and f"({len(DATA)} B)".encode() in listed and b"Check: XXH64" in listed
    assert subprocess.run(["zstd", "-dc", f"{big_file}.zst"], capture_output=True, check=True).stdout == DATA


def test_stdin_keeps_the_calling_thread(run, workers, cores):
    """A worker holds its output until a job (8 MiB) is full: a pipe that pauses would wait."""
    cores(2)
    result = run(["compress", "-c"], input=DATA)
    assert result.exit_code == 0 and workers == [0]
    assert subprocess.run(["zstd", "-dc"], input=result.stdout_bytes, capture_output=True, check=True).stdout == DATA


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-C", "zstd"], {0}),  # one core: a worker would only add hand-overs
        (["-C", "gzip"], set()),
        # frames: one-shot each, by zstandard without workers, or by the system libzstd itself
        (["-C", "zstd", "--seekable"], set() if _direct_zstd() else {0}),
    ],
    ids=["one-core", "gzip", "seekable"],
)
def test_elsewhere_the_calling_thread_compresses(run, big_file, workers, cores, args, expected):
    cores(1 if args == ["-C", "zstd"] else 2)
    result = run(["compress", "-c", *args, big_file])
    assert result.exit_code == 0, result.stderr
    assert set(workers) == expected
    decoder = ["gzip", "-dc"] if "gzip" in args else ["zstd", "-dc"]
    assert subprocess.run(decoder, input=result.stdout_bytes, capture_output=True, check=True).stdout == DATA
