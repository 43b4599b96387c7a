"""The frame writer's memory: input read straight into the frame being gathered
(``input_view``/``commit``), frames compressed by libzstd into reused buffers and written from
them, pages faulted in once per stream. Every file is read back by the real tools."""

from __future__ import annotations

import errno
import itertools
import subprocess
import sys

import pytest
from compression_helpers import make_data, need_tool, run_tool

import arrowio
from arrowio.compression import _framewrite, _libzstd
from arrowio.compression._frametable import read_seek_table

FRAME = 256 << 10
LAYOUTS = [("zstd", "frames"), ("zstd", "seekable"), ("gzip", "frames"), ("gzip", "bgzf")]
DECODERS = {"zstd": ["zstd", "-q", "-dc"], "gzip": ["gzip", "-dc"]}


@pytest.fixture(scope="module")
def data() -> bytes:
    return make_data("mixed", 5 * FRAME + 4321, seed=4)


@pytest.fixture(params=["libzstd", "zstandard"])
def backend(request, monkeypatch) -> str:
    """Both ways of compressing a zstd frame: the system libzstd into reused memory (taken here
    whatever its version), or zstandard's bytes."""
    if request.param == "zstandard":
        monkeypatch.setenv("ARROWIO_NO_LIBZSTD", "1")
    elif _libzstd.new_compressor() is None:
        pytest.skip("no libzstd here")
    else:
        monkeypatch.setattr(_framewrite, "_direct_zstd", lambda: True)
    return str(request.param)


def fill_from(out: arrowio.CompressedOutputStream, path: str, step: int) -> int:
    """The command line's loop: read the file straight into the stream's memory, ``step`` at most."""
    total = 0
    with open(path, "rb", buffering=0) as source:
        while True:
            view = out.input_view(step)
            assert view is not None and 0 < len(view) <= step
            n = source.readinto(view)
            if not n:
                return total
            out.commit(n)
            total += n


@pytest.mark.parametrize("fmt,layout", LAYOUTS)
@pytest.mark.parametrize("threads", [0, 2])
def test_input_read_into_the_frames_round_trips_through_the_tools(tmp_path, data, backend, fmt, layout, threads):
    plain = tmp_path / "plain"
    plain.write_bytes(data)
    path = str(tmp_path / f"out.{fmt}")
    with arrowio.CompressedOutputStream(path, fmt, layout=layout, threads=threads, frame_size=FRAME) as out:
        assert fill_from(out, str(plain), 100_000) == len(data)  # reads that cut across frames
        assert out.tell() == len(data)
    assert run_tool(DECODERS[fmt] + [path]) == data
    assert arrowio.input_stream(path, compression="auto").read() == data


