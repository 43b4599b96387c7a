"""arrowio.cuda on a real device: every method of Context, CudaBuffer, HostBuffer, the files and the copy engine.

All tests here are marked ``gpu`` and skip, saying why, where device 0 cannot be used.
"""

from __future__ import annotations

import gzip
import io
import pickle
import random
import subprocess
import sys

import pytest

import arrowio
from arrowio import cuda

pytestmark = pytest.mark.gpu

PATTERN = bytes(range(256)) * 16  # 4 KiB


@pytest.fixture
def cupy():
    import cupy as module

    return module


@pytest.fixture
def dbuf(ctx):
    """4 KiB of device memory holding PATTERN."""
    buf = ctx.new_buffer(len(PATTERN))
    buf.copy_from_host(PATTERN)
    return buf


# -- Context -------------------------------------------------------------------------------------
def test_context_facts(ctx):
    assert ctx.device_number == 0
    assert cuda.Context.get_num_devices() >= 1
    assert ctx == cuda.Context(0) and hash(ctx) == hash(cuda.Context(0))
    ctx.synchronize()
    assert cuda.unavailable_reason(0) is None
    count = cuda.Context.get_num_devices()
    with pytest.raises(OSError, match=f"no CUDA device {count}: {count} device"):
        cuda.Context(count)


def test_new_buffer_is_accounted_exactly(ctx):
    before, peak_before = ctx.bytes_allocated, ctx.max_memory
    buf = ctx.new_buffer(1000)
    assert isinstance(buf, cuda.CudaBuffer) and buf.size == 1000 and buf.address
    assert ctx.bytes_allocated == before + 1000
    part = buf[10:20]
    del buf
    assert ctx.bytes_allocated == before + 1000  # the slice keeps the allocation
    del part
    assert ctx.bytes_allocated == before
    assert ctx.max_memory >= max(peak_before, before + 1000)
    empty = ctx.new_buffer(0)
    assert empty.size == 0 and empty.to_pybytes() == b""
    with pytest.raises(ValueError):
        ctx.new_buffer(-1)


def test_out_of_device_memory_is_a_memory_error(ctx):
    with pytest.raises(MemoryError):
        ctx.new_buffer(1 << 50)


def test_buffer_from_data(ctx, dbuf):
    import numpy as np

    assert ctx.buffer_from_data(b"hello").to_pybytes() == b"hello"
    assert ctx.buffer_from_data(arrowio.py_buffer(PATTERN), offset=10, size=5).to_pybytes() == PATTERN[10:15]
    assert ctx.buffer_from_data(bytearray(PATTERN), offset=4000).to_pybytes() == PATTERN[4000:]
    assert ctx.buffer_from_data(np.arange(4, dtype=np.int32)).to_pybytes() == np.arange(4, dtype=np.int32).tobytes()
    copy = ctx.buffer_from_data(dbuf, offset=1, size=3)
    assert copy.to_pybytes() == PATTERN[1:4] and copy.address != dbuf.address + 1
    with pytest.raises(ValueError):
        ctx.buffer_from_data(b"abc", offset=2, size=5)


def test_buffer_from_object_is_zero_copy(ctx, cupy):
    array = cupy.arange(16, dtype=cupy.uint32)
    buf = ctx.buffer_from_object(array)
    assert (buf.address, buf.size, buf.is_mutable) == (array.data.ptr, 64, True)
    array[0] = 0xDEADBEEF
    assert buf.to_pybytes()[:4] == (0xDEADBEEF).to_bytes(4, "little")
    del array
    assert len(buf.to_pybytes()) == 64  # the buffer keeps the array alive
    view = ctx.buffer_from_object(buf)
    assert view.address == buf.address and view.parent is buf
    with pytest.raises(ValueError, match="not C-contiguous"):
        ctx.buffer_from_object(cupy.zeros((4, 4), dtype=cupy.uint8)[:, ::2])
    with pytest.raises(TypeError, match="__cuda_array_interface__"):
        ctx.buffer_from_object(b"host bytes")


