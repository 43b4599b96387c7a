"""What URLs and messages look like once credentials are hidden (``redact``/``redact_url``), and
which URLs are globs. No network: redaction is text work, and the globs tested have none to list."""

from __future__ import annotations

import pytest

from arrowio.io import redact_url
from arrowio.io._remote_fs import collect_secrets, redact
from arrowio.io.urls import expand_url_globs

SECRET_PARAMS = [
    "password", "PassWord", "passwd", "pwd", "secret", "client_secret", "api_key", "apikey", "API-KEY", "key",
    "code", "auth", "Authorization", "jwt", "token", "access_token", "refresh_token", "id_token", "signature",
    "sig", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "session_id",
]  # fmt: skip


@pytest.mark.parametrize("name", SECRET_PARAMS)
def test_credential_query_values_are_hidden_whatever_their_length(name):
    assert redact_url(f"https://host/x?a=1&{name}=P&b=2") == f"https://host/x?a=1&{name}=***&b=2"
    assert redact_url(f"https://host/x?{name}=P") == f"https://host/x?{name}=***"


def test_a_token_in_the_fragment_is_hidden():
    # OAuth's implicit flow returns the token after '#'.
    assert redact_url("https://host/cb#access_token=tok&state=7") == "https://host/cb#access_token=***&state=7"


def test_ordinary_query_values_and_partition_folders_stay():
    assert redact_url("https://host/x?page=2&sort=name") == "https://host/x?page=2&sort=name"
    # Hive-style folders in a path are names, not credentials, even when called key= or code=.
    assert redact_url("s3://bucket/t/code=US/key=7/part.gz") == "s3://bucket/t/code=US/key=7/part.gz"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://TOKEN@host/x", "https://***@host/x"),  # a token as the user name
        ("https://ghp_abcdefgh:x-oauth-basic@github.com/r", "https://***@github.com/r"),
        ("https://user:pw@host/x", "https://***@host/x"),
        ("ftp://user@host:21/x", "ftp://***@host:21/x"),
    ],
)
def test_all_user_info_is_hidden(url, shown):
    assert redact_url(url) == shown


def test_an_at_sign_in_the_path_is_not_user_info():
    assert redact_url("s3://bucket/mail@example.com/k") == "s3://bucket/mail@example.com/k"


@pytest.mark.parametrize("key_id", ["AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A"])
def test_aws_access_key_ids_are_hidden_anywhere(key_id):
    assert redact_url(f"s3://{key_id}:wJalrXUtnFEMI@bucket/k") == "s3://***@bucket/k"
    assert redact_url(f"s3://bucket/{key_id}/k") == "s3://bucket/***/k"
    assert redact(f"InvalidAccessKeyId: {key_id} is not valid") == "InvalidAccessKeyId: *** is not valid"


def test_the_urls_credentials_are_hidden_where_a_message_repeats_them():
    url = "https://robot:long-password-1@host/x?api_key=long-api-key-2"
    secrets = collect_secrets(url)
    assert {"long-password-1", "long-api-key-2"} <= secrets
    shown = redact("403 for user robot:long-password-1 with key long-api-key-2", secrets)
    assert "long-password-1" not in shown and "long-api-key-2" not in shown


def test_an_http_query_is_not_a_glob():
    # '?' starts an http(s) query and '*' in it is a value: nothing to list, the URL passes through.
    urls = ["https://127.0.0.1:9/x?password=P", "https://127.0.0.1:9/x?q=*&r=[1]", "http://127.0.0.1:9/x#a*"]
    assert expand_url_globs(urls) == urls


def test_a_question_mark_still_globs_in_other_schemes():
    import fsspec

    fs = fsspec.filesystem("memory")
    for name in ("a1.zst", "a2.zst", "a10.zst"):
        fs.pipe_file(f"memory://redaction-globs/{name}", b"x")
    assert expand_url_globs(["memory://redaction-globs/a?.zst"]) == [
        "memory:///redaction-globs/a1.zst", "memory:///redaction-globs/a2.zst",
    ]  # fmt: skip
