"""``arrowio mmap-read``: read a file through a memory map and zero-copy buffers, and say what it cost."""

from __future__ import annotations

from typing import Any

import click

from .errors import CliError
from .params import SIZE

__all__ = ["mmap_read"]

SCHEMA = "arrowio.mmap-read/1"
_CHECKSUMS = ("none", "crc32", "xxh64", "sha256")  # arrowio.checksums.CHECKSUMS, without importing it here
_ADVICE = ("normal", "sequential", "random", "willneed")  # arrowio.madvise.ADVICE


@click.command(
    "mmap-read",
    epilog="""\b
JSON keys (--json):
  schema, path, offset, length, chunk_size, chunks, seconds, bytes_per_second,
  checksum, checksum_value, checksum_backend, advise, pool_bytes_allocated,
  pool_allocations, minor_faults, major_faults, verified (true, or null
  without --verify)""",
)
@click.argument("file", type=click.Path(), metavar="FILE")
@click.option("--offset", type=SIZE, default=0, metavar="SIZE", help="First byte of the range.  [default: 0]")
@click.option("--length", type=SIZE, metavar="SIZE", help="Bytes to read (default: to the end of the file).")
@click.option(
    "--chunk-size", type=SIZE, default="16MiB", metavar="SIZE", show_default=True, help="Bytes per read_buffer call."
)
@click.option(
    "--checksum",
    type=click.Choice(_CHECKSUMS),
    default="crc32",
    show_default=True,
    help="Checksum of the range (crc32 by ISA-L when installed).",
)
@click.option("--verify", is_flag=True, help="Read the range again with a plain OSFile read and compare.")
@click.option("--advise", type=click.Choice(_ADVICE), help="madvise(2) the range before reading it.")
@click.option(
    "-x", "--hexdump", is_flag=True, help="Print a hex dump of the range (like hexdump -C); the report goes to stderr."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object (keys below).")
def mmap_read(
    file: str,
    offset: int,
    length: int | None,
    chunk_size: int,
    checksum: str,
    verify: bool,
    advise: str | None,
    hexdump: bool,
    as_json: bool,
) -> None:
    """Map FILE and read it through zero-copy buffers, reporting speed and cost.

    Reports the bytes and chunks read, the time and throughput, the checksum, the pool
    memory allocated during the read (0: the reads were zero-copy) and the page faults
    (minor: page cache hits; major: read from disk).

    FILE must be local: a URL (s3://...) cannot be memory-mapped and is refused before
    any request is made; read it with arrowio cat instead. A FIFO or a character device is
    refused without being opened; a file that shrinks while it is read stops the read.

    \b
    Examples:
      arrowio mmap-read big.bin
      arrowio mmap-read --checksum xxh64 --advise sequential --json big.bin
      arrowio mmap-read --offset 1M --length 256 -x big.bin
      arrowio mmap-read --verify --checksum sha256 disk.img
    """
    _check_arguments(file, chunk_size, hexdump, as_json)
    import arrowio
    from arrowio.checksums import checksum as new_checksum

    running = new_checksum(checksum)
    with arrowio.memory_map(file) as mapped:
        length = _range_length(file, mapped.size(), offset, length)
        dump = _dumper(offset) if hexdump else None
        chunks, result = _read_range(file, mapped, offset, length, chunk_size, running, dump, advise)
        if dump is not None:
            dump.close()
        verified = _verify(file, mapped, offset, length, chunk_size) if verify else None
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "path": file,
        "offset": offset,
        "length": length,
        "chunk_size": chunk_size,
        "chunks": chunks,
        "seconds": result.seconds,
        "bytes_per_second": length / result.seconds if result.seconds > 0 else None,
        "checksum": checksum,
        "checksum_value": running.hexdigest() or None,
        "checksum_backend": running.backend if checksum != "none" else None,
        "advise": advise,
        "pool_bytes_allocated": result.total_bytes_allocated,
        "pool_allocations": result.num_allocations,
        "minor_faults": result.minor_faults,
        "major_faults": result.major_faults,
        "verified": verified,
    }
    _render(report, as_json, err=hexdump)


def _check_arguments(file: str, chunk_size: int, hexdump: bool, as_json: bool) -> None:
    """Refuse what cannot work before anything is opened: clashing options, a URL, a FIFO."""
    if hexdump and as_json:
        raise click.UsageError("--hexdump and --json both want stdout; choose one")
    if chunk_size <= 0:
        raise click.BadParameter("must be at least 1 byte", param_hint="--chunk-size")
    from .remote import is_url, shown

    if is_url(file):
        raise CliError(f"mmap-read: cannot memory-map a URL ({shown(file)}); use arrowio cat")
    _refuse_unmappable(file)


