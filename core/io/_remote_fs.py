"""The seam to fsspec: URL recognition, filesystem resolution, redaction and error translation.

Importing this module is cheap (no fsspec); fsspec and its implementations (s3fs, ...) are
imported on the first URL. Every call into fsspec runs inside :func:`translated`, which turns
whatever the implementation raises into the fitting builtin or Arrow error, with every
credential known to us replaced by ``***`` in the message.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from ..errors import ArrowInvalid, ArrowIOError, ArrowNotImplementedError

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["HDFS_SCHEMES", "INSTALL_HINT", "Location", "is_url", "redact", "resolve", "translated"]

INSTALL_HINT = "pip install 'arrowio[remote]'"
#: The schemes whose files are HdfsFile (``arrowio.io.urls``'s table of file classes).
HDFS_SCHEMES = frozenset({"hdfs", "webhdfs", "arrow_hdfs"})

# scheme://... with optional fsspec chaining ("simplecache::s3://..."). Schemes of one letter are
# Windows drive letters, not URLs.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+(?:::[A-Za-z][A-Za-z0-9+.-]+)*://")
# The patterns below are compiled on first use (re caches them): importing arrowio stays fast.
# Option names whose values are credentials.
_SECRET_NAME = r"(?i)secret|token|passw|key|credential|signature|auth|sas"
# Environment variables that hold credentials of the clients fsspec implementations use.
_SECRET_ENV = r"(AWS|AZURE|GOOGLE|GCS|FSSPEC|HDFS|HADOOP|WEBHDFS)_\w*(SECRET|TOKEN|PASSW|KEY|SAS|CONNECTION)"
# Shorter values would mangle ordinary words when replaced; no real credential is this short.
_MIN_SECRET = 6
# User-info (``user:password@`` or a bare ``TOKEN@``) before the host: hidden whole, since a token
# often is the user name (``https://TOKEN@host``, ``https://TOKEN:x-oauth-basic@host``).
_USERINFO = r"(://)[^/?#@\s]+@"
# Query (or fragment) parameters whose value is a credential: the names of signed URLs
# (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token, Azure's sig), OAuth (access_token,
# code, client_secret), API keys (api_key, apikey, key) and passwords. Only after ? & ; or #: a
# path's ``key=value`` folder (Hive partitions) is a name, not a credential.
_SECRET_PARAM = (
    r"(?i)((?<=[?&;#])(?:[\w.%-]*(?:token|secret|passw|pwd|key|signature|credential|auth|jwt|session)[\w.%-]*"
    r"|sig|code|pass|sas)=)[^&#\s'\"]+"
)
# AWS access key ids (long-term AKIA..., temporary ASIA...), wherever they appear.
_AWS_KEY_ID = r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"


def is_url(source: object) -> bool:
    """Whether ``source`` is a str URL with a scheme (``s3://…``, ``hdfs://…``, ``file://…``)."""
    return isinstance(source, str) and _URL.match(source) is not None


def scheme_of(url: str) -> str:
    """The last scheme of a (possibly chained) URL, lower-cased: ``'s3'`` for ``simplecache::s3://b/k``."""
    return url.split("://", 1)[0].rsplit("::", 1)[-1].lower()


def _import_fsspec() -> Any:
    try:
        import fsspec
    except ImportError:
        raise ArrowNotImplementedError(f"reading and writing URLs needs fsspec: {INSTALL_HINT}") from None
    return fsspec


def _secret_values(options: Mapping[str, Any], into: set[str]) -> None:
    for name, value in options.items():
        if isinstance(value, Mapping):
            _secret_values(value, into)
        elif isinstance(value, str) and re.search(_SECRET_NAME, str(name)) and len(value) >= _MIN_SECRET:
            into.add(value)


def collect_secrets(url: str, *option_sets: Mapping[str, Any] | None) -> frozenset[str]:
    """Credential values that must never appear in a message: from storage options, the environment
    (``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ...) and the URL's user-info."""
    found: set[str] = set()
    for options in option_sets:
        if options:
            _secret_values(options, found)
    for name, value in os.environ.items():
        if re.match(_SECRET_ENV, name.upper()) and len(value) >= _MIN_SECRET:
            found.add(value)
    # The URL's own credentials, also where a message repeats them apart from the URL.
    userinfo = re.search(_USERINFO, url)
    if userinfo:
        found.update(part for part in userinfo.group(0)[3:-1].split(":") if len(part) >= _MIN_SECRET)
    found.update(
        m.group(0)[len(m.group(1)) :]
        for m in re.finditer(_SECRET_PARAM, url)
        if len(m.group(0)) - len(m.group(1)) >= _MIN_SECRET
    )
    return frozenset(found)


def redact(text: str, secrets: frozenset[str] = frozenset()) -> str:
    """``text`` with each secret, URL user-info, credential parameter (``?password=``,
    ``&X-Amz-Signature=``, ...) and AWS access key id replaced by ``***``."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    text = re.sub(_USERINFO, r"\1***@", text)
    text = re.sub(_SECRET_PARAM, r"\1***", text)
    return re.sub(_AWS_KEY_ID, "***", text)


class Location:
    """A resolved URL: the fsspec filesystem, the path inside it, and what to hide in messages."""

    __slots__ = ("fs", "path", "url", "secrets")

    def __init__(self, fs: Any, path: str, url: str, secrets: frozenset[str]) -> None:
        self.fs, self.path, self.url, self.secrets = fs, path, url, secrets

    def __repr__(self) -> str:
        return f"Location({self.shown!r})"

    @property
    def shown(self) -> str:
        """The URL as it may appear in messages."""
        return redact(self.url, self.secrets)

    def error(self, exc: BaseException) -> BaseException:
        return translate(exc, self.shown, self.secrets)


def resolve(url: str, storage_options: Mapping[str, Any] | None = None) -> Location:
    """The fsspec filesystem and path for ``url``; options come from ``storage_options``, then the
    fsspec configuration (``~/.config/fsspec``, ``FSSPEC_<PROTOCOL>_<OPTION>``), then the
    implementation's own defaults (for S3: the ``AWS_*`` variables and ``~/.aws``)."""
    options = dict(storage_options or {})
    secrets = collect_secrets(url, options)
    shown = redact(url, secrets)
    fsspec = _import_fsspec()
    with translated(shown, secrets):
        fs, path = fsspec.core.url_to_fs(url, **options)
    secrets = secrets | collect_secrets(url, getattr(fs, "storage_options", None))
    return Location(fs, path, url, secrets)


@contextmanager
def translated(shown: str, secrets: frozenset[str]) -> Iterator[None]:
    """Re-raise anything from fsspec as a library error about ``shown``, credentials redacted."""
    try:
        yield
    except (ArrowInvalid, ArrowIOError, ArrowNotImplementedError):
        raise
    except Exception as exc:
        raise translate(exc, shown, secrets) from None


def _detail(exc: BaseException, shown: str) -> str:
    text = str(exc.args[1] if isinstance(exc, OSError) and len(exc.args) >= 2 else exc).strip()
    return "" if not text or text.strip("'\"") in shown else text.splitlines()[0]


def translate(exc: BaseException, shown: str, secrets: frozenset[str]) -> BaseException:
    """The library's error for ``exc`` raised while working on ``shown``.

    FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError and
    TimeoutError keep their type (``filename`` is the redacted URL); a missing implementation is
    ArrowNotImplementedError with the package to install; bad arguments are ArrowInvalid; every
    other failure is ArrowIOError naming the cause.
    """
    detail = redact(_detail(exc, shown), secrets)
    kind = type(exc).__name__
    if isinstance(exc, ImportError):
        hint = INSTALL_HINT if scheme_of(shown) in ("s3", "s3a") else "install the fsspec implementation it names"
        return ArrowNotImplementedError(redact(f"{shown}: {exc} ({hint})", secrets))
    builtin = _BUILTIN.get(type(exc)) or next((v for k, v in _BUILTIN.items() if isinstance(exc, k)), None)
    if builtin is not None:
        code, text = builtin
        return type(exc)(code, f"{text} ({detail})" if detail else text, shown)
    if kind == "NoCredentialsError":
        return PermissionError(
            errno.EACCES,
            "no credentials found: pass key and secret in the storage options "
            "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            shown,
        )
    if isinstance(exc, ValueError):
        if detail.startswith("Protocol not known"):
            return ArrowInvalid(f"{shown}: unknown URL scheme {scheme_of(shown)!r}")
        return ArrowInvalid(f"{shown}: {detail or kind}")
    if isinstance(exc, NotImplementedError):
        return ArrowNotImplementedError(f"{shown}: {detail or 'not supported by this filesystem'}")
    if re.search(r"pre-?condition", detail, re.IGNORECASE):
        return ArrowIOError(f"{shown}: the object changed while it was being read ({detail})")
    return ArrowIOError(f"{shown}: {kind}: {detail}" if detail else f"{shown}: {kind}")


_BUILTIN: dict[type[BaseException], tuple[int, str]] = {
    FileNotFoundError: (errno.ENOENT, "No such file, object or bucket"),
    PermissionError: (errno.EACCES, "Permission denied"),
    IsADirectoryError: (errno.EISDIR, "Is a directory"),
    NotADirectoryError: (errno.ENOTDIR, "Not a directory"),
    FileExistsError: (errno.EEXIST, "File exists"),
    TimeoutError: (errno.ETIMEDOUT, "Timed out"),
}
