"""``read_or_open``: a small local file read and decoded whole, or else exactly the stream that
``input_stream(path, compression='auto')`` gives (same bytes, same errors), made over the
descriptor already open, so that nothing is opened twice (issue 15: per-file cost of ``cat``)."""

from __future__ import annotations

import bz2
import gzip
import os
import random
import subprocess
import threading
from pathlib import Path

import pytest
import zstandard
from call_helpers import functions_entered
from fuzz_corpus import WRITERS, apply, random_mutations, seeds

import arrowio
from arrowio.io.whole_file import WholeFile, read_or_open

LIB = str(Path(arrowio.__file__).parent)
LOG = b"".join(b"%05d a line of a small log\n" % i for i in range(2000))


def _unsized_zstd(data: bytes) -> bytes:
    """A frame with no content size in its header, as ``zstd`` writes from a pipe."""
    writer = zstandard.ZstdCompressor(write_checksum=True).compressobj()
    return writer.compress(data) + writer.flush()


def _drain(stream: arrowio.NativeFile) -> tuple[object, ...]:
    """What reading ``stream`` to its end gives: the bytes decoded and, if it failed, how."""
    pieces = []
    try:
        while piece := stream.read1(1 << 16):
            pieces.append(piece)
    except Exception as exc:  # noqa: BLE001 - the failure is what is compared
        return b"".join(pieces), type(exc), str(exc)
    finally:
        stream.close()
    return (b"".join(pieces),)


def _format_of(stream: arrowio.NativeFile) -> str | None:
    return stream.codec.name if isinstance(stream, arrowio.CompressedInputStream) else None


def by_stream(path: str) -> tuple[object, ...]:
    """What ``input_stream(path, compression='auto')`` gives: its format and reads, or its error."""
    try:
        stream = arrowio.input_stream(path, compression="auto")
    except Exception as exc:  # noqa: BLE001
        return "open failed", type(exc), str(exc)
    return _format_of(stream), *_drain(stream)


def by_read_or_open(path: str) -> tuple[object, ...]:
    """The same for ``read_or_open(path)``, whichever of its two answers it gives."""
    try:
        opened = read_or_open(path)
    except Exception as exc:  # noqa: BLE001
        return "open failed", type(exc), str(exc)
    if isinstance(opened, WholeFile):
        return opened.format, opened.data
    return _format_of(opened), *_drain(opened)


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize(
    ("name", "blob", "fmt"),
    [
        ("log.gz", gzip.compress(LOG), "gzip"),
        ("log.zst", zstandard.ZstdCompressor().compress(LOG), "zstd"),
        ("log.zst", _unsized_zstd(LOG), "zstd"),
        ("log", gzip.compress(LOG), "gzip"),  # by magic, as input_stream detects it
        ("log.txt", LOG, None),
        ("empty.txt", b"", None),
        ("empty.gz", gzip.compress(b""), "gzip"),
    ],
)
def test_small_files_come_whole(tmp_path, name, blob, fmt):
    path = tmp_path / name
    path.write_bytes(blob)
    opened = read_or_open(str(path))
    assert opened == WholeFile(fmt, b"" if "empty" in name else LOG, len(blob))
    assert by_stream(str(path)) == (fmt, opened.data)


@pytest.mark.parametrize(
    ("name", "blob"),
    [
        ("two.gz", gzip.compress(LOG) + gzip.compress(b"more")),  # two members
        ("two.zst", _unsized_zstd(LOG) + _unsized_zstd(b"more")),
        ("then-zstd.gz", gzip.compress(LOG) + _unsized_zstd(b"more")),  # another format after
        ("log.bz2", bz2.compress(LOG)),  # a format without a one-call decoder
        ("cut.gz", gzip.compress(LOG)[:-3]),
        ("garbage.zst", _unsized_zstd(LOG) + b"\x01\x02"),
        ("plain.gz", LOG),  # the name promises gzip, the content is not
        ("empty.gz", b""),
        ("big.txt", LOG * 200),  # over 256 KiB: not read whole
        ("big.gz", gzip.compress(os.urandom(300_000), compresslevel=1)),
    ],
)
def test_other_files_get_the_stream_input_stream_gives(tmp_path, name, blob):
    path = tmp_path / name
    path.write_bytes(blob)
    before = _open_descriptors()
    got = by_read_or_open(str(path))
    assert got == by_stream(str(path))
    if got[0] != "open failed":
        opened = read_or_open(str(path))
        assert not isinstance(opened, WholeFile)
        opened.close()
    assert _open_descriptors() == before


