"""URL helpers for callers such as the command line: open a URL as the file class its scheme
calls for, recognise URLs, parse ``KEY=VALUE`` storage options, expand globs, check for and
remove objects, show URLs without credentials. Importing this module does not import fsspec."""

from __future__ import annotations

import errno
import re
from collections.abc import Iterable, Mapping

from ..errors import ArrowInvalid
from ._remote_fs import HDFS_SCHEMES, INSTALL_HINT, collect_secrets, is_url, redact, resolve, scheme_of, translated

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

    from ..memory import MemoryPool
    from .native_file import NativeFile
    from .remote import RemoteFile

__all__ = [
    "INSTALL_HINT",
    "expand_url_globs",
    "file_class",
    "is_url",
    "open_url",
    "open_url_input",
    "parse_storage_options",
    "redact_url",
    "remove_url",
    "url_exists",
]

_GLOB_CHARS = frozenset("*?[")
#: Schemes whose files have a RemoteFile subclass of their own, as (module of this package, class);
#: every other scheme opens a plain RemoteFile. Imported on first use: opening an S3 URL loads no HDFS code.
_FILE_CLASSES = dict.fromkeys(HDFS_SCHEMES, (".hdfs", "HdfsFile"))
_WORDS = {"true": True, "false": False, "none": None, "null": None}


def _value(key: str, text: str) -> Any:
    """``true``/``false``/``none`` → bool/None, integers (no leading zero) → int, JSON objects, lists and quoted
    strings → their value, anything else → the text itself."""
    word = text.lower()
    if word in _WORDS:
        return _WORDS[word]
    digits = text.removeprefix("-")
    if digits.isdigit() and (digits == "0" or not digits.startswith("0")):
        return int(text)
    if text and text[0] in '{["':
        import json

        try:
            return json.loads(text)
        except ValueError:
            raise ArrowInvalid(f"storage option {key!r}: the value is not valid JSON") from None
    return text


def parse_storage_options(items: Iterable[str]) -> dict[str, Any]:
    """Storage options from ``KEY=VALUE`` strings (the CLI's ``--storage-option``).

    A dotted key nests: ``client_kwargs.region_name=eu-west-1`` gives
    ``{"client_kwargs": {"region_name": "eu-west-1"}}``. Values: ``true``/``false``/``none``,
    integers and JSON (``{...}``, ``[...]``, ``"..."`` to keep digits a string) are converted;
    everything else stays a string. Error messages never repeat a value (it may be a secret).
    """
    options: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            # Never repeat the item: a mistyped option may be a secret.
            raise ArrowInvalid(
                "storage option must look like KEY=VALUE, got one "
                + ("without '='" if not sep else "with an empty KEY")
            )
        *parents, name = key.strip().split(".")
        target = options
        for parent in parents:
            child = target.setdefault(parent, {})
            if not isinstance(child, dict):
                raise ArrowInvalid(f"storage option {key!r} nests under {parent!r}, which already has a value")
            target = child
        target[name] = _value(key, text)
    return options


def expand_url_globs(urls: Iterable[str], storage_options: Mapping[str, Any] | None = None) -> list[str]:
    """Each URL with a glob (``*``, ``?``, ``[...]``) replaced by the matching files' URLs in sorted
    order; other URLs and local paths pass through unchanged (the shell expands local globs).

    A glob that matches nothing raises FileNotFoundError naming it.
    """
    expanded: list[str] = []
    for url in urls:
        if not is_url(url) or not _has_glob(url):
            expanded.append(url)
            continue
        location = resolve(url, storage_options)
        with translated(location.shown, location.secrets):
            matches = location.fs.glob(location.path, detail=True)
        files = sorted(path for path, info in matches.items() if info.get("type") != "directory")
        if not files:
            raise FileNotFoundError(errno.ENOENT, "No object matches the pattern", redact(url, location.secrets))
        expanded.extend(_with_scheme(url, location.fs, m) for m in files)
    return expanded


