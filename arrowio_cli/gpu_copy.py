"""``arrowio gpu-copy``: move a file's bytes into GPU memory (and back) and report the rates.

The work is :func:`arrowio.cuda.copy_to_device`; this module parses, opens the input, renders.

``--json`` prints one object with these keys (stable; rates in MiB/s = 2^20 bytes per second,
as every report of arrowio gives them, null where not measured):

    input, compression, bytes,
    device: {number, name, pci_bus_id, driver_version, cuda_driver_version, cuda_runtime_version,
             memory_total, memory_free_before, memory_free_after, memory_used_before,
             memory_used_after, memory_source},
    options: {pinned, chunk_size, streams, repeat, roundtrip, verify},
    h2d_mib_s, d2h_mib_s, end_to_end_mib_s,
    upload_seconds, h2d_seconds, download_seconds, d2h_seconds,
    peak_device_memory,
    checksum: {algorithm, input, roundtrip} or null,
    verified,
    runs: [{upload_seconds, h2d_seconds, download_seconds, d2h_seconds}, ...]

``compression`` is ``none`` (bytes read as they are), the codec named by ``-C NAME``, or ``auto``
(detection found a format and decoded it); ``bytes`` counts decoded bytes. ``memory_*_after``
are read while the data is still on the device.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from .errors import CliError, Unavailable, describe
from .params import SIZE, PathOrURL, compression_option, storage_option

if TYPE_CHECKING:
    from arrowio.cuda import DeviceInfo, TransferStats

__all__ = ["gpu_copy", "build_report", "REPORT_KEYS", "DEVICE_KEYS", "OPTION_KEYS", "RUN_KEYS"]

REPORT_KEYS = (
    "input",
    "compression",
    "bytes",
    "device",
    "options",
    "h2d_mib_s",
    "d2h_mib_s",
    "end_to_end_mib_s",
    "upload_seconds",
    "h2d_seconds",
    "download_seconds",
    "d2h_seconds",
    "peak_device_memory",
    "checksum",
    "verified",
    "runs",
)
DEVICE_KEYS = (
    "number",
    "name",
    "pci_bus_id",
    "driver_version",
    "cuda_driver_version",
    "cuda_runtime_version",
    "memory_total",
    "memory_free_before",
    "memory_free_after",
    "memory_used_before",
    "memory_used_after",
    "memory_source",
)
OPTION_KEYS = ("pinned", "chunk_size", "streams", "repeat", "roundtrip", "verify")
RUN_KEYS = ("upload_seconds", "h2d_seconds", "download_seconds", "d2h_seconds")


def _positive(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value <= 0:
        raise click.BadParameter(f"must be positive, got {value}")
    return value


@click.command("gpu-copy")
@click.argument("file", default="-", type=PathOrURL(allow_dash=True), metavar="[FILE|URL|-]")
@click.option(
    "--device", "device_number", type=click.IntRange(min=0), default=0, show_default=True, help="CUDA device number."
)
@click.option(
    "--pinned/--pageable",
    default=True,
    show_default=True,
    help="Stage chunks in page-locked host memory (DMA, asynchronous) or in ordinary memory.",
)
@click.option("--chunk-size", type=SIZE, default="64MiB", show_default=True, callback=_positive, help="Bytes per copy.")
@click.option(
    "--streams",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="CUDA streams; each has two staging buffers, so reading the next chunk overlaps the copy of the last.",
)
@click.option(
    "--repeat", type=click.IntRange(min=1), default=1, show_default=True, help="Copy the input this many times."
)
@click.option("--roundtrip", is_flag=True, help="Copy the data back from the device too.")
@click.option(
    "--verify", is_flag=True, help="Check that the round-tripped bytes have the input's checksum (needs --roundtrip)."
)
@compression_option("Input compression: detect it, read the bytes as they are, or decode as NAME (gzip, zstd, ...).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@storage_option
def gpu_copy(
    file: str,
    device_number: int,
    pinned: bool,
    chunk_size: int,
    streams: int,
    repeat: int,
    roundtrip: bool,
    verify: bool,
    compression: str,
    as_json: bool,
    storage_options: dict[str, Any],
) -> None:
    """Move FILE's bytes (or standard input's) into GPU memory and, with --roundtrip, back.

    Plain files are read through a memory map; compressed files are decoded on the way; a URL
    (s3://bucket/key, ...) is read by ranged requests with read-ahead, never mapped. Reports
    the device, its memory before and after, the host-to-device and device-to-host rates (from
    CUDA events), the end-to-end rate (reading included) and the peak device memory arrowio
    allocated. Exits 69 where there is no usable CUDA device (checked before the input is opened),
    1 when --verify finds a difference.

    \b
    Examples:
      arrowio gpu-copy big.bin                        upload, report as a table
      arrowio gpu-copy --roundtrip --verify big.bin   there and back, checksums compared
      arrowio gpu-copy --pageable big.bin             stage in ordinary memory, to compare
      zcat data.gz | arrowio gpu-copy --json -        JSON report of a stream
      arrowio gpu-copy -S anon=true s3://bucket/big.zst   straight from object storage
    """
    if verify and not roundtrip:
        raise click.UsageError("--verify compares the round-tripped bytes: it needs --roundtrip")
    if file == "-" and repeat > 1:
        raise click.UsageError("--repeat needs a file: standard input can be read only once")
    from arrowio import cuda

    _check_local_input(file)  # a missing input is the user's error (exit 1), whatever the machine has
    # The device next: without one, nothing is opened (no wait on a pipe, no remote request).
    reason = cuda.unavailable_reason(device_number)
    if reason is not None:
        raise Unavailable(f"gpu-copy: no CUDA device ({reason})")
    opener, size, compression_name = _open_input(file, compression, storage_options)
    options = {"pinned": pinned, "chunk_size": chunk_size, "streams": streams, "repeat": repeat,
               "roundtrip": roundtrip, "verify": verify}  # fmt: skip
    context = cuda.Context(device_number)
    before, after, stats = _copy(opener, context, device_number, size, options)
    from .remote import shown

    report = build_report(
        shown(file, storage_options),
        compression_name,
        before,
        after,
        stats,
        peak_device_memory=context.max_memory,
        options=options,
    )
    if as_json:
        click.echo(json.dumps(report))
    else:
        _render(report)
    if stats.verified is False:
        raise CliError("gpu-copy: the round-tripped bytes differ from the input (checksums above)")


def _copy(
    opener: Callable[[], Any], context: Any, device_number: int, size: int | None, options: dict[str, Any]
) -> tuple[DeviceInfo, DeviceInfo, TransferStats]:
    """Copy the input to the device: the device before, the device after (the data still on it)
    and the transfer's figures. The device memory is freed on return."""
    from arrowio import cuda

    before = cuda.device_info(device_number)
    copy = cuda.copy_to_device(
        opener,
        context,
        size=size,
        chunk_size=options["chunk_size"],
        streams=options["streams"],
        pinned=options["pinned"],
        roundtrip=options["roundtrip"],
        checksum=options["verify"],
        repeat=options["repeat"],
    )
    after = cuda.device_info(device_number)
    stats = copy.stats
    del copy  # frees the device memory
    return before, after, stats


def _check_local_input(file: str) -> None:
    """A missing, unreadable or folder input is ``arrowio: error: ...`` with exit 1, as in every
    subcommand; checked by its status, without opening it (a FIFO would wait for a writer)."""
    from .remote import is_url

    if file == "-" or is_url(file):
        return
    try:
        status = os.stat(file)
    except OSError as exc:
        raise CliError(describe(exc)) from None
    if stat.S_ISDIR(status.st_mode):
        raise CliError(f"{file}: is a directory")
    if not os.access(file, os.R_OK):
        raise CliError(f"{file}: Permission denied")


def _open_input(
    file: str, compression: str, storage_options: dict[str, Any] | None = None
) -> tuple[Callable[[], Any], int | None, str]:
    """How to read the input: a factory of fresh streams, the size when known, and the compression.

    Plain local files are memory-mapped (their size is known, so the data lands in one device
    buffer); plain URLs are read through ``arrowio.input_stream`` (ranged requests; the size is
    known too); compressed files and standard input are read through ``arrowio.input_stream``,
    decoding on the way. The compression reported is ``none`` when the bytes are read as they are,
    the codec's name when ``-C NAME`` chose it, and ``auto`` when detection found one.
    """
    import arrowio

    from .remote import is_url

    choice = compression.strip().lower()
    wanted = {"none": None}.get(choice, choice)

    def reopen() -> Any:
        return arrowio.input_stream(file, compression=wanted, storage_options=storage_options)

    stream = reopen() if file != "-" else arrowio.input_stream(sys.stdin.buffer, compression=wanted)
    plain = not isinstance(stream, arrowio.CompressedInputStream)  # detection passed the raw file through
    name = "none" if plain else choice
    if file == "-":
        return (lambda: stream), None, name  # one pass only: --repeat refuses standard input
    if is_url(file):  # never mapped: read by ranged requests, a fresh stream per pass
        size = stream.size() if plain else None
        stream.close()
        return reopen, size, name
    stream.close()
    if plain:
        with arrowio.memory_map(file) as mapped:
            size = mapped.size()
        return (lambda: arrowio.memory_map(file)), size, name
    return reopen, None, name


def build_report(
    file: str,
    compression: str,
    before: DeviceInfo,
    after: DeviceInfo,
    stats: TransferStats,
    *,
    peak_device_memory: int,
    options: dict[str, Any],
) -> dict[str, Any]:
    """The report as a dict with the documented keys, in the documented order."""

    def total(name: str) -> float | None:
        values = [getattr(run, name) for run in stats.runs]
        return None if not values or values[0] is None else sum(values)

    return {
        "input": file,
        "compression": compression,
        "bytes": stats.nbytes,
        "device": _device_report(before, after),
        "options": {key: options[key] for key in OPTION_KEYS},
        "h2d_mib_s": _mib_s(stats.h2d_gbps),
        "d2h_mib_s": _mib_s(stats.d2h_gbps),
        "end_to_end_mib_s": _mib_s(stats.end_to_end_gbps),
        "upload_seconds": total("upload_seconds"),
        "h2d_seconds": total("h2d_seconds"),
        "download_seconds": total("download_seconds"),
        "d2h_seconds": total("d2h_seconds"),
        "peak_device_memory": peak_device_memory,
        "checksum": _checksum_report(stats),
        "verified": stats.verified,
        "runs": [{key: getattr(run, key) for key in RUN_KEYS} for run in stats.runs],
    }


def _device_report(before: DeviceInfo, after: DeviceInfo) -> dict[str, Any]:
    """The report's ``device`` object: the device, its memory before and after the copy."""
    return {
        "number": before.device_number,
        "name": before.name,
        "pci_bus_id": before.pci_bus_id,
        "driver_version": before.driver_version,
        "cuda_driver_version": before.cuda_driver_version,
        "cuda_runtime_version": before.cuda_runtime_version,
        "memory_total": before.memory_total,
        "memory_free_before": before.memory_free,
        "memory_free_after": after.memory_free,
        "memory_used_before": before.memory_used,
        "memory_used_after": after.memory_used,
        "memory_source": before.source,
    }


def _checksum_report(stats: TransferStats) -> dict[str, Any] | None:
    """The report's ``checksum`` object (the first run's), or None when none was taken."""
    if not stats.runs or stats.runs[0].input_checksum is None:
        return None
    algorithm, _, first = stats.runs[0].input_checksum.partition(":")
    back = stats.runs[0].roundtrip_checksum
    return {"algorithm": algorithm, "input": first, "roundtrip": back.partition(":")[2] if back else None}


def _size(nbytes: int | None) -> str:
    from .report import format_bytes

    if nbytes is None:
        return "-"
    return f"{nbytes} B" if nbytes < 1024 else f"{format_bytes(nbytes)} ({nbytes} B)"


def _mib_s(gbps: float | None) -> float | None:
    """The library's GB/s (10^9 bytes per second) in the CLI's unit, MiB/s."""
    from .report import MIB

    return None if gbps is None else gbps * 1e9 / MIB


def _rate(mib_s: float | None) -> str:
    from .report import MIB, format_rate

    return "-" if mib_s is None else format_rate(mib_s * MIB, 1.0)


def _render(report: dict[str, Any]) -> None:
    """The report as a rich table on stdout."""
    from rich.console import Console
    from rich.table import Table

    color = click.get_current_context().find_root().color
    console = Console(file=sys.stdout, no_color=color is False, force_terminal=True if color else None)
    device = report["device"]
    options = report["options"]
    table = Table(title="arrowio gpu-copy", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    driver = device["driver_version"] or "unknown (nvidia-ml-py not installed)"
    rows = [
        ("input", f"{report['input']} ({report['compression']})"),
        ("device", f"{device['number']}: {device['name']} [{device['pci_bus_id']}]"),
        ("driver", f"{driver}, CUDA {device['cuda_driver_version']} (runtime {device['cuda_runtime_version']})"),
        ("memory total", _size(device["memory_total"])),
        ("memory free before", _size(device["memory_free_before"])),
        ("memory free after", _size(device["memory_free_after"])),
        ("bytes", _size(report["bytes"])),
        (
            "copies",
            f"{'pinned' if options['pinned'] else 'pageable'}, {_size(options['chunk_size'])} chunks, "
            f"{options['streams']} stream(s), {options['repeat']} run(s)",
        ),
        ("host to device", _rate(report["h2d_mib_s"])),
        ("device to host", _rate(report["d2h_mib_s"])),
        ("end to end", _rate(report["end_to_end_mib_s"])),
        ("peak device memory", _size(report["peak_device_memory"])),
    ]
    checksum = report["checksum"]
    if checksum is not None:
        rows.append((f"{checksum['algorithm']} input", checksum["input"]))
        rows.append((f"{checksum['algorithm']} round trip", checksum["roundtrip"] or "-"))
        rows.append(("verified", "yes" if report["verified"] else "NO: the bytes differ"))
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
