"""Counting the Python functions some work enters: the tests that bound the calls per file."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from types import CodeType


def functions_entered(work: Callable[[], object], wanted: Callable[[CodeType], bool]) -> Counter[str]:
    """The Python functions entered while ``work`` runs (generator resumptions included) whose
    code is ``wanted``, counted by qualified name."""
    seen: Counter[str] = Counter()

    def profile(frame, event, arg):  # noqa: ANN001, ANN202 - the sys.setprofile signature
        if event == "call" and wanted(frame.f_code):
            seen[frame.f_code.co_qualname] += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return seen
