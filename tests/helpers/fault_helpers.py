"""Faults to inject, for the tests of ``tests/faults/``.

* :class:`FaultyRaw`: an in-process raw file that takes at most ``short`` bytes per write (as the
  kernel does under a file-size limit or on a filling disk) and raises an OSError once the bytes
  taken reach ``fail_at``.
* :func:`limited`: a ``preexec_fn`` that sets RLIMIT_FSIZE in the child, so its writes past the
  limit come back short and then fail with EFBIG (Python ignores SIGXFSZ).
* :func:`tiny_tmpfs`: a tmpfs of a few pages mounted for one test, where mounting is permitted.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import arrowio
from arrowio.compression import FORMATS as _REGISTRY

#: Temporary outputs of the CLI end with this (arrowio_cli.atomic.TEMP_SUFFIX).
TEMP_SUFFIX = ".arrowio-tmp"
#: Every streaming format of the registry, and the extension its tool writes (the row's first).
FORMATS = [f.name for f in _REGISTRY.values() if f.streaming]
EXTENSIONS = {f.name: f.extensions[0] for f in _REGISTRY.values() if f.streaming}
#: Incompressible, so that compressed and plain outputs are both this large.
PAYLOAD_SIZE = 512 << 10
#: The file-size limit and the tmpfs size: well below the payload, so every output hits them.
LIMIT = 64 << 10
TMPFS_SIZE = "192k"


def encode(fmt: str, data: bytes) -> bytes:
    sink = arrowio.BufferOutputStream()
    with arrowio.CompressedOutputStream(sink, fmt) as stream:
        stream.write(data)
    return sink.getvalue().to_pybytes()


def decode(fmt: str, data: bytes) -> bytes:
    with arrowio.input_stream(arrowio.py_buffer(data), compression=fmt) as stream:
        return stream.read()


class FaultyRaw(io.RawIOBase):
    """A writable raw file over memory: each write takes at most ``short`` bytes; once ``fail_at``
    bytes are taken, writes raise OSError(``error``). ``data`` holds what it took."""

    def __init__(self, short: int | None = None, fail_at: int | None = None, error: int = errno.ENOSPC) -> None:
        self.short, self.fail_at, self.error = short, fail_at, error
        self.data = bytearray()
        self.calls = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.calls += 1
        view = memoryview(b).cast("B")
        if self.fail_at is not None and len(self.data) >= self.fail_at:
            raise OSError(self.error, os.strerror(self.error))
        take = len(view)
        if self.short is not None:
            take = min(take, self.short)
        if self.fail_at is not None:
            take = min(take, self.fail_at - len(self.data))  # short up to the fault, as the kernel
        self.data += view[:take]
        return take


def limited(max_bytes: int) -> Callable[[], None]:
    """A ``preexec_fn`` limiting the size of files the child writes to ``max_bytes``."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply


def arrowio_command(*args: object) -> list[str]:
    return [sys.executable, "-m", "arrowio_cli", *map(str, args)]


def run_cli(
    args: list[object], *, limit: int | None = None, stdout: Any = subprocess.PIPE, stdin: Any = None
) -> subprocess.CompletedProcess[bytes]:
    """``arrowio ARGS`` in a child process, under a file-size limit of ``limit`` bytes if given."""
    return subprocess.run(
        arrowio_command(*args),
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=stdin,
        timeout=120,
        preexec_fn=limited(limit) if limit is not None else None,
    )


def temporaries(*folders: Path) -> list[str]:
    """Temporary outputs left in ``folders``."""
    return [name for folder in folders for name in os.listdir(folder) if TEMP_SUFFIX in name or ".arrowio-" in name]


@contextlib.contextmanager
def tiny_tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """Mount a tmpfs of ``size`` (``mount -o size=``) on ``folder`` for the block; skip the test
    where this process may not mount (no root, a container without CAP_SYS_ADMIN)."""
    folder.mkdir(exist_ok=True)
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)], capture_output=True
        )
    except OSError as exc:  # no mount(8) at all
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip() or mounted.returncode}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
