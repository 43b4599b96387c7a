"""``arrowio pool-stats``: memory-pool diagnostics, and memory gates for CI around a workload."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from .errors import CliError, describe
from .exit_codes import ExitCode
from .params import SIZE, redact_arguments
from .python_workload import is_python, run_python
from .runner import InputRunner
from .timeline import TIMELINE_SUFFIXES

if TYPE_CHECKING:
    from arrowio import MemoryPool

__all__ = ["pool_stats"]

BACKENDS = ("jemalloc", "mimalloc", "system")
POOLS = ("arrowio", "pyarrow", "both")
#: The debug pool's modes (arrowio._debug_pool.MODES, spelled out: the CLI imports no private module).
DEBUG_MODES = ("abort", "trap", "warn", "none")
#: Bumped only when a key changes meaning or disappears; new keys may be added.
SCHEMA = "arrowio.pool-stats/1"


@click.command(
    "pool-stats",
    context_settings={"allow_interspersed_args": False},
    epilog="""\b
Workloads:
  -- SUBCOMMAND ARGS...       an arrowio subcommand (cat, compress, ...)
  -- python SCRIPT.py ARGS... a Python program, run in this process as
  -- python -m MODULE ARGS... python would (__main__, sys.argv, its exit
  -- python -c CODE ARGS...   code and traceback): pytest too, with
                              -- python -m pytest tests/

\b
What each gate sees:
  --max-peak     bytes allocated from arrowio's memory pool (Buffers, the
                 commands' I/O buffers); codec output and Python objects live
                 outside the pool, so this is a small part of the memory.
                 With --pool pyarrow: PyArrow's default pool peak, which is
                 process-wide (PyArrow cannot reset it), so it includes what
                 was allocated before the workload started.
  --max-rss      the process's peak resident memory while the workload ran
                 (everything: interpreter, imports, codecs, pool); the
                 report shows its growth over the RSS at the start beside it.
  --fail-on-leak pool bytes still allocated after the workload (PyArrow's:
                 bytes allocated at the end minus those at the start).

\b
Exit status: the workload's own when it fails; 10 when it succeeded but a
gate failed (the reason on stderr, one line); 0 otherwise.

\b
JSON keys (--json), without a workload:
  schema, backends: [{name, available, default (what a run without
  --backend uses), used (the pool shown), reason}],
  pool (the default pool, or --backend's): {backend_name, bytes_allocated,
  max_memory, total_bytes_allocated, num_allocations},
  process: {rss_bytes, peak_rss_bytes}

