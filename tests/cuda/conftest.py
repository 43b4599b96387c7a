"""Fixtures of the CUDA tests.

Tests marked ``gpu`` skip, with the reason in words, where CUDA device 0 cannot be used (no
CuPy, no driver, no device); the project's conftest lets that skip stand in CI. ``no_cupy``
hides CuPy and nvidia-ml-py from the test, as on a machine without the ``cuda12``/``cuda13`` extra.
"""

from __future__ import annotations

import sys

import pytest

from arrowio import cuda

_BLOCK_CUDA_MODULES = """
import sys
class _Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("cupy", "cupy_backends", "pynvml"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, _Blocker())
"""


@pytest.fixture(scope="session")
def block_cuda_modules() -> str:
    """Python code that, run first in a child interpreter, makes CuPy and pynvml unimportable there."""
    return _BLOCK_CUDA_MODULES


@pytest.fixture(scope="session")
def device_reason() -> str | None:
    """Why CUDA device 0 is unusable here, or None where it is usable."""
    return cuda.unavailable_reason(0)


@pytest.fixture(autouse=True)
def _skip_gpu_tests_without_a_device(request: pytest.FixtureRequest, device_reason: str | None) -> None:
    if request.node.get_closest_marker("gpu") and device_reason is not None:
        pytest.skip(f"no usable CUDA device: {device_reason}")


@pytest.fixture
def no_cupy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import cupy``/``import pynvml`` fail for the duration of the test."""
    # None in sys.modules makes the import system raise ModuleNotFoundError(name=...).
    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.setitem(sys.modules, "pynvml", None)


@pytest.fixture
def ctx() -> cuda.Context:
    """A Context of device 0 (for tests marked gpu, which skip first where there is none)."""
    return cuda.Context(0)