def test_foreign_buffer_keeps_its_base(ctx, cupy):
    array = cupy.full(32, 7, dtype=cupy.uint8)
    buf = ctx.foreign_buffer(array.data.ptr, 32, base=array)
    before = ctx.bytes_allocated
    del array
    assert buf.to_pybytes() == b"\x07" * 32 and ctx.bytes_allocated == before  # not ours to count
    with pytest.raises(ValueError):
        ctx.foreign_buffer(0, 10)


def test_get_device_address_of_pinned_memory(ctx, cupy):
    host = cuda.new_host_buffer(64)
    device_address = ctx.get_device_address(host.address)
    memoryview(host)[:5] = b"hello"
    # The device reads pinned, mapped host memory directly at that address.
    seen = cupy.ndarray(
        (5,), cupy.uint8, cupy.cuda.MemoryPointer(cupy.cuda.UnownedMemory(device_address, 5, host, 0), 0)
    )
    assert bytes(seen.get()) == b"hello"
    with pytest.raises(ValueError, match="not page-locked"):
        ctx.get_device_address(arrowio.allocate_buffer(64).address)


# -- CudaBuffer ------------------------------------------------------------------------------------
def test_facts_and_slices(ctx, dbuf):
    assert (dbuf.is_cpu, dbuf.device_type, dbuf.size, dbuf.context) == (
        False,
        arrowio.DeviceAllocationType.CUDA,
        4096,
        ctx,
    )
    part = dbuf[100:200]
    assert (part.address, part.size, part.parent) == (dbuf.address + 100, 100, dbuf)
    assert part.to_pybytes() == PATTERN[100:200]
    part.copy_from_host(b"XYZ")
    assert dbuf.to_pybytes()[100:103] == b"XYZ"  # a slice writes through
    assert dbuf.slice(4000).to_pybytes() == PATTERN[4000:]


def test_copy_to_host(dbuf):
    assert dbuf.copy_to_host().to_pybytes() == PATTERN
    assert dbuf.copy_to_host(position=10, nbytes=20).to_pybytes() == PATTERN[10:30]
    assert dbuf.copy_to_host(position=4090).to_pybytes() == PATTERN[4090:]
    pool = arrowio.proxy_memory_pool(arrowio.default_memory_pool())
    host = dbuf.copy_to_host(memory_pool=pool)
    assert pool.bytes_allocated() == 4096 and host.to_pybytes() == PATTERN
    target = bytearray(16)
    result = dbuf.copy_to_host(position=1, nbytes=16, buf=target)
    assert bytes(target) == PATTERN[1:17] and result.to_pybytes() == PATTERN[1:17]
    into = arrowio.allocate_buffer(8)
    assert dbuf.copy_to_host(0, 8, buf=into) is into and into.to_pybytes() == PATTERN[:8]
    with pytest.raises(ValueError, match="holds 8 bytes"):
        dbuf.copy_to_host(0, 9, buf=into)
    with pytest.raises(ValueError, match="read-only"):
        dbuf.copy_to_host(0, 3, buf=b"abc")
    with pytest.raises(ValueError, match="outside the buffer"):
        dbuf.copy_to_host(position=4000, nbytes=100)


def test_copy_from_host(ctx):
    buf = ctx.new_buffer(10)
    assert buf.copy_from_host(b"0123456789") == 10
    assert buf.copy_from_host(b"abc", position=7) == 3
    assert buf.copy_from_host(arrowio.py_buffer(b"XYZW"), position=2, nbytes=2) == 2
    assert buf.to_pybytes() == b"01XY456abc"
    with pytest.raises(ValueError, match="outside the buffer"):
        buf.copy_from_host(b"abcd", position=8)
    with pytest.raises(ValueError, match="requested"):
        buf.copy_from_host(b"ab", nbytes=3)


