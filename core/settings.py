"""Names of the environment settings arrowio reads, and the memory pool's fixed layout (which
the pools and the allocator backends share); importing this costs nothing."""

from __future__ import annotations

import os

__all__ = [
    "ALIGNMENT",
    "BACKEND_NAMES",
    "DEFAULT_POOL_ENV",
    "ARROW_DEFAULT_POOL_ENV",
    "JEMALLOC_TLS_TUNABLE",
    "requested_default_pool",
]

#: Every pool block starts at a multiple of this, and its size is rounded up to one (Arrow's 64).
ALIGNMENT = 64
#: The allocator backends, in Arrow's order of preference: the values the variables below take.
BACKEND_NAMES = ("jemalloc", "mimalloc", "system")

#: Picks the default memory pool's backend; wins over ARROW_DEFAULT_MEMORY_POOL.
DEFAULT_POOL_ENV = "ARROWIO_DEFAULT_MEMORY_POOL"
#: Arrow's own variable, honoured too, so a PyArrow set-up carries over unchanged.
ARROW_DEFAULT_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"
#: What a process needs in GLIBC_TUNABLES for Debian's initial-exec-TLS libjemalloc to dlopen.
JEMALLOC_TLS_TUNABLE = "glibc.rtld.optional_static_tls=16384"


def requested_default_pool() -> tuple[str, str] | None:
    """The variable that picks the default pool and its value (stripped, lower case), or None.

    ``ARROWIO_DEFAULT_MEMORY_POOL`` wins when both are set (to something other than blanks).
    """
    for name in (DEFAULT_POOL_ENV, ARROW_DEFAULT_POOL_ENV):
        value = os.environ.get(name, "").strip().lower()
        if value:
            return name, value
    return None
