"""``arrowio cat``: write inputs' decoded content to stdout, like ``cat``/``zcat`` for every format."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import click

from .params import SIZE, compression_option, storage_option
from .streams import is_terminal

__all__ = ["cat"]


@click.command("cat")
@click.argument("inputs", nargs=-1, metavar="[FILE|URL|-]...")
@compression_option(
    "auto: detect by magic bytes, else by extension; none: copy bytes as they are; NAME: decode as that format."
)
@click.option(
    "--offset", type=SIZE, default=0, metavar="SIZE", help="Skip this many bytes of each input's decoded content."
)
@click.option(
    "--length", type=SIZE, metavar="SIZE", help="Write at most this many bytes of each input's decoded content."
)
@click.option(
    "--mmap",
    "use_mmap",
    is_flag=True,
    help="Read plain local files through a memory map (a URL is read by ranged requests, never mapped); "
    "a file that shrinks while it is read is an error for that input.",
)
@click.option(
    "-x", "--hexdump", is_flag=True, help="Write a canonical hex+ASCII dump (like hexdump -C) instead of the bytes."
)
@click.option(
    "--max-output",
    type=SIZE,
    metavar="SIZE",
    help="Fail once the output would exceed SIZE bytes written (bytes skipped by --offset do not count): "
    "a guard against decompression bombs.",
)
@click.option(
    "--stats",
    "show_stats",
    is_flag=True,
    help="After the data (also when --max-output stops it), a summary on stderr: formats, bytes in/out, "
    "ratio, throughput, pool peak.",
)
@click.option(
    "--progress",
    is_flag=True,
    help="Show the progress line (bytes written, rate) also when stderr is not a terminal. By default it "
    "appears on a terminal once the run has taken a second.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress line.")
@storage_option
@click.pass_context
def cat(
    ctx: click.Context,
    inputs: tuple[str, ...],
    compression: str,
    offset: int,
    length: int | None,
    use_mmap: bool,
    hexdump: bool,
    max_output: int | None,
    show_stats: bool,
    progress: bool,
    quiet: bool,
    storage_options: dict[str, Any],
) -> None:
    """Write each input's decoded content to stdout, in order.

    No input, or -, reads stdin. Compression is detected by magic bytes where the format
    has them and by the extension otherwise (brotli), so a zstd file named data.bin and a
    gzip stream on a pipe are both decoded; a plain file passes through unchanged, copied
    by the kernel (sendfile) when stdout is a pipe or a file. --offset and --length pick a
    byte range of the decoded content; plain files are read only in that range.
    Streams of different formats one after the other (cat a.gz b.zst | arrowio cat) are
    decoded in sequence, each by its magic number, as zstd -d does; plain data after
    compressed data is an error (snappy, which has no end marker, can only come last).
    Plain files are read only in the --offset/--length range, and so are compressed files
    whose frames are known (zstd seekable, BGZF, frames with sizes, a saved index): only
    the frames holding the range are decoded. Files of independent frames (pzstd, bgzip,
    compress -T) are decoded on all cores.

    A URL (s3://bucket/key, gs://..., https://..., any fsspec scheme) is read by ranged
    requests with read-ahead; credentials and endpoint come from -S options, fsspec's
    configuration or the AWS_* variables. A URL glob (quote it) is expanded in sorted order;
    one that matches nothing is an error for that input; the query of an http(s) URL is not a
    pattern. Credentials in a URL are shown as ***. --mmap applies to local files only.

    An input that fails is reported on stderr and the others still run; the exit status
    is then 1. A failed write to stdout (a full disk, a file-size limit) stops the run at
    once with exit 1: short writes are continued, errors never pass for success.

    \b
    Examples:
      arrowio cat logs.gz | grep ERROR
      curl -s https://example.com/data.zst | arrowio cat | wc -c
      arrowio cat --offset 1M --length 64 -x big.bin
      arrowio cat --max-output 1G --stats untrusted.xz > out.bin
      arrowio cat 's3://bucket/logs/*.zst' | grep ERROR
      arrowio cat -S endpoint_url=http://127.0.0.1:8333 -S anon=true s3://public/data.gz
    """
    if progress and quiet:
        raise click.UsageError("--progress and -q/--quiet contradict each other: choose one")
    from .cat_job import CatJob, TooMuchOutput
    from .malloc_tuning import keep_heap_for_streaming

    keep_heap_for_streaming()
    codec = {"none": None}.get(compression, compression)
    job = CatJob(codec, offset, length, use_mmap, hexdump, max_output, storage_options)
    measuring = _measuring(show_stats)
    try:
        with measuring as measured, _progress(job, quiet, progress):
            job.run_all(inputs)
    except TooMuchOutput:
        job.out.flush()  # what was written up to the limit
        if show_stats:  # the summary matters most when the guard stopped the run
            _show_stats(job.records, measured.result)
        raise
    if show_stats:
        _show_stats(job.records, measured.result)
    job.runner.exit(ctx)


def _measuring(show_stats: bool) -> AbstractContextManager[Any]:
    """A ``stats.measure()`` of the run for --stats; without it, nothing (and no import)."""
    if not show_stats:
        return nullcontext()
    from arrowio import stats

    return stats.measure()


def _progress(job: Any, quiet: bool, force: bool) -> AbstractContextManager[Any]:
    """The progress line, polling the bytes that reached stdout (never a read-ahead); nothing
    where it can never show (-q, or stderr is not a terminal and --progress was not given), so
    a short run starts no timer and imports no renderer."""
    if quiet or not (force or is_terminal(sys.stderr)):
        return nullcontext()
    from .report import Progress

    return Progress("cat", None, enabled=True, force=force, done=lambda: job.written)


def _show_stats(tallies: list[Any], measurement: Any) -> None:
    from .report import Table, format_bytes, format_rate, print_tables

    records = [tally.stats() for tally in tallies]
    table = Table("arrowio cat", ["input", "format", "in", "out", "ratio", "throughput"], align="llrrrr")
    total_in: int | None = 0
    for record in records:
        ratio = f"{record.ratio:.2f}x" if record.ratio is not None else "-"
        bytes_in = format_bytes(record.bytes_in) if record.bytes_in is not None else "-"
        status = record.format if record.error is None else "failed"
        rate = format_rate(record.bytes_out, record.seconds)
        table.add(record.source, status, bytes_in, format_bytes(record.bytes_out), ratio, rate)
        if record.bytes_in is None or total_in is None:
            total_in = None
        else:
            total_in += record.bytes_in
    total_out = sum(record.bytes_out for record in records)
    if len(records) > 1:
        ratio = f"{total_out / total_in:.2f}x" if total_in else "-"
        table.add(
            "total",
            "",
            format_bytes(total_in) if total_in is not None else "-",
            format_bytes(total_out),
            ratio,
            format_rate(total_out, measurement.seconds),
        )
    summary = Table("", ["", ""], align="lr")
    summary.add("pool peak", f"{format_bytes(measurement.max_memory)} ({measurement.backend})")
    summary.add("peak RSS", format_bytes(measurement.peak_rss_bytes))
    summary.add("wall time", f"{measurement.seconds:.3f} s")
    print_tables([table, summary], err=True)
