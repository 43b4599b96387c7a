"""Buffer, py_buffer, foreign_buffer, allocate_buffer and ResizableBuffer."""

from __future__ import annotations

import ctypes
import gc
import pickle
import threading
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arrowio as pa
from arrowio._raw import address_of


def test_walk_through_from_the_issue():
    gc.collect()
    data = b"abcdefghijklmnopqrstuvwxyz"
    buf = pa.py_buffer(data)
    assert address_of(memoryview(buf)) == address_of(data)  # zero-copy view of the bytes
    assert buf.size == 26
    copied = buf.to_pybytes()
    assert copied == data and address_of(copied) != address_of(data)

    assert pa.total_allocated_bytes() == 0
    resizable = pa.allocate_buffer(1024, resizable=True)
    assert pa.total_allocated_bytes() == 1024
    resizable.resize(2048)
    assert pa.total_allocated_bytes() == 2048
    del resizable
    assert pa.total_allocated_bytes() == 0
    assert pa.default_memory_pool().backend_name in pa.supported_memory_backends()


def test_constructor_is_refused():
    with pytest.raises(TypeError, match="py_buffer"):
        pa.Buffer()
    with pytest.raises(TypeError):
        pa.ResizableBuffer()


def test_properties():
    buf = pa.py_buffer(b"abcdefghi")
    assert (buf.size, len(buf), buf.is_mutable, buf.is_cpu, buf.device_type, buf.parent) == (
        9,
        9,
        False,
        True,
        pa.DeviceAllocationType.CPU,
        None,
    )
    assert isinstance(buf.address, int) and buf.address == address_of(b"abcdefghi") or buf.address
    assert pa.py_buffer(bytearray(b"x")).is_mutable


def test_repr():
    buf = pa.py_buffer(b"abcdefghi")
    assert repr(buf) == f"<arrowio.Buffer address={buf.address:#x} size=9 is_cpu=True is_mutable=False>"


def test_same_bytes_same_address():
    data = b"same memory"
    assert pa.py_buffer(data).address == pa.py_buffer(data).address == address_of(data)


class TestSlicing:
    def test_slice_is_zero_copy_and_keeps_parent(self):
        buf = pa.py_buffer(b"0123456789")
        part = buf.slice(2, 3)
        assert part.to_pybytes() == b"234"
        assert part.address == buf.address + 2
        assert part.parent is buf
        assert buf.slice(4).to_pybytes() == b"456789"
        assert buf.slice().to_pybytes() == b"0123456789"
        assert buf.slice(10).size == 0

    def test_slice_out_of_range(self):
        buf = pa.py_buffer(b"0123456789")
        for args in [(-1,), (11,), (0, -1), (5, 6), (0, 11)]:
            with pytest.raises(IndexError):
                buf.slice(*args)

    def test_getitem_slices_follow_python_semantics(self):
        data = b"0123456789"
        buf = pa.py_buffer(data)
        for start, stop in [(2, 5), (None, 3), (7, None), (-3, None), (5, 2), (0, 100), (-100, 2)]:
            assert buf[start:stop].to_pybytes() == data[start:stop]
        assert buf[2:5].address == buf.address + 2

    def test_step_other_than_one_refused(self):
        buf = pa.py_buffer(b"0123456789")
        for key in [slice(None, None, 2), slice(None, None, -1)]:
            with pytest.raises(IndexError, match="step 1"):
                buf[key]
        assert buf[::1].to_pybytes() == b"0123456789"

    def test_index(self):
        buf = pa.py_buffer(b"abc")
        assert (buf[0], buf[2], buf[-1], buf[-3]) == (97, 99, 99, 97)
        for index in (3, -4, 100):
            with pytest.raises(IndexError):
                buf[index]
        for key in (1.0, "1", None):
            with pytest.raises(TypeError):
                buf[key]

    def test_slice_outlives_everything_else(self):
        data = bytearray(b"keep me alive")
        buf = pa.py_buffer(data)
        part = buf[5:7]
        del buf, data
        gc.collect()
        assert part.to_pybytes() == b"me"

    @given(st.binary(max_size=64), st.integers(-80, 80), st.integers(-80, 80))
    def test_getitem_matches_bytes(self, data, start, stop):
        assert pa.py_buffer(data)[start:stop].to_pybytes() == data[start:stop]


