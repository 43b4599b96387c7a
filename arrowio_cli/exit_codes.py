"""The exit codes of ``arrowio``, in one place."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # bad data, an I/O error
    USAGE = 2  # click's usage errors
    # A pool-stats gate failed (--max-peak, --max-rss, --fail-on-leak) while the workload itself
    # succeeded: apart from 1 and 2 (python, click) and 0-5 (pytest), so CI can tell the two.
    GATE_FAILED = 10
    UNAVAILABLE = 69  # EX_UNAVAILABLE: a needed facility is absent here (no GPU, backend not installed)
    INTERRUPTED = 130  # 128 + SIGINT
    BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a process killed by SIGPIPE
    TERMINATED = 143  # 128 + SIGTERM
