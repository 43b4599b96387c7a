"""What ``arrowio cat`` of a small file, and ``import arrowio``, load: only what the path taken
needs. Without options ``cat`` runs without click (arrowio_cli.plain_cat). The stats module, the
report renderer (json, rich), the machinery for files of independent frames and the decoding
thread's queue come in when the run asks for them (--stats, a progress line, a file with frames,
a long input), not before; typing, threading and the URL code not at all for a local file.

Each run is started as the ``arrowio`` script starts it (``from arrowio_cli.main import main``),
and judged by the modules loaded when it ends beyond those the interpreter's own start loads in
the same environment (``python -c pass``): site and .pth files may load part of the standard
library already.
"""

from __future__ import annotations

import ast
import functools
import gzip
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import zstandard

import arrowio

#: Modules a plain ``cat small.gz`` or ``cat small.zst`` (stderr not a terminal) must not import.
NOT_NEEDED = (
    "arrowio.stats",
    "arrowio_cli.report",
    "json",
    "arrowio.compression._frameread",
    "arrowio.compression._framewrite",
    "arrowio.io.buffered",
    # the click application and what click itself imports
    "click",
    "arrowio_cli.app",
    "arrowio_cli.cat",
    "arrowio_cli.params",
    "uuid",
    "gettext",
    # dataclasses imports inspect (with ast, dis, tokenize): about 12 ms; records are NamedTuples
    "dataclasses",
    "inspect",
    # wanted only by a decoding thread (a long input) and by a non-blocking stdout
    "queue",
    "select",
    # typing: about 2 ms, and typing.NamedTuple's compile() of string annotations 1 ms more (the
    # library's records come from arrowio._records); typing imports contextlib
    "typing",
    "contextlib",
    # a lock needs only _thread: threading comes with a thread
    "threading",
    # a local path needs none of the URL code, and decoding asks no backend whether it is there
    "arrowio.io.urls",
    "arrowio.io._remote_fs",
    "urllib.parse",
    "ipaddress",
    "importlib.util",
    "signal",
    # the device model (an IntEnum, the CPU device): asked of a buffer, never by a file's reads
    "arrowio.device",
    # ctypes (about 2 ms): the allocator backends and raw memory come with the first pool, which
    # reading a small file never makes; the allocator's tuning (a run of more than it) calls
    # mallopt through _ctypes, not the whole package (tests/cli/test_malloc_tuning.py: it works)
    "ctypes",
    "_ctypes",
    "arrowio._raw",
    "arrowio._allocators",
    "arrowio._debug_pool",
    "arrowio_cli.malloc_tuning",
    # the gzip checkpoint index's machinery and the BGZF walks' cache: only where there is one
    "weakref",
    "arrowio.compression._gzcheckpoint",
    "arrowio.compression._framecache",
)

#: Every module of the command line that a plain ``cat small.gz`` imports.
CLI_MODULES = {
    "arrowio_cli",
    "arrowio_cli.main",
    "arrowio_cli.errors",
    "arrowio_cli.exit_codes",
    "arrowio_cli.names",
    "arrowio_cli.plain_cat",
    "arrowio_cli.cat_job",
    "arrowio_cli.remote",
    "arrowio_cli.runner",
    "arrowio_cli.sink",
    "arrowio_cli.streams",
}

#: What the decoding thread of a long input brings (it starts when the reader waits on decoding).
THREAD_MODULES = {"queue", "threading"}
#: The gzip decoder's modules, which a .zst file does not need.
GZIP_MODULES = {"isal", "isal.igzip_lib", "arrowio.compression._deflate", "arrowio.compression._gzip"}
#: The streams and the streaming decoder, which a small file read and decoded whole does not need.
STREAM_MODULES = {"arrowio.io.compressed", "arrowio.compression._stream"}


#: Run first in each child: at exit (after ``main()``'s ``sys.exit``), the names of every module
#: loaded, on stderr after a marker line. Not ``-X importtime``: it misses what importlib.import_module
#: loads (the lazy exports, the format modules).
_PRELUDE = (
    "import atexit, sys; "
    "atexit.register(lambda: print('--modules--', *sorted(sys.modules), sep='\\n', file=sys.stderr)); "
)