def test_first_views_from_two_threads_free_the_block_once(monkeypatch):
    # The first view of a pool buffer takes its block over; a second thread arriving while the
    # first is half-way must not take it over again (the memory would go back to the pool twice).
    import arrowio.buffer as buffer_module

    blocks = []
    second_arrived = threading.Event()

    class SlowBlock(buffer_module._PoolBlock):
        __slots__ = ()

        def __init__(self, *args):
            blocks.append(self)
            if len(blocks) == 1:  # hold the first taker inside the window for a while
                second_arrived.wait(0.5)
            else:
                second_arrived.set()
            super().__init__(*args)

    monkeypatch.setattr(buffer_module, "_PoolBlock", SlowBlock)
    pool = pa.system_memory_pool()
    before = pool.bytes_allocated()
    buf = pa.allocate_buffer(64, pool)
    threads = [threading.Thread(target=buf.to_pybytes) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(blocks) == 1
    del buf, threads, blocks[:]
    gc.collect()
    assert pool.bytes_allocated() == before


class TestComparison:
    def test_equals_and_operators(self):
        buf = pa.py_buffer(b"abc")
        assert buf.equals(pa.py_buffer(b"abc")) and buf.equals(b"abc") and buf.equals(bytearray(b"abc"))
        assert not buf.equals(b"abd") and not buf.equals(b"ab")
        assert buf == b"abc" and buf == pa.py_buffer(bytearray(b"abc")) and buf != b"xyz"
        assert not (buf != b"abc")

    def test_str_is_refused(self):
        buf = pa.py_buffer(b"abc")
        with pytest.raises(TypeError):
            buf == "abc"  # noqa: B015
        with pytest.raises(TypeError):
            buf.equals("abc")

    def test_unhashable(self):
        with pytest.raises(TypeError):
            hash(pa.py_buffer(b"abc"))


def test_hex_and_to_pybytes():
    buf = pa.py_buffer(b"\x00\xab\xff")
    assert buf.hex() == b"00ABFF"
    assert buf.to_pybytes() == b"\x00\xab\xff"


class TestBufferProtocol:
    def test_memoryview_is_zero_copy_and_read_only(self):
        data = b"read only"
        view = memoryview(pa.py_buffer(data))
        assert view.readonly and view.format == "B" and view.tobytes() == data
        assert address_of(view) == address_of(data)

    def test_mutable_buffer_is_writable_through_numpy(self):
        data = bytearray(b"abcd")
        array = np.frombuffer(pa.py_buffer(data), dtype=np.uint8)
        assert array.flags.writeable
        array[0] = ord("z")
        assert data == bytearray(b"zbcd")

    def test_read_only_buffer_gives_read_only_numpy(self):
        array = np.frombuffer(pa.py_buffer(b"abcd"), dtype=np.uint8)
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[0] = 1

    def test_exports_are_counted(self):
        buf = pa.allocate_buffer(16)
        first = memoryview(buf)
        second = np.frombuffer(buf, dtype=np.uint8)
        assert buf._exports == 2
        first.release()
        del second
        gc.collect()
        assert buf._exports == 0

    def test_writable_request_on_read_only_is_refused_without_leaking_a_count(self):
        buf = pa.py_buffer(b"abcd")
        with pytest.raises((BufferError, TypeError)):
            ctypes.c_char.from_buffer(buf)  # asks for a writable buffer
        assert buf._exports == 0

    def test_view_keeps_pool_memory_alive(self):
        gc.collect()
        before = pa.total_allocated_bytes()
        buf = pa.allocate_buffer(128)
        memoryview(buf)[:3] = b"xyz"
        view = memoryview(buf)
        del buf
        gc.collect()
        assert pa.total_allocated_bytes() == before + 128
        assert view[:3].tobytes() == b"xyz"
        view.release()
        del view
        gc.collect()
        assert pa.total_allocated_bytes() == before


def test_pickle_by_value_and_weakref():
    buf = pa.py_buffer(b"pickled")
    clone = pickle.loads(pickle.dumps(buf))
    assert clone == buf and clone.address != buf.address
    pooled = pa.allocate_buffer(3)
    memoryview(pooled)[:] = b"abc"
    assert pickle.loads(pickle.dumps(pooled)) == b"abc"
    ref = weakref.ref(buf)
    assert ref() is buf
    del buf, clone
    gc.collect()
    assert ref() is None


class TestPyBuffer:
    def test_keeps_object_alive(self):
        data = bytearray(b"alive")
        ref_target = np.frombuffer(data, dtype=np.uint8)
        buf = pa.py_buffer(ref_target)
        del ref_target
        gc.collect()
        assert buf.to_pybytes() == b"alive"

    def test_numpy_c_and_fortran_contiguous(self):
        c_array = np.arange(12, dtype=np.int32).reshape(3, 4)
        assert pa.py_buffer(c_array).to_pybytes() == c_array.tobytes(order="C")
        assert pa.py_buffer(c_array).address == c_array.ctypes.data
        f_array = np.asfortranarray(c_array)
        buf = pa.py_buffer(f_array)
        assert buf.to_pybytes() == f_array.tobytes(order="A") and buf.address == f_array.ctypes.data

    def test_non_contiguous_refused(self):
        with pytest.raises(ValueError, match="not contiguous"):
            pa.py_buffer(np.arange(10)[::2])

    @pytest.mark.parametrize("obj", [None, "text", 3, object()])
    def test_non_buffers_refused(self, obj):
        with pytest.raises(TypeError):
            pa.py_buffer(obj)

    def test_memoryview_and_structured_formats(self):
        assert pa.py_buffer(memoryview(b"abc")).to_pybytes() == b"abc"
        structured = np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")])
        assert pa.py_buffer(structured).size == structured.nbytes


class TestForeignBuffer:
    def test_wraps_raw_memory_and_keeps_base(self):
        raw = ctypes.create_string_buffer(b"foreign memory")
        buf = pa.foreign_buffer(ctypes.addressof(raw), 7, base=raw)
        del raw
        gc.collect()
        assert buf.to_pybytes() == b"foreign" and not buf.is_mutable

    def test_empty(self):
        buf = pa.foreign_buffer(0, 0)
        assert buf.size == 0 and buf.address == 0 and memoryview(buf).tobytes() == b""

    def test_bad_arguments(self):
        with pytest.raises(ValueError):
            pa.foreign_buffer(0, 10)
        with pytest.raises(ValueError):
            pa.foreign_buffer(1024, -1)

    @pytest.mark.parametrize(
        ("address", "size"), [(-1, 0), (-1, 10), (2**70, 0), (2**64, 0), (2**64 - 1, 2), (2**63, 2**63 + 1)]
    )
    def test_addresses_outside_the_64_bit_space_refused(self, address, size):
        # PyArrow raises OverflowError converting to uintptr_t; ours is also a ValueError.
        with pytest.raises(OverflowError, match="64-bit address space") as raised:
            pa.foreign_buffer(address, size)
        assert isinstance(raised.value, ValueError)

    def test_the_last_address_is_accepted_when_nothing_runs_past_it(self):
        assert pa.foreign_buffer(2**64 - 1, 0).address == 2**64 - 1


class TestAllocateBuffer:
    def test_pool_owned_mutable_aligned(self):
        buf = pa.allocate_buffer(100)
        assert type(buf) is pa.Buffer and buf.parent is None and buf.is_mutable
        assert buf.address % 64 == 0 and buf.size == 100
        memoryview(buf)[:] = b"x" * 100
        assert buf.to_pybytes() == b"x" * 100

    def test_rounded_accounting(self):
        pool = pa.proxy_memory_pool(pa.default_memory_pool())
        buf = pa.allocate_buffer(100, memory_pool=pool)
        assert pool.bytes_allocated() == 128 and pool.num_allocations() == 1
        del buf
        assert pool.bytes_allocated() == 0

    def test_zero_size(self):
        buf = pa.allocate_buffer(0)
        assert buf.size == 0 and memoryview(buf).tobytes() == b""
        assert buf.address % 64 == 0

    def test_negative_size(self):
        with pytest.raises(ValueError):
            pa.allocate_buffer(-1)

    def test_impossible_size_is_memory_error(self):
        with pytest.raises(MemoryError):
            pa.allocate_buffer(1 << 62)
        with pytest.raises(pa.ArrowMemoryError):
            pa.allocate_buffer(1 << 62, memory_pool=pa.system_memory_pool())


class TestResizableBuffer:
    def test_resize_keeps_contents(self):
        buf = pa.allocate_buffer(4, resizable=True)
        assert isinstance(buf, pa.ResizableBuffer) and buf.parent is None
        memoryview(buf)[:] = b"abcd"
        buf.resize(100_000)
        assert buf.size == 100_000 and buf.to_pybytes()[:4] == b"abcd"
        assert buf.to_pybytes()[4:] == bytes(100_000 - 4)  # grown bytes read as zeros
        buf.resize(2)
        assert buf.to_pybytes() == b"ab" and buf.capacity == 100_032
        buf.resize(2, shrink_to_fit=True)
        assert buf.capacity == 64 and buf.to_pybytes() == b"ab" and buf.address % 64 == 0

    def test_refuses_while_viewed(self):
        buf = pa.allocate_buffer(10, resizable=True)
        view = memoryview(buf)
        with pytest.raises(BufferError):
            buf.resize(1 << 20)
        view.release()
        buf.resize(1 << 20)

    def test_refuses_while_sliced(self):
        buf = pa.allocate_buffer(10, resizable=True)
        part = buf[2:4]
        with pytest.raises(BufferError):
            buf.resize(1 << 20)
        del part
        gc.collect()
        buf.resize(1 << 20)

    def test_negative_size(self):
        with pytest.raises(ValueError):
            pa.allocate_buffer(1, resizable=True).resize(-5)


def test_mutable_buffers_unpickle_mutable():
    clone = pickle.loads(pickle.dumps(pa.py_buffer(bytearray(b"abc"))))
    assert clone.is_mutable and clone == b"abc"
    assert not pickle.loads(pickle.dumps(pa.py_buffer(b"abc"))).is_mutable


def test_grown_results_are_plain_buffers():
    stream = pa.BufferOutputStream()
    stream.write(b"x" * 100_000)
    assert type(stream.getvalue()) is pa.Buffer
    packed = pa.compress(b"y" * 100_000, codec="zstd")
    result = pa.decompress(packed, codec="zstd")
    assert type(result) is pa.Buffer and result == b"y" * 100_000
