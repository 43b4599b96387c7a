"""Ranged reads of one remote file into caller memory, several in flight at once.

A fetcher's ``submit(view, offset, owner)`` starts reading ``len(view)`` bytes at ``offset`` into
``view`` and returns a :class:`concurrent.futures.Future` of the count read (short only at the
end of the file). The read holds ``owner`` (the Buffer whose memory ``view`` shows) until it is
done: a read abandoned by a seek may still be writing into that memory. ``submit_run(parts)``
does the same for consecutive ranges ``(view, offset, owner)``, one future per part, each done
as soon as its part is.

* S3 (s3fs): ranged GETs on s3fs's event loop, the response body streamed straight into the
  views in turn, each pinned to the ETag seen at open so that versions never mix: a response
  already open goes on with its version, a new request for a replaced object fails. A run asks for the rest of the file, not just its parts, and
  hands its response on to the run that starts where it ends: a sequential reader is served by
  one long GET (a request costs the client about 1.7 ms of CPU in botocore, as much as moving
  3 MiB). While no run reads it, the body is paused by TCP flow control (aiohttp stops reading
  the socket once it holds 512 KiB, and drops its read timeout meanwhile), so memory stays
  bounded by the reader's window. A run elsewhere, or :meth:`Fetcher.close`, closes it.
* Other asynchronous filesystems (HTTP, GCS, ...): their ``_cat_file`` on their event loop.
* Synchronous filesystems (local, HDFS, ...): ``cat_file`` on a shared thread pool.
"""

from __future__ import annotations

import os
import threading

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:  # asyncio and concurrent.futures are imported on first use: `import arrowio` stays fast
    import asyncio
    from concurrent.futures import Future, ThreadPoolExecutor
    from typing import Any

__all__ = ["Fetcher", "make_fetcher"]

#: Attempts to resume a response body that broke mid-stream before giving up.
_BODY_RETRIES = 3
#: Bytes asked of a response body per read: aiohttp's own chunk size. A larger read raises the
#: amount aiohttp buffers before it pauses the socket to twice that read (8 MiB for a 4 MiB
#: block), which a body kept open between runs would hold the whole time.
_BODY_READ = 256 * 1024

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _forget_pool() -> None:
    # A forked child has none of the parent's threads: it makes its own pool on first use.
    global _pool
    _pool = None


os.register_at_fork(after_in_child=_forget_pool)


def _thread_pool() -> ThreadPoolExecutor:
    global _pool
    from concurrent.futures import ThreadPoolExecutor

    from ..threads import io_thread_count

    # Threads shared by every synchronous remote file of the process, as many as
    # io_thread_count() says (each file bounds its own requests in flight, so this only caps
    # the total); a new count replaces the pool, whose running requests still finish.
    threads = io_thread_count()
    with _pool_lock:
        if _pool is None or _pool._max_workers != threads:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(threads, thread_name_prefix="arrowio-remote")
        return _pool


class Fetcher:
    """Reads ranges of one file; see the module docstring."""

    def __init__(self, fs: Any, path: str) -> None:
        self.fs, self.path = fs, path

    def submit(self, view: memoryview, offset: int, owner: object = None) -> Future[int]:
        return _thread_pool().submit(self._read_sync, view, offset, owner)

    def submit_run(self, parts: list[tuple[memoryview, int, object]]) -> list[Future[int]]:
        """Start reading consecutive ranges; a future of the count read for each."""
        return [self.submit(view, offset, owner) for view, offset, owner in parts]

    def close(self) -> None:
        """Let go of any open response kept for a later run (the file is closing)."""

    def _read_sync(self, view: memoryview, offset: int, owner: object) -> int:
        data = self.fs.cat_file(self.path, start=offset, end=offset + len(view))
        view[: len(data)] = data
        return len(data)


class _AsyncFetcher(Fetcher):
    def submit(self, view: memoryview, offset: int, owner: object = None) -> Future[int]:
        import asyncio

        return asyncio.run_coroutine_threadsafe(self._read(view, offset, owner), self.fs.loop)

    async def _read(self, view: memoryview, offset: int, owner: object) -> int:
        data = await self.fs._cat_file(self.path, start=offset, end=offset + len(view))
        view[: len(data)] = data
        return len(data)


def _settle(future: Future[int], result: int | BaseException) -> None:
    """Finish ``future`` with ``result`` unless it was cancelled (its reader moved on)."""
    if future.done() or not future.set_running_or_notify_cancel():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


def _close_body(handed: asyncio.Future[Any]) -> None:
    """Close the body handed on through ``handed`` (a done callback: nobody continues it)."""
    if not handed.cancelled() and handed.result() is not None:
        handed.result().close()


