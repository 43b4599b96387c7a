"""``arrowio info``: what a file is, like ``gzip -l``/``zstd -l`` for every format."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from .params import storage_option

__all__ = ["info"]

SCHEMA = "arrowio.info/1"


@click.command(
    "info",
    epilog="""\b
JSON keys (--json): schema, files: [{path, format, format_by_magic,
  format_by_extension, extension_agrees, compressed_size, decoded_size,
  decoded_size_from ("header", "trailer", "scan", "plain" or null), members,
  checksum, followed_by, ratio, error}]; every file named has its entry, in
  order: one that fails has its message in error (null otherwise) and null
  facts, and is also reported on stderr. followed_by lists the formats of
  the streams after the first when --scan decoded a concatenation of
  different formats (cat a.zst b.gz), [] otherwise; format is then the
  first stream's, members counts every stream's, checksum is null""",
)
@click.argument("files", nargs=-1, required=True, metavar="FILE|URL|-...")
@click.option(
    "--scan",
    is_flag=True,
    help="Decode each file once, by the decoder arrowio cat reads it with: the exact decoded size, the member "
    "count (also of gzip and bz2), and every checksum the format carries verified (brotli carries none). "
    "--scan accepts exactly the files cat reads, and refuses the others with cat's message: also a "
    "concatenation of different formats (cat a.zst b.gz), shown as zstd+gzip.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (keys below).")
@storage_option
@click.pass_context
def info(
    ctx: click.Context, files: tuple[str, ...], scan: bool, as_json: bool, storage_options: dict[str, Any]
) -> None:
    """Describe compressed files: format, sizes, ratio, members, checksums.

    The format is the one arrowio cat decodes the file as: by magic bytes, else by the
    extension (brotli has no magic); a name whose extension says otherwise is flagged, and
    a name with a format's extension but not its magic (plain text named x.gz) is refused
    as cat refuses it. Without --scan only headers
    and trailers are read: the decoded size is what the container records (gzip's ISIZE,
    zstd and lz4 frame content sizes, BGZF blocks, the xz index), else unknown (-). A local
    file of at most 256 KiB is read to its end to measure it (/proc and sysfs files state
    sizes they do not hold).

    URLs (s3://bucket/key, ...) are read by ranged requests, headers and trailers only
    unless --scan; a URL glob (quote it) is expanded in sorted order. A FIFO, a device or a
    folder is refused (info reads files by position); - reads stdin from where it is, as cat
    does (a pipe, or a file read partly before, is copied into a temporary file first; brotli,
    which has no magic number, is not recognised there).

    \b
    Examples:
      arrowio info data.gz logs/*.zst
      arrowio info --scan --json archive.tar.xz
      arrowio info 's3://bucket/logs/*'
    """
    from dataclasses import replace

    from arrowio.fileinfo import file_info

    from .remote import expand_inputs, shown
    from .runner import InputRunner

    results: list[Any] = []  # a FileInfo, or the (label, message) of a file that failed
    runner = InputRunner()
    for name, error in expand_inputs(files, storage_options):
        label = "<stdin>" if name == "-" else shown(name, storage_options)
        with runner.input(label) as failure:
            if error is not None:
                raise error  # a URL glob that matched nothing: reported in its place
            with _readable(name) as path:
                results.append(replace(file_info(path, scan=scan, storage_options=storage_options), path=label))
        results.extend((label, message) for message in failure)
    _render(results, as_json)
    runner.exit(ctx)


@contextmanager
def _readable(name: str) -> Iterator[str]:
    """A path ``file_info`` can read by position: ``name`` itself, or for ``-`` stdin (a
    regular file at its start as it is; a pipe, or a file read partly, copied into a temporary
    file first, in bounded pieces)."""
    if name != "-":
        yield name
        return
    import os
    import shutil
    import stat
    import sys
    import tempfile

    from .sink import stdin_file
    from .streams import fileno

    stdin = stdin_file()  # a closed stdin is the one-line error
    fd = fileno(sys.stdin)
    # /dev/fd/N opens the file again, from its start: only where stdin is at its start, as cat
    # reads it from where it is (``(read header; arrowio info -) < f``): else it is copied.
    if fd is not None and stat.S_ISREG(os.fstat(fd).st_mode) and os.lseek(fd, 0, os.SEEK_CUR) == 0:
        yield f"/dev/fd/{fd}"
        return
    with tempfile.NamedTemporaryFile(prefix="arrowio-info-") as spool:
        shutil.copyfileobj(stdin, spool, 1 << 20)
        spool.flush()
        yield spool.name


def _render(results: list[Any], as_json: bool) -> None:
    from .names import printable
    from .report import Table, format_bytes, print_json, print_tables

    if as_json:
        print_json({"schema": SCHEMA, "files": [_entry(r) for r in results]})
        return
    results = [r for r in results if not isinstance(r, tuple)]  # failures are on stderr already
    if not results:
        return
    table = Table("", ["file", "format", "compressed", "decoded", "ratio", "members", "checksum"], align="llrrrrl")
    notes = []
    for r in results:
        fmt = "+".join((r.format or "plain", *r.followed_by))
        if r.extension_agrees is False:
            fmt += " (!)"
            content = r.format or "not compressed"
            notes.append(f"{r.path}: the extension says {r.format_by_extension}, the content is {content}")
        decoded = "-" if r.decoded_size is None else format_bytes(r.decoded_size)
        if r.decoded_size_from == "trailer":
            decoded += "*"
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}x"
        table.add(r.path, fmt, format_bytes(r.compressed_size), decoded, ratio, r.members or "-", r.checksum or "-")
    if any(r.decoded_size_from == "trailer" for r in results):
        notes.append("* gzip's trailer records the last member's size modulo 4 GiB; --scan counts exactly")
    print_tables([table])
    for note in notes:
        click.echo(printable(note))


def _entry(result: Any) -> dict[str, Any]:
    """The JSON entry of a FileInfo, or of a ``(path, message)`` failure: the same keys, facts null."""
    from arrowio.fileinfo import FileInfo

    if isinstance(result, tuple):
        path, message = result
        return {**dict.fromkeys(FileInfo.keys()), "path": path, "error": message}
    return {**result.to_dict(), "error": None}
