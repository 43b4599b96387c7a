"""Standard input and output for data: plain writes, kernel copies from files (sendfile), and
file objects over them for the library (which closes what it is given, so they never close
the real stdin/stdout).

A plain file sent to a pipe or a file never passes through Python: ``sendfile`` moves it inside
the kernel, by position (like ``pread``), so a byte range costs only its own length. Where the
kernel refuses (a terminal, an ``O_APPEND`` file, a captured stream without a descriptor) the
copy reports how far it got and the caller reads the rest itself.

Decoded pieces are written with write(2), which copies them into the pipe, not handed over by
vmsplice(2). That copy costs the writing thread about 0.2 ms per MiB (45-70 ms of CPU for ``cat``
of 256 MiB of zstd into a pipe), while the decode thread, the critical path, takes 250-260 ms,
what libzstd alone takes for that file: it runs beside it, on the other core, and hardly ever
waits for it (under 15 voluntary switches a run: not for room in the queue, not for the GIL).
What ``zstd -dc`` saves is the start-up: it decodes within milliseconds, this decode thread
starts after Python's start-up and imports (25 ms on a quiet machine, more under load).
vmsplice would leave the pipe holding our pages, which a consumer that splices or tees them on
(``pv``, a zero-copy socket) still references after this pipe has drained, so the reused
buffers of the decoder could not be rewritten safely; fresh memory for every piece would move
that cost, as page faults, onto the decode thread.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys

from .errors import CliError
from .streams import decode_ahead_into, fileno

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any, BinaryIO

__all__ = ["Stdout", "OutputFailed", "stdin_file"]

#: Most Linux moves in one sendfile call (0x7ffff000); asking for more is harmless.
_KERNEL_CHUNK = 0x7FFFF000
#: errno values meaning "this pair of descriptors cannot be copied by the kernel": fall back.
_NO_KERNEL_COPY = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.ESPIPE, errno.EBADF}
#: Pipe size asked for when stdout is a pipe: 16 times Linux's default, so that a fast writer and
#: its reader wake each other far less often (1 MiB is the unprivileged maximum by default).
#: 256 KiB measured no better for ``cat`` of 256 MiB of zstd into ``| cat`` (20 runs each, in
#: turn: writing thread 89 ms and decode thread 256 ms of CPU either way), nor 128 or 64 KiB.
_PIPE_SIZE = 1 << 20
#: errno values of sendfile that are the output's fault (the others may be the input's).
_OUTPUT_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class OutputFailed(CliError):
    """Writing to stdout failed (a full disk, a device error): no later input can succeed either."""


def _failed(exc: OSError) -> OutputFailed:
    return OutputFailed(f"cannot write to stdout: {exc.strerror or exc}")


def _closed_stdout() -> OutputFailed:
    return OutputFailed("cannot write to stdout: it is closed")


def _widen_pipe(fd: int, status: os.stat_result) -> None:
    try:
        if stat.S_ISFIFO(status.st_mode):
            import fcntl

            if fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ) < _PIPE_SIZE:
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
    except (OSError, AttributeError):  # not Linux, or a lower pipe-max-size: the default size works
        pass


class Stdout:
    """The binary standard output (``sys.stdout.buffer``, looked up at creation) unless given.

    Every write is whole or an error: on a non-blocking descriptor (one a parent set
    ``O_NONBLOCK`` on) a short write or ``EAGAIN`` waits until the descriptor takes more, as
    the kernel copy does. A closed stdout (``>&-``) is an error at the first write, not before:
    a command that writes only files runs without one.
    """

    def __init__(self, stream: BinaryIO | io.RawIOBase | None = None) -> None:
        if stream is None and sys.stdout is not None:
            stream = getattr(sys.stdout, "buffer", None)
        self.stream: BinaryIO | io.RawIOBase | None = stream  # a raw one too: its None (EAGAIN) is handled
        self.fd = fileno(stream) if stream is not None else None
        #: For decoded streams written here (see streams.decode_ahead_into); None: unknown.
        self.decode_ahead: bool | None = None
        if self.fd is not None:
            try:
                status = os.fstat(self.fd)
            except OSError:  # a closed descriptor: the first write says so
                return
            _widen_pipe(self.fd, status)
            self.decode_ahead = decode_ahead_into(self.fd, status)

    def isatty(self) -> bool:
        try:
            return self.stream is not None and self.stream.isatty()
        except (AttributeError, ValueError):
            return False

    def write(self, data: Any) -> None:
        """Write all of ``data`` (bytes-like), waiting for a non-blocking descriptor as needed."""
        stream = self.stream
        if stream is None:
            raise _closed_stdout()
        view = memoryview(data).cast("B")
        while view:
            try:
                written = stream.write(view)
            except BlockingIOError as exc:  # a buffered stream took some (or none) of it
                written = exc.characters_written
            except BrokenPipeError:
                raise  # the reader left: main() ends quietly
            except OSError as exc:
                raise _failed(exc) from None
            except ValueError:  # the stream was closed under us
                raise _closed_stdout() from None
            else:
                if written == len(view):
                    return  # the common case, all at once: no slice, no second test
                if written == 0:  # no error, no progress, not "would block": never call it written
                    raise _failed(OSError(errno.EIO, "the output took no bytes"))
            view = view[written or 0 :]  # a raw non-blocking stream answers None for EAGAIN
            if view:
                self._wait()

    def flush(self) -> None:
        stream = self.stream
        if stream is None:
            return  # nothing can have been written
        while True:
            try:
                stream.flush()
                return
            except BlockingIOError:  # a non-blocking descriptor is full: the buffer stays, try again
                self._wait()
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise _failed(exc) from None
            except ValueError:
                raise _closed_stdout() from None

    def _wait(self) -> None:
        """Until the descriptor can take more (a stream without one is retried as it is)."""
        if self.fd is not None:
            import select  # only a non-blocking stdout waits: most runs never import it

            select.select([], [self.fd], [])

    def send_file(self, fd: int, offset: int, count: int | None = None) -> int:
        """Copy up to ``count`` bytes (None: to the end) of regular file ``fd`` from ``offset``.

        The file's own position is not used or moved. Returns the bytes copied: fewer than
        asked at the end of the file, or where the kernel cannot copy to this output (then
        the caller reads the rest itself).
        """
        if self.fd is None:
            return 0
        self.flush()  # what was written through the stream goes first
        done = 0
        while count is None or done < count:
            want = _KERNEL_CHUNK if count is None else min(_KERNEL_CHUNK, count - done)
            try:
                sent = os.sendfile(self.fd, fd, offset + done, want)
            except BlockingIOError:  # a non-blocking stdout: wait until it takes more
                self._wait()
                continue
            except BrokenPipeError:
                raise
            except OSError as exc:
                if exc.errno in _NO_KERNEL_COPY:
                    return done
                if exc.errno in _OUTPUT_FULL:
                    raise _failed(exc) from None
                raise  # a read error of the input file

            if sent == 0:
                break
            done += sent
        return done

    def file(self) -> BinaryIO:
        """A binary file writing here, for the library's streams; closing it only flushes."""
        return _Forward(self)  # type: ignore[return-value]


class _Forward(io.RawIOBase):
    def __init__(self, out: Stdout) -> None:
        self._out = out

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._out.write(data)
        return len(memoryview(data))

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        if not self.closed:
            self.flush()
        super().close()


def stdin_file() -> Any:
    """stdin as a binary file for the library. Closing it leaves stdin open (a second ``-`` then
    reads EOF); ``bytes_read`` counts what was read, which a pipe cannot tell otherwise.
    A closed stdin (``<&-``) is a one-line error."""
    if sys.stdin is None:
        raise CliError("cannot read stdin: it is closed")
    fd = fileno(sys.stdin)
    raw = open(fd, "rb", buffering=0, closefd=False) if fd is not None else sys.stdin.buffer  # no fd: tests
    return _Stdin(raw)


class _Stdin(io.RawIOBase):
    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = int(self._raw.readinto(b) or 0)
        self.bytes_read += n
        return n
