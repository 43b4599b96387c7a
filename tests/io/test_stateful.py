"""Hypothesis state machines: each seekable member of the family against io.BytesIO as the model.

Every rule does the same thing to the file under test and to the model and asserts that both
agree on the result (or both refuse); the position is compared after every step.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import arrowio as pa


@dataclass(frozen=True)
class Kind:
    """How a member behaves where members differ."""

    make: Callable[[str, bytes], Any]  # (temporary folder, initial contents) -> file
    readable: bool
    writable: bool
    fixed_size: bool  # writes and seeks past the end are refused (else writes extend, seeks are free)
    read_at_past_end_raises: bool


def _os_file(folder: str, data: bytes) -> pa.OSFile:
    path = os.path.join(folder, "data")
    with open(path, "wb") as f:
        f.write(data)
    return pa.OSFile(path)


def _memory_map(folder: str, data: bytes) -> pa.MemoryMappedFile:
    path = os.path.join(folder, "data")
    with open(path, "wb") as f:
        f.write(data)
    return pa.memory_map(path, "r+")


def _fixed_writer(folder: str, data: bytes) -> pa.FixedSizeBufferWriter:
    writer = pa.FixedSizeBufferWriter(pa.py_buffer(bytearray(data)))
    writer.set_memcopy_threads(2)  # exercise the parallel path on the larger writes
    writer.set_memcopy_threshold(64)
    writer.set_memcopy_blocksize(8)
    return writer


KINDS = {
    "OSFile": Kind(_os_file, readable=True, writable=False, fixed_size=False, read_at_past_end_raises=False),
    "MemoryMappedFile": Kind(_memory_map, readable=True, writable=True, fixed_size=True, read_at_past_end_raises=True),
    "BufferReader": Kind(lambda folder, data: pa.BufferReader(data), True, False, True, True),
    "FixedSizeBufferWriter": Kind(
        _fixed_writer, readable=False, writable=True, fixed_size=True, read_at_past_end_raises=True
    ),
    "PythonFile": Kind(lambda folder, data: pa.PythonFile(io.BytesIO(data)), True, True, False, False),
}

sizes = st.integers(min_value=0, max_value=300)
maybe_sizes = st.none() | sizes
payloads = st.binary(max_size=200)


def _machine(kind: Kind) -> type[RuleBasedStateMachine]:  # noqa: C901 - mccabe sums the small rules of the class inside
    class FileMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.folder = tempfile.mkdtemp(prefix="arrowio-stateful-")

        @initialize(data=st.binary(max_size=500) | st.sampled_from([b"", b"line\n" * 40, b"\n\n\nx"]))
        def open_file(self, data: bytes) -> None:
            self.file = kind.make(self.folder, data)
            self.model = io.BytesIO(data)

        def teardown(self) -> None:
            file = getattr(self, "file", None)
            if file is not None:
                file.close()
            shutil.rmtree(self.folder, ignore_errors=True)

        def size(self) -> int:
            return len(self.model.getbuffer())

        @invariant()
        def same_position(self) -> None:
            if hasattr(self, "file"):
                assert self.file.tell() == self.model.tell()

        # -- reads -------------------------------------------------------------------------------
        @precondition(lambda self: kind.readable)
        @rule(n=maybe_sizes)
        def read(self, n: int | None) -> None:
            assert self.file.read(n) == self.model.read(n)

        @precondition(lambda self: kind.readable)
        @rule(n=sizes)
        def read1(self, n: int) -> None:
            got = self.file.read1(n)
            assert len(got) <= n
            assert got == self.model.read(len(got))
            if n and self.model.tell() < self.size():
                assert got  # at most one raw read, but never empty before the end

        @precondition(lambda self: kind.readable)
        @rule(n=maybe_sizes)
        def read_buffer(self, n: int | None) -> None:
            buffer = self.file.read_buffer(n)
            assert isinstance(buffer, pa.Buffer)
            assert buffer.to_pybytes() == self.model.read(n)

        @precondition(lambda self: kind.readable)
        @rule(n=sizes)
        def readinto(self, n: int) -> None:
            target = bytearray(n)
            count = self.file.readinto(target)
            expected = self.model.read(n)
            assert count == len(expected) and target[:count] == expected

        @precondition(lambda self: kind.readable)
        @rule(limit=st.none() | st.integers(min_value=-1, max_value=50))
        def readline(self, limit: int | None) -> None:
            assert self.file.readline(limit) == self.model.readline(limit)

        @precondition(lambda self: kind.readable)
        @rule(n=st.integers(min_value=1, max_value=100))
        def peek(self, n: int) -> None:
            here = self.model.tell()
            assert self.file.peek(n) == self.model.getvalue()[here : here + n]

        @precondition(lambda self: kind.readable)
        @rule(n=sizes, offset=st.integers(min_value=0, max_value=600))
        def read_at(self, n: int, offset: int) -> None:
            if offset > self.size() and kind.read_at_past_end_raises:
                with pytest.raises(OSError, match="out of bounds"):
                    self.file.read_at(n, offset)
                return
            assert self.file.read_at(n, offset) == self.model.getvalue()[offset : offset + n]

        @precondition(lambda self: kind.readable)
        @rule(offset=st.integers(min_value=0, max_value=550), n=sizes, chunk=st.integers(min_value=1, max_value=64))
        def get_stream(self, offset: int, n: int, chunk: int) -> None:
            if offset > self.size() and kind.read_at_past_end_raises:
                return
            stream = self.file.get_stream(offset, n)
            pieces = []
            while piece := stream.read(chunk):
                pieces.append(piece)
            assert b"".join(pieces) == self.model.getvalue()[offset : offset + n]

        # -- position ------------------------------------------------------------------------------
        @rule(offset=st.integers(min_value=-50, max_value=600), whence=st.sampled_from([0, 1, 2]))
        def seek(self, offset: int, whence: int) -> None:
            base = {0: 0, 1: self.model.tell(), 2: self.size()}[whence]
            target = base + offset
            if target < 0:
                with pytest.raises(ValueError):
                    self.file.seek(offset, whence)
                return
            if target > self.size() and kind.fixed_size:
                with pytest.raises(OSError, match="out of bounds"):
                    self.file.seek(offset, whence)
                return
            assert self.file.seek(offset, whence) == self.model.seek(offset, whence)

        @rule()
        def size_agrees(self) -> None:
            assert self.file.size() == self.size()

        # -- writes --------------------------------------------------------------------------------
        @precondition(lambda self: kind.writable)
        @rule(data=payloads, as_view=st.booleans())
        def write(self, data: bytes, as_view: bool) -> None:
            payload = memoryview(bytearray(data)) if as_view else data
            if kind.fixed_size and self.model.tell() + len(data) > self.size():
                with pytest.raises(OSError, match="out of bounds"):
                    self.file.write(payload)
                return
            assert self.file.write(payload) == self.model.write(data)

        @precondition(lambda self: kind.writable and kind.readable)
        @rule()
        def contents_agree(self) -> None:
            assert self.file.read_at(self.size(), 0) == self.model.getvalue()

    FileMachine.TestCase.settings = settings(deadline=None, stateful_step_count=30)
    return FileMachine


TestOSFile = _machine(KINDS["OSFile"]).TestCase
TestMemoryMappedFile = _machine(KINDS["MemoryMappedFile"]).TestCase
TestBufferReader = _machine(KINDS["BufferReader"]).TestCase
TestFixedSizeBufferWriter = _machine(KINDS["FixedSizeBufferWriter"]).TestCase
TestPythonFile = _machine(KINDS["PythonFile"]).TestCase
