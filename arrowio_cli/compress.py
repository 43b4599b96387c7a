"""``arrowio compress``: compress or decompress files, like ``zstd``/``gzip``, with atomic outputs
(local files: a temporary file renamed into place; URLs: a remote write published only on success)."""

from __future__ import annotations

from typing import Any

import click

from .compress_request import DEFAULT_FORMAT, Request, Usage, settle
from .params import CODEC, SIZE, level_flags, storage_option

__all__ = ["compress"]


class _CompressCommand(click.Command):
    """Reads gzip's and zstd's level flags (``-9``, ``-19c``, bare ``--fast``), which click has no
    option type for, by rewriting them before click parses the arguments."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        valued = {name for p in self.params if isinstance(p, click.Option) and not p.is_flag for name in p.opts}
        return super().parse_args(ctx, level_flags(args, valued.__contains__))


def _codec_help() -> str:
    """-C's help, from the registry: a new format shows up here by its row alone."""
    from arrowio.compression import FORMATS

    others = [f.name for f in FORMATS.values() if f.streaming and f.name != DEFAULT_FORMAT]
    return f"Format: {DEFAULT_FORMAT} (default), {', '.join(others)}; with -d: detected."


def _level_help() -> str:
    """--level's help, with each format's tool default from the registry."""
    from arrowio.compression import FORMATS

    defaults = ", ".join(f"{f.name} {f.tool_level}" for f in FORMATS.values() if f.tool_level is not None)
    return (
        "Compression level, also written -N as in gzip and zstd (-1 ... -19; zstd: --ultra -20 ... -22). "
        f"Default: the format's own tool's: {defaults}."
    )


