"""The exit codes of ``arrowio``, in one place."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # bad data, an I/O error, a failed gate
    USAGE = 2  # click's usage errors
    UNAVAILABLE = 69  # EX_UNAVAILABLE: a needed facility is absent here (no GPU, backend not installed)
    INTERRUPTED = 130  # 128 + SIGINT
    BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a process killed by SIGPIPE
    TERMINATED = 143  # 128 + SIGTERM
