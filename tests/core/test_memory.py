"""Memory pools: backends, exact counters, logging and proxy pools, the default pool."""

from __future__ import annotations

import gc
import json
import os
import random
import subprocess
import sys
import threading

import pytest
from system_deps import backend_unavailable

import arrowio as pa
from arrowio.memory import JEMALLOC_TLS_TUNABLE

needs_jemalloc = pytest.mark.backend("jemalloc")
needs_mimalloc = pytest.mark.backend("mimalloc")


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (pool choice and library loading happen per process)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("GLIBC_TUNABLES", "ARROWIO_DEFAULT_MEMORY_POOL")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=120)


def pools_here() -> list[pa.MemoryPool]:
    pools = [pa.system_memory_pool()]
    if "mimalloc" in pa.supported_memory_backends():
        pools.append(pa.mimalloc_memory_pool())
    return pools


@pytest.fixture(params=["system", pytest.param("mimalloc", marks=needs_mimalloc)])
def pool(request: pytest.FixtureRequest) -> pa.MemoryPool:
    """A fresh proxy over each in-process backend, so counters start at zero."""
    backend = {"system": pa.system_memory_pool, "mimalloc": pa.mimalloc_memory_pool}[request.param]()
    return pa.proxy_memory_pool(backend)


@needs_mimalloc
def test_mimalloc_loads_when_installed():
    assert "mimalloc" in pa.supported_memory_backends()
    assert pa.mimalloc_memory_pool().backend_name == "mimalloc"


def test_system_always_loads():
    assert pa.system_memory_pool().backend_name == "system"
    assert "system" in pa.supported_memory_backends()