class _S3Fetcher(_AsyncFetcher):
    def __init__(self, fs: Any, path: str, details: dict[str, Any]) -> None:
        super().__init__(fs, path)
        self.bucket, self.key, version = fs.split_path(path)
        self.size = int(details["size"])
        self.request: dict[str, Any] = {}
        if version or details.get("VersionId"):
            self.request["VersionId"] = version or details["VersionId"]
        if details.get("ETag"):
            self.request["IfMatch"] = details["ETag"]
        self._runs: set[Future[None]] = set()
        # Where the last run submitted ends, and the future through which it hands its open
        # body (None: none left) to the run that starts there. Touched on the event loop only.
        self._tail: tuple[int, asyncio.Future[Any]] | None = None

    def submit_run(self, parts: list[tuple[memoryview, int, object]]) -> list[Future[int]]:
        import asyncio
        from concurrent.futures import Future

        futures: list[Future[int]] = [Future() for _ in parts]
        views = [view for view, _, _ in parts]
        owners = [owner for _, _, owner in parts]  # held until the run is over
        run = asyncio.run_coroutine_threadsafe(self._run(views, parts[0][1], futures, owners), self.fs.loop)
        # The event loop holds its tasks weakly: this future keeps the run alive until it ends.
        self._runs.add(run)
        run.add_done_callback(self._runs.discard)
        return futures

    def close(self) -> None:
        loop = self.fs.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._drop_tail)

    def _drop_tail(self) -> None:
        tail, self._tail = self._tail, None
        if tail is not None:
            tail[1].add_done_callback(_close_body)

    async def _run(self, views: list[memoryview], offset: int, futures: list[Future[int]], owners: object) -> None:
        import asyncio

        # Tasks start in the order they were submitted, and this runs before the first await:
        # each run takes the hand-over of the one submitted before it.
        handed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        end = offset + sum(len(view) for view in views)
        tail, self._tail = self._tail, (end, handed)
        previous = None
        if tail is not None and tail[0] == offset:
            previous = tail[1]
        elif tail is not None:  # a jump: the body before it is not continued
            tail[1].add_done_callback(_close_body)
        try:
            body = await previous if previous is not None else None
            await self._fill(views, offset, futures, body, handed)
        except BaseException as exc:
            for future in futures:
                _settle(future, exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            if not handed.done():
                handed.set_result(None)

    async def _read(self, view: memoryview, offset: int, owner: object) -> int:
        return await self._fill([view], offset, None, None, None)

    async def _fill(
        self,
        views: list[memoryview],
        offset: int,
        futures: list[Future[int]] | None,
        body: Any,
        handed: asyncio.Future[Any] | None,
    ) -> int:
        """Read the consecutive ``views`` from ``offset``, settling each part's future as it fills.
        The count read.

        ``body``: a response positioned at ``offset`` to go on with, else a ranged GET is made
        (another after a body broke, from where it broke). With ``handed`` the GET asks for the
        rest of the file and the body, when it outlives the views, is handed on through it;
        without, the GET asks for the views' range only and the body is closed at the end.
        """
        import asyncio

        from aiohttp import ClientError
        from botocore.exceptions import ReadTimeoutError, ResponseStreamingError

        broken = (ClientError, ConnectionError, ReadTimeoutError, ResponseStreamingError, asyncio.TimeoutError)
        parts = _Parts(views, futures)
        end = offset + sum(len(view) for view in views)
        last = max(self.size, end) - 1 if handed is not None else end - 1
        failures = 0  # breaks in a row without a byte read in between
        while not parts.finished and not parts.abandoned():
            if body is None:
                response = await self.fs._call_s3(
                    "get_object",
                    Bucket=self.bucket,
                    Key=self.key,
                    Range=f"bytes={offset + parts.done}-{last}",
                    **self.request,
                )
                body = response["Body"]
            try:
                while not parts.finished and not parts.abandoned():
                    got = await body.readinto(parts.next_view())
                    failures = 0 if got else failures
                    parts.advance(got)
            except broken:
                body.close()
                body = None
                failures += 1
                if failures > _BODY_RETRIES:
                    raise
            except BaseException:
                body.close()
                raise
        if body is not None:
            if handed is not None and parts.finished and not parts.ended and end < self.size:
                handed.set_result(body)  # read up to the end of the views: the next run goes on
            else:
                body.close()
        return parts.done


class _Parts:
    """Consecutive views filled in order, each with its future (None: a read of one view that
    settles none); the position reached."""

    __slots__ = ("views", "futures", "part", "within", "done", "ended")

    def __init__(self, views: list[memoryview], futures: list[Future[int]] | None) -> None:
        self.views, self.futures = views, futures
        self.part = self.within = self.done = 0  # the view being filled, bytes in it, bytes in all
        self.ended = False  # the object ended before the views did

    @property
    def finished(self) -> bool:
        return self.part == len(self.views)

    def abandoned(self) -> bool:
        """Whether every reader of the parts left has moved on (stop the transfer)."""
        return self.futures is not None and all(future.cancelled() for future in self.futures[self.part :])

    def next_view(self) -> memoryview:
        return self.views[self.part][self.within : self.within + _BODY_READ]

    def advance(self, got: int) -> None:
        """Count ``got`` bytes read into the current view; 0: the object ended there."""
        self.done, self.within = self.done + got, self.within + got
        if got and self.within < len(self.views[self.part]):
            return
        futures = self.futures or ()
        if futures:  # the view is full, or the object ended early
            _settle(futures[self.part], self.within)
        if got:
            self.part, self.within = self.part + 1, 0
            return
        for future in futures[self.part + 1 :]:
            _settle(future, 0)
        self.part, self.ended = len(self.views), True


def make_fetcher(fs: Any, path: str, details: dict[str, Any]) -> Fetcher:
    """The fastest fetcher ``fs`` allows for ``path`` (``details``: its ``fs.info``)."""
    if type(fs).__module__.split(".")[0] == "s3fs" and hasattr(fs, "_call_s3"):
        return _S3Fetcher(fs, path, details)
    if getattr(fs, "async_impl", False) and hasattr(fs, "_cat_file"):
        return _AsyncFetcher(fs, path)
    return Fetcher(fs, path)