def test_copy_from_device(ctx, dbuf):
    other = ctx.new_buffer(100)
    assert other.copy_from_device(dbuf[:100]) == 100
    assert other.to_pybytes() == PATTERN[:100]
    assert other.copy_from_device(dbuf[200:], position=50, nbytes=10) == 10
    assert other.to_pybytes() == PATTERN[:50] + PATTERN[200:210] + PATTERN[60:100]
    with pytest.raises(ValueError):
        other.copy_from_device(dbuf)  # 4096 bytes do not fit in 100
    with pytest.raises(TypeError):
        other.copy_from_device(arrowio.py_buffer(b"abc"))


def test_device_is_the_cuda_device_the_memory_lives_on(ctx, dbuf, cupy):
    device, manager = dbuf.device, dbuf.memory_manager
    assert (device.device_type, device.device_id, device.is_cpu) == (arrowio.DeviceAllocationType.CUDA, 0, False)
    assert manager.device is device and not manager.is_cpu
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    assert repr(device) == f'<arrowio.Device: CudaDevice(device_number=0, name="{name}")>'
    assert dbuf[10:20].device is device and ctx.new_buffer(8).memory_manager is manager  # one per device
    assert device != arrowio.py_buffer(b"host").device
    try:
        from pyarrow import cuda as pyarrow_cuda  # a CUDA build of PyArrow, where installed
    except ImportError:
        return
    theirs = pyarrow_cuda.Context(0).new_buffer(8)
    assert repr(device) == repr(theirs.device).replace("pyarrow", "arrowio")
    assert (device.device_id, device.type_name) == (theirs.device.device_id, theirs.device.type_name)


def test_from_buffer(ctx, dbuf):
    assert cuda.CudaBuffer.from_buffer(dbuf) is dbuf
    # A plain Buffer object that happens to hold a device address (never read on the host).
    plain = arrowio.foreign_buffer(dbuf.address, dbuf.size, base=dbuf)
    back = cuda.CudaBuffer.from_buffer(plain)
    assert isinstance(back, cuda.CudaBuffer) and back.address == dbuf.address and back.context == ctx
    assert back.to_pybytes() == PATTERN
    with pytest.raises(TypeError, match="not backed by CUDA device memory"):
        cuda.CudaBuffer.from_buffer(arrowio.py_buffer(b"host"))


def test_cuda_array_interface_is_zero_copy(dbuf, cupy):
    array = cupy.asarray(dbuf)
    assert array.data.ptr == dbuf.address and array.shape == (4096,) and array.dtype == cupy.uint8
    array[:3] = 42
    assert dbuf.to_pybytes()[:3] == b"***"


def test_pytorch_sees_the_buffer_without_a_copy(dbuf):
    torch = pytest.importorskip("torch")
    tensor = torch.as_tensor(dbuf, device="cuda")
    assert tensor.data_ptr() == dbuf.address
    tensor[0] = 99
    assert dbuf.to_pybytes()[0] == 99


@pytest.mark.parametrize(
    "call",
    [
        lambda b: b.hex(),
        lambda b: b[0],
        lambda b: memoryview(b),
        lambda b: pickle.dumps(b),
        lambda b: arrowio.Buffer.to_pybytes(b),
    ],
    ids=["hex", "index", "memoryview", "pickle", "Buffer.to_pybytes"],
)
def test_cpu_only_methods_refuse(dbuf, call):
    with pytest.raises(NotImplementedError, match="^Implemented only for data on CPU device$"):
        call(dbuf)


def test_equals(ctx, dbuf):
    same = ctx.buffer_from_data(PATTERN)
    assert dbuf.equals(same) and dbuf == same and dbuf.equals(dbuf)
    same.copy_from_host(bytes([PATTERN[4095] ^ 0xFF]), position=4095)  # the last byte differs
    assert not dbuf.equals(same)
    assert not dbuf.equals(dbuf[:10])
    with pytest.raises(ValueError, match="cannot compare a buffer on device 'cuda' with one on device 'cpu'"):
        dbuf.equals(arrowio.py_buffer(PATTERN))


