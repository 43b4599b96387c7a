"""arrowio.cuda where no device can be used: imports, the errors that say what is missing, and the CPU-side parts."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from typing import Any

import pytest

import arrowio
from arrowio import cuda
from arrowio.cuda import _backend, transfer
from arrowio.cuda.buffer import CPU_ONLY, _cuda_buffer
from arrowio.cuda.context import Context, _accounting_for

NO_CUPY = (
    "arrowio.cuda needs CuPy, which is not installed: "
    "pip install 'arrowio[cuda12]' for CUDA 12 or 'arrowio[cuda13]' for CUDA 13"
)


def test_import_needs_neither_cupy_nor_pynvml(block_cuda_modules):
    script = block_cuda_modules + (
        "import arrowio, arrowio.cuda\n"
        "assert not {'cupy', 'pynvml'} & set(sys.modules), sorted(sys.modules)\n"
        "print(arrowio.cuda.unavailable_reason())\n"
        "try:\n"
        "    arrowio.cuda.Context(0)\n"
        "except arrowio.ArrowNotImplementedError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout == f"{NO_CUPY}\n{NO_CUPY}\n"


def test_importing_arrowio_cuda_imports_no_cuda_module():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, arrowio.cuda; print(sorted({'cupy', 'pynvml', 'numpy', 'rich'} & set(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "[]\n"


@pytest.mark.usefixtures("no_cupy")
@pytest.mark.parametrize(
    "call",
    [
        lambda: cuda.Context(),
        lambda: cuda.Context.get_num_devices(),
        lambda: cuda.new_host_buffer(16),
        lambda: cuda.device_info(0),
        lambda: cuda.CudaBuffer.from_buffer(arrowio.py_buffer(b"abc")),
        lambda: arrowio.allocate_buffer(64, cuda.pinned_memory_pool()),
    ],
    ids=["Context", "get_num_devices", "new_host_buffer", "device_info", "from_buffer", "pinned pool"],
)
def test_without_cupy_every_entry_point_names_the_extra(call):
    with pytest.raises(arrowio.ArrowNotImplementedError) as info:
        call()
    assert str(info.value) == NO_CUPY
    assert isinstance(info.value, NotImplementedError)


@pytest.mark.usefixtures("no_cupy")
def test_unavailable_reason_without_cupy():
    assert cuda.unavailable_reason() == NO_CUPY
    assert cuda.unavailable_reason(3) == NO_CUPY


def test_without_a_device_the_error_is_the_reason(device_reason):
    if device_reason is None:
        pytest.skip("a CUDA device is usable here; this checks the machines without one")
    with pytest.raises((arrowio.ArrowNotImplementedError, OSError)) as info:
        cuda.Context(0)
    assert str(info.value) == device_reason
    # The reason names what is missing: CuPy (and the extra), the driver, or a device.
    assert any(word in device_reason for word in ("CuPy", "driver", "device")), device_reason


def test_pinned_pool_is_a_memory_pool_and_imports_nothing():
    pool = cuda.pinned_memory_pool()
    assert isinstance(pool, arrowio.MemoryPool)
    assert pool is cuda.pinned_memory_pool()
    assert pool.backend_name == pool.stats().backend_name == "cuda_pinned"


# -- IPC handles are bytes: their serialization needs no device ------------------------------------
def test_ipc_handle_serializes_and_comes_back():
    handle = cuda.IpcMemHandle(bytes(range(64)), offset=4096, size=1 << 30)
    wire = handle.serialize()
    assert isinstance(wire, arrowio.Buffer) and wire.size == 8 + 64 + 8 + 8
    for form in (wire, wire.to_pybytes(), memoryview(wire), bytearray(wire.to_pybytes())):
        back = cuda.IpcMemHandle.from_buffer(form)
        assert back == handle and hash(back) == hash(handle)
        assert (back.handle, back.offset, back.size) == (bytes(range(64)), 4096, 1 << 30)


@pytest.mark.parametrize("data", [b"", b"x" * 88, b"AIOCUIPC" + b"\0" * 79, b"AIOCUIPC" + b"\0" * 81])
def test_ipc_handle_rejects_other_bytes(data):
    with pytest.raises(arrowio.ArrowInvalid, match="not a serialized arrowio IPC handle"):
        cuda.IpcMemHandle.from_buffer(data)


def test_ipc_handle_is_64_bytes():
    with pytest.raises(arrowio.ArrowInvalid, match="64 bytes"):
        cuda.IpcMemHandle(b"short", 0, 1)


# -- what a CudaBuffer refuses to do on the host ---------------------------------------------------
def _unbacked_cuda_buffer(size: int = 16) -> cuda.CudaBuffer:
    """A CudaBuffer object whose address is never dereferenced: for the host-side guards only.

    (On a device machine the gpu tests check the same guards on real device memory.)
    """
    context = object.__new__(Context)
    context._device_number = 0
    context._accounting = _accounting_for(0)
    return _cuda_buffer(context, 0x7F0000000000, size, True, None, None)


@pytest.mark.parametrize(
    "call",
    [
        lambda b: b.hex(),
        lambda b: b[0],
        lambda b: memoryview(b),
        lambda b: bytes(b),
        lambda b: pickle.dumps(b),
        lambda b: arrowio.Buffer.to_pybytes(b),
        lambda b: arrowio.py_buffer(b),
        lambda b: b[2:4].hex(),
    ],
    ids=["hex", "index", "memoryview", "bytes", "pickle", "Buffer.to_pybytes", "py_buffer", "slice hex"],
)
def test_cpu_only_methods_refuse_device_memory(call):
    with pytest.raises(NotImplementedError, match=f"^{CPU_ONLY}$"):
        call(_unbacked_cuda_buffer())


def test_cuda_buffer_facts_and_slices_need_no_copy():
    buf = _unbacked_cuda_buffer(16)
    assert isinstance(buf, arrowio.Buffer)
    assert (buf.is_cpu, buf.device_type, buf.size, len(buf), buf.is_mutable) == (
        False,
        arrowio.DeviceAllocationType.CUDA,
        16,
        16,
        True,
    )
    part = buf[4:12]
    assert isinstance(part, cuda.CudaBuffer)
    assert (part.address, part.size, part.parent, part.context) == (buf.address + 4, 8, buf, buf.context)
    assert buf.slice(10).size == 6
    with pytest.raises(IndexError):
        buf.slice(17)
    interface = part.__cuda_array_interface__
    assert interface == {
        "shape": (8,),
        "typestr": "|u1",
        "data": (buf.address + 4, False),
        "strides": None,
        "version": 3,
    }


def test_a_cuda_device_is_described_as_pyarrow_describes_it():
    from arrowio.cuda.device import make_cuda_device

    device = make_cuda_device(1, "NVIDIA H100 80GB HBM3")
    assert (device.device_type, device.device_id, device.type_name, device.is_cpu) == (
        arrowio.DeviceAllocationType.CUDA,
        1,
        "arrow::cuda::CudaDevice",
        False,
    )
    assert repr(device) == '<arrowio.Device: CudaDevice(device_number=1, name="NVIDIA H100 80GB HBM3")>'
    manager = arrowio.MemoryManager(device)
    assert not manager.is_cpu and manager.device is device
    assert repr(manager) == '<arrowio.MemoryManager device: CudaDevice(device_number=1, name="NVIDIA H100 80GB HBM3")>'
    assert device == make_cuda_device(1, "another name") and device != make_cuda_device(0, "NVIDIA H100 80GB HBM3")
    assert device != arrowio.py_buffer(b"x").device


def test_equals_across_devices_is_a_value_error():
    buf = _unbacked_cuda_buffer(3)
    for other in (arrowio.py_buffer(b"abc"), b"abc"):
        with pytest.raises(ValueError, match="cannot compare a buffer on device 'cuda' with one on device 'cpu'"):
            buf.equals(other)


# -- the copy engine's host side --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("intervals", "busy"),
    [
        ([], 0.0),
        ([(0.0, 1.0)], 1.0),
        ([(0.0, 1.0), (2.0, 3.5)], 2.5),
        ([(0.0, 2.0), (1.0, 3.0)], 3.0),  # two streams overlapping
        ([(1.0, 3.0), (0.0, 4.0), (5.0, 6.0)], 5.0),  # one inside another
        ([(-0.5, 0.5), (0.5, 1.0)], 1.5),  # touching
    ],
)
def test_device_time_is_the_union_of_copy_intervals(intervals, busy):
    assert transfer._busy_milliseconds(intervals) == pytest.approx(busy)


class ShortReads(io.RawIOBase):
    """Returns at most ``step`` bytes per readinto, like a decoder or a pipe."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = io.BytesIO(data)
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer)[: self._step]
        return self._data.readinto(view)


