"""Stream a file's bytes into device memory (and back), overlapping reads with copies; the engine of ``arrowio gpu-copy``.

The input is read chunk by chunk into a ring of host staging buffers, two per CUDA stream, so
that while one chunk is on its way to the device the next one is being read (double buffering).
Each copy is bracketed by CUDA events; the device time of a direction is the union of those
intervals, so rates are the bus's, not the reader's. Staging buffers are pinned (page-locked,
copied by DMA asynchronously) or pageable (copied by the driver through its own pinned bounce
buffer, synchronously).
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from ..buffer import Buffer, allocate_buffer
from ..errors import ArrowInvalid, ArrowIOError
from . import _backend
from .buffer import CudaBuffer
from .context import Context
from .host import new_host_buffer

__all__ = ["DeviceCopy", "TransferRun", "TransferStats", "copy_to_device", "CHECKSUM_ALGORITHM"]

_HOST_TO_DEVICE = 1
_DEVICE_TO_HOST = 2

#: The checksum of --verify: fast (many GB/s) and strong enough to catch corruption, not attacks.
CHECKSUM_ALGORITHM = "xxh3_64"


class _Readable(Protocol):
    def readinto(self, buffer: Any, /) -> int | None: ...


@dataclass(frozen=True)
class TransferRun:
    """One pass of the input to the device (and back). Seconds are wall-clock unless named ``*_device``."""

    upload_seconds: float  # first read to last byte on the device
    h2d_seconds: float  # device time spent copying host to device (CUDA events)
    download_seconds: float | None = None  # first copy back to last byte checked on the host
    d2h_seconds: float | None = None  # device time spent copying device to host
    input_checksum: str | None = None
    roundtrip_checksum: str | None = None


def _rate(nbytes: int, seconds: float | None) -> float | None:
    """Decimal gigabytes per second, or None when nothing was timed."""
    if not seconds or seconds <= 0:
        return None
    return nbytes / seconds / 1e9


@dataclass(frozen=True)
class TransferStats:
    """What a :func:`copy_to_device` call measured; rates are GB/s (10^9 bytes) over all runs."""

    nbytes: int  # bytes of one run (the decoded input)
    chunk_size: int
    streams: int
    pinned: bool
    device_bytes: int  # device memory holding the data
    runs: tuple[TransferRun, ...] = field(default=())

    @property
    def h2d_gbps(self) -> float | None:
        return _rate(self.nbytes * len(self.runs), sum(run.h2d_seconds for run in self.runs))

    @property
    def d2h_gbps(self) -> float | None:
        if not self.runs or self.runs[0].d2h_seconds is None:
            return None
        return _rate(self.nbytes * len(self.runs), sum(run.d2h_seconds or 0.0 for run in self.runs))

    @property
    def end_to_end_gbps(self) -> float | None:
        """Input read to data on the device, wall-clock: what a user of the upload sees."""
        return _rate(self.nbytes * len(self.runs), sum(run.upload_seconds for run in self.runs))

    @property
    def verified(self) -> bool | None:
        """Whether every round trip's checksum equals its input's; None when not checked."""
        if not self.runs or self.runs[0].roundtrip_checksum is None:
            return None
        return all(run.input_checksum == run.roundtrip_checksum for run in self.runs)

    def to_dict(self) -> dict[str, Any]:
        result = asdict(self)
        result["runs"] = [asdict(run) for run in self.runs]
        result.update(
            h2d_gbps=self.h2d_gbps, d2h_gbps=self.d2h_gbps, end_to_end_gbps=self.end_to_end_gbps, verified=self.verified
        )
        return result


@dataclass
class DeviceCopy:
    """The data on the device (one buffer per segment, in order) and how it got there."""

    buffers: list[CudaBuffer]
    stats: TransferStats


class _Pipeline:
    """A ring of staging buffers and streams; copies chunks in order and times them with events."""

    def __init__(self, context: Context, chunk_size: int, slots_per_stream: int, streams: int, pinned: bool) -> None:
        cupy = _backend.cupy()
        self._cupy = cupy
        self._runtime = cupy.cuda.runtime
        self._device = context._device()
        with self._device:
            self.streams = [cupy.cuda.Stream(non_blocking=True) for _ in range(streams)]
            slots = streams * slots_per_stream
            self.staging: list[Buffer] = [
                new_host_buffer(chunk_size, context.device_number) if pinned else allocate_buffer(chunk_size)
                for _ in range(slots)
            ]
            self.events = [(cupy.cuda.Event(), cupy.cuda.Event()) for _ in range(slots)]
            self._reference = cupy.cuda.Event()
        self.views = [buffer._memview() for buffer in self.staging]
        self._inflight: deque[tuple[int, int]] = deque()  # (slot, bytes), oldest first
        self._issued = 0
        self._intervals: list[tuple[float, float]] = []
        self._on_done: Callable[[memoryview], None] | None = None

    def begin(self, on_done: Callable[[memoryview], None] | None = None) -> None:
        """Start a direction: reset the timings; ``on_done`` sees each finished chunk's staging bytes."""
        self._intervals = []
        self._issued = 0
        self._on_done = on_done
        with self._device:
            self._reference.record(self.streams[0])
            # Elapsed times are read against it from other streams' events: it must have happened.
            self._reference.synchronize()

    def slot(self) -> int:
        """The next staging slot, once free: slots go round in order, so the oldest copy holds it."""
        if len(self._inflight) == len(self.staging):
            self._finish()
        return self._issued % len(self.staging)

    def copy(self, slot: int, destination: int, source: int, nbytes: int, kind: int) -> None:
        stream = self.streams[slot % len(self.streams)]
        start, end = self.events[slot]
        with self._device:
            start.record(stream)
            self._runtime.memcpyAsync(destination, source, nbytes, kind, stream.ptr)
            end.record(stream)
        self._inflight.append((slot, nbytes))
        self._issued += 1

    def _finish(self) -> None:
        slot, nbytes = self._inflight.popleft()
        start, end = self.events[slot]
        end.synchronize()
        elapsed = self._cupy.cuda.get_elapsed_time
        self._intervals.append((elapsed(self._reference, start), elapsed(self._reference, end)))
        if self._on_done is not None:
            self._on_done(self.views[slot][:nbytes])

    def drain(self) -> float:
        """Wait for every copy; returns the device seconds spent copying (the union of the intervals)."""
        while self._inflight:
            self._finish()
        return _busy_milliseconds(self._intervals) / 1e3

    def abandon(self) -> None:
        """After an error: let the copies in flight finish before the staging memory can be freed."""
        for stream in self.streams:
            stream.synchronize()
        self._inflight.clear()


