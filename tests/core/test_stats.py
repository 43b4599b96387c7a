"""Measurements: a proxy pool counts only the block, the default pool comes back, memory and faults."""

from __future__ import annotations

import mmap

import pytest

import arrowio
from arrowio import stats


def test_measure_counts_only_the_block():
    outside = arrowio.allocate_buffer(4096)
    before = arrowio.default_memory_pool()
    with stats.measure() as measuring:
        assert arrowio.default_memory_pool() is measuring.pool is not before
        first = arrowio.allocate_buffer(1000)  # rounded to 1024
        second = arrowio.allocate_buffer(100_000)
        del first, second
        kept = arrowio.allocate_buffer(64)
    result = measuring.result
    assert arrowio.default_memory_pool() is before
    assert result.max_memory == 1024 + 100_032 and result.total_bytes_allocated == 1024 + 100_032 + 64
    assert result.num_allocations == 3 and result.bytes_allocated == 64  # `kept` is alive: a leak
    assert result.backend == before.backend_name and result.seconds > 0
    del kept, outside


def test_cycles_are_collected_before_counting_a_leak():
    with stats.measure() as measuring:
        holder: list[object] = [arrowio.allocate_buffer(256)]
        holder.append(holder)  # a reference cycle only the garbage collector frees
        del holder
    assert measuring.result.bytes_allocated == 0


def test_measure_over_a_chosen_pool_and_after_an_exception():
    system = arrowio.system_memory_pool()
    before = arrowio.default_memory_pool()
    with pytest.raises(RuntimeError):
        with stats.measure(system) as measuring:
            buffer = arrowio.allocate_buffer(128)
            raise RuntimeError("stop")
    assert arrowio.default_memory_pool() is before
    assert measuring.result.backend == "system" and measuring.result.max_memory == 128
    del buffer


def test_process_memory_and_page_faults():
    snapshot = stats.process_memory()
    assert 0 < snapshot.rss_bytes <= snapshot.peak_rss_bytes and snapshot.minor_faults > 0
    with stats.measure() as measuring:
        # 32 MiB of fresh pages, straight from the kernel whatever malloc's settings: faults and RSS
        touched = mmap.mmap(-1, 32 << 20)
        for page in range(0, len(touched), 4096):
            touched[page] = 1
    result = measuring.result
    assert result.minor_faults > 1000 and result.peak_rss_bytes >= 32 << 20
    assert set(result.to_dict()) == {
        "backend", "seconds", "bytes_allocated", "max_memory", "total_bytes_allocated", "num_allocations",
        "rss_bytes", "peak_rss_bytes", "peak_rss_scope", "minor_faults", "major_faults",
    }  # fmt: skip
    touched.close()


def test_peak_rss_can_be_reset():
    if not stats.reset_peak_rss():
        pytest.skip("this kernel cannot reset the peak RSS (/proc/self/clear_refs)")
    big = bytearray(64 << 20)
    big[::4096] = b"\1" * len(big[::4096])
    peak_with = stats.process_memory().peak_rss_bytes
    del big
    assert stats.reset_peak_rss()
    assert stats.process_memory().peak_rss_bytes < peak_with
