"""The work of ``arrowio cat``: each input's decoded content (or a byte range of it) copied to
stdout, with what each input gave tallied for ``--stats``.

Plain files go by the kernel (sendfile), a memory map or ranged reads. A compressed input is
written piece by piece as its decoder hands the pieces out; plain pipes, byte ranges, hex dumps
and --max-output read through one reused pool buffer. Either way a slow pipe streams through.
"""

from __future__ import annotations

import time

import arrowio

from .errors import CliError
from .remote import expand_inputs, is_url, open_input, shown
from .runner import InputRunner
from .sink import OutputFailed, Stdout, stdin_file
from .streams import fileno

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["CHUNK", "CatJob", "Tally", "TooMuchOutput"]

#: Decoded bytes per read: big enough that per-call overhead vanishes next to decoding.
CHUNK = 1 << 20


class TooMuchOutput(CliError):
    """--max-output was reached: stop everything (the guard is for the whole run)."""


class Tally:
    """What one input gave: the fields of :class:`arrowio.stats.StreamStats`, which is made from
    it only for ``--stats`` (so that a run without them never imports the stats module)."""

    __slots__ = ("source", "format", "bytes_in", "bytes_out", "seconds", "error")

    def __init__(self, source: str) -> None:
        self.source = source
        self.format = "plain"
        self.bytes_in: int | None = None
        self.bytes_out = 0
        self.seconds = 0.0
        self.error: str | None = None

    def stats(self) -> Any:
        """This tally as a :class:`arrowio.stats.StreamStats`."""
        from arrowio.stats import StreamStats

        return StreamStats(self.source, self.format, self.bytes_in, self.bytes_out, self.seconds, self.error)


class CatJob:
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
        self.records: list[Tally] = []
        self.written = 0  # bytes written to stdout so far (what --max-output limits)
        self._scratch: Any = None
        self._dump: Any = None
        # A decoded input is written piece by piece, straight from the decoder, unless a range,
        # a limit or a hex dump asks for a count of what passes.
        self._whole = not offset and length is None and max_output is None and not hexdump
        # ...and a small local file as one piece, read and decoded before any stream is made
        # (--mmap asks for a map of plain files; another -C for no detection).
        self._small = self._whole and codec == "auto" and not use_mmap

    def run_all(self, inputs: tuple[str, ...]) -> None:
        """Every input in order (a URL glob expanded), then stdout flushed."""
        for name, error in expand_inputs(inputs or ("-",), self.storage_options):
            if error is None:
                self.run(name)
            else:
                self.failed(name, error)
        self.out.flush()

    def run(self, name: str) -> Tally:
        """Copy one input; a failure is recorded in the returned tally, not raised."""
        record = Tally("<stdin>" if name == "-" else shown(name, self.storage_options))
        self.records.append(record)
        start = time.perf_counter()
        try:
            message = self.runner.call(record.source, self._copy, name, record)
            if message is not None:
                record.error = message
        except TooMuchOutput as exc:
            record.error = str(exc)  # the input the guard stopped at, in --stats
            raise
        finally:
            record.seconds = time.perf_counter() - start
            if self._dump is not None:
                self._dump.close()
                self._dump = None
        return record

    def failed(self, name: str, exc: BaseException) -> Tally:
        """The record of an input that failed before it could be opened (a glob without a match)."""
        record = Tally(shown(name, self.storage_options))
        record.error = self.runner.failed(record.source, exc)
        self.records.append(record)
        return record

    # -- one input ---------------------------------------------------------------------------
    def _copy(self, name: str, record: Tally) -> None:
        if self._small and name != "-" and "://" not in name:  # a local file: perhaps small
            whole_file = _whole_file or _load_whole_file()
            opened = whole_file.read_or_open(name)
            if type(opened) is whole_file.WholeFile:
                self._write_whole(opened, record)
            else:
                self._from(opened, name, name, record)
            return
        if self.hexdump:
            from .hexdump import HexDump

            self._dump = HexDump(self.out.write, self.offset)
        source = stdin_file() if name == "-" else name
        if "://" in name and is_url(name):  # the first test is is_url's own, without a call per local file
            stream = open_input(name, self.codec, self.storage_options)  # cat's read-ahead: less memory
        else:
            stream = arrowio.input_stream(source, compression=self.codec, storage_options=self.storage_options)
        self._from(stream, name, source, record)

    def _write_whole(self, whole: Any, record: Tally) -> None:
        """A small file's content, all there (a :class:`arrowio.io.whole_file.WholeFile`): one write."""
        if whole.format is not None:
            record.format = whole.format
        data = whole.data
        self.out.write(data)
        self.written += len(data)
        record.bytes_out = len(data)
        record.bytes_in = whole.size

    def _from(self, stream: Any, name: str, source: Any, record: Tally) -> None:
        """Copy ``stream``, opened from ``source`` (``name``, or stdin's file for ``-``), and close it."""
        try:
            if isinstance(stream, arrowio.CompressedInputStream):
                record.format = stream.codec.name
                if self._dump is None:  # a hex dump's own work between reads is what the thread overlaps
                    stream.decode_ahead = self.out.decode_ahead  # stdout's kind says if a thread pays
                if self._whole:
                    self._pieces(stream, record)
                else:
                    self._decoded(stream, record)
                record.bytes_in = _bytes_in(stream, source)
            elif name != "-" and stream.seekable():
                self._plain_range(name, stream, record)
            else:
                self._decoded(stream, record)
        finally:
            stream.close()

    def _plain_range(self, name: str, stream: Any, record: Tally) -> None:
        """A plain seekable file: only the range is read, by the kernel, a map, read_at, or (a URL)
        ranged requests."""
        size = stream.size()
        if not size:  # /proc files stat as 0 bytes yet hold content: read through to the end
            self._decoded(stream, record)
            return
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
        if start == end:
            return end  # mmap(2) refuses empty files; nothing to map anyway
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

    def _decoded(self, stream: Any, record: Tally) -> None:
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

    def _pieces(self, stream: Any, record: Tally) -> None:
        """A decoded input, whole: each piece the decoder made is written as it is, from its own
        memory. A copy into the scratch buffer would cost 15% of the CPU time of a fast decode;
        plain streams still read into that buffer, which spares them an allocation per read.

        ``read_view``, not ``read1``: for frames decoded into a ring of reused buffers it hands
        out the ring's memory itself (valid until the next read, so each piece is written before
        the next is asked for), where ``read1`` would copy every decoded byte into a fresh
        ``bytes`` (7% of the CPU time of ``cat`` of zstd frames)."""
        read = stream.read_view
        out = 0
        try:
            while piece := read(CHUNK):  # what is there: a slow pipe streams through
                self.out.write(piece)
                self.written += len(piece)
                out += len(piece)
        finally:
            record.bytes_out = out  # what was written, also when the input failed part-way

    # -- helpers -----------------------------------------------------------------------------
    def _buffer(self) -> memoryview:
        """One pool buffer for the whole run, so the pool (and pool-stats) sees cat's memory."""
        if self._scratch is None:
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


#: :mod:`arrowio.io.whole_file`, bound on the first local input (the module loads the codec
#: registry and OSFile, which a run of stdin or URLs alone never needs).
_whole_file: Any = None


def _load_whole_file() -> Any:
    global _whole_file
    from arrowio.io import whole_file

    _whole_file = whole_file
    return whole_file


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