\b
JSON keys (--json), with a workload:
  schema, workload (list of arguments, secrets hidden), exit_code, backend
  (the workload's pool), default_backend (a run without --backend's),
  seconds, bytes_allocated (left at the end: a leak), max_memory (pool peak),
  total_bytes_allocated, num_allocations, rss_bytes, peak_rss_bytes,
  peak_rss_scope ("block": the workload's own peak, or "process"),
  peak_rss_growth_bytes (peak RSS minus the RSS at the start),
  minor_faults, major_faults, max_peak, max_rss (bytes or null),
  fail_on_leak, failures (one-line reasons; empty when every gate passed),
  workload_kind ("arrowio" or "python"), pool (what the gates gate),
  debug_pool (the --debug-pool mode or null), pyarrow (null when the
  process has not imported PyArrow, else {backend_name, bytes_allocated
  (at the end), bytes_allocated_at_start, max_memory, max_memory_scope:
  "process"}), gate_exit_code, timeline (the --timeline path or null),
  samples (memory samples taken)""",
)
@click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    help="Allocator backend the workload's pool draws from (default: the default pool's).",
)
@click.option(
    "--max-peak",
    type=SIZE,
    metavar="SIZE",
    help="Exit 10 when the workload's pool peak exceeds SIZE (pool memory only: see below).",
)
@click.option(
    "--max-rss",
    type=SIZE,
    metavar="SIZE",
    help="Exit 10 when the process's peak RSS during the workload exceeds SIZE (all of its memory).",
)
@click.option("--fail-on-leak", is_flag=True, help="Exit 10 when pool memory is still allocated after the workload.")
@click.option(
    "--pool",
    "gated",
    type=click.Choice(POOLS),
    default="arrowio",
    show_default=True,
    help="Which pool --max-peak and --fail-on-leak gate: arrowio's, PyArrow's default pool, or both.",
)
@click.option(
    "--debug-pool",
    type=click.Choice(DEBUG_MODES),
    metavar="MODE",
    help="Guard bytes after each of the workload's pool allocations, checked at free and resize; "
    "an overwrite is reported, then abort (SIGABRT), trap (SIGTRAP) or warn (go on).",
)
@click.option(
    "--timeline",
    type=click.Path(dir_okay=False, writable=True),
    metavar="PATH",
    help="Draw pool bytes, pool peak and RSS over time (sampled every 5 ms) with the gates' limits "
    "into PATH (.svg or .html; needs matplotlib: pip install 'arrowio[plot]').",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    help="github: also print a GitHub Actions ::error annotation per failed gate.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (keys below) and nothing else.")
@click.option(
    "--workload-output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    metavar="PATH",
    help="Where the workload's stdout goes; - for stderr (default: discarded).",
)
@click.argument("workload", nargs=-1, type=click.UNPROCESSED, metavar="[-- WORKLOAD ARGS...]")
@click.pass_context
def pool_stats(
    ctx: click.Context,
    backend: str | None,
    max_peak: int | None,
    max_rss: int | None,
    fail_on_leak: bool,
    gated: str,
    debug_pool: str | None,
    timeline: str | None,
    output_format: str,
    as_json: bool,
    workload_output: str | None,
    workload: tuple[str, ...],
) -> None:
    """Show memory-pool usage; with a workload, measure it and gate on it.

    Without a workload: the allocator backends (available or not, and why not, which one is
    the default) and the default pool's counters beside the process's resident memory
    (memory held outside the pool shows only there).

    With a workload after --: runs that arrowio subcommand, or that Python program (python
    SCRIPT, python -m MODULE, python -c CODE), in this process with a fresh proxy pool over
    --backend as the default pool, then reports what is still allocated (a leak), the pool
    peak, the totals, the peak RSS and its growth, the wall time, and a sparkline of the
    memory over time. Where the workload imported PyArrow, PyArrow's default pool is
    reported beside arrowio's, and --pool pyarrow points the gates at it.
    --max-peak, --max-rss and --fail-on-leak make it exit 10 with a one-line reason, so a CI
    step fails on a memory regression. The pool holds only arrowio's Buffers: decoders and
    encoders produce Python bytes outside it, so gate a workload's whole memory with
    --max-rss. A failing workload makes pool-stats exit with the workload's code.
    The workload's own options pass through as they are (-S KEY=VALUE for URLs included);
    the report shows them with storage-option values and URL credentials hidden.

    \b
    Examples:
      arrowio pool-stats
      arrowio pool-stats --json -- cat big.gz
      arrowio pool-stats --max-peak 64M --fail-on-leak -- cat big.gz
      arrowio pool-stats --fail-on-leak --format github -- python -m pytest tests/
      arrowio pool-stats --pool pyarrow --max-peak 1G -- python etl.py in.parquet
      arrowio pool-stats --timeline memory.svg --max-rss 2G -- python job.py
      arrowio pool-stats --debug-pool abort -- python -m mypkg.selftest
      arrowio pool-stats --max-rss 200M -- compress -c big.csv
      arrowio pool-stats --backend mimalloc --workload-output out.bin -- cat big.zst
      arrowio pool-stats --json -- cat -S anon=true s3://bucket/big.zst
    """
    if not workload:
        _refuse_workload_options(max_peak, max_rss, fail_on_leak, gated, debug_pool, timeline, output_format)
        _show_pools(as_json, backend)
        return
    if timeline and not timeline.lower().endswith(TIMELINE_SUFFIXES):
        raise click.UsageError(f"--timeline {timeline!r}: the picture is written as SVG or HTML, so name a "
                               f"{', '.join(TIMELINE_SUFFIXES)} file")  # fmt: skip

    python = is_python(workload[0])
    with _workload_stdout(workload_output):
        code, result, growth, pyarrow, samples = _measure(ctx, workload, _workload_pool(debug_pool, backend), python)
    failures = _gates(result, pyarrow, gated, max_peak, max_rss, fail_on_leak)
    report = _workload_report(workload, code, result, growth)
    report.update({"max_peak": max_peak, "max_rss": max_rss, "fail_on_leak": fail_on_leak, "failures": failures})
    report.update({
        "workload_kind": "python" if python else "arrowio", "pool": gated, "debug_pool": debug_pool,
        "pyarrow": pyarrow, "gate_exit_code": int(ExitCode.GATE_FAILED), "timeline": timeline,
        "samples": len(samples),
    })  # fmt: skip
    if timeline:
        from .timeline import write_timeline

        title = f"arrowio pool-stats: {' '.join(report['workload'])}"
        write_timeline(timeline, samples, _limits(max_peak, max_rss, gated), title)
    _render_workload(report, samples, as_json)
    if output_format == "github":
        _annotate(failures, report, as_json)
    _end(code, python, failures)


def _refuse_workload_options(
    max_peak: int | None,
    max_rss: int | None,
    fail_on_leak: bool,
    gated: str,
    debug_pool: str | None,
    timeline: str | None,
    output_format: str,
) -> None:
    """A usage error naming the options given that only mean something with a workload."""
    if max_peak is not None or max_rss is not None or fail_on_leak:
        raise click.UsageError("--max-peak, --max-rss and --fail-on-leak need a workload after --")
    given = [
        name
        for name, value in (
            ("--pool", gated != "arrowio"),
            ("--debug-pool", debug_pool),
            ("--timeline", timeline),
            ("--format", output_format != "text"),
        )
        if value
    ]
    if given:
        raise click.UsageError(f"{', '.join(given)} need{'s' if len(given) == 1 else ''} a workload after --")


def _workload_pool(debug_pool: str | None, backend: str | None) -> MemoryPool | None:
    """The pool the workload runs with: a debug pool, the ``backend``'s, or None for the default."""
    if debug_pool:
        from arrowio import diagnostics

        return diagnostics.debug_memory_pool(debug_pool, backend)
    return _pool(backend) if backend else None


def _workload_report(workload: Sequence[str], code: int, result: Any, growth: int) -> dict[str, Any]:
    """The report's first keys: the workload, its exit code and the measurement, in the schema's order."""
    report: dict[str, Any] = {"schema": SCHEMA, "workload": redact_arguments(workload), "exit_code": code}
    for key, value in result.to_dict().items():
        report[key] = value
        if key == "backend":
            report["default_backend"] = _plain_default()
        elif key == "peak_rss_scope":
            report["peak_rss_growth_bytes"] = growth
    return report


def _end(code: int, python: bool, failures: list[str]) -> None:
    """Fail with the workload's exit code when it failed, else with the gates' when one failed."""
    if code != ExitCode.OK:
        # A Python program's own status passes through as it is (sys.exit(7) gives 7).
        status = code if python else _exit_code(code)
        raise CliError(f"the workload failed with exit code {code}", status)  # type: ignore[arg-type]
    if failures:
        raise CliError("; ".join(failures), ExitCode.GATE_FAILED)


def _measure(
    ctx: click.Context, workload: Sequence[str], pool: Any, python: bool
) -> tuple[int, Any, int, dict[str, Any] | None, list[Any]]:
    """Run the workload measured and sampled: its code, the measurement, the peak RSS growth, PyArrow's
    pool figures and the memory samples."""
    from arrowio import diagnostics, stats

    pyarrow_start = diagnostics.pyarrow_pool_counters()
    start = stats.process_memory()
    # The program's globals stay alive until it is measured, as they do until exit in python.
    namespace: dict[str, Any] = {}
    with stats.measure(pool) as measuring:
        sampler = diagnostics.MemorySampler(measuring.pool)
        sampler.start()
        try:
            if python:
                code, namespace = run_python(workload[1:])
            else:
                code = int(_run_workload(ctx, list(workload)))
        finally:
            samples = sampler.stop()
    result = measuring.result
    assert result is not None
    pyarrow = _pyarrow_report(pyarrow_start, diagnostics.pyarrow_pool_counters())
    namespace.clear()
    return code, result, max(0, result.peak_rss_bytes - start.rss_bytes), pyarrow, samples


def _exit_code(code: int) -> ExitCode:
    try:
        return ExitCode(code)
    except ValueError:
        return ExitCode.FAILURE


def _pyarrow_report(start: Any, end: Any) -> dict[str, Any] | None:
    if end is None:
        return None
    return {
        "backend_name": end.backend_name,
        "bytes_allocated": end.bytes_allocated,
        "bytes_allocated_at_start": start.bytes_allocated if start is not None else 0,
        "max_memory": end.max_memory,
        "max_memory_scope": "process",
    }


def _limits(max_peak: int | None, max_rss: int | None, gated: str) -> dict[str, int]:
    limits = {}
    if max_peak is not None:
        limits[f"--max-peak ({gated} pool)"] = max_peak
    if max_rss is not None:
        limits["--max-rss"] = max_rss
    return limits


def _annotate(failures: list[str], report: dict[str, Any], as_json: bool) -> None:
    """GitHub Actions workflow commands, one ::error per failed gate (stderr beside --json's object)."""
    title = "arrowio pool-stats: " + " ".join(report["workload"])
    for failure in failures:
        click.echo(f"::error title={_escape_property(title)}::{_escape_data(failure)}", err=as_json)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _pool(name: str) -> Any:
    import arrowio

    return getattr(arrowio, f"{name}_memory_pool")()


def _gates(
    result: Any,
    pyarrow: dict[str, Any] | None,
    gated: str,
    max_peak: int | None,
    max_rss: int | None,
    fail_on_leak: bool,
) -> list[str]:
    from .report import format_bytes

    def crossed(what: str, value: int, option: str, limit: int) -> str:
        return f"{what} {format_bytes(value)} ({value} bytes) exceeds {option} {format_bytes(limit)} ({limit} bytes)"

    def leaked(what: str, value: int) -> str:
        return f"{format_bytes(value)} ({value} bytes) of {what} still allocated after the workload"

    failures = []
    gates_arrowio, gates_pyarrow = gated in ("arrowio", "both"), gated in ("pyarrow", "both")
    if gates_pyarrow and pyarrow is None and (max_peak is not None or fail_on_leak):
        failures.append("--pool pyarrow: the workload did not import pyarrow, so there is no PyArrow pool to gate")
    if max_peak is not None:
        if gates_arrowio and result.max_memory > max_peak:
            failures.append(crossed("pool peak", result.max_memory, "--max-peak", max_peak))
        if gates_pyarrow and pyarrow is not None and pyarrow["max_memory"] > max_peak:
            failures.append(crossed("PyArrow pool peak (process-wide)", pyarrow["max_memory"], "--max-peak", max_peak))
    if max_rss is not None and result.peak_rss_bytes > max_rss:
        failures.append(crossed("peak RSS", result.peak_rss_bytes, "--max-rss", max_rss))
    if fail_on_leak:
        if gates_arrowio and result.bytes_allocated:
            failures.append(leaked("pool memory", result.bytes_allocated))
        if gates_pyarrow and pyarrow is not None:
            left = pyarrow["bytes_allocated"] - pyarrow["bytes_allocated_at_start"]
            if left > 0:
                failures.append(leaked("PyArrow pool memory", left))
    return failures


@contextmanager
def _workload_stdout(path: str | None) -> Iterator[None]:
    """Point sys.stdout (and so click's binary stdout) at ``path``, stderr for ``-``, or /dev/null."""
    if path == "-":
        saved = sys.stdout
        sys.stdout = sys.stderr  # the report keeps stdout; a CI log still shows the workload's output
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stdout = saved
        return
    target = open(path or os.devnull, "wb")
    saved = sys.stdout
    sys.stdout = io.TextIOWrapper(target, write_through=True)
    try:
        yield
    finally:
        try:
            sys.stdout.flush()
        finally:
            sys.stdout = saved
            target.close()


def _run_workload(ctx: click.Context, args: Sequence[str]) -> int:
    """Invoke an arrowio subcommand through the group, in this process; its exit code."""
    root = ctx.find_root()
    group = root.command
    assert isinstance(group, click.Group)
    name, rest = args[0], list(args[1:])
    command = group.get_command(root, name)
    if command is None:
        raise click.UsageError(f"no such subcommand {name!r} for the workload (see arrowio --help)")
    try:
        with command.make_context(name, rest, parent=root) as sub:
            command.invoke(sub)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (KeyboardInterrupt, click.exceptions.Abort):
        raise
    except Exception as exc:
        if root.meta.get("arrowio.traceback"):
            raise
        # The one error policy of the commands: what a subcommand raised is reported as that
        # subcommand run alone would report it.
        runner = InputRunner()
        runner.failed(name, exc)
        return runner.worst
    return ExitCode.OK


def _plain_default() -> str:
    """The backend of the default pool of a run without ``--backend``.

    ``--backend jemalloc`` restarts the process with the TLS tunable Debian's libjemalloc needs
    (see main), which makes jemalloc loadable and so, by Arrow's order (jemalloc, mimalloc,
    system), the default. A run without the flag cannot load it: its default is the next
    available backend in that order. (Asked for by ARROWIO_DEFAULT_MEMORY_POOL=jemalloc, the
    restart happens without the flag too, and jemalloc stays the default.)
    """
    import arrowio
    from arrowio.errors import ArrowNotImplementedError
    from arrowio.settings import requested_default_pool

    from .main import RESTARTED_FOR_JEMALLOC_ENV

    name = arrowio.default_memory_pool().backend_name
    restarted_by_the_flag = os.environ.get(RESTARTED_FOR_JEMALLOC_ENV) == "1" and (
        (requested_default_pool() or ("", ""))[1] != "jemalloc"
    )
    if name != "jemalloc" or not restarted_by_the_flag:
        return name
    for other in BACKENDS[1:]:
        try:
            _pool(other)
        except ArrowNotImplementedError:
            continue
        return other
    return "system"


def _show_pools(as_json: bool, backend: str | None) -> None:
    import arrowio
    from arrowio.errors import ArrowNotImplementedError
    from arrowio.stats import process_memory

    default = arrowio.default_memory_pool()
    plain_default = _plain_default()
    shown = _pool(backend) if backend else default
    backends = []
    for name in BACKENDS:
        reason = ""
        try:
            _pool(name)
        except ArrowNotImplementedError as exc:
            reason = describe(exc)
        backends.append({"name": name, "available": not reason, "default": name == plain_default,
                         "used": name == shown.backend_name, "reason": reason})  # fmt: skip
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "backends": backends,
        "pool": shown.stats().to_dict(),
        "process": {k: v for k, v in process_memory().to_dict().items() if k.endswith("rss_bytes")},
    }
    if as_json:
        from .report import print_json

        print_json(report)
        return
    from .report import Table, format_bytes, print_tables

    table = Table("Memory pool backends", ["backend", "available", "default", "shown", "why not"])
    for entry in backends:
        table.add(entry["name"], "yes" if entry["available"] else "no", "yes" if entry["default"] else "",
                  "yes" if entry["used"] else "", entry["reason"])  # fmt: skip
    counters = shown.stats()
    title = f"{'Default pool' if backend is None else 'Pool'} ({counters.backend_name}) and process"
    usage = Table(title, ["", "bytes", ""], align="lrr")
    for key in ("bytes_allocated", "max_memory", "total_bytes_allocated"):
        value = getattr(counters, key)
        usage.add(key, value, format_bytes(value))
    usage.add("num_allocations", counters.num_allocations, "")
    for key, value in report["process"].items():
        usage.add(f"process {key.removesuffix('_bytes')}", value, format_bytes(value))
    print_tables([table, usage])


