"""``arrowio compress``: compress or decompress files, like ``zstd``/``gzip``, with atomic outputs
(local files: a temporary file renamed into place; URLs: a remote write published only on success)."""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from .errors import CliError, OutputError, describe, describe_input, exit_code_for
from .exit_codes import ExitCode
from .params import CODEC, SIZE, storage_option
from .streams import fileno, format_of

__all__ = ["compress"]

#: Bytes per read of the input: large, so the codec sees big blocks and Python overhead vanishes.
CHUNK = 4 << 20


@click.command("compress")
@click.argument("inputs", nargs=-1, metavar="[FILE|URL|-]...")
@click.option(
    "-C",
    "--codec",
    type=CODEC,
    metavar="NAME",
    help="Format: zstd (default), gzip, bz2, xz, lz4, brotli, snappy; with -d: detected.",
)
@click.option(
    "-l",
    "--level",
    type=int,
    help="Compression level (default: the format's own tool's: gzip 6, zstd 3, xz 6, bz2 9, lz4 1, brotli 11).",
)
@click.option("-d", "--decompress", is_flag=True, help="Decompress instead.")
@click.option("-c", "--stdout", "to_stdout", is_flag=True, help="Write to stdout; keep the inputs.")
@click.option("-o", "--output", metavar="PATH|URL", help="Write to PATH or URL (one input only).")
@click.option(
    "-k", "--keep/--rm", default=True, help="Keep the inputs (the default), or remove each once its output is safely written."
)
@click.option("-f", "--force", is_flag=True, help="Overwrite existing outputs; allow compressed data on a terminal.")
@click.option(
    "-T",
    "--threads",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    metavar="N",
    help="Compression threads (0: all cores). Other than 1, zstd and gzip are written as independent "
    "frames (zstd as pzstd writes them) that every decoder reads and arrowio decodes on all cores.",
)
@click.option("--seekable", is_flag=True, help="zstd's seekable format: frames and a seek table (random access).")
@click.option("--bgzf", is_flag=True, help="gzip as BGZF (bgzip's blocked gzip: random access, parallel decoding).")
@click.option(
    "--frame-size",
    type=SIZE,
    metavar="SIZE",
    help="Input bytes per independent frame (default: 16M for zstd with -T, 4M for --seekable and gzip).",
)
@click.option("-t", "--test", is_flag=True, help="Decode and verify the inputs; write nothing.")
@click.option("-v", "--verbose", is_flag=True, help="Report sizes, ratio and speed per file on stderr.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no warnings.")
@storage_option
@click.pass_context
def compress(
    ctx: click.Context,
    inputs: tuple[str, ...],
    codec: str | None,
    level: int | None,
    decompress: bool,
    to_stdout: bool,
    output: str | None,
    keep: bool,
    force: bool,
    threads: int,
    seekable: bool,
    bgzf: bool,
    frame_size: int | None,
    test: bool,
    verbose: bool,
    quiet: bool,
    storage_options: dict[str, Any],
) -> None:
    """Compress FILEs (or stdin) into FILE.zst (or the codec's extension), or decompress.

    Outputs are written atomically: into a temporary file in the same folder, fsynced, then
    renamed, with the input's permissions and times. Ctrl-C, SIGTERM, a full disk or bad data
    leave no output behind; with -c they leave an unfinished stream that no decoder accepts.
    Existing outputs are kept unless -f; inputs are kept unless --rm. An output that is the
    input itself is refused; a device or FIFO (-o /dev/null) is written into, never replaced.
    Decompressing strips the format's extension; a name without one needs -o or -c.
    stdin goes to stdout unless -o names a file. A failing input is reported and the others
    still run; the exit status is then 1.

    Inputs and outputs may be URLs (s3://bucket/key, ...; credentials and endpoint from -S,
    fsspec's configuration or the AWS_* variables). A URL output is uploaded while it is
    written and published only when everything succeeded (an S3 multipart upload completes);
    a failure or Ctrl-C publishes nothing and leaves an older object as it was. -f is needed
    to replace an existing object; --rm deletes a URL input only after its output is published.

    \b
    Examples:
      arrowio compress big.csv                 # big.csv.zst
      arrowio compress -C gzip -l 9 --rm *.log
      arrowio compress -d big.csv.zst -o copy.csv
      tar c dir | arrowio compress -T 0 > dir.tar.zst
      arrowio compress --seekable big.csv      # arrowio cat --offset 200M big.csv.zst: fast
      arrowio compress --bgzf -T 0 reads.sam   # reads.sam.gz, as bgzip writes it
      arrowio compress -t *.gz                 # verify only
      arrowio compress big.csv -o s3://bucket/big.csv.zst
      arrowio compress --rm s3://bucket/logs/day1.log   # s3://bucket/logs/day1.log.zst
      arrowio compress -d -c s3://bucket/big.csv.zst | head
    """
    if output is not None and len(inputs) > 1:
        raise click.UsageError("-o/--output names one output: give one input")
    if output is not None and to_stdout:
        raise click.UsageError("-o/--output and -c/--stdout both name the output: choose one")
    if test and (output is not None or to_stdout or not keep):
        raise click.UsageError("-t/--test writes nothing: -o, -c and --rm do not apply")
    if not keep and to_stdout:
        raise click.UsageError("--rm removes an input only after writing its own output file, not with -c")
    from .malloc_tuning import keep_heap_for_streaming

    keep_heap_for_streaming()
    layout = _layout(codec, decompress or test, threads, seekable, bgzf, frame_size)
    if layout is not None and codec is None:
        codec = "gzip" if layout == "bgzf" else "zstd"
    job = _Job(codec, level, decompress or test, force, threads, test, verbose, quiet, keep, storage_options)
    job.layout, job.frame_size = layout, frame_size
    names = inputs or ("-",)
    if not job.decoding and not test and not force and any(_target(n, to_stdout, output) is None for n in names):
        if job.out.isatty():
            raise CliError("refusing to write compressed data to a terminal (use -f to force, or redirect stdout)")
    worst = ExitCode.OK  # of the inputs that failed: 69 where a needed backend is missing, else 1
    for name in names:
        try:
            job.one(name, _target(name, to_stdout, output))
        except job.fatal:
            raise
        except (OSError, ValueError, TypeError, NotImplementedError, MemoryError, CliError) as exc:
            worst = max(worst, exit_code_for(exc))
            # Our own messages name what they are about (an output, perhaps); others get the input's name.
            label = "<stdin>" if name == "-" else job.shown(name)
            message = describe(exc) if isinstance(exc, CliError) else describe_input(label, exc)
            click.echo(f"arrowio: error: {message}", err=True)
            exc.__traceback__ = None  # see cat.py: a decoder keeps its exception; no cycle through our frames
    job.out.flush()
    if worst:
        ctx.exit(worst)


