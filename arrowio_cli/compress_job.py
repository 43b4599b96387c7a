"""The work of ``arrowio compress``: each input compressed, decompressed or tested into its
output (a file written atomically, stdout, or a URL published only on success).

Without click, so that the click command (:mod:`.compress`) and the click-free path
(:mod:`.plain_compress`) run the same job: both give it the :class:`Options` that
:func:`arrowio_cli.compress_request.settle` made of their command line, and :func:`run` it.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from arrowio._records import NamedTuple  # typing's, without importing typing: start-up time

from .errors import CliError, OutputError, describe
from .streams import fileno, format_of, is_terminal

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["CHUNK", "Job", "Options", "run"]

#: Bytes per read of the input: large, so the codec sees big blocks and Python overhead vanishes.
CHUNK = 4 << 20


class Options(NamedTuple):
    """The options of one run, as every input needs them (a NamedTuple: see compress_request.Request)."""

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
    layout: str | None  # independent frames (see compress_request._layout)
    frame_size: int | None
    storage_options: dict[str, Any]


def run(options: Options, inputs: Sequence[str], to_stdout: bool, output: str | None) -> Any:
    """Run ``options`` over ``inputs`` (stdin when none), ``-c`` and ``-o`` as given: the
    :class:`~arrowio_cli.runner.InputRunner` that saw them, whose ``exit`` ends the command."""
    from .malloc_tuning import keep_heap_for_streaming
    from .runner import InputRunner

    keep_heap_for_streaming()
    job = Job(options)
    names = inputs or ("-",)
    to_terminal = any(_target(n, to_stdout, output) is None for n in names) and job.out.isatty()
    if not options.decoding and not options.force and to_terminal:
        raise CliError("refusing to write compressed data to a terminal (use -f to force, or redirect stdout)")
    runner = InputRunner(fatal=job.fatal)
    for name in names:
        with runner.input("<stdin>" if name == "-" else job.shown(name)):
            job.one(name, _target(name, to_stdout, output))
    job.out.flush()
    return runner


def _target(name: str, to_stdout: bool, output: str | None) -> str | None:
    """The output path, "" for "derive it from the input's name", or None for stdout."""
    if to_stdout or output == "-":
        return None
    if output is not None:
        return output
    return None if name == "-" else ""


class Job:
    """A run over its inputs: the options and what they share (stdout, the copy buffer)."""

    def __init__(self, options: Options) -> None:
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
        from .remote import is_url

        options = self.options
        if options.test:
            return None  # nothing is written, so no output name is needed
        if target == "":
            target = self._derived_name(name)
        self._refuse_same_file(name, label, target)
        if target is not None:
            from .atomic import refuse_existing, special_file  # signal, select: only where a file is written

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
        from .remote import is_url

        options = self.options
        with reader, _progress(label, size, options) as progress:
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
            from .atomic import atomic_output

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
                    if into is None:
                        writer.write(view[:n])
                    else:
                        writer.commit(n)
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
            _say(f"{label}: OK ({fmt}, {format_bytes(produced)} decoded, {format_rate(produced, seconds)})")
            return
        if self.options.decoding and size is None:  # a pipe: how much came in is not known
            _say(f"{label}: {format_bytes(produced)} in {seconds:.2f} s -> {where}")
            return
        # Counted as written, not stat-ed: stdout and devices (-o /dev/null) have no useful size.
        compressed, plain = (size, produced) if self.options.decoding else (self.compressed_bytes, produced)
        assert compressed is not None  # a pipe's unknown size returned above
        ratio = f"{plain / compressed:.2f}x" if compressed else "-"
        percent = f"{100 * compressed / plain:.2f}%" if plain else "-"
        _say(
            f"{label}: {format_bytes(plain)} <-> {format_bytes(compressed)} ({percent}, {ratio}), "
            f"{format_rate(plain, seconds)} -> {where}"
        )


class _Counts:
    """What :class:`arrowio_cli.report.Progress` is where no line can show: the counts alone,
    without the renderer's module (which imports click)."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = 0

    def __enter__(self) -> _Counts:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def advance(self, n: int) -> None:
        self.done += n

    def poll(self, done: object = None, written: object = None) -> None:
        pass


def _progress(label: str, size: int | None, options: Options) -> Any:
    """The progress line of an input: shown on a terminal (after a second) unless -q, or
    wherever --progress forces it; where it cannot show, only its counts."""
    if options.progress or (not options.quiet and is_terminal(sys.stderr)):
        from .report import Progress

        return Progress(label, size, enabled=not options.quiet, force=options.progress)
    return _Counts()


def _say(line: str) -> None:
    """One line of -v's report on stderr (none when the process has no stderr)."""
    if sys.stderr is not None:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


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