def test_fill_reads_until_the_chunk_is_full_or_the_input_ends():
    data = bytes(range(256)) * 4
    source = ShortReads(data, 7)
    chunk = bytearray(100)
    pieces = []
    while count := transfer._fill(source, memoryview(chunk)):
        pieces.append(bytes(chunk[:count]))
    assert [len(piece) for piece in pieces] == [100] * 10 + [24]
    assert b"".join(pieces) == data


def _stats(**overrides) -> cuda.TransferStats:
    runs = (
        cuda.TransferRun(2.0, 1.0, 4.0, 0.5, "xxh3_64:00ff", "xxh3_64:00ff"),
        cuda.TransferRun(2.0, 1.0, 4.0, 1.5, "xxh3_64:00ff", "xxh3_64:00ff"),
    )
    values: dict[str, Any] = {
        "nbytes": 10**9,
        "chunk_size": 64 << 20,
        "streams": 2,
        "pinned": True,
        "device_bytes": 10**9,
        "runs": runs,
    }
    values.update(overrides)
    return cuda.TransferStats(**values)


def test_rates_are_decimal_gigabytes_per_second_over_all_runs():
    stats = _stats()
    assert stats.h2d_gbps == pytest.approx(1.0)  # 2 GB in 2 s of copying
    assert stats.d2h_gbps == pytest.approx(1.0)  # 2 GB in 0.5 + 1.5 s
    assert stats.end_to_end_gbps == pytest.approx(0.5)  # 2 GB in 4 s of wall time
    assert stats.verified is True
    assert stats.to_dict()["runs"][1]["d2h_seconds"] == 1.5
    assert set(stats.to_dict()) >= {"h2d_gbps", "d2h_gbps", "end_to_end_gbps", "verified", "nbytes", "runs"}