def test_frames_are_cut_at_the_frame_size_whatever_the_reads(tmp_path, data, backend):
    plain = tmp_path / "plain"
    plain.write_bytes(data)
    path = tmp_path / "s.zst"
    with arrowio.CompressedOutputStream(str(path), "zstd", layout="seekable", threads=2, frame_size=FRAME) as out:
        out.write(data[:10])  # writes and filled views mix
        fill_from(out, str(plain), 3 * FRAME)
    raw = path.read_bytes()
    table = read_seek_table(lambda n, offset: raw[offset : offset + n], len(raw))
    assert table is not None and table.plain is not None
    steps = [b - a for a, b in itertools.pairwise(table.plain)]
    total = len(data) + 10
    assert steps == [FRAME] * (total // FRAME) + [total % FRAME]
    assert run_tool(["zstd", "-q", "-dc", str(path)]) == data[:10] + data


def test_pzstd_decodes_the_frames_in_parallel(tmp_path, data, backend):
    need_tool("pzstd")
    path = str(tmp_path / "p.zst")
    with arrowio.CompressedOutputStream(path, "zstd", layout="frames", threads=2, frame_size=FRAME) as out:
        out.write(data)
    assert run_tool(["pzstd", "-q", "-d", "-p", "2", "-c", path]) == data


def test_the_system_libzstd_compresses_frames_only_where_it_is_as_new_as_zstandards(monkeypatch):
    """Newer releases compress better (libzstd 1.5.4's -3 frames of the benchmark corpus are
    0.9 % larger than 1.5.7's): a build must not make the files it writes larger."""
    import zstandard

    found = _libzstd.version()
    bundled = int("".join(f"{part:02d}" for part in zstandard.ZSTD_VERSION))  # 1.5.7: 10507
    assert _framewrite._direct_zstd() is (found is not None and found >= bundled)
    monkeypatch.setenv("ARROWIO_NO_LIBZSTD", "1")
    assert _framewrite._direct_zstd() is False


def test_input_view_stops_at_the_frame_end_and_commit_is_checked(tmp_path):
    with arrowio.CompressedOutputStream(str(tmp_path / "x.zst"), "zstd", layout="frames", frame_size=1000) as out:
        view = out.input_view()
        assert view is not None and len(view) == 1000
        view[:600] = b"a" * 600
        out.commit(600)
        view = out.input_view(5000)
        assert view is not None and len(view) == 400  # the rest of the frame
        with pytest.raises(ValueError, match="held at most 400"):
            out.commit(401)
        view[:] = b"b" * 400
        out.commit(400)
    assert run_tool(["zstd", "-q", "-dc", str(tmp_path / "x.zst")]) == b"a" * 600 + b"b" * 400


def test_streams_without_frames_have_no_input_view(tmp_path):
    out = arrowio.CompressedOutputStream(str(tmp_path / "x.zst"), "zstd")
    assert out.input_view() is None
    out.close()
    with pytest.raises(ValueError):
        out.input_view()


def test_levels_beyond_the_range_are_clamped_as_arrow_does(tmp_path, data, backend):
    for level in (-200, 1, 22, 99):
        path = str(tmp_path / f"l{level}.zst")
        with arrowio.CompressedOutputStream(path, "zstd", level, layout="frames", frame_size=FRAME) as out:
            out.write(data[: FRAME + 5])
        assert run_tool(["zstd", "-q", "-dc", path]) == data[: FRAME + 5]


def test_a_python_file_that_keeps_what_it_is_given_gets_copies(data, backend):
    """Frames leave as views of reused buffers; a file object may keep them, so it gets copies."""

    class Keeper:
        def __init__(self) -> None:
            self.parts: list[object] = []

        def write(self, piece: object) -> int:
            self.parts.append(piece)
            return memoryview(piece).nbytes  # type: ignore[arg-type]

        def flush(self) -> None:
            pass

        def close(self) -> None:
            pass

    keeper = Keeper()
    with arrowio.CompressedOutputStream(keeper, "zstd", layout="frames", threads=2, frame_size=FRAME // 4) as out:
        out.write(data)
    assert run_tool(["zstd", "-q", "-dc"], b"".join(bytes(part) for part in keeper.parts)) == data


def test_buffers_are_reused_frame_after_frame(tmp_path, monkeypatch, data):
    """However many frames, the writer holds a buffer per frame in flight and reuses them."""
    made: list[int] = []
    real = _framewrite.PageBuffer

    def counted(length: int, small_head: bool = False) -> object:
        made.append(length)
        return real(length, small_head)

    monkeypatch.setattr(_framewrite, "PageBuffer", counted)
    frame = 16 << 10
    with arrowio.CompressedOutputStream(
        str(tmp_path / "x.zst"), "zstd", layout="frames", threads=2, frame_size=frame
    ) as out:
        for _ in range(4):
            out.write(data)  # 320 frames
    assert run_tool(["zstd", "-q", "-dc", str(tmp_path / "x.zst")]) == data * 4
    inputs = made.count(frame)
    assert 1 <= inputs <= 3  # two workers' frames and the one being gathered
    assert len(made) - inputs <= 3  # their output buffers (libzstd) or none (zstandard's bytes)


FAULTS = """
import resource, sys
import arrowio
from arrowio.compression import _framewrite

_framewrite._direct_zstd = lambda: True  # libzstd into reused memory, whatever its version

frame = 1 << 20
piece = open(sys.argv[2], "rb").read()
out = arrowio.CompressedOutputStream(sys.argv[1], "zstd", 1, layout="frames", threads=2, frame_size=frame)
for _ in range(4):
    out.write(piece)  # warm-up: buffers mapped, worker threads and their contexts made
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(48):
    out.write(piece)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
out.close()
"""


def test_a_long_stream_faults_in_no_pages_after_its_first_frames(tmp_path):
    """Page faults, counted by the kernel (in a process of its own: nothing else runs), not
    timed: after the first frames, 48 frames more (48 MiB of input) fault in under an eighth
    of their pages (the buffers of a frame more in flight than in the warm-up may still be
    mapped: about 300 faults). Fresh memory per frame (a zero-filled bytearray, a bytes per
    compressed frame, a context whose tables are mapped anew) took 150 faults per frame."""
    if _libzstd.new_compressor() is None:
        pytest.skip("without libzstd, zstandard makes a new bytes object per frame")
    path, plain = tmp_path / "x.zst", tmp_path / "piece"
    piece = make_data("mixed", 1 << 20, seed=9)
    plain.write_bytes(piece)
    result = subprocess.run([sys.executable, "-c", FAULTS, path, plain], capture_output=True, check=True)
    faults = int(result.stdout)
    assert faults < 48 * (1 << 20) // 4096 // 8, faults
    assert run_tool(["zstd", "-q", "-dc", str(path)]) == piece * 52


def test_a_full_disk_fails_the_stream_for_good(data):
    out = arrowio.CompressedOutputStream("/dev/full", "zstd", layout="frames", threads=2, frame_size=FRAME)
    with pytest.raises(OSError) as failed:
        out.write(data)
        out.flush()
    assert failed.value.errno == errno.ENOSPC
    with pytest.raises(OSError):
        out.input_view()
    with pytest.raises(OSError):
        out.close()
    assert out.closed


def test_libzstd_compressor_reports_a_buffer_too_small(data):
    import ctypes

    compressor = _libzstd.new_compressor()
    if compressor is None:
        pytest.skip("no libzstd here")
    source = ctypes.create_string_buffer(data[:FRAME], FRAME)
    target = ctypes.create_string_buffer(_libzstd.compress_bound(FRAME))
    got, error = compressor.compress(3, ctypes.addressof(source), FRAME, ctypes.addressof(target), 10)
    assert (got, error) == (0, _libzstd.DST_TOO_SMALL)
    assert "too small" in compressor.error_name(error)
    got, error = compressor.compress(3, ctypes.addressof(source), FRAME, ctypes.addressof(target), len(target))
    assert error == 0 and run_tool(["zstd", "-q", "-dc"], target.raw[:got]) == data[:FRAME]


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_cli_reads_into_the_frames_and_a_reader_leaving_ends_it_by_sigpipe(tmp_path, data, source):
    plain = tmp_path / "plain"
    plain.write_bytes(data * 8)
    command = [sys.executable, "-m", "arrowio_cli", "compress", "-T", "0", "--frame-size", "64K", "-c"]
    whole = subprocess.run(
        command + ([str(plain)] if source == "file" else []),
        stdin=open(plain, "rb") if source == "stdin" else subprocess.DEVNULL,
        capture_output=True,
        check=True,
    ).stdout
    assert run_tool(["zstd", "-q", "-dc"], whole) == data * 8
    shell = " ".join(command) + (f" {plain}" if source == "file" else f" < {plain}")
    result = subprocess.run(["bash", "-c", f"set -o pipefail; {shell} | head -c 10 > /dev/null"], capture_output=True)
    assert (result.returncode, result.stderr) == (141, b"")


def test_compression_contexts_are_freed_with_the_writer(tmp_path, data, backend):
    """Contexts are kept from frame to frame, by the writer: none outlives its stream in the
    thread that compressed (the writing thread itself, without workers)."""
    import gc
    import weakref

    out = arrowio.CompressedOutputStream(
        str(tmp_path / "x.zst"), "zstd", 19, layout="frames", threads=0, frame_size=FRAME
    )
    out.write(data[: 2 * FRAME + 1])
    contexts = out._writer._task.args[0]
    assert (contexts.libzstd if backend == "libzstd" else contexts.zstandard) is not None
    held = weakref.ref(contexts)
    out.close()
    del out, contexts
    gc.collect()
    assert held() is None
    assert run_tool(["zstd", "-q", "-dc", str(tmp_path / "x.zst")]) == data[: 2 * FRAME + 1]
