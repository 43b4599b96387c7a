"""The exception tree: every arrowio error is also the fitting builtin."""

from __future__ import annotations

import pytest

import arrowio as pa


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (pa.ArrowInvalid, ValueError),
        (pa.ArrowIOError, OSError),
        (pa.ArrowNotImplementedError, NotImplementedError),
        (pa.ArrowMemoryError, MemoryError),
        (pa.ArrowTypeError, TypeError),
        (pa.ArrowKeyError, KeyError),
        (pa.ArrowIndexError, IndexError),
        (pa.ArrowCapacityError, pa.ArrowException),
    ],
)
def test_errors_are_builtins_too(error, builtin):
    assert issubclass(error, pa.ArrowException) and issubclass(error, builtin)
    with pytest.raises(builtin):
        raise error("boom")


def test_public_names_exist():
    for name in pa.__all__:
        assert hasattr(pa, name), name
