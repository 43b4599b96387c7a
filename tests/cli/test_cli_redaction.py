"""No credential in a URL reaches the terminal: errors, cat --stats, info (table and --json) and
pool-stats show each URL with its user-info, credential parameters and AWS key ids as ``***``.
Real processes against a closed local port (127.0.0.1:9): the request fails at once, no network."""

from __future__ import annotations

import json

import pytest

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
# Short values on purpose: no list of known secrets can catch them, only the parameter names.
URLS = [
    "https://127.0.0.1:9/x?password=Pw1",
    "https://tok42@127.0.0.1:9/y?api_key=k1&code=c1&jwt=j1",
    f"https://127.0.0.1:9/{KEY_ID}/z?Client_Secret=s1&auth=a1",
]
LEAKS = ["Pw1", "tok42", "k1", "c1", "j1", KEY_ID, "s1", "a1"]


def assert_hidden(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} shown in {text!r}"


def test_cat_errors_and_stats_hide_credentials(sh):
    done = sh("cat", "--stats", *URLS)
    stderr = done.stderr.decode()
    assert done.returncode == 1
    assert_hidden(stderr)
    errors = [line for line in stderr.splitlines() if line.startswith("arrowio: error: ")]
    assert [line.split(": ")[2] for line in errors] == [
        "https://127.0.0.1:9/x?password=***",
        "https://***@127.0.0.1:9/y?api_key=***&code=***&jwt=***",
        "https://127.0.0.1:9/***/z?Client_Secret=***&auth=***",
    ]
    # The query's '?' was not taken for a glob character.
    assert "No object matches the pattern" not in stderr
    assert stderr.count("failed") == 3  # the --stats rows


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_info_hides_credentials(sh, as_json):
    done = sh("info", *(["--json"] if as_json else []), *URLS)
    assert done.returncode == 1 and done.stderr.count(b"arrowio: error: ") == 3
    assert_hidden(done.stdout.decode() + done.stderr.decode())
    if as_json:
        # Each failed URL is listed with its error (issue 11), under its hidden name.
        files = json.loads(done.stdout)["files"]
        assert [f["format"] for f in files] == [None] * 3 and all(f["error"] for f in files)


def test_pool_stats_shows_the_workload_without_credentials(sh):
    done = sh("pool-stats", "--json", "--", "cat", URLS[1])
    assert done.returncode == 1
    assert json.loads(done.stdout)["workload"] == ["cat", "https://***@127.0.0.1:9/y?api_key=***&code=***&jwt=***"]
    assert_hidden(done.stdout.decode() + done.stderr.decode())
