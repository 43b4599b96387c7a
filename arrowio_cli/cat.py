"""``arrowio cat``: write inputs' decoded content to stdout, like ``cat``/``zcat`` for every format."""

from __future__ import annotations

import time
from typing import Any

import click

from .errors import CliError
from .params import SIZE, compression_option, storage_option
from .streams import fileno, format_of

__all__ = ["cat"]

#: Decoded bytes per read: big enough that per-call overhead vanishes next to decoding.
CHUNK = 1 << 20


class TooMuchOutput(CliError):
    """--max-output was reached: stop everything (the guard is for the whole run)."""


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
    from .malloc_tuning import keep_heap_for_streaming
    from .remote import expand_inputs

    keep_heap_for_streaming()
    codec = {"none": None}.get(compression, compression)
    job = _Cat(codec, offset, length, use_mmap, hexdump, max_output, storage_options)
    measuring: Any  # a stats.Measuring context, or one that yields None when -s/--stats is off
    if show_stats:
        from arrowio import stats

        measuring = stats.measure()
    else:
        from contextlib import nullcontext

        measuring = nullcontext()
    if progress and quiet:
        raise click.UsageError("--progress and -q/--quiet contradict each other: choose one")
    from .report import Progress

    # The count polled is job.written: bytes that reached stdout, never a read-ahead.
    shown = Progress("cat", None, enabled=not quiet, force=progress, done=lambda: job.written)
    try:
        with measuring as measured, shown:
            for name, error in expand_inputs(inputs or ("-",), storage_options):
                if error is None:
                    job.run(name)
                else:
                    job.failed(name, error)
            job.out.flush()
    except TooMuchOutput:
        job.out.flush()  # what was written up to the limit
        if show_stats:  # the summary matters most when the guard stopped the run
            _show_stats(job.records, measured.result)
        raise
    if show_stats:
        _show_stats(job.records, measured.result)
    job.runner.exit(ctx)