class TestCounters:
    def test_allocate_resize_free(self, pool):
        buf = pa.allocate_buffer(1000, memory_pool=pool, resizable=True)
        assert (pool.bytes_allocated(), pool.max_memory(), pool.num_allocations()) == (1024, 1024, 1)
        buf.resize(5000)
        assert pool.bytes_allocated() == 5056 and pool.max_memory() == 5056
        assert pool.total_bytes_allocated() == 5056 and pool.num_allocations() == 2
        buf.resize(10, shrink_to_fit=True)
        assert pool.bytes_allocated() == 64 and pool.max_memory() == 5056
        del buf
        assert pool.bytes_allocated() == 0 and pool.max_memory() == 5056
        stats = pool.stats()
        assert stats.to_dict() == {
            "backend_name": pool.backend_name,
            "bytes_allocated": 0,
            "max_memory": 5056,
            "total_bytes_allocated": 5056,
            "num_allocations": 3,
        }

    def test_memory_is_aligned_and_usable(self, pool):
        bufs = [pa.allocate_buffer(size, memory_pool=pool) for size in (1, 63, 64, 65, 4096, 1 << 20)]
        for buf in bufs:
            assert buf.address % 64 == 0
            memoryview(buf)[:] = b"\x5a" * buf.size
            assert buf.to_pybytes() == b"\x5a" * buf.size

    def test_realloc_moves_stay_aligned(self, pool):
        buf = pa.allocate_buffer(64, memory_pool=pool, resizable=True)
        memoryview(buf)[:] = bytes(range(64))
        for size in (100, 10_000, 3_000_000, 70, 50_000_000):
            buf.resize(size, shrink_to_fit=True)
            assert buf.address % 64 == 0
            assert memoryview(buf)[:64].tobytes() == bytes(range(64))

    def test_memory_returns_only_when_last_holder_is_gone(self, pool):
        buf = pa.allocate_buffer(256, memory_pool=pool)
        part = buf[10:20]
        view = memoryview(part)
        del buf, part
        gc.collect()
        assert pool.bytes_allocated() == 256
        view.release()
        del view
        gc.collect()
        assert pool.bytes_allocated() == 0

    def test_threads_keep_counters_exact(self, pool):
        threads, rounds = 8, 10_000
        start = threading.Barrier(threads)

        def work(seed: int) -> None:
            rng = random.Random(seed)
            start.wait()
            held = []
            for _ in range(rounds):
                held.append(pa.allocate_buffer(rng.randrange(0, 200_000), memory_pool=pool))
                if len(held) > 4 or rng.random() < 0.5:
                    held.pop(rng.randrange(len(held)))
            held.clear()

        workers = [threading.Thread(target=work, args=(seed,)) for seed in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        gc.collect()
        assert pool.bytes_allocated() == 0
        assert pool.num_allocations() == threads * rounds
        assert 0 < pool.max_memory() <= threads * 5 * 200_064

    def test_negative_sizes(self, pool):
        with pytest.raises(ValueError):
            pa.allocate_buffer(-64, memory_pool=pool)

    def test_out_of_memory_is_memory_error_and_counts_nothing(self, pool):
        with pytest.raises(pa.ArrowMemoryError, match="out of memory"):
            pa.allocate_buffer(1 << 62, memory_pool=pool)
        assert pool.bytes_allocated() == 0 and pool.num_allocations() == 0
        buf = pa.allocate_buffer(64, memory_pool=pool, resizable=True)
        with pytest.raises(MemoryError):
            buf.resize(1 << 62)
        assert pool.bytes_allocated() == 64 and buf.size == 64

    def test_a_resize_that_runs_out_of_memory_keeps_the_buffer(self, pool):
        # A real shortage, in a child process with a capped address space: room for a 300 MiB
        # block but not for two, so a realloc-then-realign scheme would fail half-way.
        backend = pool.backend_name
        script = f"""
import resource, arrowio as pa
pool = pa.{backend}_memory_pool()
buf = pa.allocate_buffer(64, memory_pool=pool, resizable=True)
memoryview(buf)[:] = bytes(range(64))
with open("/proc/self/statm") as f:
    in_use = int(f.read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (in_use + (450 << 20), resource.RLIM_INFINITY))
try:
    buf.resize(300 << 20)
    buf.resize(900 << 20)
except MemoryError:
    pass
else:
    raise SystemExit("the address-space cap did not bite")
assert memoryview(buf)[:64].tobytes() == bytes(range(64)) and buf.address % 64 == 0
del buf
assert pool.bytes_allocated() == 0
print("ok")
"""
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stdout == "ok\n", done.stderr

    def test_release_unused_and_print_stats(self, pool, capfd):
        del pool  # the backend pools are what release memory
        for backend in pools_here():
            bufs = [pa.allocate_buffer(1024, memory_pool=backend) for _ in range(50)]
            del bufs
            backend.release_unused()
            backend.print_stats()
            err = capfd.readouterr().err
            assert f"({backend.backend_name}): bytes_allocated=" in err


class TestLoggingAndProxy:
    def test_logging_pool_logs_each_operation(self, capfd):
        parent = pa.proxy_memory_pool(pa.system_memory_pool())
        logging_pool = pa.logging_memory_pool(parent)
        buf = pa.allocate_buffer(100, memory_pool=logging_pool, resizable=True)
        buf.resize(1000)
        del buf
        lines = capfd.readouterr().err.splitlines()
        assert [line.split(":")[0] for line in lines] == ["Allocate", "Reallocate", "Free"]
        assert "size = 128" in lines[0] and "new_size = 1024" in lines[1] and "size = 1024" in lines[2]
        assert logging_pool.backend_name == "system"
        assert logging_pool.num_allocations() == parent.num_allocations() == 2
        assert logging_pool.max_memory() == 1024

    def test_proxy_counts_its_own_and_the_parent_too(self):
        parent = pa.proxy_memory_pool(pa.system_memory_pool())
        child = pa.proxy_memory_pool(parent)
        a = pa.allocate_buffer(64, memory_pool=child)
        b = pa.allocate_buffer(128, memory_pool=parent)
        assert child.bytes_allocated() == 64 and parent.bytes_allocated() == 192
        del a, b
        assert child.bytes_allocated() == parent.bytes_allocated() == 0

    def test_log_memory_allocations_switches_the_default(self, capfd):
        original = pa.default_memory_pool()
        pa.log_memory_allocations()
        try:
            assert isinstance(pa.default_memory_pool(), pa.LoggingMemoryPool)
            del_me = pa.allocate_buffer(10)
            del del_me
            assert "Allocate: size = 64" in capfd.readouterr().err
        finally:
            pa.log_memory_allocations(enable=False)
        assert pa.default_memory_pool() is original

    def test_set_memory_pool(self):
        original = pa.default_memory_pool()
        proxy = pa.proxy_memory_pool(original)
        pa.set_memory_pool(proxy)
        try:
            buf = pa.allocate_buffer(64)
            assert proxy.bytes_allocated() == 64 and pa.total_allocated_bytes() == 64
            del buf
        finally:
            pa.set_memory_pool(original)
        with pytest.raises(TypeError):
            pa.set_memory_pool("system")

    def test_memory_pool_is_abstract(self):
        with pytest.raises(TypeError):
            pa.MemoryPool()


class TestDefaultPoolSelection:
    @pytest.mark.parametrize("backend", ["system", pytest.param("mimalloc", marks=needs_mimalloc)])
    def test_environment_picks_backend(self, backend):
        result = run_python(
            "import arrowio as pa; print(pa.default_memory_pool().backend_name)", ARROWIO_DEFAULT_MEMORY_POOL=backend
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == backend

    def test_unknown_backend_warns_and_falls_back(self):
        result = run_python(
            "import arrowio as pa; print(pa.default_memory_pool().backend_name)", ARROWIO_DEFAULT_MEMORY_POOL="tcmalloc"
        )
        assert result.returncode == 0
        assert "is not a memory pool backend" in result.stderr and "tcmalloc" in result.stderr
        assert result.stdout.strip() in ("mimalloc", "system")

    @needs_jemalloc
    def test_jemalloc_without_tunable_warns_with_the_fix(self):
        result = run_python(
            "import arrowio as pa; print(pa.default_memory_pool().backend_name)", ARROWIO_DEFAULT_MEMORY_POOL="jemalloc"
        )
        assert result.returncode == 0
        assert JEMALLOC_TLS_TUNABLE in result.stderr
        assert result.stdout.strip() != "jemalloc"


@needs_jemalloc
class TestJemalloc:
    def test_error_names_the_tunable(self):
        result = run_python(
            "import arrowio as pa\n"
            "try:\n    pa.jemalloc_memory_pool()\n"
            "except pa.ArrowNotImplementedError as e:\n    print(e)\n"
            "print('jemalloc' in pa.supported_memory_backends())\n"
            "import warnings\n"
            "with warnings.catch_warnings(record=True) as caught:\n"
            "    warnings.simplefilter('always')\n"
            "    pa.jemalloc_set_decay_ms(0)\n"
            "print(len(caught))\n"
        )
        assert result.returncode == 0, result.stderr
        message, supported, warned = result.stdout.strip().splitlines()
        assert "static TLS" in message and f"GLIBC_TUNABLES={JEMALLOC_TLS_TUNABLE}" in message
        assert supported == "False" and warned == "1"

    def test_works_in_a_process_started_with_the_tunable(self):
        code = (
            "import gc, json, arrowio as pa\n"
            "pool = pa.jemalloc_memory_pool()\n"
            "buf = pa.allocate_buffer(1000, memory_pool=pool, resizable=True)\n"
            "memoryview(buf)[:4] = b'jeml'\n"
            "buf.resize(1 << 20)\n"
            "aligned = buf.address % 64 == 0 and buf.to_pybytes()[:4] == b'jeml'\n"
            "peak = pool.max_memory()\n"
            "del buf\n"
            "pool.release_unused()\n"
            "pa.jemalloc_set_decay_ms(0)\n"
            "print(json.dumps({'default': pa.default_memory_pool().backend_name, 'aligned': aligned, 'peak': peak,\n"
            "  'now': pool.bytes_allocated(), 'supported': pa.supported_memory_backends()}))\n"
        )
        result = run_python(code, GLIBC_TUNABLES=JEMALLOC_TLS_TUNABLE)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report == {
            "default": "jemalloc",
            "aligned": True,
            "peak": 1 << 20,
            "now": 0,
            "supported": ["jemalloc", "mimalloc", "system"]
            if backend_unavailable("mimalloc") is None
            else ["jemalloc", "system"],
        }


def test_jemalloc_set_decay_ms_in_process_warns_when_unavailable():
    if "jemalloc" in pa.supported_memory_backends():
        pytest.skip("jemalloc is loadable in this process")  # only under LD_PRELOAD/GLIBC_TUNABLES
    with pytest.warns(RuntimeWarning, match="jemalloc"):
        pa.jemalloc_set_decay_ms(1000)


def test_a_buffer_freed_while_its_pool_is_locked_does_not_deadlock():
    # A collection or a tracer can run a Buffer's finalizer inside the pool's locked region (seen:
    # hypothesis's line tracer collected a buffer inside _free); a plain Lock then waits forever.
    code = """
import gc, arrowio as pa
pool = pa.system_memory_pool()
gc.disable()
buf = pa.allocate_buffer(4096, memory_pool=pool)
cycle = [buf]
cycle.append(cycle)
del buf, cycle
with pool._lock:
    gc.collect()
print(pool.bytes_allocated())
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0"]
