"""Fixtures shared by the io tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from io_helpers import BEYOND_4GIB


@pytest.fixture
def sparse_file(tmp_path: Path) -> Path:
    """A 5 GiB sparse file with b"MARKER" written at BEYOND_4GIB (takes a few KiB of disk)."""
    path = tmp_path / "sparse.bin"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        os.ftruncate(fd, 5 << 30)
        os.pwrite(fd, b"MARKER", BEYOND_4GIB)
    finally:
        os.close(fd)
    return path


@pytest.fixture
def data_file(tmp_path: Path) -> tuple[Path, bytes]:
    """A 300 KiB file of varied bytes with newlines, and its contents."""
    data = bytes(range(256)) * 1200
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    return path, data
