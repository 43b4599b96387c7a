"""The library's writing classes over a raw file that writes short and fails at a chosen offset.

Short writes alone must still deliver every byte; a fault must raise the raw file's error, the
raw file must hold only a prefix of the output (nothing written after a hole), and a stream that
keeps data back (buffering, compressing) must never close as complete after losing some.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

import pytest
from fault_helpers import FORMATS, FaultyRaw, decode

import arrowio

SIZE = 256 << 10
CHUNK = 10_000  # not a divisor of any buffer size: writes straddle buffer and part boundaries

Opener = Callable[[FaultyRaw], Any]


def _compressed(fmt: str, threaded: bool) -> Opener:
    return lambda raw: arrowio.CompressedOutputStream(raw, fmt, threaded=threaded)


PLAIN: dict[str, Opener] = {
    "PythonFile": lambda raw: arrowio.PythonFile(raw, mode="w"),
    "output_stream": lambda raw: arrowio.output_stream(raw),
    "output_stream-buffered": lambda raw: arrowio.output_stream(raw, buffer_size=4096),
    "BufferedOutputStream": lambda raw: arrowio.BufferedOutputStream(arrowio.PythonFile(raw, mode="w"), 4096),
}
COMPRESSED: dict[str, tuple[str, Opener]] = {
    f"{fmt}-{'threaded' if threaded else 'inline'}": (fmt, _compressed(fmt, threaded))
    for fmt in FORMATS
    for threaded in (True, False)
}
COMPRESSED.update(
    {
        f"output_stream-{fmt}": (fmt, (lambda f: lambda raw: arrowio.output_stream(raw, compression=f))(fmt))
        for fmt in FORMATS
    }
)
#: Faults: (bytes per write at most, fail at this many bytes, errno).
FAULTS = {
    "enospc-at-0": (None, 0, errno.ENOSPC),
    "enospc-midway": (7_000, 50_000, errno.ENOSPC),
    "eio-midway": (None, 50_000, errno.EIO),
    "efbig-after-short": (3_000, 65_536, errno.EFBIG),
}


@pytest.fixture(scope="module")
def data() -> bytes:
    import random

    return random.Random(7).randbytes(SIZE)


def write_all(stream: Any, data: bytes) -> None:
    for start in range(0, len(data), CHUNK):
        stream.write(data[start : start + CHUNK])
    stream.close()


# -- short writes only: every byte arrives ----------------------------------------------------------
@pytest.mark.parametrize("name", PLAIN)
def test_short_writes_are_continued(name, data) -> None:
    raw = FaultyRaw(short=777)
    write_all(PLAIN[name](raw), data)
    assert bytes(raw.data) == data and raw.calls > len(data) // 777


@pytest.mark.parametrize("name", COMPRESSED)
def test_short_writes_are_continued_compressed(name, data) -> None:
    fmt, opener = COMPRESSED[name]
    raw = FaultyRaw(short=777)
    write_all(opener(raw), data)
    assert decode(fmt, bytes(raw.data)) == data


# -- faults: the error, a prefix, never a complete-looking stream ----------------------------------
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("name", PLAIN)
def test_faults_raise_and_leave_a_prefix(name, fault, data) -> None:
    short, fail_at, code = FAULTS[fault]
    raw = FaultyRaw(short=short, fail_at=fail_at, error=code)
    stream = PLAIN[name](raw)
    with pytest.raises(OSError) as caught:
        write_all(stream, data)
    assert caught.value.errno == code
    assert len(raw.data) <= fail_at and bytes(raw.data) == data[: len(raw.data)]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("name", COMPRESSED)
def test_faults_raise_and_never_decode_whole(name, fault, data) -> None:
    fmt, opener = COMPRESSED[name]
    short, fail_at, code = FAULTS[fault]
    raw = FaultyRaw(short=short, fail_at=fail_at, error=code)
    stream = opener(raw)
    with pytest.raises(OSError) as caught:
        write_all(stream, data)
    assert caught.value.errno == code and stream.closed
    assert len(raw.data) <= fail_at
    try:
        decoded = decode(fmt, bytes(raw.data))
    except OSError:
        return  # truncated, as a strict decoder must say
    assert decoded != data


# -- a caller that ignores a failed write cannot close as if nothing happened -----------------------
KEEPING = {
    "BufferedOutputStream": lambda raw: arrowio.BufferedOutputStream(arrowio.PythonFile(raw, mode="w"), 4096),
    **{f"compressed-{fmt}-inline": _compressed(fmt, False) for fmt in FORMATS},
    **{f"compressed-{fmt}-threaded": _compressed(fmt, True) for fmt in FORMATS},
}


@pytest.mark.parametrize("name", KEEPING)
def test_a_failed_stream_stays_failed(name, data) -> None:
    """The fault is transient (the raw file would take writes again), yet the bytes it lost are
    gone: later writes, flush and close must raise instead of producing output with a hole."""
    raw = FaultyRaw(fail_at=20_000, error=errno.ENOSPC)
    stream = KEEPING[name](raw)
    errors: list[int | None] = []

    def attempt(operation: Callable[[], Any]) -> None:
        try:
            operation()
        except OSError as exc:
            errors.append(exc.errno)
            raw.fail_at = None  # space came back
        else:
            assert not errors, f"succeeded after a failure that lost bytes: {operation}"

    for start in range(0, len(data), CHUNK):
        attempt(lambda: stream.write(data[start : start + CHUNK]))
    attempt(stream.flush)  # bz2 writes nothing before its close: its fault comes there
    attempt(stream.close)
    assert errors and set(errors) == {errno.ENOSPC}
    assert stream.closed and raw.closed  # closing the failed stream still released its raw file
