"""System C libraries reached through ctypes: loaded by soname, with one handle object per thread.

libdeflate and libzstd decode straight into memory the caller owns (see :mod:`._libdeflate` and
:mod:`._libzstd`); each is optional, so a missing library is None here and callers fall back to
the Python bindings.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["load_library", "PerThread"]


def load_library(sonames: tuple[str, ...], name: str) -> Any:
    """The first of ``sonames`` that loads, else what ``find_library(name)`` finds; None if none."""
    for soname in sonames:
        try:
            return ctypes.CDLL(soname)
        except OSError:
            continue
    from ctypes.util import find_library  # 9 ms to import, and it runs ldconfig: the last resort

    found = find_library(name)
    if found is None:
        return None
    try:
        return ctypes.CDLL(found)
    except OSError:
        return None


class PerThread:
    """One ``make(library)`` object per thread (C handles that are not thread-safe), or None where
    ``library()`` is None or the environment variable ``hide`` is set (the tests set it to run
    every case on the fallback path too).

    Not a generic class: a PEP 695 type parameter imports typing when the class is made (2-3 ms
    of every ``cat`` of a file of frames, before its first frame is decoded); the callers'
    ``decoder()`` functions give the type."""

    def __init__(self, hide: str, library: Callable[[], Any], make: Callable[[Any], Any]) -> None:
        self._hide, self._library, self._make = hide, library, make
        self._local = threading.local()

    def get(self) -> Any:
        if os.environ.get(self._hide):
            return None
        found = getattr(self._local, "handle", None)
        if found is None:
            lib = self._library()
            if lib is None:
                return None
            found = self._local.handle = self._make(lib)
        return found
