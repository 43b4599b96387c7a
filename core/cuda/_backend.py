"""The one place that imports CuPy and pynvml, and says in words why a device cannot be used.

Everything is imported on first use, so ``import arrowio.cuda`` costs nothing on a machine
without either. Absence is reported as:

- :class:`ArrowNotImplementedError` when CuPy is not installed (with the pip extra to install);
- :class:`ArrowIOError` (an ``OSError``) when CuPy is there but the driver or the device is not.
"""

from __future__ import annotations

import ctypes
import threading
from types import ModuleType
from typing import Any

from ..errors import ArrowIOError, ArrowMemoryError, ArrowNotImplementedError

__all__ = [
    "INSTALL_HINT",
    "MEMORY_TYPE_HOST",
    "MEMORY_TYPE_DEVICE",
    "MEMORY_TYPE_MANAGED",
    "cupy",
    "runtime",
    "pynvml",
    "unavailable_reason",
    "require_device",
    "check",
    "allocation_range",
]

INSTALL_HINT = "pip install 'arrowio[cuda12]' for CUDA 12 or 'arrowio[cuda13]' for CUDA 13"

# cudaMemoryType values (driver_types.h): what pointerGetAttributes says an address is. Here, not in
# context.py or buffer.py, because both need them and each imports the other's classes.
MEMORY_TYPE_HOST = 1
MEMORY_TYPE_DEVICE = 2
MEMORY_TYPE_MANAGED = 3

# cudaError_t values this module tells apart (CUDA runtime API, driver_types.h).
_ERROR_MEMORY_ALLOCATION = 2
_ERROR_INSUFFICIENT_DRIVER = 35
_ERROR_NO_DEVICE = 100
_ERROR_INVALID_DEVICE = 101


def cupy() -> ModuleType:
    """The ``cupy`` module; ArrowNotImplementedError with the install command when it is missing."""
    try:
        import cupy as module
    except ImportError as exc:
        if exc.name == "cupy":
            raise ArrowNotImplementedError(f"arrowio.cuda needs CuPy, which is not installed: {INSTALL_HINT}") from None
        # Installed but broken (a missing shared library, a wheel for another CUDA major version).
        raise ArrowNotImplementedError(f"CuPy failed to import ({exc}): {INSTALL_HINT}") from None
    return module


def runtime() -> Any:
    """``cupy.cuda.runtime``: CuPy's binding of the CUDA runtime API."""
    return cupy().cuda.runtime


def pynvml() -> ModuleType | None:
    """The ``pynvml`` module of nvidia-ml-py, or None when it is not installed."""
    try:
        import pynvml as module
    except ImportError:
        return None
    return module


def _driver_library_present() -> bool:
    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    return True


def _describe(exc: BaseException) -> str:
    """Words for a CUDA runtime failure that means 'nothing usable here'."""
    status = getattr(exc, "status", None)
    if status == _ERROR_INSUFFICIENT_DRIVER:
        if not _driver_library_present():
            return "no CUDA driver: libcuda.so.1 is not installed"
        try:
            version = runtime().runtimeGetVersion()
            wanted = f"{version // 1000}.{version % 1000 // 10}"
        except Exception:  # the version query itself needs nothing, but say less rather than fail
            wanted = "this CuPy's"
        return f"the installed CUDA driver is too old for CUDA {wanted}"
    if status == _ERROR_NO_DEVICE:
        return "the CUDA driver found no CUDA-capable device"
    return " ".join(str(exc).split()) or type(exc).__name__


def _device_count() -> int:
    """Visible CUDA devices; raises ArrowIOError saying why when the driver cannot be used."""
    rt = runtime()
    try:
        return int(rt.getDeviceCount())
    except rt.CUDARuntimeError as exc:
        if getattr(exc, "status", None) == _ERROR_NO_DEVICE:
            return 0
        raise ArrowIOError(_describe(exc)) from None


def unavailable_reason(device_number: int = 0) -> str | None:
    """Why CUDA device ``device_number`` cannot be used here, or None when it can.

    The reason names what is missing: CuPy (with the pip extra to install), the driver, or the device.
    """
    try:
        require_device(device_number)
    except (ArrowNotImplementedError, ArrowIOError) as exc:
        return str(exc)
    return None


_ready: set[int] = set()
_ready_lock = threading.Lock()


def require_device(device_number: int) -> Any:
    """CuPy's runtime module once device ``device_number`` is known to be usable; raises otherwise."""
    rt = runtime()
    if device_number in _ready:
        return rt
    count = _device_count()
    if count == 0:
        raise ArrowIOError("no CUDA device: the driver reports none")
    if not 0 <= device_number < count:
        plural = "device" if count == 1 else "devices"
        raise ArrowIOError(f"no CUDA device {device_number}: {count} {plural} present (0..{count - 1})")
    with _ready_lock:
        _ready.add(device_number)
    return rt


def check(exc: BaseException, what: str) -> Exception:
    """The arrowio error for a CUDA runtime failure while doing ``what``."""
    status = getattr(exc, "status", None)
    message = f"{what}: {' '.join(str(exc).split())}"
    if status == _ERROR_MEMORY_ALLOCATION:
        return ArrowMemoryError(message)
    if status in (_ERROR_INSUFFICIENT_DRIVER, _ERROR_NO_DEVICE, _ERROR_INVALID_DEVICE):
        return ArrowIOError(f"{what}: {_describe(exc)}")
    return ArrowIOError(message)


# -- the driver API, for the one question the runtime API cannot answer ---------------------------
_libcuda: Any = None


def allocation_range(address: int) -> tuple[int, int]:
    """Base address and size of the device allocation that holds ``address`` (cuMemGetAddressRange).

    An IPC handle names a whole allocation, so exporting a slice needs the allocation's base.
    Call with the owning device current.
    """
    global _libcuda
    if _libcuda is None:
        lib = ctypes.CDLL("libcuda.so.1")
        function = lib.cuMemGetAddressRange_v2
        function.argtypes = [ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_size_t), ctypes.c_uint64]
        function.restype = ctypes.c_int
        _libcuda = function
    base, size = ctypes.c_uint64(), ctypes.c_size_t()
    status = _libcuda(ctypes.byref(base), ctypes.byref(size), address)
    if status != 0:
        raise ArrowIOError(f"cuMemGetAddressRange failed for address {address:#x} (CUresult {status})")
    return base.value, size.value
