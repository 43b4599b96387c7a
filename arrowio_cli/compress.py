"""``arrowio compress``: compress or decompress files, like ``zstd``/``gzip``, with atomic outputs
(local files: a temporary file renamed into place; URLs: a remote write published only on success)."""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click

from .errors import CliError, OutputError, describe
from .params import CODEC, SIZE, level_flags, storage_option
from .streams import fileno, format_of

__all__ = ["compress"]

#: Bytes per read of the input: large, so the codec sees big blocks and Python overhead vanishes.
CHUNK = 4 << 20


class _CompressCommand(click.Command):
    """Reads gzip's and zstd's level flags (``-9``, ``-19c``, bare ``--fast``), which click has no
    option type for, by rewriting them before click parses the arguments."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        valued = {name for p in self.params if isinstance(p, click.Option) and not p.is_flag for name in p.opts}
        return super().parse_args(ctx, level_flags(args, valued.__contains__))


#: What compress writes without -C.
DEFAULT_FORMAT = "zstd"


def _codec_help() -> str:
    """-C's help, from the registry: a new format shows up here by its row alone."""
    from arrowio.compression import FORMATS

    others = [f.name for f in FORMATS.values() if f.streaming and f.name != DEFAULT_FORMAT]
    return f"Format: {DEFAULT_FORMAT} (default), {', '.join(others)}; with -d: detected."


def _level_help() -> str:
    """--level's help, with each format's tool default from the registry."""
    from arrowio.compression import FORMATS

    defaults = ", ".join(f"{f.name} {f.tool_level}" for f in FORMATS.values() if f.tool_level is not None)
    return (
        "Compression level, also written -N as in gzip and zstd (-1 ... -19; zstd: --ultra -20 ... -22). "
        f"Default: the format's own tool's: {defaults}."
    )


