"""``arrowio cat FILE...`` without click: the pipeline's common case, started in less time.

``arrowio cat logs.gz | grep ERROR`` takes no option, yet importing click (and what click imports:
inspect, typing, uuid, gettext...) costs about as long as the rest of the run. When the command
line is ``cat`` and operands only (``-`` is one) and no progress line can show (stderr is not a
terminal), ``main`` runs the same :class:`~arrowio_cli.cat_job.CatJob` here with the defaults of
the click command's options, so the output, the error lines and the exit status are the same;
every other command line, ``cat`` with any option or ``--`` included, goes the click way.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Sequence

from .exit_codes import ExitCode
from .streams import is_terminal

__all__ = ["DEFAULTS", "operands", "run"]

#: :data:`arrowio_cli.completion.COMPLETE_VAR`, the variable under which click answers a shell's
#: completion requests instead of running the command (spelled out: that module imports click).
_COMPLETE_VAR = "_ARROWIO_COMPLETE"

#: The values the click command ``cat`` gives its options when none is given, in the order of
#: :class:`CatJob`'s parameters (a test checks them against the click command).
DEFAULTS: dict[str, object] = {
    "codec": "auto",  # -C auto
    "offset": 0,
    "length": None,
    "use_mmap": False,
    "hexdump": False,
    "max_output": None,
    "storage_options": {},
}


def operands(args: Sequence[str]) -> tuple[str, ...] | None:
    """The inputs of the command line ``args`` when it is ``cat`` with operands only and stderr is
    not a terminal (where ``cat`` may show a progress line); None when it needs click."""
    if not args or args[0] != "cat" or _COMPLETE_VAR in os.environ:
        return None
    inputs = tuple(args[1:])
    if any(arg.startswith("-") and arg != "-" for arg in inputs):
        return None  # an option, --help, or --: click parses those
    if is_terminal(sys.stderr):
        return None
    return inputs


#: The library reads a local file of at most this size whole (``OSFile``) and decodes it in
#: one piece where it decodes to at most 1 MiB. The allocator's tuning serves loops: of pieces
#: (a stream) and of inputs (glibc's defaults grow and trim the heap with each one: a brk or two
#: per file, see tests/cli/test_cat_small_files.py). A run of one such file has neither, and the
#: tuning would cost it _ctypes: about 0.7 ms, 3 % of the run. (It loses only where that
#: file streams, decoding to tens of MiB: some 90 page faults per MiB.)
_SMALL_INPUT = 256 << 10


def _one_small_file(inputs: tuple[str, ...]) -> bool:
    """Whether the run is one local regular file of at most :data:`_SMALL_INPUT` bytes."""
    if len(inputs) != 1 or inputs[0] == "-":
        return False
    try:
        info = os.stat(inputs[0])
    except (OSError, ValueError):
        return False  # not a local file (a URL, a pattern) or missing: the job tells
    return stat.S_ISREG(info.st_mode) and info.st_size <= _SMALL_INPUT


def run(inputs: tuple[str, ...]) -> int:
    """``arrowio cat INPUTS`` as the click command runs it without options: the exit code, or
    ``SystemExit`` with the worst code of the inputs that failed."""
    from .cat_job import CatJob

    if not _one_small_file(inputs):
        from .malloc_tuning import keep_heap_for_streaming  # here: _ctypes, not for one small file

        keep_heap_for_streaming()
    job = CatJob(**{**DEFAULTS, "storage_options": {}})  # type: ignore[arg-type]
    job.run_all(inputs)
    job.runner.exit()
    return ExitCode.OK
