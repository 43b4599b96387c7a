"""Remote uploads whose store misbehaves: a file that takes part of a write, and a store that
keeps fewer bytes than it was sent. Both must fail the write; neither may pass for complete."""

from __future__ import annotations

import os

import fsspec
import pytest
from fsspec.implementations.memory import MemoryFile, MemoryFileSystem

import arrowio

DATA = os.urandom(3 << 20)


class _HalfFile(MemoryFile):
    """Takes half of each write and says so (a short count)."""

    def write(self, data):
        view = memoryview(data)[: max(1, len(data) // 2)]
        return super().write(view)


class _HalfStore(MemoryFileSystem):
    protocol = "arrowio-half"
    root_marker = "/"
    store: dict = {}  # its own, not the memory:// store of other tests
    pseudo_dirs = [""]

    def _open(self, path, mode="rb", **kwargs):
        if "w" in mode:
            file = _HalfFile(self, self._strip_protocol(path))
            file.commit = lambda: self.store.__setitem__(file.path, file)  # as MemoryFile.commit does
            return file
        return super()._open(path, mode, **kwargs)


class _LossyFile(MemoryFile):
    """Takes every write, then keeps all but the last byte when it is stored."""

    def close(self):
        self.truncate(max(0, self.tell() - 1))
        super().close()


class _LossyStore(MemoryFileSystem):
    protocol = "arrowio-lossy"
    root_marker = "/"
    store: dict = {}
    pseudo_dirs = [""]

    def _open(self, path, mode="rb", **kwargs):
        if "w" in mode:
            file = _LossyFile(self, self._strip_protocol(path))
            self.store[file.path] = file
            return file
        return super()._open(path, mode, **kwargs)


@pytest.fixture(autouse=True, scope="module")
def stores():
    for store in (_HalfStore, _LossyStore):
        fsspec.register_implementation(store.protocol, store, clobber=True)
    yield
    for store in (_HalfStore, _LossyStore):
        store.store.clear()


@pytest.mark.parametrize("compression", [None, "zstd"])
def test_a_short_count_from_the_store_fails_the_upload(compression) -> None:
    url = "arrowio-half://bucket/object"
    stream = arrowio.output_stream(url, compression=compression)
    with pytest.raises(OSError, match="short write"):
        with stream:
            stream.write(DATA)
    assert stream.closed and not fsspec.filesystem("arrowio-half").exists("/bucket/object")


def test_a_store_that_keeps_less_fails_the_close() -> None:
    url = "arrowio-lossy://bucket/object"
    with pytest.raises(OSError, match="holds .* bytes after .* were written"):
        with arrowio.output_stream(url, compression=None) as stream:
            stream.write(DATA)