def _layout(codec: str | None, decoding: bool, threads: int, seekable: bool, bgzf: bool, frame_size: int | None) -> str | None:
    """The frame layout the options ask for (see arrowio.CompressedOutputStream), or None."""
    if decoding:
        if seekable or bgzf or frame_size is not None:
            raise click.UsageError("--seekable, --bgzf and --frame-size apply to compression only")
        return None
    if seekable and bgzf:
        raise click.UsageError("--seekable is zstd's, --bgzf gzip's: choose one")
    name = None if codec is None else {"gz": "gzip", "zst": "zstd"}.get(codec.lower(), codec.lower())
    wanted = "zstd" if seekable else "gzip" if bgzf else None
    if wanted is not None and name not in (None, wanted):
        raise click.UsageError(f"{'--seekable' if seekable else '--bgzf'} needs -C {wanted}, not {codec}")
    if wanted is not None:
        return "seekable" if seekable else "bgzf"
    if threads != 1 and name in (None, "zstd", "gzip"):
        return "frames"
    if frame_size is not None:
        raise click.UsageError("--frame-size needs zstd or gzip written with -T other than 1, --seekable or --bgzf")
    return None


def _target(name: str, to_stdout: bool, output: str | None) -> str | None:
    """The output path, "" for "derive it from the input's name", or None for stdout."""
    if to_stdout or output == "-":
        return None
    if output is not None:
        return output
    return None if name == "-" else ""


