"""Names of the environment settings arrowio reads; importing this costs nothing."""

from __future__ import annotations

__all__ = ["DEFAULT_POOL_ENV", "JEMALLOC_TLS_TUNABLE"]

#: Picks the default memory pool's backend, like Arrow's ARROW_DEFAULT_MEMORY_POOL.
DEFAULT_POOL_ENV = "ARROWIO_DEFAULT_MEMORY_POOL"
#: What a process needs in GLIBC_TUNABLES for Debian's initial-exec-TLS libjemalloc to dlopen.
JEMALLOC_TLS_TUNABLE = "glibc.rtld.optional_static_tls=16384"