def test_errors_of_the_open_are_input_streams(tmp_path):
    before = _open_descriptors()
    for path in (tmp_path / "missing.gz", tmp_path):  # FileNotFoundError, IsADirectoryError
        got = by_read_or_open(str(path))
        assert got[0] == "open failed" and got == by_stream(str(path))
    assert _open_descriptors() == before


def test_a_file_larger_than_its_stat_said_is_read_on(tmp_path):
    # /proc files are regular and say they are empty: the read of one byte more than the size
    # gets a byte, the content goes on, and the stream made over the same descriptor reads it.
    opened = read_or_open("/proc/version")
    assert not isinstance(opened, WholeFile)
    with open("/proc/version", "rb") as file:
        assert opened.read() == file.read()
    opened.close()


def test_a_fifo_is_opened_once(tmp_path, monkeypatch):
    # Closed after its open and opened again, a FIFO whose writer wrote all and left in between
    # loses the data, and the second open waits for a writer forever: it is opened once.
    path = tmp_path / "fifo.gz"
    os.mkfifo(path)
    (tmp_path / "blob").write_bytes(gzip.compress(LOG))
    opens: list[object] = []
    real_open = os.open

    def counted(name, *args, **kwargs):  # noqa: ANN001, ANN202 - os.open's signature
        opens.append(name)
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", counted)
    writer = subprocess.Popen(["sh", "-c", f"cat '{tmp_path / 'blob'}' > '{path}'"])
    got: list[tuple[object, ...]] = []
    reader = threading.Thread(target=lambda: got.append(by_read_or_open(str(path))), daemon=True)
    reader.start()
    reader.join(20)
    writer.wait(20)
    assert got == [("gzip", LOG)]
    assert opens == [str(path)]


@pytest.mark.parametrize("kind", ["gzip", "bgzf", "zstd"])
def test_damaged_files_agree_with_the_stream(tmp_path, kind):
    # The seeds (one stream, two joined, another format after) and damaged ones, as files: the
    # whole answer is never taken where the stream says otherwise, nor a stream made differently.
    fmt, suffix, _ = WRITERS[kind]
    rng = random.Random(4771)
    corpus = list(seeds(kind))
    blobs = corpus + [apply(rng.choice(corpus), random_mutations(rng)) for _ in range(150)]
    taken = 0
    for n, blob in enumerate(blobs):
        path = tmp_path / f"{n}{suffix}"
        path.write_bytes(blob)
        got = by_read_or_open(str(path))
        assert got == by_stream(str(path)), blob.hex()
        if got[0] != "open failed":
            opened = read_or_open(str(path))
            taken += isinstance(opened, WholeFile)
            if not isinstance(opened, WholeFile):
                opened.close()
    assert taken >= (0 if kind == "bgzf" else 4)  # the untouched single streams at least


@pytest.mark.parametrize("fmt", ["gzip", "zstd"])
def test_a_small_file_read_whole_makes_no_stream(tmp_path, fmt):
    # What read_or_open saves over input_stream for each of many small files: every NativeFile
    # (constructor, close chain, finalizer) and the decoding machinery; a fixed few calls remain.
    blob = gzip.compress(LOG) if fmt == "gzip" else _unsized_zstd(LOG)
    names = []
    for n in range(6):
        names.append(str(tmp_path / f"{n}.log"))
        Path(names[-1]).write_bytes(blob)
    assert read_or_open(names[0]) == WholeFile(fmt, LOG, len(blob))  # imports and caches: once
    got: list[object] = []
    seen = functions_entered(
        lambda: got.extend(read_or_open(name) for name in names[1:]), lambda code: code.co_filename.startswith(LIB)
    )
    assert got == [WholeFile(fmt, LOG, len(blob))] * 5
    assert not [name for name in seen if name.startswith(("NativeFile", "OSFile", "CompressedInputStream"))], seen
    # read_or_open, open_descriptor, detection (3), the format's one call and its helpers
    assert sum(seen.values()) / 5 <= 10, seen
