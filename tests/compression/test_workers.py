"""The frame reader's threads: results and errors handed back, a shutdown that drops queued calls
and waits for running ones, threads that end when their pool is gone."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading

import pytest

from arrowio.compression._workers import Workers


def test_results_and_errors_come_back_to_whoever_waits():
    pool = Workers(2, "t")
    jobs = [pool.submit(pow, n, 2) for n in range(20)]
    failing = pool.submit(int, "not a number")
    assert [job.result() for job in jobs] == [n * n for n in range(20)]
    with pytest.raises(ValueError, match="not a number"):
        failing.result()
    pool.shutdown()


def test_no_more_threads_than_asked_and_named():
    pool = Workers(3, "arrowio-frames")
    names: set[str] = set()
    lock = threading.Lock()

    def record() -> None:
        with lock:
            names.add(threading.current_thread().name)

    for job in [pool.submit(record) for _ in range(50)]:
        job.result()
    pool.shutdown()
    assert names and names <= {"arrowio-frames_0", "arrowio-frames_1", "arrowio-frames_2"}


def test_shutdown_waits_for_running_calls_and_drops_queued_ones():
    pool = Workers(1, "t")
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def slow() -> None:
        started.set()
        release.wait(10)
        ran.append("slow")

    running = pool.submit(slow)
    queued = pool.submit(ran.append, "queued")
    started.wait(10)
    closer = threading.Thread(target=pool.shutdown)
    closer.start()
    closer.join(0.2)
    assert closer.is_alive()  # still waiting for the running call
    release.set()
    closer.join(10)
    assert not closer.is_alive()
    assert running.result() is None and queued.result() is None
    assert ran == ["slow"]  # the queued call never ran
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(ran.append, "late")


def test_threads_end_when_the_pool_is_collected():
    pool = Workers(2, "collected")
    pool.submit(len, b"abc").result()
    threads = [t for t in threading.enumerate() if t.name.startswith("collected_")]
    assert threads
    del pool
    gc.collect()
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()


def test_an_open_pool_does_not_keep_the_interpreter_alive():
    code = (
        "from arrowio.compression._workers import Workers\n"
        "pool = Workers(2, 'x')\n"
        "pool.submit(len, b'a').result()\n"
        "import sys; sys.modules['__main__'].keep = pool\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
