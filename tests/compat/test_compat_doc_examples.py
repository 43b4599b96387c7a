"""PyArrow's documented examples, run with ``import arrowio as pa``.

Two sources: the examples in the docstrings of the installed PyArrow (its API reference), run
by doctest against both libraries; and the walkthrough of PyArrow's "Memory and IO Interfaces"
guide (python/memory.rst), step by step, with every step's result compared.
"""

from __future__ import annotations

import doctest
import inspect
import io
import re
from pathlib import Path
from typing import Any

import pyarrow
import pytest
from compat_helpers import compare, normalise

import arrowio

_ADDRESS = re.compile(r"0x[0-9a-f]+")


class _Checker(doctest.OutputChecker):
    """PyArrow's expected output, read with arrowio's module name and any address."""

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        got = got.replace("arrowio", "pyarrow")
        return super().check_output(_ADDRESS.sub("0x", want), _ADDRESS.sub("0x", got), optionflags)


def _documented_examples() -> dict[str, doctest.DocTest]:
    """The docstring examples of every PyArrow name arrowio also has, and of their methods."""
    parser = doctest.DocTestParser()
    found: dict[str, doctest.DocTest] = {}
    for name in sorted(set(arrowio.__all__) & set(dir(pyarrow))):
        obj = getattr(pyarrow, name)
        members = [(name, obj)]
        if inspect.isclass(obj) and not issubclass(obj, int):
            members += [(f"{name}.{m}", getattr(obj, m)) for m in dir(obj) if not m.startswith("_")]
        for qualified, member in members:
            doc = getattr(member, "__doc__", None)
            if isinstance(doc, str) and ">>>" in doc:
                test = parser.get_doctest(doc, {}, qualified, None, 0)
                found.setdefault("".join(example.source for example in test.examples), test)
    return {test.name: test for test in found.values()}


EXAMPLES = _documented_examples()


def _run(test: doctest.DocTest, lib: Any, folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run ``test`` with ``pa`` (and the bare names some examples use) bound to ``lib``."""
    folder.mkdir()
    monkeypatch.chdir(folder)  # the examples write files such as example.txt where they run
    runner = doctest.DocTestRunner(checker=_Checker(), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = io.StringIO()
    names = {name: getattr(lib, name) for name in set(arrowio.__all__) & set(dir(pyarrow))}
    copy = doctest.DocTest(test.examples, {"pa": lib, **names}, test.name, None, 0, None)
    return runner.run(copy, out=report.write).failed, report.getvalue()


def test_pyarrow_documents_examples_for_arrowios_names():
    assert len(EXAMPLES) >= 14, sorted(EXAMPLES)  # a PyArrow without docstrings would test nothing


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_pyarrows_docstring_examples_run_on_arrowio(name, tmp_path, monkeypatch):
    failed, report = _run(EXAMPLES[name], pyarrow, tmp_path / "pyarrow", monkeypatch)
    assert not failed, f"the example fails on PyArrow {pyarrow.__version__} itself: {report}"
    failed, report = _run(EXAMPLES[name], arrowio, tmp_path / "arrowio", monkeypatch)
    assert not failed, report


def _memory_guide(pa: Any, folder: Path) -> list[tuple[str, Any]]:
    """The steps of PyArrow's "Memory and IO Interfaces" guide, each with what it shows."""
    steps: list[tuple[str, Any]] = []
    data = b"abcdefghijklmnopqrstuvwxyz"
    buf = pa.py_buffer(data)
    steps += [("buf.size", buf.size), ("memoryview", memoryview(buf).tobytes()), ("to_pybytes", buf.to_pybytes())]
    # Memory pools: a proxy pool over the system allocator stands in for the default pool, whose
    # total the rest of the test process also moves.
    pool = pa.proxy_memory_pool(pa.system_memory_pool())
    steps.append(("allocated before", pool.bytes_allocated()))
    buf = pa.allocate_buffer(1024, memory_pool=pool, resizable=True)
    steps.append(("allocate 1024", pool.bytes_allocated()))
    buf.resize(2048)
    steps.append(("resize 2048", pool.bytes_allocated()))
    buf = None
    steps.append(("freed", pool.bytes_allocated()))
    steps.append(("backend_name", pa.default_memory_pool().backend_name in ("mimalloc", "jemalloc", "system")))
    # Input and output: a stream over memory, then compressed files by extension.
    stream = pa.input_stream(memoryview(b"some data"))
    steps.append(("input_stream(memoryview)", stream.read(4)))
    with pa.output_stream(str(folder / "example.txt.gz")) as out:
        steps.append(("write .gz", out.write(b"some data\n" * 3)))
    with pa.input_stream(str(folder / "example.txt.gz")) as stream:
        steps.append(("read .gz", stream.read()))
    # On-disk and memory-mapped files.
    with open(folder / "example1.dat", "wb") as f:
        f.write(b"some example data")
    file_obj = pa.OSFile(str(folder / "example1.dat"))
    steps.append(("OSFile read", file_obj.read(4)))
    with pa.OSFile(str(folder / "example2.dat"), "wb") as f:
        steps.append(("OSFile write", f.write(b"some example data")))
    mmap = pa.memory_map(str(folder / "example1.dat"))
    steps.append(("mmap read", mmap.read(4)))
    mmap.seek(0)
    buf = mmap.read_buffer(4)
    steps += [("read_buffer", buf), ("read_buffer bytes", buf.to_pybytes())]
    # In-memory reading and writing.
    writer = pa.BufferOutputStream()
    steps.append(("BufferOutputStream write", writer.write(b"hello, friends")))
    buf = writer.getvalue()
    steps.append(("getvalue", (buf.size, buf.to_pybytes())))
    reader = pa.BufferReader(buf)
    steps.append(("seek", reader.seek(7)))
    steps.append(("read 7", reader.read(7)))
    return steps


def test_the_memory_and_io_guide_gives_the_same_results(tmp_path):
    results = []
    for lib in (arrowio, pyarrow):
        folder = tmp_path / lib.__name__
        folder.mkdir()
        results.append(_memory_guide(lib, folder))
    for (what, ours), (_, theirs) in zip(*results, strict=True):
        compare(f"memory guide: {what}", lambda: normalise(ours), lambda: normalise(theirs))
    assert (tmp_path / "arrowio" / "example2.dat").read_bytes() == (tmp_path / "pyarrow" / "example2.dat").read_bytes()