def test_ipc_across_two_processes(ctx, dbuf):
    part = dbuf[100:300]
    handle = part.export_for_ipc()
    assert (handle.offset, handle.size) == (100, 200)
    wire = handle.serialize().to_pybytes().hex()
    child = (
        "import sys\n"
        "from arrowio import cuda\n"
        "handle = cuda.IpcMemHandle.from_buffer(bytes.fromhex(sys.argv[1]))\n"
        "buf = cuda.Context(0).open_ipc_buffer(handle)\n"
        "sys.stdout.write(buf.to_pybytes().hex())\n"
        "buf.copy_from_host(b'child')\n"
    )
    result = subprocess.run([sys.executable, "-c", child, wire], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert bytes.fromhex(result.stdout) == PATTERN[100:300]
    assert dbuf.to_pybytes()[100:105] == b"child"  # the child wrote into our memory


# -- HostBuffer ------------------------------------------------------------------------------------
def test_host_buffer_is_pinned_and_accounted(cupy):
    pool = cuda.pinned_memory_pool()
    before = pool.bytes_allocated()
    host = cuda.new_host_buffer(100)
    assert isinstance(host, cuda.HostBuffer) and isinstance(host, arrowio.Buffer)
    assert (host.size, host.is_cpu, host.is_mutable) == (100, True, True)
    assert pool.bytes_allocated() == before + 128  # rounded to 64 bytes, like every pool
    memoryview(host)[:] = bytes(100)
    assert host.to_pybytes() == bytes(100)
    assert cupy.cuda.runtime.pointerGetAttributes(host.address).type == 1  # cudaMemoryTypeHost
    del host
    assert pool.bytes_allocated() == before


# -- files -----------------------------------------------------------------------------------------
def test_buffer_reader(dbuf):
    reader = cuda.BufferReader(dbuf)
    assert isinstance(reader, arrowio.NativeFile) and reader.size() == 4096 and reader.seekable()
    assert reader.read(10) == PATTERN[:10]
    chunk = reader.read_buffer(20)
    assert chunk.is_cpu and chunk.to_pybytes() == PATTERN[10:30]
    target = bytearray(5)
    assert reader.readinto(target) == 5 and bytes(target) == PATTERN[30:35]
    assert reader.tell() == 35
    assert reader.read_at(4, 1000) == PATTERN[1000:1004] and reader.tell() == 35
    assert reader.seek(-6, 2) == 4090 and reader.read() == PATTERN[4090:]
    assert reader.read(10) == b""
    with pytest.raises(OSError, match="out of bounds"):
        reader.seek(5000)
    reader.close()
    with pytest.raises(ValueError):
        reader.read(1)
    with pytest.raises(TypeError):
        cuda.BufferReader(arrowio.py_buffer(b"host"))


@pytest.mark.parametrize("buffer_size", [0, 64, 1000])
def test_buffer_writer_against_a_bytearray_model(ctx, buffer_size):
    target = ctx.new_buffer(4096)
    target.copy_from_host(bytes(4096))
    model = bytearray(4096)
    writer = cuda.BufferWriter(target, buffer_size=buffer_size)
    assert writer.buffer_size == buffer_size and writer.writable() and writer.seekable()
    rng = random.Random(6)
    for _ in range(200):
        if rng.random() < 0.1:
            position = rng.randrange(0, 4000)
            assert writer.seek(position) == position
            assert writer.num_bytes_buffered == 0  # seeking flushes
        position = writer.tell()
        data = rng.randbytes(rng.choice([1, 7, 63, 64, 200, 1500]))
        if position + len(data) > 4096:
            with pytest.raises(OSError, match="out of bounds"):
                writer.write(data)
            writer.seek(0)
            continue
        assert writer.write(data) == len(data)
        model[position : position + len(data)] = data
        assert writer.num_bytes_buffered <= buffer_size
    writer.flush()
    assert writer.num_bytes_buffered == 0 and target.to_pybytes() == bytes(model)
    writer.seek(0)
    writer.write(b"last")
    writer.close()  # flushes
    model[:4] = b"last"
    assert target.to_pybytes() == bytes(model)


def test_buffer_writer_batches_small_writes(ctx):
    target = ctx.new_buffer(100)
    writer = cuda.BufferWriter(target)
    writer.buffer_size = 32
    writer.write(b"abc")
    writer.write(b"def")
    assert writer.num_bytes_buffered == 6
    writer.flush()
    assert writer.num_bytes_buffered == 0 and target.to_pybytes()[:6] == b"abcdef"
    with pytest.raises(ValueError, match="mutable"):
        cuda.BufferWriter(ctx.buffer_from_object(_ReadOnly(target)))


class _ReadOnly:
    """A read-only CUDA Array Interface view of a buffer."""

    def __init__(self, buf: cuda.CudaBuffer) -> None:
        self._buf = buf
        interface = dict(buf.__cuda_array_interface__)
        interface["data"] = (buf.address, True)
        self.__cuda_array_interface__ = interface


# -- the copy engine -------------------------------------------------------------------------------
def _mapped(path):
    return lambda: arrowio.memory_map(str(path))


@pytest.mark.parametrize("pinned", [True, False], ids=["pinned", "pageable"])
@pytest.mark.parametrize("streams", [1, 3])
def test_copy_to_device_roundtrip(ctx, tmp_path, pinned, streams):
    data = random.Random(1).randbytes(1_000_003)
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    before = ctx.bytes_allocated
    copy = cuda.copy_to_device(
        _mapped(path),
        ctx,
        size=len(data),
        chunk_size=65536,
        streams=streams,
        pinned=pinned,
        roundtrip=True,
        checksum=True,
        repeat=2,
    )
    stats = copy.stats
    assert (stats.nbytes, stats.device_bytes, len(stats.runs), stats.verified) == (len(data), len(data), 2, True)
    assert len(copy.buffers) == 1 and copy.buffers[0].to_pybytes() == data
    assert stats.h2d_gbps > 0 and stats.d2h_gbps > 0 and stats.end_to_end_gbps > 0
    assert ctx.bytes_allocated == before + len(data)
    del copy
    assert ctx.bytes_allocated == before


def test_copy_to_device_of_a_stream_of_unknown_size(ctx, tmp_path):
    data = random.Random(2).randbytes(300_000)
    path = tmp_path / "data.bin.gz"
    path.write_bytes(gzip.compress(data))
    copy = cuda.copy_to_device(
        lambda: arrowio.input_stream(str(path), compression="gzip"),
        ctx,
        chunk_size=100_000,
        roundtrip=True,
        checksum=True,
    )
    assert [buf.size for buf in copy.buffers] == [100_000] * 3
    assert b"".join(buf.to_pybytes() for buf in copy.buffers) == data
    assert copy.stats.verified is True and copy.stats.nbytes == len(data)


def test_copy_to_device_of_nothing(ctx):
    copy = cuda.copy_to_device(lambda: io.BytesIO(b""), ctx, size=0, roundtrip=True, checksum=True)
    assert copy.stats.nbytes == 0 and copy.stats.verified is True and copy.stats.h2d_gbps is None


def test_copy_to_device_refuses_an_input_longer_than_announced(ctx):
    with pytest.raises(OSError, match="longer"):
        cuda.copy_to_device(lambda: io.BytesIO(b"x" * 100), ctx, size=50, chunk_size=50)


def test_device_info(ctx):
    info = cuda.device_info(0)
    assert info.device_number == 0 and info.name and info.memory_total > info.memory_free > 0
    assert info.source in ("nvml", "cuda") and info.cuda_driver_version.count(".") == 1
    assert set(info.to_dict()) >= {"name", "driver_version", "memory_total", "memory_free", "memory_used"}