class _Job:
    """The options of one run and what each input needs."""

    def __init__(
        self,
        codec: str | None,
        level: int | None,
        decoding: bool,
        force: bool,
        threads: int,
        test: bool,
        verbose: bool,
        quiet: bool,
        keep: bool,
        storage_options: dict[str, Any],
    ) -> None:
        import arrowio

        from .sink import OutputFailed, Stdout

        self.fatal = (OutputFailed, BrokenPipeError)
        self.decoding = decoding
        self.force, self.test, self.verbose, self.quiet, self.keep = force, test, verbose, quiet, keep
        self.storage_options = storage_options
        self.threads = threads if threads else -1
        self.out = Stdout()
        if decoding:
            self.codec = "detect" if codec is None else codec
            if level is not None:
                raise click.UsageError("-l/--level applies to compression only")
            self.level = None
        else:
            name = codec or "zstd"
            if level is None:  # as the format's own tool would (gzip -6, zstd -3), not the library's
                from arrowio.compression import FORMATS

                level = FORMATS[arrowio.Codec(name).name].tool_level
            try:
                self.level = arrowio.Codec(name, level).compression_level
            except ValueError as exc:
                raise click.BadParameter(describe(exc), param_hint="-l/--level") from None
            self.codec = name
        self._buffer: Any = None
        self.layout: str | None = None  # independent frames (see _layout)
        self.frame_size: int | None = None

    def view(self) -> memoryview:
        if self._buffer is None:
            import arrowio

            self._buffer = arrowio.allocate_buffer(CHUNK)  # from the pool: pool-stats sees it
        return memoryview(self._buffer)

    def shown(self, name: str) -> str:
        """``name`` as messages show it (a URL without credentials)."""
        from .remote import shown

        return shown(name, self.storage_options)

    def one(self, name: str, target: str | None) -> None:
        import arrowio

        from .atomic import atomic_output, refuse_existing, special_file
        from .remote import is_url
        from .report import Progress
        from .sink import stdin_file

        stdin = name == "-"
        local = not stdin and not is_url(name)
        label = "<stdin>" if stdin else self.shown(name)
        if local and os.path.isdir(name):
            raise CliError(f"{name}: is a directory")
        if self.test:
            target = None  # nothing is written, so no output name is needed
        elif target == "":
            target = self._derived_name(name)
        if not self.test:
            self._refuse_same_file(name, label, target)
        if target is not None:
            refuse_existing(target, self.force, self.storage_options)
            if not self.keep and not is_url(target) and special_file(target) is not None:
                raise CliError(f"{target}: not a regular file, so --rm would leave {label}'s content nowhere; nothing done")
        source = stdin_file() if stdin else name
        start = time.perf_counter()
        reader = arrowio.input_stream(
            source, compression=self.codec if self.decoding else None, storage_options=self.storage_options
        )
        size = _input_size(reader)
        with reader, Progress(label, size, enabled=not self.quiet) as progress:
            if self.decoding and format_of(reader) is None and not (self.force and target is None):
                raise CliError(f"{label}: not in a known compressed format (no magic number, no known extension)")
            if self.test:
                produced = self._copy(reader, None, progress, "")
            elif target is None:
                produced = self._write(reader, self.out.file(), progress, "<stdout>")
            elif is_url(target):
                produced = self._upload(reader, target, progress)
            else:
                with atomic_output(target, force=self.force, like=name if local else None) as file:
                    produced = self._write(reader, file, progress, target)
        seconds = time.perf_counter() - start
        if not self.keep and target is not None and not stdin:
            # Only now: the output is committed (renamed into place, or the object published).
            if local:
                os.unlink(name)
            else:
                from arrowio.io.urls import remove_url

                remove_url(name, self.storage_options)
        if self.verbose:
            self._report(label, target, size, produced, seconds, format_of(reader))

    def _upload(self, reader: Any, target: str, progress: Any) -> int:
        """Write to a URL: the object is published by the final close, and by nothing else."""
        import arrowio

        from .atomic import sigterm_raises

        shown = self.shown(target)
        with sigterm_raises():
            sink = arrowio.output_stream(target, compression=None, storage_options=self.storage_options)
            try:
                produced = self._write(reader, sink, progress, shown)
                with _naming(shown):
                    sink.close()  # publishes (a no-op when the compressing stream closed it already)
            except BaseException:
                sink.abort()  # nothing is published; an older object stays as it was
                raise
        return produced

    def _write(self, reader: Any, sink: Any, progress: Any, output: str) -> int:
        """Copy ``reader`` into ``sink``, compressing unless decoding; ``output`` names the sink
        in errors. A failure gives the compressed stream up unfinished (no end of frame, no
        trailer): an interrupted output never decodes as complete, wherever it went."""
        import arrowio

        if self.decoding:
            return self._copy(reader, sink, progress, output)
        # Workers: 0 compresses in this thread, -1 one worker per core.
        workers = 0 if self.threads == 1 else self.threads
        stream = arrowio.CompressedOutputStream(
            sink, self.codec, compression_level=self.level, threads=workers, layout=self.layout, frame_size=self.frame_size
        )
        try:
            written = self._copy(reader, stream, progress, output)
            with _naming(output):
                stream.close()
        except BaseException:
            _abort(stream)  # also aborts a remote sink: nothing is published
            raise
        return written

    def _copy(self, reader: Any, writer: Any, progress: Any, output: str) -> int:
        """Read errors are the input's; write errors are reported as ``output``'s."""
        view = self.view()
        total = 0
        while n := reader.readinto(view):
            if writer is not None:
                with _naming(output):
                    writer.write(view[:n])
            total += n
            progress.advance(n)
        return total

    def _refuse_same_file(self, name: str, label: str, target: str | None) -> None:
        """Refuse an output that is the input itself (``-o X X``, ``-c X >> X``), as gzip and zstd
        do: writing it would destroy the input, and --rm would then delete both."""
        from .remote import is_url

        if (target is not None and is_url(target)) or is_url(name):
            return
        try:
            if target is None:
                if self.out.fd is None:
                    return
                output = os.fstat(self.out.fd)
            else:
                output = os.stat(target)
            if name == "-":
                fd = fileno(sys.stdin) if sys.stdin is not None else None
                if fd is None:
                    return
                source = os.fstat(fd)
            else:
                source = os.stat(name)
        except OSError:
            return  # a missing output is not the input; a missing input fails when it is opened
        if stat.S_ISREG(output.st_mode) and (source.st_dev, source.st_ino) == (output.st_dev, output.st_ino):
            where = "stdout" if target is None else target
            raise CliError(f"{label}: input and output ({where}) are the same file; nothing done")

    def _derived_name(self, name: str) -> str:
        import arrowio

        if not self.decoding:
            return name + arrowio.compression.FORMATS[self.codec].extensions[0]
        try:
            fmt = arrowio.Codec.detect(name).name
        except ValueError:
            raise CliError(f"{name}: unknown extension: use -o or -c to name the output") from None
        lowered = name.lower()
        for extension in arrowio.compression.FORMATS[fmt].extensions:
            if lowered.endswith(extension):
                return name[: -len(extension)] + (".tar" if extension == ".tgz" else "")
        raise AssertionError("Codec.detect matched an extension")

    def _size_of(self, path: str | None) -> int:
        """The size of the written output ``path`` (asked of the store for a URL)."""
        from .remote import is_url

        if not path:
            return 0
        if not is_url(path):
            return os.path.getsize(path)
        import arrowio

        with arrowio.input_stream(path, compression=None, storage_options=self.storage_options) as written:
            return written.size()

    def _report(self, label: str, target: str | None, size: int | None, produced: int, seconds: float, fmt: str | None) -> None:
        from .report import format_bytes, format_rate

        where = "stdout" if target is None else self.shown(target)
        if self.test:
            click.echo(f"{label}: OK ({fmt}, {format_bytes(produced)} decoded, {format_rate(produced, seconds)})", err=True)
            return
        if size is None:
            click.echo(f"{label}: {format_bytes(produced)} in {seconds:.2f} s -> {where}", err=True)
            return
        compressed, plain = (size, produced) if self.decoding else (self._size_of(target), size)
        ratio = f"{plain / compressed:.2f}x" if compressed else "-"
        percent = f"{100 * compressed / plain:.2f}%" if plain else "-"
        click.echo(
            f"{label}: {format_bytes(plain)} <-> {format_bytes(compressed)} ({percent}, {ratio}), "
            f"{format_rate(plain, seconds)} -> {where}",
            err=True,
        )


def _input_size(reader: Any) -> int | None:
    """The input's size in bytes (of the compressed data when decoding), where it is known."""
    raw = getattr(reader, "raw", reader)
    try:
        return int(raw.size()) if raw.seekable() else None
    except (OSError, ValueError):
        return None


def _abort(stream: Any) -> None:
    """Give a compressing stream up after a failure, unfinished; the failure that led here is
    the one to report, not a second one from the sink."""
    try:
        stream.abort()
    except Exception:
        pass


@contextmanager
def _naming(output: str) -> Iterator[None]:
    """An OSError in the block is about ``output``: report it under that name."""
    try:
        yield
    except BrokenPipeError:
        raise  # stdout's reader left: main() ends quietly
    except OSError as exc:
        raise OutputError.of(output, exc) from None