def _loaded(code: str, *args: object) -> tuple[subprocess.CompletedProcess[bytes], set[str]]:
    """``python -c CODE ARGS``: the run, and every module loaded when it ended."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _PRELUDE + code, *map(str, args)],
        capture_output=True,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    _, marker, names = result.stderr.decode().partition("--modules--\n")
    assert marker, result.stderr
    return result, set(names.split())


@functools.cache
def _interpreter_start() -> frozenset[str]:
    """What this environment's python imports before running anything (site, .pth files)."""
    result, modules = _loaded("pass")
    assert result.returncode == 0, result.stderr
    return frozenset(modules)


def _imported(*args: object, command: str = "cat") -> tuple[bytes, set[str]]:
    """``arrowio COMMAND ARGS`` as the ``arrowio`` script runs it: its stdout, and the modules it
    imported beyond the interpreter's start."""
    result, modules = _loaded("from arrowio_cli.main import main; main()", command, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout, modules - _interpreter_start()


@pytest.fixture
def small_gz(tmp_path):
    path = tmp_path / "small.gz"
    path.write_bytes(gzip.compress(b"small\n"))
    return path


def test_cat_of_a_small_file_imports_only_its_path(small_gz):
    out, modules = _imported(small_gz)
    assert out == b"small\n"
    assert {"arrowio.io.whole_file", "arrowio.compression._gzip"} <= modules  # it sees the real list
    assert not modules & (set(NOT_NEEDED) | STREAM_MODULES), sorted(modules & (set(NOT_NEEDED) | STREAM_MODULES))


def test_cat_without_options_imports_these_cli_modules_and_no_click(small_gz):
    _, modules = _imported(small_gz)
    assert {m for m in modules if m.startswith("arrowio_cli")} == CLI_MODULES
    assert not any(m == "click" or m.startswith("click.") for m in modules)


@pytest.mark.parametrize("size", [6, 4 << 20], ids=["small", "4MiB"])
def test_cat_of_a_zst_file_imports_the_zstd_path_only(tmp_path, size):
    """One frame, small or long: zstandard, not the gzip decoder, and nothing that ``cat small.gz``
    may not import either, but the decoding thread's modules for a long input."""
    data = (b"small\n" * (size // 6 + 1))[:size]
    path = tmp_path / "data.zst"
    path.write_bytes(zstandard.ZstdCompressor(level=1).compress(data))
    out, modules = _imported(path)
    assert out == data
    assert {"zstandard", "arrowio.compression._zstd"} <= modules
    assert not modules & GZIP_MODULES, sorted(modules & GZIP_MODULES)
    not_needed = set(NOT_NEEDED) - THREAD_MODULES if size > 1 << 20 else set(NOT_NEEDED) | STREAM_MODULES
    assert not modules & not_needed, sorted(modules & not_needed)


@pytest.mark.parametrize("fmt", ["gz", "zst"])
def test_cat_of_a_file_read_in_pieces_imports_no_cache_or_index_machinery(tmp_path, fmt):
    """A file too large to be read whole (more than 256 KiB): the search for its frames and for a
    gzip index beside it (the checkpoint module) imports neither the BGZF walks' cache (with its
    threading) nor weakref; the allocator's tuning (_ctypes, never the ctypes package) comes,
    for its pieces, and the decoding thread's modules where its reads wait on decoding (a
    matter of timing here)."""
    data = random.Random(0).randbytes(300 << 10)  # does not compress: stays above 256 KiB
    path = tmp_path / f"data.{fmt}"
    path.write_bytes(gzip.compress(data) if fmt == "gz" else zstandard.ZstdCompressor().compress(data))
    out, modules = _imported(path)
    assert out == data
    assert {"arrowio.compression._framescan", "arrowio_cli.malloc_tuning", "_ctypes"} <= modules  # the real list
    allowed = THREAD_MODULES | {"_ctypes", "arrowio_cli.malloc_tuning", "arrowio.compression._gzcheckpoint"}
    not_needed = set(NOT_NEEDED) - allowed
    if fmt == "zst":  # one frame, no frames declared: no file map, BGZF walk or memory file either
        not_needed |= {"mmap", "arrowio.compression._bgzfwalk", "arrowio.io.memory_source"}
    assert not modules & not_needed, sorted(modules & not_needed)


@pytest.mark.parametrize("inputs", [["-"], ["small.gz", "small.gz"]], ids=["stdin", "two-small-files"])
def test_a_run_with_a_loop_still_tunes_the_allocator(small_gz, inputs):
    """Standard input may be a long stream, and a run of several files allocates for each in
    turn: both tune the allocator (through _ctypes), as a file larger than those read whole does."""
    _, modules = _imported(*(small_gz if name == "small.gz" else name for name in inputs))
    assert {"arrowio_cli.malloc_tuning", "_ctypes"} <= modules


def test_compress_to_stdout_imports_no_typing_or_click(tmp_path):
    """``compress -C zstd --level 3 -c FILE`` runs without click and without typing: its records
    (the request, the options) are the library's typing-free NamedTuples."""
    path = tmp_path / "data.bin"
    path.write_bytes(b"compress me\n" * 1000)
    out, modules = _imported("-C", "zstd", "--level", "3", "-c", path, command="compress")
    assert zstandard.ZstdDecompressor().decompress(out) == path.read_bytes()
    assert "arrowio_cli.compress_job" in modules  # it sees the real list
    heavy = {"typing", "click", "dataclasses", "inspect", "json", "arrowio.compression._gzcheckpoint"}
    assert not modules & heavy, sorted(modules & heavy)


def test_stats_and_progress_still_load_what_they_need(small_gz):
    _, modules = _imported("--stats", "--progress", small_gz)
    assert {"arrowio.stats", "arrowio_cli.report"} <= modules


def test_a_file_of_frames_still_gets_its_frame_reader(tmp_path):
    path = tmp_path / "frames.gz"
    subprocess.run(["bgzip", "-c"], input=b"x" * 100_000, stdout=path.open("wb"), check=True)
    out, modules = _imported(path)
    assert out == b"x" * 100_000 and "arrowio.compression._frameread" in modules
    assert "typing" not in modules  # 2-3 ms before the first frame is decoded


def test_import_arrowio_loads_its_errors_and_nothing_else_of_its_own():
    """The public names come on first use (PEP 562): ``import arrowio`` is the package, its lazy
    exports and its exception tree, without typing."""
    result, modules = _loaded("import arrowio; arrowio.ArrowInvalid")
    assert result.returncode == 0, result.stderr
    modules -= _interpreter_start()
    assert {m for m in modules if m.startswith("arrowio")} == {"arrowio", "arrowio._lazy", "arrowio.errors"}
    assert "typing" not in modules


#: Modules of the library that may import typing when they run, and why.
TYPING_AT_RUN_TIME = {
    # under pytest, which imports typing anyway
    "pytest_plugin.py",
}


def _runtime_typing_imports(node: ast.AST) -> list[int]:
    """Lines under ``node`` that import typing when they run: imports outside the
    ``if TYPE_CHECKING:`` blocks, and generic classes (PEP 695: they derive from typing.Generic)."""
    if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
        children: list[ast.AST] = list(node.orelse)
    else:
        children = list(ast.iter_child_nodes(node))
    found = []
    if isinstance(node, ast.ClassDef) and node.type_params:
        found.append(node.lineno)
    elif isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "typing" for alias in node.names):
        found.append(node.lineno)
    elif isinstance(node, ast.ImportFrom) and node.module == "typing":
        found.append(node.lineno)
    for child in children:
        found += _runtime_typing_imports(child)
    return found


def test_the_library_imports_typing_only_for_type_checkers():
    """typing's names are imported under ``if TYPE_CHECKING:`` (``TYPE_CHECKING = False`` in the
    module: type checkers read it as typing's), so that no path of the library pays for typing
    when it runs. The GPU modules are left out: CuPy and NumPy import typing anyway."""
    root = Path(arrowio.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name.startswith("cuda/") or name in TYPING_AT_RUN_TIME:
            continue
        lines = _runtime_typing_imports(ast.parse(path.read_text(), name))
        offenders += [f"{name}:{line}" for line in lines]
    assert not offenders, offenders
    for name in TYPING_AT_RUN_TIME:  # each exception is still needed
        assert _runtime_typing_imports(ast.parse((root / name).read_text())), f"{name} no longer imports typing"


def test_what_compress_shares_with_cat_imports_no_click_json_or_threads():
    """Beyond click, ``compress`` of a file uses the output (atomic, sink, the library's PythonFile
    over stdout), the progress line (report) and the per-input policy: importing them imports none
    of click, json, dataclasses, threading, signal or select, so that a command line run without
    click stays without them."""
    modules_used = ("report", "atomic", "sink", "runner", "remote", "streams", "malloc_tuning")
    code = "; ".join(f"import arrowio_cli.{name}" for name in modules_used) + "; import arrowio.io.python_file"
    result, modules = _loaded(code)
    assert result.returncode == 0, result.stderr
    heavy = {"click", "json", "dataclasses", "inspect", "threading", "signal", "select", "typing"}
    found = (modules - _interpreter_start()) & heavy
    assert not found, sorted(found)
