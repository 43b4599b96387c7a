"""Facts about a CUDA device: name, driver, memory, read from NVML (pynvml) with the CUDA runtime as
fallback; and the :class:`arrowio.Device` a CudaBuffer answers for ``buf.device``."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

from ..device import Device, DeviceAllocationType, MemoryManager
from . import _backend

__all__ = ["DeviceInfo", "device_info", "cuda_device", "cuda_memory_manager", "make_cuda_device"]

CUDA_TYPE_NAME = "arrow::cuda::CudaDevice"  # Arrow's CudaDevice::type_name()

# One Device and MemoryManager per device number, made on first use, as Arrow's
# CudaDeviceManager keeps one CudaDevice per device.
_devices: dict[int, MemoryManager] = {}
_devices_lock = threading.Lock()


def make_cuda_device(device_number: int, name: str) -> Device:
    """The Device of CUDA device ``device_number`` called ``name``, described as PyArrow describes it."""
    return Device(
        DeviceAllocationType.CUDA,
        device_number,
        CUDA_TYPE_NAME,
        f'CudaDevice(device_number={device_number}, name="{name}")',
    )


def cuda_memory_manager(device_number: int) -> MemoryManager:
    """The memory manager of CUDA device ``device_number`` (its name is read once, from the runtime)."""
    manager = _devices.get(device_number)
    if manager is None:
        rt = _backend.require_device(device_number)
        name = _text(rt.getDeviceProperties(device_number)["name"])
        with _devices_lock:
            manager = _devices.setdefault(device_number, MemoryManager(make_cuda_device(device_number, name)))
    return manager


def cuda_device(device_number: int) -> Device:
    """The Device of CUDA device ``device_number``."""
    return cuda_memory_manager(device_number).device


@dataclass(frozen=True)
class DeviceInfo:
    """A snapshot of one device. Memory figures are bytes for the whole device (all processes).

    ``source`` says where the memory figures come from: ``"nvml"`` (nvidia-ml-py) or ``"cuda"``
    (cudaMemGetInfo, when nvidia-ml-py is not installed or NVML fails); ``driver_version`` (the
    NVIDIA driver's own version, such as "580.159.04") is known only through NVML, else None.
    """

    device_number: int
    name: str
    pci_bus_id: str
    driver_version: str | None
    cuda_driver_version: str
    cuda_runtime_version: str
    memory_total: int
    memory_free: int
    memory_used: int
    source: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _cuda_version(number: int) -> str:
    return f"{number // 1000}.{number % 1000 // 10}"


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value  # older nvidia-ml-py returned bytes


def device_info(device_number: int = 0) -> DeviceInfo:
    """Read the device's facts now (memory figures change as processes allocate)."""
    rt = _backend.require_device(device_number)
    cupy = _backend.cupy()
    pci_bus_id = rt.deviceGetPCIBusId(device_number)
    common = {
        "device_number": device_number,
        "pci_bus_id": pci_bus_id,
        "cuda_driver_version": _cuda_version(rt.driverGetVersion()),
        "cuda_runtime_version": _cuda_version(rt.runtimeGetVersion()),
    }
    nvml = _backend.pynvml()
    if nvml is not None:
        try:
            nvml.nvmlInit()
        except nvml.NVMLError:
            pass
        else:
            try:
                # The PCI bus id ties CUDA's numbering (which CUDA_VISIBLE_DEVICES reorders) to NVML's.
                handle = nvml.nvmlDeviceGetHandleByPciBusId(pci_bus_id)
                memory = nvml.nvmlDeviceGetMemoryInfo(handle)
                return DeviceInfo(
                    name=_text(nvml.nvmlDeviceGetName(handle)),
                    driver_version=_text(nvml.nvmlSystemGetDriverVersion()),
                    memory_total=int(memory.total),
                    memory_free=int(memory.free),
                    memory_used=int(memory.used),
                    source="nvml",
                    **common,
                )
            except nvml.NVMLError:
                pass
            finally:
                nvml.nvmlShutdown()
    with cupy.cuda.Device(device_number):
        free, total = rt.memGetInfo()
    name = rt.getDeviceProperties(device_number)["name"]
    return DeviceInfo(
        name=_text(name),
        driver_version=None,
        memory_total=int(total),
        memory_free=int(free),
        memory_used=int(total - free),
        source="cuda",
        **common,
    )