def _range_length(file: str, size: int, offset: int, length: int | None) -> int:
    """The length of the range to read, checked against the file's ``size``."""
    if size == 0:
        raise CliError(f"{file}: empty file: nothing to map")
    if offset >= size:
        raise CliError(f"{file}: offset {offset} is past the end of the file ({size} bytes)")
    if length is None:
        return size - offset
    if offset + length > size:
        raise CliError(f"{file}: range {offset}..{offset + length} is past the end of the file ({size} bytes)")
    return length


def _read_range(
    file: str, mapped: Any, offset: int, length: int, chunk_size: int, running: Any, dump: Any, advise: str | None
) -> tuple[int, Any]:
    """Read the range, measured, in zero-copy chunks into the checksum (and the hex dump): the
    number of chunks and the measurement."""
    from arrowio import stats
    from arrowio.madvise import madvise

    size = mapped.size()
    chunks, remaining = 0, length
    with stats.measure() as measuring:
        mapped.seek(offset)
        if advise:
            madvise(mapped.read_buffer(length), advise)
            mapped.seek(offset)
        while remaining:
            _check_size(file, mapped.fileno(), size)
            chunk = mapped.read_buffer(min(chunk_size, remaining))
            running.update(chunk)
            if dump is not None:
                dump.feed(memoryview(chunk))
            remaining -= chunk.size
            chunks += 1
            del chunk
    assert measuring.result is not None
    return chunks, measuring.result


def _refuse_unmappable(file: str) -> None:
    """A FIFO, a character device or a socket cannot be mapped; say so from its status, before
    any open (opening a FIFO for reading waits for a writer, maybe forever)."""
    import os
    import stat

    try:
        mode = os.stat(file).st_mode
    except OSError:
        return  # the library's open reports it (a missing file, no permission)
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISSOCK, "a socket"))
    for test, kind in kinds:
        if test(mode):
            raise CliError(f"{file}: {kind}: only regular files and block devices can be memory-mapped")


def _check_size(file: str, fd: int, mapped: int) -> None:
    """Stop before reading on when the file is now shorter than the mapping: touching mapped
    pages past the new end would kill the process with SIGBUS."""
    import os
    import stat

    status = os.fstat(fd)
    if stat.S_ISREG(status.st_mode) and status.st_size < mapped:
        raise CliError(f"{file}: the file shrank from {mapped} to {status.st_size} bytes while it was read; stopped")


def _dumper(offset: int) -> Any:
    from .hexdump import HexDump
    from .sink import Stdout

    out = Stdout()
    return HexDump(out.write, offset)


def _verify(file: str, mapped: Any, offset: int, length: int, chunk_size: int) -> bool:
    """Compare the mapped range with what a plain positional read of the file returns."""
    import arrowio

    with arrowio.OSFile(file) as plain:
        position, end = offset, offset + length
        while position < end:
            _check_size(file, mapped.fileno(), mapped.size())
            n = min(chunk_size, end - position)
            mapped.seek(position)
            if mapped.read_buffer(n) != plain.read_at(n, position):
                raise CliError(f"{file}: the mapped bytes differ from a plain read in {position}..{position + n}")
            position += n
    return True


def _render(report: dict[str, Any], as_json: bool, err: bool) -> None:
    from .report import Table, format_bytes, format_rate, format_seconds, print_json, print_tables

    if as_json:
        print_json(report)
        return
    table = Table(f"mmap-read {report['path']}", ["", "value"], align="lr")
    table.add("range", f"{report['offset']}..{report['offset'] + report['length']} ({format_bytes(report['length'])})")
    table.add("chunks", f"{report['chunks']} of up to {format_bytes(report['chunk_size'])}")
    table.add("time", format_seconds(report["seconds"]))
    table.add("throughput", format_rate(report["length"], report["seconds"]))
    if report["checksum"] != "none":
        table.add(report["checksum"], f"{report['checksum_value']} ({report['checksum_backend']})")
    if report["advise"]:
        table.add("advise", report["advise"])
    table.add("pool bytes allocated", f"{report['pool_bytes_allocated']} ({report['pool_allocations']} allocations)")
    table.add("page faults", f"{report['minor_faults']} minor, {report['major_faults']} major")
    if report["verified"]:
        table.add("verify", "identical to an OSFile read")
    print_tables([table], err=err)