def test_rates_without_a_roundtrip_or_a_checksum():
    stats = _stats(runs=(cuda.TransferRun(1.0, 0.25),))
    assert (stats.h2d_gbps, stats.d2h_gbps, stats.verified) == (pytest.approx(4.0), None, None)
    assert _stats(runs=()).h2d_gbps is None
    assert _stats(nbytes=0, runs=(cuda.TransferRun(0.0, 0.0),)).end_to_end_gbps is None


def test_a_different_roundtrip_checksum_is_not_verified():
    runs = (cuda.TransferRun(1.0, 1.0, 1.0, 1.0, "xxh3_64:00ff", "xxh3_64:00fe"),)
    assert _stats(runs=runs).verified is False


@pytest.mark.parametrize(
    ("option", "message"),
    [({"chunk_size": 0}, "chunk size"), ({"streams": 0}, "streams"), ({"repeat": 0}, "repeat"), ({"size": -1}, "size")],
)
def test_copy_to_device_checks_its_arguments_first(option, message):
    with pytest.raises(arrowio.ArrowInvalid, match=message):
        cuda.copy_to_device(lambda: io.BytesIO(b""), None, **option)


def test_backend_reason_for_an_unknown_runtime_error_is_its_text():
    class Failure(Exception):
        status = 999

    assert _backend._describe(Failure("cudaErrorUnknown:  unknown\n error")) == "cudaErrorUnknown: unknown error"


# -- the files ---------------------------------------------------------------------------------------
def test_device_files_are_native_files():
    from arrowio.io import NativeFile

    assert issubclass(cuda.BufferReader, NativeFile) and issubclass(cuda.BufferWriter, NativeFile)


@pytest.mark.parametrize("file_class", [cuda.BufferReader, cuda.BufferWriter])
@pytest.mark.parametrize("obj", [b"host bytes", arrowio.py_buffer(b"host")], ids=["bytes", "Buffer"])
def test_device_files_need_a_cuda_buffer(file_class, obj):
    with pytest.raises(TypeError, match="CudaBuffer"):
        file_class(obj)


def test_buffer_writer_needs_a_mutable_buffer():
    buf = _unbacked_cuda_buffer()
    buf._mutable = False
    with pytest.raises(ValueError, match="mutable"):
        cuda.BufferWriter(buf)
