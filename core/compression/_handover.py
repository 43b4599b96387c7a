"""A bounded hand-over of items from a producer thread to one consumer, through two C queues.

``queue.Queue``'s put and get run Python-level locks and conditions: ``cat`` of 256 MiB of zstd
into a pipe made 1,279 futex calls with it, 882 with these. Items go one way; the tokens coming
back bound the items waiting, as a bounded queue would. The producer takes a token
(:meth:`Handover.room`) before each item that holds memory, and stops once the consumer has
closed; what it raises reaches the consumer as a :class:`Failure`, after the items before it.
Used by the decoding thread (:mod:`._stream`) and by the raw reads made ahead of it
(:mod:`._readahead`).
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Failure", "Handover"]

_JOIN_TIMEOUT = 2.0  # how long close() waits for a producer stuck in a raw read


class Failure:
    """An exception from the producer, carried through the queue."""

    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Handover:
    """The items ``produce(handover, *args)`` puts, made in a daemon thread named ``name``, at
    most ``depth`` of them waiting for the consumer. RuntimeError where no thread can be had."""

    def __init__(self, produce: Callable[..., None], args: tuple[Any, ...], depth: int, name: str) -> None:
        import threading  # here: a source that never needs a thread never imports it (start-up time)
        from _queue import SimpleQueue

        self._items: SimpleQueue[Any] = SimpleQueue()
        self._free: SimpleQueue[None] = SimpleQueue()
        for _ in range(depth):
            self._free.put(None)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=_guarded, args=(produce, self, args), name=name, daemon=True)
        self._thread.start()

    def room(self) -> bool:
        """(Producer) Wait for a free place; False once the consumer has closed."""
        self._free.get()
        return not self._stop.is_set()

    def put(self, item: Any) -> None:
        """(Producer) Hand ``item`` over."""
        self._items.put(item)

    def get(self) -> Any:
        """(Consumer) The next item, a :class:`Failure` or the producer's end marker included;
        its place is free again."""
        item = self._items.get()
        self._free.put(None)
        return item

    def close(self) -> None:
        """(Consumer) Stop the producer, waiting a moment for it (it may be inside a raw read);
        the items waiting are dropped."""
        self._stop.set()
        self._free.put(None)  # a producer waiting for room wakes, and sees the stop flag
        self._thread.join(_JOIN_TIMEOUT)


def _guarded(produce: Callable[..., None], handover: Handover, args: tuple[Any, ...]) -> None:
    """The thread: ``produce``, its exception handed to the consumer, raised there."""
    try:
        produce(handover, *args)
    except BaseException as exc:
        handover.put(Failure(exc))
