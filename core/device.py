"""Device and MemoryManager: where a buffer's memory lives, in PyArrow's terms.

Host buffers answer ``buf.device`` and ``buf.memory_manager`` with the one CPU device and its
memory manager, as ``pyarrow.Buffer`` does; code that checks ``buf.device.is_cpu`` or
``buf.memory_manager.device`` before touching memory ports unchanged.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["DeviceAllocationType", "Device", "MemoryManager", "cpu_device", "cpu_memory_manager"]


class DeviceAllocationType(IntEnum):
    """Kinds of memory, numbered as Arrow's C device interface numbers them (ARROW_DEVICE_*)."""

    CPU = 1
    CUDA = 2
    CUDA_HOST = 3
    OPENCL = 4
    VULKAN = 7
    METAL = 8
    VPI = 9
    ROCM = 10
    ROCM_HOST = 11
    EXT_DEV = 12
    CUDA_MANAGED = 13
    ONEAPI = 14
    WEBGPU = 15
    HEXAGON = 16


class Device:
    """A device memory can live on. The CPU device is made here (one, shared), CUDA devices by
    ``arrowio.cuda``. ``description`` is what the repr shows (Arrow's ``Device::ToString()``)."""

    __slots__ = ("_type", "_id", "_type_name", "_description")

    def __init__(
        self, device_type: DeviceAllocationType, device_id: int, type_name: str, description: str | None = None
    ) -> None:
        self._type = device_type
        self._id = device_id
        self._type_name = type_name
        self._description = f"{type_name}({device_id})" if description is None else description

    @property
    def device_type(self) -> DeviceAllocationType:
        return self._type

    @property
    def device_id(self) -> int:
        """The device's number; -1 for the CPU, which has none."""
        return self._id

    @property
    def type_name(self) -> str:
        return self._type_name

    @property
    def is_cpu(self) -> bool:
        """Whether the device's memory is directly addressable by the CPU."""
        return self._type is DeviceAllocationType.CPU

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Device):
            return NotImplemented
        return (self._type, self._id) == (other._type, other._id)

    def __hash__(self) -> int:
        return hash((self._type, self._id))

    def __repr__(self) -> str:
        return f"<arrowio.Device: {self._description}>"


class MemoryManager:
    """What allocates and copies memory on one device."""

    __slots__ = ("_device",)

    def __init__(self, device: Device) -> None:
        self._device = device

    @property
    def device(self) -> Device:
        return self._device

    @property
    def is_cpu(self) -> bool:
        return self._device.is_cpu

    def __repr__(self) -> str:
        return f"<arrowio.MemoryManager device: {repr(self._device)[len('<arrowio.Device: ') : -1]}>"


_CPU = Device(DeviceAllocationType.CPU, -1, "arrow::CPUDevice", "CPUDevice()")
_CPU_MANAGER = MemoryManager(_CPU)


def cpu_device() -> Device:
    """The CPU device."""
    return _CPU


def cpu_memory_manager() -> MemoryManager:
    """The CPU device's memory manager."""
    return _CPU_MANAGER