class _Cat:
    """The copy of one input after another to stdout, with the run's options and totals."""

    def __init__(
        self,
        codec: str | None,
        offset: int,
        length: int | None,
        use_mmap: bool,
        hexdump: bool,
        max_output: int | None,
        storage_options: dict[str, Any],
    ) -> None:
        from .runner import InputRunner
        from .sink import OutputFailed, Stdout

        # stdout failing ends the run: no later input can do better
        self.runner = InputRunner(fatal=(TooMuchOutput, OutputFailed, BrokenPipeError))
        self.codec = codec
        self.offset = offset
        self.length = length
        self.use_mmap = use_mmap
        self.hexdump = hexdump
        self.max_output = max_output
        self.storage_options = storage_options
        self.out = Stdout()
        self.records: list[Any] = []
        self.written = 0  # bytes written to stdout so far (what --max-output limits)
        self._scratch: Any = None
        self._dump: Any = None

    def run(self, name: str) -> Any:
        """Copy one input; a failure is recorded in the returned stats, not raised."""
        from arrowio.stats import StreamStats

        from .remote import shown

        record = StreamStats(source="<stdin>" if name == "-" else shown(name, self.storage_options))
        self.records.append(record)
        start = time.perf_counter()
        try:
            with self.runner.input(record.source) as failure:
                try:
                    self._copy(name, record)
                except TooMuchOutput as exc:
                    record.error = str(exc)  # the input the guard stopped at, in --stats
                    raise
            record.error = failure[0] if failure else record.error
        finally:
            record.seconds = time.perf_counter() - start
            if self._dump is not None:
                self._dump.close()
                self._dump = None
        return record

    def failed(self, name: str, exc: BaseException) -> Any:
        """The record of an input that failed before it could be opened (a glob without a match)."""
        from arrowio.stats import StreamStats

        from .remote import shown

        record = StreamStats(source=shown(name, self.storage_options))
        record.error = self.runner.failed(record.source, exc)
        self.records.append(record)
        return record

    # -- one input ---------------------------------------------------------------------------
    def _copy(self, name: str, record: Any) -> None:
        import arrowio

        from .sink import stdin_file

        if self.hexdump:
            from .hexdump import HexDump

            self._dump = HexDump(self.out.write, self.offset)
        source = stdin_file() if name == "-" else name
        stream = arrowio.input_stream(source, compression=self.codec, storage_options=self.storage_options)
        try:
            record.format = format_of(stream) or "plain"
            if record.format == "plain" and name != "-" and stream.seekable():
                self._plain_range(name, stream, record)
            else:
                self._decoded(stream, record)
                if record.format != "plain":
                    record.bytes_in = _bytes_in(stream, source)
        finally:
            stream.close()

    def _plain_range(self, name: str, stream: Any, record: Any) -> None:
        """A plain seekable file: only the range is read, by the kernel, a map, read_at, or (a URL)
        ranged requests."""
        from .remote import is_url

        size = stream.size()
        start = min(self.offset, size)
        wanted = size if self.length is None else min(size, start + self.length)
        end = wanted if self.max_output is None else min(wanted, start + max(0, self.max_output - self.written))
        position = start
        if is_url(name):
            # Sequential reads from the start keep read-ahead requests in flight (read_at would
            # wait for one range at a time); read_buffer hands out slices of the fetched blocks.
            position = self._buffers_of(stream, start, end)
        elif self.use_mmap:
            position = self._from_map(name, start, end)
        elif self._dump is None and (fd := fileno(stream)) is not None:
            position += self.out.send_file(fd, position, end - position)
        while position < end:
            data = stream.read_at(min(CHUNK, end - position), position)
            if not data:
                break  # the file shrank under us
            self._emit(data)
            position += len(data)
        record.bytes_in = record.bytes_out = position - start
        self.written += position - start
        if end < wanted:
            raise TooMuchOutput(self._too_much())

    def _from_map(self, name: str, start: int, end: int) -> int:
        import arrowio

        if start == end:
            return end  # mmap(2) refuses empty files; nothing to map anyway
        from .sink import OutputFailed

        with arrowio.memory_map(name) as mapped:
            check = _ShrinkCheck(mapped.fileno(), mapped.size())
            try:
                return self._buffers_of(mapped, start, end, check)
            except OutputFailed:
                # write(2) from mapped pages past a new end fails with EFAULT ("Bad address"):
                # the input's fault, not stdout's, when the file shrank meanwhile.
                check()
                raise

    def _buffers_of(self, stream: Any, start: int, end: int, check: Any = None) -> int:
        """Write ``start..end`` of ``stream`` by ``read_buffer`` (zero-copy slices of a map or of
        fetched blocks); the position reached (short of ``end`` when the file shrank).

        ``check``, for a map, runs before each chunk is touched and raises once the file shrank."""
        stream.seek(start)
        position = start
        while position < end:
            if check is not None:
                check()
            chunk = stream.read_buffer(min(CHUNK, end - position))
            if not chunk.size:
                break
            # A hex dump copies the chunk as it starts (a vanished page read from Python is a
            # SIGBUS no handler survives), so only the moment after the check touches the map.
            self._emit(memoryview(chunk))
            position += chunk.size
            del chunk  # let the block (or the mapped pages) go once written
        return position

    def _decoded(self, stream: Any, record: Any) -> None:
        """A compressed or unseekable input: read through, skipping the offset, up to the length.

        --max-output counts what is written, as for plain files: skipped bytes are not output."""
        view = self._buffer()
        skip = self.offset
        if skip and stream.seekable():  # frames with known sizes: decode only from the frame holding the offset
            stream.seek(skip)
            skip = 0
        left = self.length
        out = 0
        try:
            while left is None or left > 0:
                want = min(CHUNK, skip) if skip else CHUNK if left is None else min(CHUNK, left)
                n = stream.readinto1(view[:want])  # what is there: a slow pipe streams through
                if not n:
                    break
                if skip:
                    skip -= n
                    continue
                if self.max_output is not None and self.written + n > self.max_output:
                    keep = self.max_output - self.written
                    self._emit(view[:keep])
                    self.written += keep
                    out += keep
                    raise TooMuchOutput(self._too_much())
                self._emit(view[:n])
                self.written += n
                out += n
                if left is not None:
                    left -= n
        finally:
            record.bytes_out = out  # what was written, also when the input failed part-way
        record.bytes_in = out

    # -- helpers -----------------------------------------------------------------------------
    def _buffer(self) -> memoryview:
        """One pool buffer for the whole run, so the pool (and pool-stats) sees cat's memory."""
        if self._scratch is None:
            import arrowio

            self._scratch = arrowio.allocate_buffer(CHUNK)
        return memoryview(self._scratch)

    def _emit(self, data: Any) -> None:
        if self._dump is not None:
            self._dump.feed(data)
        else:
            self.out.write(data)

    def _too_much(self) -> str:
        from .report import format_bytes

        return f"output exceeds --max-output {format_bytes(self.max_output or 0)} ({self.max_output} bytes); stopped"


class _ShrinkCheck:
    """Raises when the mapped file is now shorter than its map, as ``mmap-read`` does: touching
    the mapped pages past the new end would kill the process (SIGBUS) or fail a write (EFAULT)."""

    def __init__(self, fd: int, mapped: int) -> None:
        self.fd = fd
        self.mapped = mapped

    def __call__(self) -> None:
        import os
        import stat

        from arrowio import ArrowIOError

        status = os.fstat(self.fd)
        if stat.S_ISREG(status.st_mode) and status.st_size < self.mapped:
            raise ArrowIOError(
                f"the file shrank from {self.mapped} to {status.st_size} bytes while it was read; stopped"
            )


def _bytes_in(stream: Any, source: Any) -> int | None:
    """Compressed bytes read from below the decoder (its read-ahead included), where that is known."""
    counted = getattr(source, "bytes_read", None)
    if counted is not None:
        return int(counted)  # stdin: a pipe cannot tell its position
    framed = getattr(stream, "compressed_read", None)
    if framed is not None:
        return int(framed)  # frames are read by position: raw.tell() does not move
    try:
        return int(stream.raw.tell())
    except (AttributeError, OSError, ValueError):
        return None


def _show_stats(records: list[Any], measurement: Any) -> None:
    from .report import Table, format_bytes, format_rate, print_tables

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
