"""pytest plugin: arrowio memory-pool usage per test, leak and peak gates, the debug memory pool.

Off unless asked (``pytest --arrowio-pool`` or ``arrowio_pool = true`` in the ini file). Then each
test runs, fixtures included, under a fresh proxy of the default pool, and the plugin records the pool
bytes still allocated once the test and its function-scoped fixtures are done (a leak), the test's pool
peak and its RSS growth. A leaking test fails (``@pytest.mark.arrowio_allow_leak`` exempts it); a test
whose peak passes ``--arrowio-max-peak SIZE`` or ``@pytest.mark.arrowio_limit_peak("64 MiB")`` fails.
Fixtures of wider scope allocate from the session's pool, so their memory is nobody's leak.

The figures travel on each test's teardown report (``user_properties``), so under pytest-xdist every
worker measures its own tests and the controller gathers them for the summary table and
``--arrowio-pool-json PATH``. ``--arrowio-debug-pool MODE`` runs the session on a debug memory pool
(see :func:`arrowio.diagnostics.debug_memory_pool`), with or without ``--arrowio-pool``.
"""

from __future__ import annotations

import gc
import io
import json
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from .units import format_size, parse_size

# Only pytest, the standard library and .units (which imports only re) at the top: pytest imports
# this module in every run of a project that installs arrowio, and a run that does not ask for the
# plugin must not pay for pools.
if TYPE_CHECKING:
    from .memory import MemoryPool

__all__ = ["parse_size", "format_size", "DEBUG_POOL_MODES"]

#: arrowio.diagnostics.DEBUG_POOL_MODES, spelled out so that adding the option imports nothing.
DEBUG_POOL_MODES = ("abort", "trap", "warn", "none")

_KEY = "arrowio_pool"
SCHEMA = "arrowio.pytest-pool/1"
_LARGEST = 5  # live allocations shown for a leaking test


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("arrowio", "arrowio memory pool")
    group.addoption(
        "--arrowio-pool",
        action="store_true",
        default=None,
        help="measure arrowio pool memory per test; fail tests that leave pool memory allocated",
    )
    group.addoption(
        "--arrowio-pool-trace",
        action="store_true",
        default=False,
        help="record where each allocation was made, to show a leaking test's largest ones",
    )
    group.addoption(
        "--arrowio-max-peak",
        metavar="SIZE",
        default=None,
        help="fail tests whose arrowio pool peak exceeds SIZE (64M, 1.5GiB)",
    )
    group.addoption("--arrowio-pool-json", metavar="PATH", default=None, help="write the per-test figures to PATH")
    group.addoption(
        "--arrowio-pool-top",
        metavar="N",
        type=int,
        default=10,
        help="rows in the table of the heaviest tests (default 10; 0: none)",
    )
    group.addoption(
        "--arrowio-debug-pool",
        metavar="MODE",
        choices=DEBUG_POOL_MODES,
        default=None,
        help="run the session on a debug memory pool: abort, trap, warn or none",
    )
    parser.addini("arrowio_pool", type="bool", default=False, help="measure arrowio pool memory per test")
    parser.addini("arrowio_max_peak", default="", help="fail tests whose arrowio pool peak exceeds this size")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "arrowio_allow_leak: the test may leave arrowio pool memory allocated")
    config.addinivalue_line(
        "markers", 'arrowio_limit_peak(size): fail the test when its arrowio pool peak exceeds size ("64 MiB")'
    )
    mode = config.getoption("arrowio_debug_pool")
    if mode and mode != "none":
        from .diagnostics import debug_memory_pool

        config.pluginmanager.register(_DebugPool(debug_memory_pool(mode)), "arrowio-debug-pool")
    enabled = config.getoption("arrowio_pool")
    if enabled if enabled is not None else config.getini("arrowio_pool"):
        limit = config.getoption("arrowio_max_peak") or config.getini("arrowio_max_peak") or None
        try:
            max_peak = parse_size(limit) if limit else None
        except ValueError as exc:
            raise pytest.UsageError(f"--arrowio-max-peak: {exc}") from None
        config.pluginmanager.register(_PoolPlugin(config, max_peak), "arrowio-pool")


class _DebugPool:
    """Makes the debug pool the default pool for the session."""

    def __init__(self, pool: MemoryPool) -> None:
        from .memory import default_memory_pool, set_memory_pool

        self.pool = pool
        self.previous = default_memory_pool()
        set_memory_pool(pool)

    def pytest_unconfigure(self) -> None:
        from .memory import set_memory_pool

        set_memory_pool(self.previous)


