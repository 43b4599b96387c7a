"""Fixtures of the compression tests (helpers live in compression_helpers.py)."""

from __future__ import annotations

import sys

import pytest

_ISAL_MODULES = ("isal", "isal.isal_zlib", "isal.igzip_lib", "isal.igzip", "isal.igzip_threaded")


@pytest.fixture(params=["isal", "zlib"])
def deflate_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test once with ISA-L and once with ISA-L hidden (the stdlib zlib fallback)."""
    from arrowio.compression import _deflate

    if request.param == "zlib":
        for name in _ISAL_MODULES:
            monkeypatch.setitem(sys.modules, name, None)  # importing it now raises ImportError
    elif _deflate.backend() != "isal":
        pytest.skip("isal is not installed")
    assert _deflate.backend() == request.param
    return request.param
