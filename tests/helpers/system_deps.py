"""What the tests need from the machine beyond Python packages, and the skip that says what to
install when it is missing. Outside CI a missing piece skips with the Debian package to install;
under ``ARROWIO_CI=1`` conftest turns that skip into a failure (CI installs everything).

Memory pool backends are asked whether they work (``arrowio.<name>_memory_pool()``), never looked
for as a file: whichever source provides a backend (a Debian package, a wheel), a backend that
loads is available and one that does not gives the library's own reason.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

import pytest

#: Command-line tool -> the Debian package that installs it (also in .ci/run's list).
TOOL_PACKAGES = {
    "gzip": "gzip", "pigz": "pigz", "bgzip": "tabix", "igzip": "isal", "zstd": "zstd", "lz4": "lz4",
    "brotli": "brotli", "bzip2": "bzip2", "xz": "xz-utils", "hexdump": "bsdextrautils", "groff": "groff",
    "unshare": "util-linux", "losetup": "mount", "strace": "strace",
}  # fmt: skip
#: Memory pool backend -> the Debian package of its shared library.
BACKEND_PACKAGES = {"jemalloc": "libjemalloc2", "mimalloc": "libmimalloc2.0"}


def missing_tool(tool: str) -> str:
    """The skip reason for a missing command-line tool."""
    package = TOOL_PACKAGES.get(tool)
    return f"{tool} is not installed" + (f" (Debian package {package})" if package else "")


def need_tool(tool: str) -> str:
    """The path of ``tool``, or skip naming its package."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(missing_tool(tool))
    return path


@functools.cache
def backend_unavailable(name: str) -> str | None:
    """Why memory pool backend ``name`` cannot be used by the tests here; None when it can.

    jemalloc is asked in a child process started with the glibc tunable it needs (as the tests
    and the CLI run it): in this already running process it cannot load even when installed."""
    if name == "jemalloc":
        return _jemalloc_unavailable()
    import arrowio

    try:
        getattr(arrowio, f"{name}_memory_pool")()
    except arrowio.ArrowNotImplementedError as exc:
        return _reason(name, str(exc))
    return None


def _jemalloc_unavailable() -> str | None:
    from arrowio.settings import JEMALLOC_TLS_TUNABLE

    code = "import arrowio\ntry:\n    arrowio.jemalloc_memory_pool()\nexcept arrowio.ArrowNotImplementedError as e:\n    print(e)"
    env = {**os.environ, "GLIBC_TUNABLES": JEMALLOC_TLS_TUNABLE, "ARROWIO_DEFAULT_MEMORY_POOL": "system"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    if done.returncode != 0:
        return _reason("jemalloc", done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "it crashed")
    return _reason("jemalloc", done.stdout.strip()) if done.stdout.strip() else None


def _reason(name: str, why: str) -> str:
    return f"the {name} backend is unavailable (Debian package {BACKEND_PACKAGES[name]}): {why}"


def need_backend(name: str) -> None:
    """Skip unless memory pool backend ``name`` works here."""
    reason = backend_unavailable(name)
    if reason is not None:
        pytest.skip(reason)
