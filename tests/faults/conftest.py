"""Fixtures of the fault-injection suite: the data, its compressed forms, and the places whose
writes fail (a tiny tmpfs mounted per test, /dev/full, a file-size limit in the child)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fault_helpers import PAYLOAD_SIZE, TMPFS_SIZE, encode, tiny_tmpfs


@pytest.fixture(scope="session")
def payload() -> bytes:
    return random.Random(20261207).randbytes(PAYLOAD_SIZE)


@pytest.fixture(scope="session")
def compressed(payload: bytes) -> Callable[[str], bytes]:
    """``compressed(fmt)``: the payload in that format (made once per session)."""
    cache: dict[str, bytes] = {}

    def get(fmt: str) -> bytes:
        if fmt not in cache:
            cache[fmt] = encode(fmt, payload)
        return cache[fmt]

    return get


@pytest.fixture
def tiny(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A folder on a tmpfs of TMPFS_SIZE, unmounted after the test."""
    request.applymarker(pytest.mark.privileged)
    with tiny_tmpfs(tmp_path / "tiny", TMPFS_SIZE) as folder:
        yield folder