def _busy_milliseconds(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of (begin, end) intervals: copies on several streams may overlap."""
    busy = 0.0
    covered_until = float("-inf")
    for begin, end in sorted(intervals):
        if end > covered_until:
            busy += end - max(begin, covered_until)
            covered_until = end
    return busy


def _fill(source: _Readable, view: memoryview) -> int:
    """Read until ``view`` is full or the input ends; decoders return short reads."""
    total = 0
    wanted = len(view)
    while total < wanted:
        count = source.readinto(view[total:])
        if not count:
            break
        total += count
    return total


def _hasher() -> Any:
    import xxhash

    return xxhash.xxh3_64()


def copy_to_device(
    open_input: Callable[[], AbstractContextManager[_Readable]],
    context: Context,
    *,
    size: int | None = None,
    chunk_size: int = 64 << 20,
    streams: int = 2,
    pinned: bool = True,
    roundtrip: bool = False,
    checksum: bool = False,
    repeat: int = 1,
) -> DeviceCopy:
    """Copy the bytes of an input to device memory ``repeat`` times, timing each pass.

    ``open_input()`` returns a fresh readable (anything with ``readinto``, used as a context
    manager) for each pass. ``size``, when known, lets the data land in one device buffer;
    otherwise each chunk gets its own. ``roundtrip`` copies the data back through the staging
    buffers; ``checksum`` hashes the input as it is read and (with ``roundtrip``) the bytes that
    came back, so that ``stats.verified`` tells whether they are equal.
    """
    _check_arguments(size, chunk_size, streams, repeat)
    chunk_size, streams, slots_per_stream = _staging_shape(size, chunk_size, streams)
    pipeline = _Pipeline(context, chunk_size, slots_per_stream, streams, pinned)
    whole = context.new_buffer(size) if size is not None else None
    placement = _Placement(context, whole, [whole] if whole is not None else [])
    runs = []
    nbytes = 0
    try:
        for index in range(repeat):
            run, nbytes = _one_pass(
                pipeline, open_input, placement, first=index == 0, roundtrip=roundtrip, checksum=checksum
            )
            runs.append(run)
    except BaseException:
        pipeline.abandon()
        raise
    stats = TransferStats(
        nbytes=nbytes,
        chunk_size=chunk_size,
        streams=streams,
        pinned=pinned,
        device_bytes=sum(buffer.size for buffer in placement.segments),
        runs=tuple(runs),
    )
    return DeviceCopy(buffers=placement.segments, stats=stats)


def _check_arguments(size: int | None, chunk_size: int, streams: int, repeat: int) -> None:
    if chunk_size <= 0:
        raise ArrowInvalid(f"chunk size must be positive, got {chunk_size}")
    if streams <= 0:
        raise ArrowInvalid(f"the number of streams must be positive, got {streams}")
    if repeat <= 0:
        raise ArrowInvalid(f"repeat must be positive, got {repeat}")
    if size is not None and size < 0:
        raise ArrowInvalid(f"size must be non-negative, got {size}")


def _staging_shape(size: int | None, chunk_size: int, streams: int) -> tuple[int, int, int]:
    """The chunk size, the number of streams and the staging slots per stream for an input of
    ``size`` bytes (None: unknown)."""
    if size is None:
        return chunk_size, streams, 2
    # Small inputs need no more staging than they have bytes.
    chunk_size = max(1, min(chunk_size, size))
    chunks = -(-size // chunk_size)
    streams = max(1, min(streams, chunks))
    return chunk_size, streams, 1 if chunks <= streams else 2


@dataclass
class _Placement:
    """Where each chunk lands on the device: in one buffer of the known size (``whole``) or in a
    buffer of its own (``segments``); fixed by the first pass, which the later ones must match."""

    context: Context
    whole: CudaBuffer | None
    segments: list[CudaBuffer]  # every device buffer of the copy
    layout: list[tuple[int, int]] = field(default_factory=list)  # (device address, bytes) of each chunk

    def address(self, index: int, offset: int, count: int, *, first: bool) -> int:
        """The device address of chunk ``index`` of ``count`` bytes at input ``offset``."""
        if not first:
            if index >= len(self.layout) or self.layout[index][1] != count:
                raise ArrowIOError("the input changed between passes")
            return self.layout[index][0]
        if self.whole is not None:
            if offset + count > self.whole.size:
                raise ArrowIOError(f"the input is longer than the {self.whole.size} bytes it was said to have")
            address = self.whole.address + offset
        else:
            segment = self.context.new_buffer(count)
            self.segments.append(segment)
            address = segment.address
        self.layout.append((address, count))
        return address

    def check_end(self, offset: int, *, first: bool) -> None:
        """The input ended after ``offset`` bytes: as the first pass did and as its size said."""
        if not first and offset != sum(count for _, count in self.layout):
            raise ArrowIOError("the input changed between passes")
        if self.whole is not None and offset != self.whole.size:
            raise ArrowIOError(f"the input ended after {offset} of the {self.whole.size} bytes it was said to have")


def _one_pass(
    pipeline: _Pipeline,
    open_input: Callable[[], AbstractContextManager[_Readable]],
    placement: _Placement,
    *,
    first: bool,
    roundtrip: bool,
    checksum: bool,
) -> tuple[TransferRun, int]:
    input_hash = _hasher() if checksum else None
    started = time.perf_counter()
    pipeline.begin()
    offset = 0
    with open_input() as source:
        for index in itertools.count():
            slot = pipeline.slot()
            view = pipeline.views[slot]
            count = _fill(source, view)
            if not count:
                break
            address = placement.address(index, offset, count, first=first)
            pipeline.copy(slot, address, pipeline.staging[slot].address, count, _HOST_TO_DEVICE)
            if input_hash is not None:  # hashed while the copy runs
                input_hash.update(view[:count])
            offset += count
        h2d_seconds = pipeline.drain()
    upload_seconds = time.perf_counter() - started
    placement.check_end(offset, first=first)
    run = TransferRun(
        upload_seconds=upload_seconds,
        h2d_seconds=h2d_seconds,
        input_checksum=_digest(input_hash),
    )
    if roundtrip:
        run = _download(pipeline, placement.layout, run, checksum)
    return run, offset


def _download(pipeline: _Pipeline, layout: list[tuple[int, int]], run: TransferRun, checksum: bool) -> TransferRun:
    output_hash = _hasher() if checksum else None
    started = time.perf_counter()
    pipeline.begin(output_hash.update if output_hash is not None else None)
    for address, count in layout:
        slot = pipeline.slot()
        pipeline.copy(slot, pipeline.staging[slot].address, address, count, _DEVICE_TO_HOST)
    d2h_seconds = pipeline.drain()
    return TransferRun(
        upload_seconds=run.upload_seconds,
        h2d_seconds=run.h2d_seconds,
        download_seconds=time.perf_counter() - started,
        d2h_seconds=d2h_seconds,
        input_checksum=run.input_checksum,
        roundtrip_checksum=_digest(output_hash),
    )


def _digest(hasher: Any) -> str | None:
    return None if hasher is None else f"{CHECKSUM_ALGORITHM}:{hasher.hexdigest()}"