def _render_workload(report: dict[str, Any], samples: list[Any], as_json: bool) -> None:
    if as_json:
        from .report import print_json

        print_json(report)
        return
    from .report import Table, format_bytes, format_seconds, print_tables
    from .timeline import sparkline

    backend = report["backend"]
    if backend != report["default_backend"]:
        backend += f"; default {report['default_backend']}"
    if report["debug_pool"]:
        backend += f"; debug pool {report['debug_pool']}"
    prefix = "arrowio " if report["workload_kind"] == "arrowio" else ""
    title = f"{prefix}{' '.join(report['workload'])}  (pool backend {backend}, exit {report['exit_code']})"
    table = Table(title, ["", "value", ""], align="lrr")
    for key, label in (
        ("bytes_allocated", "pool left allocated (leak)"),
        ("max_memory", "pool peak"),
        ("total_bytes_allocated", "pool total allocated"),
        ("peak_rss_bytes", f"peak RSS ({report['peak_rss_scope']})"),
        ("peak_rss_growth_bytes", "peak RSS growth"),
        ("rss_bytes", "RSS at the end"),
    ):
        table.add(label, report[key], format_bytes(report[key]))
    table.add("allocations", report["num_allocations"], "")
    table.add("page faults (minor/major)", f"{report['minor_faults']}/{report['major_faults']}", "")
    table.add("wall time", f"{report['seconds']:.6f}", format_seconds(report["seconds"]))
    pyarrow = report["pyarrow"]
    if pyarrow is not None:
        left = pyarrow["bytes_allocated"] - pyarrow["bytes_allocated_at_start"]
        table.add(f"PyArrow pool ({pyarrow['backend_name']}) at the end", pyarrow["bytes_allocated"],
                  format_bytes(pyarrow["bytes_allocated"]))  # fmt: skip
        table.add("PyArrow pool growth (leak)", left, format_bytes(left))
        table.add("PyArrow pool peak (process-wide)", pyarrow["max_memory"], format_bytes(pyarrow["max_memory"]))
    print_tables([table])
    if len(samples) > 1:
        pool_line = sparkline([s.pool_bytes for s in samples])
        rss_line = sparkline([s.rss_bytes for s in samples])
        click.echo(f"pool {pool_line} peak {format_bytes(report['max_memory'])}")
        click.echo(f"RSS  {rss_line} peak {format_bytes(max(s.rss_bytes for s in samples))}")