def _has_glob(url: str) -> bool:
    """Whether ``url`` has a glob character in its path. An http(s) URL's query and fragment are
    not a pattern: its ``?`` starts the query (``?password=...``), a ``*`` there is a value."""
    rest = url.split("://", 1)[1]
    if scheme_of(url) in ("http", "https"):
        rest = re.split(r"[?#]", rest, maxsplit=1)[0]
    return bool(_GLOB_CHARS & set(rest))


def _with_scheme(pattern: str, fs: Any, path: str) -> str:
    """``path`` (as fsspec's glob returns it, without a scheme) as a URL like ``pattern``."""
    prefix = pattern.split("://", 1)[0]
    return f"{prefix}://{path}" if "::" in prefix else fs.unstrip_protocol(path)


def redact_url(url: str, storage_options: Mapping[str, Any] | None = None) -> str:
    """``url`` as it may be shown: its user-info, credential query parameters (passwords, keys,
    tokens, signatures), AWS access key ids and any credential from ``storage_options`` or the
    environment replaced by ``***``. Imports nothing; no network."""
    return redact(url, collect_secrets(url, storage_options))


def url_exists(url: str, storage_options: Mapping[str, Any] | None = None) -> bool:
    """Whether a file, object or folder is at ``url`` now (asked of the store, not of a cached
    listing). Failures other than "not found" (wrong credentials, no such host) raise."""
    location = resolve(url, storage_options)
    with translated(location.shown, location.secrets):
        location.fs.invalidate_cache(location.path)
        try:
            location.fs.info(location.path)
        except FileNotFoundError:
            return False
    return True


def remove_url(url: str, storage_options: Mapping[str, Any] | None = None) -> None:
    """Delete the file or object at ``url`` (never a folder's content: fsspec's ``rm`` without
    ``recursive``). Errors are translated like every other remote error."""
    location = resolve(url, storage_options)
    with translated(location.shown, location.secrets):
        location.fs.rm(location.path)
        location.fs.invalidate_cache(location.path)


def file_class(url: str) -> type[RemoteFile]:
    """The class that opens ``url``: the one its scheme has in the table, else RemoteFile."""
    from importlib import import_module

    entry = _FILE_CLASSES.get(scheme_of(url))
    if entry is None:
        from .remote import RemoteFile

        return RemoteFile
    module, name = entry
    cls: type[RemoteFile] = getattr(import_module(module, __package__), name)
    return cls


def open_url(
    url: str,
    mode: str = "rb",
    *,
    storage_options: Mapping[str, Any] | None = None,
    block_size: int | None = None,
    read_ahead: int | None = None,
    memory_pool: MemoryPool | None = None,
) -> RemoteFile:
    """A :class:`~arrowio.io.remote.RemoteFile` (an :class:`~arrowio.io.hdfs.HdfsFile` for
    ``hdfs://``/``webhdfs://``) for ``url``, opened for reading (``'rb'``) or writing (``'wb'``)."""
    return file_class(url)(
        url,
        mode,
        storage_options=storage_options,
        block_size=block_size,
        read_ahead=read_ahead,
        memory_pool=memory_pool,
    )


def open_url_input(
    url: str,
    compression: str | None = "detect",
    *,
    storage_options: Mapping[str, Any] | None = None,
    block_size: int | None = None,
    read_ahead: int | None = None,
) -> NativeFile:
    """``input_stream(url, compression, storage_options=...)`` with the read-ahead of the
    :class:`~arrowio.io.remote.RemoteFile` below chosen: ``block_size`` bytes per ranged read,
    ``read_ahead`` blocks ahead of the reader (None: RemoteFile's defaults).

    Detection is input_stream's, by the URL's name as well as by the content: ``'detect'``
    (PyArrow's rule: the extension), ``'auto'`` (magic number, then extension) or a format
    name. For a reader slower than the store (a decoder), a shallower window holds less memory
    for more requests; a reader that only copies wants the default, deeper one.
    """
    from .factories import _check_compression, _decoded
    from .native_file import abort_or_close

    compression = _check_compression(compression)  # before anything is opened
    raw = open_url(url, storage_options=storage_options, block_size=block_size, read_ahead=read_ahead)
    if compression is None:
        return raw
    try:
        return _decoded(raw, compression, url)
    except BaseException:
        abort_or_close(raw)
        raise
