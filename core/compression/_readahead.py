"""The raw reads of a decoded regular file, run ahead of the decoder in a thread.

A decoder that reads its input and decodes it on one thread waits for every read: the copy out
of the page cache was about 8 % of the samples of ``cat`` of a 256 MiB .gz into /dev/null,
where ``zstd -dc`` reads in a thread of its own while it decodes. :class:`ReadAhead` takes the
reads off the decoding thread once the source has proved long (:data:`START_AFTER` full reads),
keeping at most :data:`DEPTH` chunks read and not yet taken. ``os.read`` releases the GIL while
it copies, so the copy overlaps the decoding (which releases it too).

Only for regular files, whose reads never wait for a writer: a thread blocked reading a pipe or
a terminal could not be stopped when the stream is closed. Chunks are fresh ``bytes``, as the
reads on one thread made them, since decoders keep slices of their input (see :mod:`._input`).
An error from a read reaches the decoder after the chunks read before it, where it happened;
once the thread met the end or an error it is gone, and later reads go to the source directly,
as they went before it started.
"""

from __future__ import annotations

from collections.abc import Callable

from ._handover import Failure, Handover

__all__ = ["ReadAhead", "DEPTH", "START_AFTER"]

#: Chunks read ahead and not yet taken: two keep the thread busy while the decoder works through
#: one (a 1 MiB chunk takes milliseconds to decode, a fraction of that to read).
DEPTH = 2
#: Full reads made on the decoder's thread before the thread starts: a source of a few chunks
#: never starts one (its start and hand-overs would cost more than the overlap wins).
START_AFTER = 2


class ReadAhead:
    """``read_raw`` (up to n bytes, b"" at the end), its reads made ahead in a thread once
    :data:`START_AFTER` of them returned all they were asked for."""

    def __init__(self, read_raw: Callable[[int], bytes]) -> None:
        self._read = read_raw
        self._full = 0  # full reads so far; -1 once the thread ran (it never starts twice)
        self._rest: memoryview | None = None  # what a smaller read left of the last chunk
        self._handover: Handover | None = None  # chunks from the thread

    def __call__(self, n: int) -> bytes:
        """Up to ``n`` bytes; b"" only at the end."""
        rest = self._rest
        if rest is not None:
            return self._cut(rest, n)
        handover = self._handover
        if handover is None:
            data = self._read(n)
            if self._full >= 0 and len(data) == n:
                self._full += 1
                if self._full >= START_AFTER:
                    self._start(n)
            return data
        item = handover.get()
        if item is None or isinstance(item, Failure):  # the thread has ended: read directly again
            self._handover = None
            if item is not None:
                raise item.exc
            return b""
        return item if len(item) <= n else self._cut(memoryview(item), n)

    def _cut(self, chunk: memoryview, n: int) -> bytes:
        """The first ``n`` bytes of ``chunk``; the rest is kept for the next read."""
        self._rest = chunk[n:] if n < len(chunk) else None
        return bytes(chunk[:n])

    def _start(self, n: int) -> None:
        self._full = -1
        try:
            self._handover = Handover(_run, (self._read, n), DEPTH, "arrowio-read")
        except RuntimeError:  # no thread to be had (a memory limit): the reads stay on this thread
            pass

    def close(self) -> None:
        """Stop the thread (if any); chunks read ahead are dropped. The source is the caller's."""
        handover, self._handover = self._handover, None
        if handover is not None:
            handover.close()


def _run(handover: Handover, read: Callable[[int], bytes], n: int) -> None:
    """The thread: a read per free place in the queue, until the end (handed over as None), an
    error (a Failure, after the chunks before it: see :mod:`._handover`) or the consumer's close."""
    while handover.room():
        data = read(n)
        if not data:
            handover.put(None)
            return
        handover.put(data)