@click.command("compress", cls=_CompressCommand)
@click.argument("inputs", nargs=-1, metavar="[FILE|URL|-]...")
@click.option(
    "-C",
    "--codec",
    type=CODEC,
    metavar="NAME",
    help=_codec_help(),
)
@click.option(
    "--level",
    type=int,
    metavar="N",
    help=_level_help(),
)
@click.option(
    "--fast",
    type=click.IntRange(min=1),
    metavar="[=N]",
    help="The format's fastest level; zstd: its negative level -N (--fast is --fast=1), as in zstd.",
)
@click.option(
    "--best", is_flag=True, help="The format's best level without --ultra (zstd 19, gzip/bz2/xz 9, lz4 12, brotli 11)."
)
@click.option("--ultra", is_flag=True, help="Allow zstd's levels 20 to 22 (they need much more memory), as zstd does.")
@click.option(
    "-l",
    "--list",
    "list_",
    is_flag=True,
    help="List the compressed FILEs as zstd -l and gzip -l do (arrowio info's table).",
)
@click.option(
    "--suffix",
    metavar="SUF",
    help="The output's suffix instead of the format's (.zst, .gz); with -d, the suffix to strip (gzip -S).",
)
@click.option(
    "-N/-n",
    "--name/--no-name",
    "save_name",
    default=True,
    help="gzip: record the input's name and modification time in the header, as gzip does by default "
    "(stdin records neither).",
)
@click.option("-d", "--decompress", is_flag=True, help="Decompress instead.")
@click.option("-c", "--stdout", "to_stdout", is_flag=True, help="Write to stdout; keep the inputs.")
@click.option("-o", "--output", metavar="PATH|URL", help="Write to PATH or URL (one input only).")
@click.option(
    "-k",
    "--keep/--rm",
    default=True,
    help="Keep the inputs (the default), or remove each once its output is complete and synced.",
)
@click.option("-f", "--force", is_flag=True, help="Overwrite existing outputs; allow compressed data on a terminal.")
@click.option(
    "-T",
    "--threads",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    metavar="N",
    help="Compression threads (0: all cores). 1: zstd from a file is compressed by one worker beside the "
    "thread that reads and writes, as zstd does by default (one frame). Other than 1, zstd and gzip are written as "
    "independent frames (zstd as pzstd writes them) that every decoder reads and arrowio decodes on all cores.",
)
@click.option("--seekable", is_flag=True, help="zstd's seekable format: frames and a seek table (random access).")
@click.option("--bgzf", is_flag=True, help="gzip as BGZF (bgzip's blocked gzip: random access, parallel decoding).")
@click.option(
    "--frame-size",
    type=SIZE,
    metavar="SIZE",
    help="Input bytes per independent frame (default: 16M for zstd with -T, 4M for --seekable and gzip).",
)
@click.option("-t", "--test", is_flag=True, help="Decode and verify the inputs; write nothing.")
@click.option("-v", "--verbose", is_flag=True, help="Report sizes, ratio and speed per file on stderr.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line and no warnings.")
@click.option(
    "--progress",
    is_flag=True,
    help="Show the progress line (bytes read and written, ratio, rate, ETA) also when stderr is not a "
    "terminal. By default it appears on a terminal once a file has taken a second.",
)
@storage_option
@click.pass_context
def compress(
    ctx: click.Context,
    inputs: tuple[str, ...],
    codec: str | None,
    level: int | None,
    fast: int | None,
    best: bool,
    ultra: bool,
    list_: bool,
    suffix: str | None,
    save_name: bool,
    decompress: bool,
    to_stdout: bool,
    output: str | None,
    keep: bool,
    force: bool,
    threads: int,
    seekable: bool,
    bgzf: bool,
    frame_size: int | None,
    test: bool,
    verbose: bool,
    quiet: bool,
    progress: bool,
    storage_options: dict[str, Any],
) -> None:
    """Compress FILEs (or stdin) into FILE.zst (or the codec's extension), or decompress.

    Outputs are written atomically: into a temporary file in the same folder, fsynced, then
    renamed, with the input's permissions and times. Every write is checked (short writes are
    continued); Ctrl-C, SIGTERM, a full disk, a file-size limit or bad data leave no output
    behind (only a SIGKILL can leave a hidden .NAME.*.arrowio-tmp); with -c they leave an
    unfinished stream that no decoder accepts. Existing outputs are kept unless -f; inputs are
    kept unless --rm, which removes an input only once its output is complete, fsynced, in
    place and holds exactly the bytes written for it. An output that is the
    input itself is refused; a device or FIFO (-o /dev/null) is written into, never replaced.
    Decompressing strips the format's extension; a name without one needs -o or -c.
    stdin goes to stdout unless -o names a file. A failing input is reported and the others
    still run; the exit status is then 1.

    Inputs and outputs may be URLs (s3://bucket/key, ...; credentials and endpoint from -S,
    fsspec's configuration or the AWS_* variables). A URL output is uploaded while it is
    written and published only when everything succeeded (an S3 multipart upload completes);
    a failure or Ctrl-C publishes nothing and leaves an older object as it was. -f is needed
    to replace an existing object; --rm deletes a URL input only after its output is published.

    \b
    Examples:
      arrowio compress big.csv                 # big.csv.zst
      arrowio compress -C gzip -9 --rm *.log
      arrowio compress -19 big.csv             # zstd -19; --ultra -22, --fast=5
      arrowio compress -l *.zst                # list, as zstd -l does
      arrowio compress -d big.csv.zst -o copy.csv
      tar c dir | arrowio compress -T 0 > dir.tar.zst
      arrowio compress --seekable big.csv      # arrowio cat --offset 200M big.csv.zst: fast
      arrowio compress --bgzf -T 0 reads.sam   # reads.sam.gz, as bgzip writes it
      arrowio compress -t *.gz                 # verify only
      arrowio compress big.csv -o s3://bucket/big.csv.zst
      arrowio compress --rm s3://bucket/logs/day1.log   # s3://bucket/logs/day1.log.zst
      arrowio compress -d -c s3://bucket/big.csv.zst | head
    """
    if list_:
        _list(ctx, inputs, storage_options, decompress or to_stdout or output is not None or test or not keep)
        return
    request = Request(
        codec=codec, level=level, fast=fast, best=best, ultra=ultra, suffix=suffix, save_name=save_name,
        decompress=decompress, to_stdout=to_stdout, output=output, keep=keep, force=force, threads=threads,
        seekable=seekable, bgzf=bgzf, frame_size=frame_size, test=test, verbose=verbose, quiet=quiet,
        progress=progress, storage_options=storage_options,
    )  # fmt: skip
    try:
        options = settle(request, len(inputs))
    except Usage as exc:
        raise _click_usage(exc) from None
    from .compress_job import run

    run(options, inputs, to_stdout, output).exit(ctx)


def _click_usage(exc: Usage) -> click.UsageError:
    """A usage error of :mod:`.compress_request` as click reports it (exit 2)."""
    if exc.param_hint is not None:
        return click.BadParameter(str(exc), param_hint=exc.param_hint)
    return click.UsageError(str(exc))


def _list(ctx: click.Context, inputs: tuple[str, ...], storage_options: dict[str, Any], other_work: bool) -> None:
    """``-l``: what ``zstd -l``/``gzip -l`` print, by ``arrowio info``."""
    if other_work:
        raise click.UsageError(
            "-l/--list only lists: -d, -c, -o, -t and --rm do not apply (the level is -N or --level N)"
        )
    if not inputs:
        raise click.UsageError("-l/--list needs FILEs to list")
    from .info import info

    ctx.invoke(info, files=inputs, scan=False, as_json=False, storage_options=storage_options)