@click.command("compress", cls=_CompressCommand)
@click.argument("inputs", nargs=-1, metavar="[FILE|URL|-]...")
@click.option(
    "-C",
    "--codec",
    type=CODEC,
    metavar="NAME",
    help=_codec_help(),
)
@click.option(
    "--level",
    type=int,
    metavar="N",
    help=_level_help(),
)
@click.option(
    "--fast",
    type=click.IntRange(min=1),
    metavar="[=N]",
    help="The format's fastest level; zstd: its negative level -N (--fast is --fast=1), as in zstd.",
)
@click.option(
    "--best", is_flag=True, help="The format's best level without --ultra (zstd 19, gzip/bz2/xz 9, lz4 12, brotli 11)."
)
@click.option("--ultra", is_flag=True, help="Allow zstd's levels 20 to 22 (they need much more memory), as zstd does.")
@click.option(
    "-l",
    "--list",
    "list_",
    is_flag=True,
    help="List the compressed FILEs as zstd -l and gzip -l do (arrowio info's table).",
)
@click.option(
    "--suffix",
    metavar="SUF",
    help="The output's suffix instead of the format's (.zst, .gz); with -d, the suffix to strip (gzip -S).",
)
@click.option(
    "-N/-n",
    "--name/--no-name",
    "save_name",
    default=True,
    help="gzip: record the input's name and modification time in the header, as gzip does by default "
    "(stdin records neither).",
)
@click.option("-d", "--decompress", is_flag=True, help="Decompress instead.")
@click.option("-c", "--stdout", "to_stdout", is_flag=True, help="Write to stdout; keep the inputs.")
@click.option("-o", "--output", metavar="PATH|URL", help="Write to PATH or URL (one input only).")
@click.option(
    "-k",
    "--keep/--rm",
    default=True,
    help="Keep the inputs (the default), or remove each once its output is complete and synced.",
)
@click.option("-f", "--force", is_flag=True, help="Overwrite existing outputs; allow compressed data on a terminal.")
@click.option(
    "-T",
    "--threads",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    metavar="N",
    help="Compression threads (0: all cores). 1: zstd from a file is compressed by one worker beside the "
    "thread that reads and writes, as zstd does by default (one frame). Other than 1, zstd and gzip are written as "
    "independent frames (zstd as pzstd writes them) that every decoder reads and arrowio decodes on all cores.",
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
@click.option("-q", "--quiet", is_flag=True, help="No progress line and no warnings.")
@click.option(
    "--progress",
    is_flag=True,
    help="Show the progress line (bytes read and written, ratio, rate, ETA) also when stderr is not a "
    "terminal. By default it appears on a terminal once a file has taken a second.",
)
@storage_option
@click.pass_context
def compress(
    ctx: click.Context,
    inputs: tuple[str, ...],
    codec: str | None,
    level: int | None,
    fast: int | None,
    best: bool,
    ultra: bool,
    list_: bool,
    suffix: str | None,
    save_name: bool,
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
    progress: bool,
    storage_options: dict[str, Any],
) -> None:
    """Compress FILEs (or stdin) into FILE.zst (or the codec's extension), or decompress.

    Outputs are written atomically: into a temporary file in the same folder, fsynced, then
    renamed, with the input's permissions and times. Every write is checked (short writes are
    continued); Ctrl-C, SIGTERM, a full disk, a file-size limit or bad data leave no output
    behind (only a SIGKILL can leave a hidden .NAME.*.arrowio-tmp); with -c they leave an
    unfinished stream that no decoder accepts. Existing outputs are kept unless -f; inputs are
    kept unless --rm, which removes an input only once its output is complete, fsynced, in
    place and holds exactly the bytes written for it. An output that is the
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
      arrowio compress -C gzip -9 --rm *.log
      arrowio compress -19 big.csv             # zstd -19; --ultra -22, --fast=5
      arrowio compress -l *.zst                # list, as zstd -l does
      arrowio compress -d big.csv.zst -o copy.csv
      tar c dir | arrowio compress -T 0 > dir.tar.zst
      arrowio compress --seekable big.csv      # arrowio cat --offset 200M big.csv.zst: fast
      arrowio compress --bgzf -T 0 reads.sam   # reads.sam.gz, as bgzip writes it
      arrowio compress -t *.gz                 # verify only
      arrowio compress big.csv -o s3://bucket/big.csv.zst
      arrowio compress --rm s3://bucket/logs/day1.log   # s3://bucket/logs/day1.log.zst
      arrowio compress -d -c s3://bucket/big.csv.zst | head
    """
    if list_:
        _list(ctx, inputs, storage_options, decompress or to_stdout or output is not None or test or not keep)
        return
    _refuse_clashing_outputs(len(inputs), output, to_stdout, test, keep)
    from .malloc_tuning import keep_heap_for_streaming

    keep_heap_for_streaming()
    decoding = decompress or test
    layout = _layout(codec, decoding, threads, seekable, bgzf, frame_size)
    if layout is not None and codec is None:
        codec = "gzip" if layout == "bgzf" else "zstd"
    level = _level(codec or DEFAULT_FORMAT, level, fast, best, ultra, decoding)
    codec, level = _codec_and_level(codec, level, decoding)
    if progress and quiet:
        raise click.UsageError("--progress and -q/--quiet contradict each other: choose one")
    job = _Job(_Options(
        codec=codec, level=level, decoding=decoding, threads=threads if threads else -1, test=test, force=force,
        keep=keep, verbose=verbose, quiet=quiet, progress=progress, suffix=suffix, save_name=save_name,
        layout=layout, frame_size=frame_size, storage_options=storage_options,
    ))  # fmt: skip
    names = inputs or ("-",)
    to_terminal = any(_target(n, to_stdout, output) is None for n in names) and job.out.isatty()
    if not decoding and not force and to_terminal:
        raise CliError("refusing to write compressed data to a terminal (use -f to force, or redirect stdout)")
    from .runner import InputRunner

    runner = InputRunner(fatal=job.fatal)
    for name in names:
        with runner.input("<stdin>" if name == "-" else job.shown(name)):
            job.one(name, _target(name, to_stdout, output))
    job.out.flush()
    runner.exit(ctx)


def _refuse_clashing_outputs(inputs: int, output: str | None, to_stdout: bool, test: bool, keep: bool) -> None:
    """Usage errors for output options that contradict each other or the number of inputs."""
    if output is not None and inputs > 1:
        raise click.UsageError("-o/--output names one output: give one input")
    if output is not None and to_stdout:
        raise click.UsageError("-o/--output and -c/--stdout both name the output: choose one")
    if test and (output is not None or to_stdout or not keep):
        raise click.UsageError("-t/--test writes nothing: -o, -c and --rm do not apply")
    if not keep and to_stdout:
        raise click.UsageError("--rm removes an input only after writing its own output file, not with -c")


def _list(ctx: click.Context, inputs: tuple[str, ...], storage_options: dict[str, Any], other_work: bool) -> None:
    """``-l``: what ``zstd -l``/``gzip -l`` print, by ``arrowio info``."""
    if other_work:
        raise click.UsageError(
            "-l/--list only lists: -d, -c, -o, -t and --rm do not apply (the level is -N or --level N)"
        )
    if not inputs:
        raise click.UsageError("-l/--list needs FILEs to list")
    from .info import info

    ctx.invoke(info, files=inputs, scan=False, as_json=False, storage_options=storage_options)


def _level(codec: str, level: int | None, fast: int | None, best: bool, ultra: bool, decoding: bool) -> int | None:
    """The level the options ask for (None: the format's tool's default), checked as zstd and
    gzip check them: one way of saying it, within the format's range (the library takes any
    level, as PyArrow does), and zstd's 20 to 22 only with --ultra."""
    given = [
        name for name, value in (("-N/--level", level), ("--fast", fast), ("--best", best or None)) if value is not None
    ]
    if len(given) > 1:
        raise click.UsageError(f"{' and '.join(given)} both set the level: choose one")
    if decoding:
        if given or ultra:
            raise click.UsageError(f"{given[0] if given else '--ultra'} applies to compression only")
        return None
    import arrowio
    from arrowio.compression import FORMATS

    fmt = FORMATS[arrowio.Codec(codec).name]
    if fmt.levels is None:
        if given:
            raise click.UsageError(f"{fmt.name} has no compression levels: drop {given[0]}")
        return None
    if fast is not None:
        if fmt.name == "zstd":
            return _in_range(fmt, -fast, "--fast")
        if fast > 1:
            raise click.UsageError(
                f"--fast=N is zstd's negative level -N; {fmt.name}'s fastest is --fast or -{fmt.minimum_level}"
            )
        return fmt.minimum_level
    if best:
        return 19 if fmt.name == "zstd" else fmt.maximum_level
    if level is not None:
        _in_range(fmt, level, "-N/--level")
    if fmt.name == "zstd" and level is not None and level > 19 and not ultra:
        raise click.UsageError(f"zstd level {level} needs --ultra (as in zstd: --ultra -{level})")
    if ultra and fmt.name != "zstd":
        raise click.UsageError("--ultra applies to zstd only")
    return level


def _in_range(fmt: Any, level: int, option: str) -> int:
    """``level`` if the format has it (the registry's range), else a usage error naming ``option``."""
    if not fmt.minimum_level <= level <= fmt.maximum_level:
        raise click.BadParameter(
            f"{fmt.name} has levels {fmt.minimum_level} to {fmt.maximum_level}, not {level}", param_hint=option
        )
    return level


def _layout(
    codec: str | None, decoding: bool, threads: int, seekable: bool, bgzf: bool, frame_size: int | None
) -> str | None:
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


def _codec_and_level(codec: str | None, level: int | None, decoding: bool) -> tuple[str, int | None]:
    """The codec to open streams with and its level, checked: ``auto`` (detect) when decoding
    without -C; when encoding, the format's tool's default level where none was given."""
    if decoding:
        return ("auto" if codec is None else codec), None
    import arrowio

    name = codec or DEFAULT_FORMAT
    if level is None:  # as the format's own tool would (gzip -6, zstd -3), not the library's
        from arrowio.compression import FORMATS

        level = FORMATS[arrowio.Codec(name).name].tool_level
    try:
        return name, arrowio.Codec(name, level).compression_level
    except ValueError as exc:
        raise click.BadParameter(describe(exc), param_hint="-N/--level") from None


@dataclass(frozen=True)
class _Options:
    """The options of one run, as every input needs them."""

    codec: str  # a format's name, or "auto" (detect) when decoding
    level: int | None
    decoding: bool  # -d or -t
    threads: int  # -1: one worker per core
    test: bool
    force: bool
    keep: bool  # not --rm
    verbose: bool
    quiet: bool
    progress: bool  # --progress: also when stderr is not a terminal
    suffix: str | None  # --suffix
    save_name: bool  # gzip's -N/-n
    layout: str | None  # independent frames (see _layout)
    frame_size: int | None
    storage_options: dict[str, Any]


class _Job:
    """A run over its inputs: the options and what they share (stdout, the copy buffer)."""

    def __init__(self, options: _Options) -> None:
        from .sink import OutputFailed, Stdout

        self.options = options
        self.fatal = (OutputFailed, BrokenPipeError)
        self.out = Stdout()
        self._buffer: Any = None
        self.header: Any = None  # what the next output's header records (StreamHeader)
        self.compressed_bytes = 0  # of the last output written

    def view(self) -> memoryview:
        if self._buffer is None:
            import arrowio

            self._buffer = arrowio.allocate_buffer(CHUNK)  # from the pool: pool-stats sees it
        return memoryview(self._buffer)

    def shown(self, name: str) -> str:
        """``name`` as messages show it (a URL without credentials)."""
        from .remote import shown

        return shown(name, self.options.storage_options)

    def one(self, name: str, target: str | None) -> None:
        """Compress, decompress or test the input ``name`` into ``target`` (see :func:`_target`)."""
        import arrowio

        from .remote import is_url
        from .sink import stdin_file

        options = self.options
        stdin = name == "-"
        local = not stdin and not is_url(name)
        label = "<stdin>" if stdin else self.shown(name)
        if local:
            _check_local_input(name)
        target = self._resolve_target(name, label, target)
        start = time.perf_counter()
        reader = arrowio.input_stream(
            stdin_file() if stdin else name,
            compression=options.codec if options.decoding else None,
            storage_options=options.storage_options,
        )
        size = _input_size(reader)
        self.header = None if options.decoding else self._header_for(name if local else None, size)
        produced, stored = self._transfer(reader, label, target, size, like=name if local else None)
        seconds = time.perf_counter() - start
        if not options.keep and target is not None and not stdin:
            self._remove_input(name, label, target, stored, local)
        if options.verbose:
            self._report(label, target, size, produced, seconds, format_of(reader))

    def _resolve_target(self, name: str, label: str, target: str | None) -> str | None:
        """The output path (None: stdout or none), checked before anything is read: not the
        input itself, not an existing file without -f, not a special file with --rm."""
        from .atomic import refuse_existing, special_file
        from .remote import is_url

        options = self.options
        if options.test:
            return None  # nothing is written, so no output name is needed
        if target == "":
            target = self._derived_name(name)
        self._refuse_same_file(name, label, target)
        if target is not None:
            refuse_existing(target, options.force, options.storage_options)
            if not options.keep and not is_url(target) and special_file(target) is not None:
                raise CliError(
                    f"{target}: not a regular file, so --rm would leave {label}'s content nowhere; nothing done"
                )
        return target

    def _transfer(
        self, reader: Any, label: str, target: str | None, size: int | None, like: str | None
    ) -> tuple[int, int | None]:
        """Copy ``reader`` to ``target`` (stdout when None, nowhere with -t) with a progress line:
        the bytes produced and, for a local output file, the bytes it took (for --rm's check).
        ``like`` is the local input whose permissions and times the output gets."""
        from .atomic import atomic_output
        from .remote import is_url
        from .report import Progress

        options = self.options
        with reader, Progress(label, size, enabled=not options.quiet, force=options.progress) as progress:
            if options.decoding:  # the bar runs over the compressed input, as far as the decoder took it
                progress.poll(done=lambda: _consumed(reader, progress.done), written=lambda: progress.done)
            if options.decoding and format_of(reader) is None and not (options.force and target is None):
                raise CliError(f"{label}: not in a known compressed format (no magic number, no known extension)")
            if options.test:
                return self._copy(reader, None, progress, ""), None
            if target is None:
                return self._write(reader, self.out.file(), progress, "<stdout>"), None
            if is_url(target):
                return self._upload(reader, target, progress), None  # its commit checks the stored size
            with atomic_output(target, force=options.force, like=like) as file:
                produced = self._write(reader, file, progress, target)
            return produced, file.bytes_written

    def _remove_input(self, name: str, label: str, target: str, stored: int | None, local: bool) -> None:
        """--rm: remove the input, only now that its output is committed (fsynced and renamed into
        place, or the object published), and only if it holds every byte produced for it."""
        if stored is not None:
            self._check_stored(target, stored, label)
        if local:
            os.unlink(name)
        else:
            from arrowio.io.urls import remove_url

            remove_url(name, self.options.storage_options)

    def _upload(self, reader: Any, target: str, progress: Any) -> int:
        """Write to a URL: the object is published by the final close, and by nothing else."""
        import arrowio

        from .atomic import sigterm_raises

        shown = self.shown(target)
        with sigterm_raises():
            sink = arrowio.output_stream(target, compression=None, storage_options=self.options.storage_options)
            try:
                produced = self._write(reader, sink, progress, shown)
                with _naming(shown):
                    sink.close()  # publishes (a no-op when the compressing stream closed it already)
            except BaseException:
                sink.abort()  # a URL's stream has abort(); nothing is published; an older object stays as it was
                raise
        return produced

    @staticmethod
    def _check_stored(target: str, stored: int, label: str) -> None:
        """Before --rm removes an input: its committed output file must hold exactly the
        ``stored`` bytes written into it. Anything else (a file changed under us) keeps the input."""
        try:
            size = os.stat(target).st_size
        except OSError as exc:
            raise OutputError(f"{target}: cannot check its size ({describe(exc)}); {label} kept") from None
        if size != stored:
            raise OutputError(f"{target}: holds {size} bytes, {stored} were written; {label} kept (not removed)")

    def _write(self, reader: Any, sink: Any, progress: Any, output: str) -> int:
        """Copy ``reader`` into ``sink``, compressing unless decoding; ``output`` names the sink
        in errors. A failure gives the compressed stream up unfinished (no end of frame, no
        trailer): an interrupted output never decodes as complete, wherever it went."""
        import arrowio

        if self.options.decoding:
            return self._copy(reader, sink, progress, output)
        # threaded=False: the encoder is called in this thread, on our buffer as it is. A writer
        # thread would only overlap the reads (a small part) but costs a copy of every 4 MiB piece
        # and a hand-over each: 4-8 % more CPU for zstd -3; zstd's overlap comes from _workers().
        stream = arrowio.CompressedOutputStream(
            sink,
            self.options.codec,
            compression_level=self.options.level,
            threads=self._workers(),
            header=self.header,
            threaded=False,
            layout=self.options.layout,
            frame_size=self.options.frame_size,
        )
        # Work done is what the encoder compressed, not what was read into its queue.
        progress.poll(done=lambda: stream.encoded_size, written=lambda: stream.compressed_size)
        try:
            written = self._copy(reader, stream, progress, output)
            with _naming(output):
                stream.close()
            self.compressed_bytes = stream.compressed_size  # what -v reports, wherever it went
        except BaseException:
            _abort(stream)  # also aborts a remote sink: nothing is published
            raise
        return written

    def _workers(self) -> int:
        """The stream's compression workers: 0 compresses in this thread, -1 one per core.

        ``-T 1`` writes zstd as ``zstd`` does by default: one libzstd worker compresses while
        this thread reads and writes, into one standard frame. On the 256 MiB corpus at -3, on
        an idle 2-core machine, a whole ``compress -c`` took 0.96 s instead of 1.12 s into
        /dev/null and 0.94 s instead of 1.23 s into a pipe, for the same CPU (libzstd's jobs keep
        the window in one piece: no two-segment match finding), 0.6 % more output (the jobs'
        overlap, as ``zstd`` pays it) and 40 MB more peak RSS (a job's input and output). Only for a file: the worker gives out nothing before a job (8 MiB
        at -3) is full, so a pipe that pauses (``tail -f |``) would hold back what it sent.
        Other formats have no such worker; one core gains nothing from it.
        """
        threads = self.options.threads
        if threads != 1:
            return threads
        import arrowio

        zstd = arrowio.Codec(self.options.codec).name == "zstd"
        sized = self.header is not None and self.header.content_size is not None  # a local file
        return 1 if zstd and sized and self.options.layout is None and arrowio.cpu_count() > 1 else 0

    def _copy(self, reader: Any, writer: Any, progress: Any, output: str) -> int:
        """Read errors are the input's; write errors are reported as ``output``'s. Where the
        compressing stream offers its own memory (frames: ``input_view``), the input is read
        straight into it, not into our buffer and then copied."""
        view = self.view()
        input_view = getattr(writer, "input_view", None)
        total = 0
        while True:
            with _naming(output):
                into = input_view(CHUNK) if input_view is not None else None
            n = reader.readinto(view if into is None else into)
            if not n:
                break
            if writer is not None:
                with _naming(output):
                    writer.write(view[:n]) if into is None else writer.commit(n)
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

    def _header_for(self, path: str | None, size: int | None) -> Any:
        """What the output's header records, as ``zstd FILE`` and ``gzip FILE`` do: the content
        size, and (unless -n) the base name and mtime; for stdin and URLs none of them."""
        from arrowio.compression import StreamHeader

        if path is None:
            return None
        status = os.stat(path)
        if not self.options.save_name:
            return StreamHeader(content_size=size)
        return StreamHeader(content_size=size, name=os.path.basename(path), mtime=int(status.st_mtime))

    def _derived_name(self, name: str) -> str:
        import arrowio

        if not self.options.decoding:
            return name + (self.options.suffix or arrowio.compression.FORMATS[self.options.codec].extensions[0])
        if self.options.suffix is not None:
            if len(name) > len(self.options.suffix) and name.endswith(self.options.suffix):
                return name[: -len(self.options.suffix)]
            raise CliError(f"{name}: does not end in {self.options.suffix}: use -o or -c to name the output")
        try:
            fmt = arrowio.Codec.detect(name).name
        except ValueError:
            raise CliError(f"{name}: unknown extension: use -o or -c to name the output") from None
        lowered = name.lower()
        for extension in arrowio.compression.FORMATS[fmt].extensions:
            if lowered.endswith(extension):
                return name[: -len(extension)] + (".tar" if extension == ".tgz" else "")
        raise AssertionError("Codec.detect matched an extension")

    def _report(
        self, label: str, target: str | None, size: int | None, produced: int, seconds: float, fmt: str | None
    ) -> None:
        from .names import printable
        from .report import format_bytes, format_rate

        label = printable(label)
        where = "stdout" if target is None else printable(self.shown(target))
        if self.options.test:
            click.echo(
                f"{label}: OK ({fmt}, {format_bytes(produced)} decoded, {format_rate(produced, seconds)})", err=True
            )
            return
        if self.options.decoding and size is None:  # a pipe: how much came in is not known
            click.echo(f"{label}: {format_bytes(produced)} in {seconds:.2f} s -> {where}", err=True)
            return
        # Counted as written, not stat-ed: stdout and devices (-o /dev/null) have no useful size.
        compressed, plain = (size, produced) if self.options.decoding else (self.compressed_bytes, produced)
        assert compressed is not None  # a pipe's unknown size returned above
        ratio = f"{plain / compressed:.2f}x" if compressed else "-"
        percent = f"{100 * compressed / plain:.2f}%" if plain else "-"
        click.echo(
            f"{label}: {format_bytes(plain)} <-> {format_bytes(compressed)} ({percent}, {ratio}), "
            f"{format_rate(plain, seconds)} -> {where}",
            err=True,
        )


def _check_local_input(name: str) -> None:
    """A missing input or a folder says so before anything is derived from its name."""
    try:
        os.stat(name)
    except OSError as exc:
        raise CliError(describe(exc)) from None
    if os.path.isdir(name):
        raise CliError(f"{name}: is a directory")


def _input_size(reader: Any) -> int | None:
    """The input's size in bytes (of the compressed data when decoding), where it is known."""
    raw = getattr(reader, "raw", reader)
    try:
        return int(raw.size()) if raw.seekable() else None
    except (OSError, ValueError):
        return None


def _consumed(reader: Any, fallback: int) -> int:
    """Compressed bytes read from below a decoding ``reader`` (its bounded read-ahead included)."""
    try:
        return int(reader.raw.tell())
    except (AttributeError, OSError, ValueError):
        return fallback


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
