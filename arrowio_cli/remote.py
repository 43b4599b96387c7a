"""What the subcommands share about URL inputs and outputs: glob expansion in order, and names
fit to show. The work itself is the library's (``arrowio.io.urls``); fsspec is imported only
when a URL is really used."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["expand_inputs", "is_url", "open_input", "shown"]

#: Read-ahead of a URL that ``cat`` decodes: two blocks of 4 MiB ahead (two requests of one
#: block in flight, refilled as each block is taken). A decoder reads slower than a store nearby
#: delivers, so the library's window for readers that only copy (four blocks ahead, five held)
#: mostly holds data waiting to be decoded: 12 MiB instead of 20 brings ``cat s3://.../big.zst``
#: to 96-101 MiB peak RSS from 106-109, s3fs and botocore included (benchmarks/bench_remote.py).
#: The window's depth no longer sets the number of requests: on S3 a sequential read is one GET.
#: 2 MiB blocks four ahead (10 MiB) kept the requested bytes ahead swinging between 4 and 8 MiB
#: and cost 7-10 % of wall time. A URL found plain is copied as fast as it arrives: it goes back
#: to the library's window.
URL_BLOCK_SIZE = 4 << 20
URL_READ_AHEAD = 2


def is_url(name: str) -> bool:
    """Whether ``name`` is a URL with a scheme (``s3://…``) rather than a local path or ``-``.

    Every URL holds ``://`` and a local path almost never does: that test alone answers for the
    names of a ``cat`` of a thousand files, without the library's pattern (or its import)."""
    if "://" not in name:
        return False
    from arrowio.io.urls import is_url as library_is_url

    return library_is_url(name)


def shown(name: str, storage_options: Mapping[str, Any] | None = None) -> str:
    """``name`` as reports and errors may show it: a URL without its credentials."""
    if "://" not in name or not is_url(name):  # the first test is is_url's own, without a call
        return name
    from arrowio.io.urls import redact_url

    return redact_url(name, storage_options)


def open_input(url: str, compression: str | None, storage_options: Mapping[str, Any] | None) -> Any:
    """``arrowio.input_stream(url, compression, storage_options=...)`` with cat's read-ahead."""
    from arrowio import RemoteFile
    from arrowio.io.urls import open_url_input

    stream = open_url_input(
        url,
        compression,
        storage_options=storage_options,
        block_size=URL_BLOCK_SIZE,
        read_ahead=URL_READ_AHEAD,
    )
    if isinstance(stream, RemoteFile):  # read as it is: a plain copy keeps up with the store
        stream.set_read_ahead()
    return stream


def expand_inputs(
    names: Iterable[str], storage_options: Mapping[str, Any] | None = None
) -> Iterator[tuple[str, BaseException | None]]:
    """Each input name in order, a URL glob (``s3://b/logs/*.zst``) replaced by its matches in
    sorted order; local names pass through (the shell expands those). A glob that matches nothing
    or cannot be listed yields ``(name, error)`` in its place, so the caller reports it and goes on.
    """
    for name in names:
        if not is_url(name):
            yield name, None
            continue
        from arrowio.io.urls import expand_url_globs  # here: local names need none of the URL code

        try:
            matches = expand_url_globs([name], storage_options)
        except (OSError, ValueError, NotImplementedError) as exc:
            exc.__traceback__ = None
            yield name, exc
            continue
        for match in matches:
            yield match, None
