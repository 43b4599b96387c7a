"""The command line on URLs of the live SeaweedFS store, in real processes (credentials and endpoint
in the ``AWS_*`` variables, as a user would set them)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import pytest


def arrowio(s3, *args: str, secret: str | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": s3.store.key, "AWS_SECRET_ACCESS_KEY": secret or s3.store.secret,
           "AWS_ENDPOINT_URL": s3.store.endpoint_url}
    return subprocess.run([sys.executable, "-m", "arrowio_cli", *args], capture_output=True, env=env, timeout=120)


def test_cat_decodes_and_concatenates_urls_in_order(s3):
    first = s3.put("first.gz", gzip.compress(b"from a gzip object\n"))
    second = s3.put("second.txt", b"from a plain object\n")
    done = arrowio(s3, "cat", first, second)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"from a gzip object\nfrom a plain object\n"
    ranged = arrowio(s3, "cat", "--offset", "5", "--length", "6", second)
    assert ranged.stdout == b"a plai"


def test_info_on_a_url(s3):
    url = s3.put("data.gz", gzip.compress(b"x" * 10000))
    done = arrowio(s3, "info", "--json", url)
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)["files"]
    assert entry["path"] == url and entry["format"] == "gzip" and entry["decoded_size"] == 10000


@pytest.mark.parametrize("where", ["missing key", "missing bucket", "wrong secret"])
def test_failures_are_one_line_without_secrets(s3, where):
    url = s3.put("present.txt", b"x")
    if where == "missing key":
        url = s3.url("absent.txt")
    elif where == "missing bucket":
        url = "s3://no-such-bucket-anywhere/key.txt"
    wrong = "wrong-secret-" + "z" * 20
    done = arrowio(s3, "cat", url, secret=wrong if where == "wrong secret" else None)
    stderr = done.stderr.decode()
    assert done.returncode == 1 and done.stdout == b""
    assert stderr.count("\n") == 1 and stderr.startswith(f"arrowio: error: {url}: ")
    assert ("Permission denied" if where == "wrong secret" else "No such file") in stderr
    assert s3.secret not in stderr and wrong not in stderr
