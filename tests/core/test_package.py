"""The package imports its names on first use and exposes all of them."""

from __future__ import annotations

import subprocess
import sys

import arrowio


def test_import_is_lazy():
    code = (
        "import sys, arrowio\n"
        "print(sorted(m for m in sys.modules if m.startswith('arrowio.')))\n"
        "arrowio.py_buffer\n"
        "print('arrowio.buffer' in sys.modules, 'arrowio.compression' in sys.modules)\n"
    )
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert lines == ["['arrowio._lazy', 'arrowio.errors']", "True False"]


def test_every_public_name_resolves_and_is_listed():
    for name in arrowio.__all__:
        assert getattr(arrowio, name) is not None
    assert set(arrowio.__all__) <= set(dir(arrowio))
    namespace: dict[str, object] = {}
    exec("from arrowio import *", namespace)
    assert {name for name in arrowio.__all__ if not name.startswith("_")} <= set(namespace)


def test_unknown_name_is_an_attribute_error():
    try:
        arrowio.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
