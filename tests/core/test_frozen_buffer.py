"""Results built by growing (getvalue(), decompress()) come back as plain Buffers that own the memory."""

from __future__ import annotations

import arrowio as pa


def test_grown_results_are_plain_buffers_that_free_their_memory_once() -> None:
    pool = pa.system_memory_pool()
    before = pool.bytes_allocated()
    out = pa.BufferOutputStream(memory_pool=pool)
    out.write(b"abc" * 1000)
    result = out.getvalue()
    decoded = pa.decompress(pa.compress(b"xyz" * 1000, codec="zstd"), codec="zstd", memory_pool=pool)
    assert type(result) is pa.Buffer and type(decoded) is pa.Buffer
    view = memoryview(result)  # a view made after the hand-over keeps the memory alive
    assert result.to_pybytes() == b"abc" * 1000 and decoded.to_pybytes() == b"xyz" * 1000
    del result, decoded
    assert bytes(view[:3]) == b"abc" and pool.bytes_allocated() > before
    view.release()
    del view, out
    assert pool.bytes_allocated() == before
