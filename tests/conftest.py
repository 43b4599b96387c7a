"""Project-wide test settings.

- Hypothesis profiles: ``default`` (fast, for development) and ``ci`` (more examples), chosen by
  ``HYPOTHESIS_PROFILE``.
- Under ``ARROWIO_CI=1`` (set by ``.ci/run``) a test that skips because a tool, library or
  server is missing fails instead: CI installs all of them, so such a skip hides a broken setup.
  Tests marked ``gpu`` or ``hdfs`` may still skip: CI machines have neither; nor may those marked
  ``privileged``, which need powers (loop devices) that a CI container may not grant.
- ``@pytest.mark.backend("mimalloc")``: the test needs that memory pool backend; without it, it
  skips naming the package to install (``system_deps``: tools and backends, one place).
- SIGINT is put back to Python's handler when the suite starts with it ignored: a shell starts a
  background job (``pytest &`` in a script) with SIGINT ignored, its children inherit that, and
  arrowio then rightly ignores Ctrl-C as gzip does, so the Ctrl-C tests failed (or hung).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Generator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

_MAY_SKIP_IN_CI = {"gpu", "hdfs", "privileged"}


def pytest_configure(config: pytest.Config) -> None:
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # A handler, unlike SIG_IGN, is reset to the default by exec: the children get SIGINT.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    config.addinivalue_line(
        "markers", "backend(name): needs memory pool backend NAME (jemalloc, mimalloc); skips naming its package"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    from system_deps import need_backend

    for marker in item.iter_markers("backend"):
        need_backend(*marker.args)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if not os.environ.get("ARROWIO_CI") or not report.skipped:
        return
    if any(item.get_closest_marker(name) for name in _MAY_SKIP_IN_CI) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped under ARROWIO_CI=1, where everything it needs is installed: {reason}"
