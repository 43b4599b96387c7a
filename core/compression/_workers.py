"""A few threads that run calls for the frame reader and writer, with what they need of a thread pool.

``concurrent.futures`` would do, but importing it takes about 5 ms (it imports ``logging``), a
part of every ``arrowio cat`` of a framed file's start-up (and of ``compress -T 0``'s), and they
need only ``submit``, ``result``, ``done`` and a shutdown that drops queued calls and waits for
running ones. Threads start as
calls arrive, up to ``count``; they end when the pool is shut down or collected.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from queue import SimpleQueue

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Workers", "Job"]


class Job:
    """A submitted call; :meth:`result` waits for it and returns its value or raises its error."""

    __slots__ = ("_call", "_args", "_done", "_value", "_error")

    def __init__(self, call: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._call, self._args = call, args
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def run(self, dropped: bool) -> None:
        try:
            if not dropped:
                self._value = self._call(*self._args)
        except BaseException as exc:  # handed to whoever waits for the result
            self._error = exc
        finally:
            self._call, self._args = _nothing, ()  # keeps no buffer alive
            self._done.set()

    def done(self) -> bool:
        """Whether the call has ended (or was dropped): :meth:`result` will not wait."""
        return self._done.is_set()

    def result(self) -> Any:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value


class Workers:
    """``count`` threads named ``name``-N running submitted calls in submission order."""

    def __init__(self, count: int, name: str) -> None:
        self._jobs: SimpleQueue[Job | None] = SimpleQueue()
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._count, self._name = count, name
        self._lock = threading.Lock()
        # Collected without shutdown (a reader never closed): the idle threads are woken to end.
        self._wake = weakref.finalize(self, _wake, self._jobs, self._threads, self._closed)

    def submit(self, call: Callable[..., Any], *args: Any) -> Job:
        job = Job(call, args)
        with self._lock:
            if self._closed.is_set():
                raise RuntimeError("cannot submit to workers that were shut down")
            if len(self._threads) < self._count:
                thread = threading.Thread(
                    target=_work,
                    args=(self._jobs, self._closed),
                    name=f"{self._name}_{len(self._threads)}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)
            self._jobs.put(job)
        return job

    def shutdown(self) -> None:
        """Drop the calls not yet started, wait for the running ones, end the threads."""
        with self._lock:
            self._wake()  # once: later calls do nothing
        for thread in self._threads:
            thread.join()


def _wake(jobs: SimpleQueue[Job | None], threads: list[threading.Thread], closed: threading.Event) -> None:
    closed.set()
    for _ in threads:
        jobs.put(None)


def _work(jobs: SimpleQueue[Job | None], closed: threading.Event) -> None:
    """A thread's loop; it holds no reference to its Workers, which may then be collected."""
    while (job := jobs.get()) is not None:
        job.run(dropped=closed.is_set())


def _nothing(*args: Any) -> None:
    return None
