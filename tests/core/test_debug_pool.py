"""The debug memory pool: guard bytes after each allocation, checked at deallocation and reallocation.

Overwrites are made for real (ctypes writes one byte past a buffer's end) in a subprocess per backend
and mode, since abort and trap end the process with their signal.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import textwrap

import pytest

import arrowio
from arrowio.diagnostics import debug_memory_pool
from arrowio.settings import JEMALLOC_TLS_TUNABLE

BACKENDS = ["system", "mimalloc", "jemalloc"]
MESSAGE = "Wrong size on deallocation: given size = 64"

OVERWRITE = """
    import ctypes, sys
    import arrowio
    pool = getattr(arrowio, sys.argv[1] + "_memory_pool")()
    buffer = arrowio.allocate_buffer(64, memory_pool=pool)
    ctypes.memmove(buffer.address + 64, b"!", 1)  # one byte past the end
    del buffer
    print("still running")
"""


def _python(source: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "GLIBC_TUNABLES": JEMALLOC_TLS_TUNABLE, **env}
    for name in ("ARROWIO_DEBUG_MEMORY_POOL", "ARROW_DEBUG_MEMORY_POOL"):
        if name not in env:
            full_env.pop(name, None)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(source), *args], capture_output=True, text=True,
                          env=full_env, timeout=60)  # fmt: skip


def _needs(backend: str) -> None:
    if backend != "system" and not ctypes.util.find_library(backend):
        pytest.skip(f"lib{backend} is not installed")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("mode", "signum"), [("abort", signal.SIGABRT), ("trap", signal.SIGTRAP), ("warn", None)])
def test_a_write_past_the_end_is_caught_at_deallocation(backend, mode, signum):
    _needs(backend)
    done = _python(OVERWRITE, backend, env={"ARROWIO_DEBUG_MEMORY_POOL": mode})
    assert MESSAGE in done.stderr, done.stderr
    assert "the 64-byte allocation at 0x" in done.stderr and f"backend {backend}" in done.stderr
    if signum is None:
        assert (done.returncode, done.stdout) == (0, "still running\n")
    else:
        assert done.returncode == -signum and done.stdout == ""


def test_arrows_variable_works_and_ours_comes_first():
    assert _python(OVERWRITE, "system", env={"ARROW_DEBUG_MEMORY_POOL": "abort"}).returncode == -signal.SIGABRT
    both = {"ARROW_DEBUG_MEMORY_POOL": "abort", "ARROWIO_DEBUG_MEMORY_POOL": "warn"}
    assert _python(OVERWRITE, "system", env=both).returncode == 0


@pytest.mark.parametrize("name", ["ARROWIO_DEBUG_MEMORY_POOL", "ARROW_DEBUG_MEMORY_POOL"])
def test_an_invalid_value_is_reported_and_means_none(name):
    done = _python(OVERWRITE, "system", env={name: "loud"})
    assert done.stderr == (f"Invalid value for {name}: 'loud'. Valid values are 'abort', 'trap', 'warn', 'none'.\n")
    assert (done.returncode, done.stdout) == (0, "still running\n")


@pytest.mark.parametrize("mode", ["none", ""])
def test_none_adds_no_guards(mode):
    done = _python(OVERWRITE, "system", env={"ARROWIO_DEBUG_MEMORY_POOL": mode})
    assert (done.returncode, done.stderr) == (0, "")


def test_tracing_shows_where_the_allocation_was_made():
    source = OVERWRITE.replace("import ctypes, sys", "import ctypes, sys, tracemalloc; tracemalloc.start(5)")
    done = _python(source, "system", env={"ARROWIO_DEBUG_MEMORY_POOL": "warn"})
    assert "allocated at (most recent call last):" in done.stderr
    assert 'File "<string>", line 5, in <module>' in done.stderr  # the allocate_buffer line
    untraced = _python(OVERWRITE, "system", env={"ARROWIO_DEBUG_MEMORY_POOL": "warn"})
    assert "python -X tracemalloc" in untraced.stderr


def test_an_overwrite_is_caught_at_reallocation(capfd):
    pool = debug_memory_pool("warn", "system")
    buffer = arrowio.allocate_buffer(100, memory_pool=pool, resizable=True)
    ctypes.memmove(buffer.address + 128, b"\0", 1)
    buffer.resize(5000)
    assert "Wrong size on reallocation: given size = 128" in capfd.readouterr().err
    del buffer
    assert capfd.readouterr().err == ""  # the new block got a new guard


@pytest.mark.parametrize("backend", ["system", "mimalloc"])
def test_guards_change_no_counter_and_intact_guards_say_nothing(backend, capfd):
    pool = debug_memory_pool("abort", backend)
    buffers = [arrowio.allocate_buffer(size, memory_pool=pool) for size in (1, 64, 65, 1 << 20)]
    for buffer in buffers:
        buffer.to_pybytes()
        ctypes.memset(buffer.address, 0xFF, buffer.size)  # up to the last byte is allowed
    assert pool.bytes_allocated() == 64 + 64 + 128 + (1 << 20)
    resizable = arrowio.allocate_buffer(10, memory_pool=pool, resizable=True)
    resizable.resize(1 << 16)
    resizable.resize(3)
    del buffers, buffer, resizable
    assert (pool.bytes_allocated(), pool.backend_name) == (0, backend)
    assert capfd.readouterr().err == ""


def test_a_bad_mode_is_a_value_error():
    with pytest.raises(ValueError, match="valid: abort, trap, warn, none"):
        debug_memory_pool("loud")