class _PoolPlugin:
    def __init__(self, config: pytest.Config, max_peak: int | None) -> None:
        from . import diagnostics, memory

        self._diagnostics, self._memory = diagnostics, memory  # imported once the plugin is asked for
        self.config = config
        self.max_peak = max_peak
        self.trace = config.getoption("arrowio_pool_trace")
        self.results: list[dict[str, Any]] = []
        self._session_pool: MemoryPool | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool:
        from _pytest.runner import runtestprotocol  # the default protocol, run with the test's own pool

        memory, diagnostics = self._memory, self._diagnostics
        try:
            limit, bad_marker = self._limit(item), None
        except ValueError as exc:  # the test fails with the reason; the session goes on
            limit, bad_marker = None, f"{item.nodeid}: {exc}"
        session_pool = memory.default_memory_pool()
        self._session_pool = session_pool
        pool = diagnostics.TracingMemoryPool(session_pool) if self.trace else memory.ProxyMemoryPool(session_pool)
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        rss = diagnostics.current_rss()
        memory.set_memory_pool(pool)
        try:
            reports = runtestprotocol(item, nextitem=nextitem, log=False)
        finally:
            memory.set_memory_pool(session_pool)
            self._session_pool = None
        if pool.bytes_allocated():
            gc.collect()  # what only a cycle holds is not a leak (collected only then: a collection costs ms)
        stats = pool.stats()
        figures = {
            "nodeid": item.nodeid,
            "bytes_left": stats.bytes_allocated,
            "max_memory": stats.max_memory,
            "total_bytes_allocated": stats.total_bytes_allocated,
            "num_allocations": stats.num_allocations,
            "rss_growth_bytes": diagnostics.current_rss() - rss,
            "limit_peak": limit,
            "allow_leak": item.get_closest_marker("arrowio_allow_leak") is not None,
            "failures": self._failures(pool, stats.bytes_allocated, stats.max_memory, limit, item),
        }
        if bad_marker:
            figures["failures"].append(bad_marker)
        _fail(reports, figures["failures"])
        reports[-1].user_properties.append((_KEY, figures))
        for report in reports:
            item.ihook.pytest_runtest_logreport(report=report)
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Generator[None, None, None]:
        """Fixtures wider than a function allocate from the session's pool: their memory is no test's leak."""
        session_pool = self._session_pool
        if session_pool is None or fixturedef.scope == "function":
            yield
            return
        test_pool = self._memory.default_memory_pool()
        self._memory.set_memory_pool(session_pool)
        try:
            yield
        finally:
            self._memory.set_memory_pool(test_pool)

    def _limit(self, item: pytest.Item) -> int | None:
        marker = item.get_closest_marker("arrowio_limit_peak")
        if marker is None:
            return self.max_peak
        if len(marker.args) != 1:
            raise ValueError('arrowio_limit_peak takes one size, like "64 MiB"')
        try:
            return parse_size(marker.args[0])
        except ValueError as exc:
            raise ValueError(f"arrowio_limit_peak: {exc}") from None

    def _failures(self, pool: MemoryPool, left: int, peak: int, limit: int | None, item: pytest.Item) -> list[str]:
        failures = []
        if left and item.get_closest_marker("arrowio_allow_leak") is None:
            lines = [f"arrowio pool: {format_size(left)} ({left} bytes) still allocated after the test and its "
                     "fixtures finished"]  # fmt: skip
            if isinstance(pool, self._diagnostics.TracingMemoryPool):
                lines.append(f"largest live allocations (of {len(pool.live_allocations())}):")
                for allocation in pool.live_allocations(_LARGEST):
                    lines.append(f"  {format_size(allocation.size)} ({allocation.size} bytes) allocated at")
                    lines.extend(f"    {frame}" for frame in allocation.traceback if not _is_pytest(frame))
            else:
                lines.append("(--arrowio-pool-trace shows where the largest were allocated)")
            failures.append("\n".join(lines))
        if limit is not None and peak > limit:
            failures.append(f"arrowio pool: peak {format_size(peak)} ({peak} bytes) exceeds the limit "
                            f"{format_size(limit)} ({limit} bytes)")  # fmt: skip
        return failures

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key == _KEY:
                self.results.append(value)  # type: ignore[arg-type]  # the dict this plugin stored

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        top = self.config.getoption("arrowio_pool_top")
        if self.results and top > 0:
            terminalreporter.write_sep("=", "arrowio pool: heaviest tests")
            terminalreporter.write(_table(self.results, top, terminalreporter))

    def pytest_sessionfinish(self) -> None:
        path = self.config.getoption("arrowio_pool_json")
        if path and not hasattr(self.config, "workerinput"):  # the xdist controller (or a plain run) writes it
            with open(path, "w", encoding="utf-8") as out:
                json.dump({"schema": SCHEMA, "tests": self.results}, out, indent=1)


def _is_pytest(frame: str) -> bool:
    """A frame of pytest's or pluggy's machinery, which says nothing about where a test allocated."""
    return "/_pytest/" in frame or "/pluggy/" in frame


def _fail(reports: list[pytest.TestReport], failures: list[str]) -> None:
    """Turn the passed call report of a test into a failure with the plugin's reasons."""
    if not failures:
        return
    call = next((r for r in reports if r.when == "call"), None)
    if call is None or not call.passed:
        return  # a failing, skipped or never-run test keeps its own outcome
    call.outcome = "failed"
    call.longrepr = "\n".join(failures)


def _table(results: list[dict[str, Any]], top: int, terminalreporter: Any) -> str:
    from rich.console import Console  # only at the end of an enabled run
    from rich.table import Table

    heaviest = sorted(results, key=lambda r: (r["max_memory"], r["bytes_left"]), reverse=True)[:top]
    table = Table(show_edge=False)
    for column in ("test", "pool peak", "left", "RSS growth", "allocs"):
        table.add_column(column, justify="left" if column == "test" else "right", overflow="fold")
    for r in heaviest:
        table.add_row(r["nodeid"], format_size(r["max_memory"]), format_size(r["bytes_left"]),
                      format_size(r["rss_growth_bytes"]), str(r["num_allocations"]))  # fmt: skip
    out = io.StringIO()
    Console(file=out, width=terminalreporter._tw.fullwidth, force_terminal=terminalreporter.hasmarkup,
            no_color=not terminalreporter.hasmarkup).print(table)  # fmt: skip
    return out.getvalue()
