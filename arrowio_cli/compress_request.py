"""What an ``arrowio compress`` command line asks for, and its check: the run's
:class:`~arrowio_cli.compress_job.Options`, or a usage error.

Without click, so that the click command (:mod:`.compress`) and the click-free path
(:mod:`.plain_compress`) check the same values by the same code: a :class:`Usage` raised here
becomes click's usage error there, and sends the click-free path the click way, where click says it.
"""

from __future__ import annotations

from arrowio._records import NamedTuple  # typing's, without importing typing: start-up time

from .compress_job import Options
from .errors import describe

TYPE_CHECKING = False  # typing's, without importing typing: start-up time (CONTRIBUTING.md)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["DEFAULT_FORMAT", "Request", "Usage", "settle"]

#: What compress writes without -C.
DEFAULT_FORMAT = "zstd"


class Usage(Exception):
    """A usage error (exit 2): options that contradict each other, or a level a format lacks.

    ``param_hint`` names the option a bad value belongs to (click's ``BadParameter``); None for
    a clash of options (click's ``UsageError``)."""

    def __init__(self, message: str, param_hint: str | None = None) -> None:
        super().__init__(message)
        self.param_hint = param_hint


class Request(NamedTuple):
    """The values of the command's options as click converts them (``codec`` a format's name),
    each defaulting to the click command's default (a test checks that they agree).

    A NamedTuple, not a dataclass: ``dataclasses`` imports ``inspect`` (about 12 ms of start-up)."""

    codec: str | None = None
    level: int | None = None
    fast: int | None = None
    best: bool = False
    ultra: bool = False
    suffix: str | None = None
    save_name: bool = True
    decompress: bool = False
    to_stdout: bool = False
    output: str | None = None
    keep: bool = True
    force: bool = False
    threads: int = 1
    seekable: bool = False
    bgzf: bool = False
    frame_size: int | None = None
    test: bool = False
    verbose: bool = False
    quiet: bool = False
    progress: bool = False
    storage_options: dict[str, Any] = {}  # noqa: RUF012 - never changed: settle() copies it


def settle(request: Request, inputs: int) -> Options:
    """The options of a run over ``inputs`` inputs (not counting the default stdin), checked
    in the order the click command has always checked them; :class:`Usage` if they clash."""
    r = request
    _refuse_clashing_outputs(inputs, r.output, r.to_stdout, r.test, r.keep)
    if r.suffix == "":  # as gzip -S '': the output's name would be its input's (with -d: empty)
        raise Usage("an empty suffix names no output", "--suffix")
    decoding = r.decompress or r.test
    layout = _layout(r.codec, decoding, r.threads, r.seekable, r.bgzf, r.frame_size)
    codec = r.codec
    if layout is not None and codec is None:
        codec = "gzip" if layout == "bgzf" else "zstd"
    level = _level(codec or DEFAULT_FORMAT, r.level, r.fast, r.best, r.ultra, decoding)
    codec, level = _codec_and_level(codec, level, decoding)
    if r.progress and r.quiet:
        raise Usage("--progress and -q/--quiet contradict each other: choose one")
    return Options(
        codec=codec, level=level, decoding=decoding, threads=r.threads if r.threads else -1, test=r.test,
        force=r.force, keep=r.keep, verbose=r.verbose, quiet=r.quiet, progress=r.progress, suffix=r.suffix,
        save_name=r.save_name, layout=layout, frame_size=r.frame_size, storage_options=dict(r.storage_options),
    )  # fmt: skip


def _refuse_clashing_outputs(inputs: int, output: str | None, to_stdout: bool, test: bool, keep: bool) -> None:
    """Usage errors for output options that contradict each other or the number of inputs."""
    if output == "":  # not "no -o": that wrote the name derived from the input's (stdin: "-.zst")
        raise Usage("an empty name names no file", "-o/--output")
    if output is not None and inputs > 1:
        raise Usage("-o/--output names one output: give one input")
    if output is not None and to_stdout:
        raise Usage("-o/--output and -c/--stdout both name the output: choose one")
    if test and (output is not None or to_stdout or not keep):
        raise Usage("-t/--test writes nothing: -o, -c and --rm do not apply")
    if not keep and to_stdout:
        raise Usage("--rm removes an input only after writing its own output file, not with -c")


def _level(codec: str, level: int | None, fast: int | None, best: bool, ultra: bool, decoding: bool) -> int | None:
    """The level the options ask for (None: the format's tool's default), checked as zstd and
    gzip check them: one way of saying it, within the format's range (the library takes any
    level, as PyArrow does), and zstd's 20 to 22 only with --ultra."""
    given = [
        name for name, value in (("-N/--level", level), ("--fast", fast), ("--best", best or None)) if value is not None
    ]
    if len(given) > 1:
        raise Usage(f"{' and '.join(given)} both set the level: choose one")
    if decoding:
        if given or ultra:
            raise Usage(f"{given[0] if given else '--ultra'} applies to compression only")
        return None
    import arrowio
    from arrowio.compression import FORMATS

    fmt = FORMATS[arrowio.Codec(codec).name]
    if fmt.levels is None:
        if given:
            raise Usage(f"{fmt.name} has no compression levels: drop {given[0]}")
        return None
    if fast is not None:
        if fmt.name == "zstd":
            return _in_range(fmt, -fast, "--fast")
        if fast > 1:
            raise Usage(f"--fast=N is zstd's negative level -N; {fmt.name}'s fastest is --fast or -{fmt.minimum_level}")
        return fmt.minimum_level
    if best:
        return 19 if fmt.name == "zstd" else fmt.maximum_level
    if level is not None:
        _in_range(fmt, level, "-N/--level")
    if fmt.name == "zstd" and level is not None and level > 19 and not ultra:
        raise Usage(f"zstd level {level} needs --ultra (as in zstd: --ultra -{level})")
    if ultra and fmt.name != "zstd":
        raise Usage("--ultra applies to zstd only")
    return level


def _in_range(fmt: Any, level: int, option: str) -> int:
    """``level`` if the format has it (the registry's range), else a usage error naming ``option``."""
    if not fmt.minimum_level <= level <= fmt.maximum_level:
        raise Usage(f"{fmt.name} has levels {fmt.minimum_level} to {fmt.maximum_level}, not {level}", option)
    return level


def _layout(
    codec: str | None, decoding: bool, threads: int, seekable: bool, bgzf: bool, frame_size: int | None
) -> str | None:
    """The frame layout the options ask for (see arrowio.CompressedOutputStream), or None."""
    if decoding:
        if seekable or bgzf or frame_size is not None:
            raise Usage("--seekable, --bgzf and --frame-size apply to compression only")
        return None
    if seekable and bgzf:
        raise Usage("--seekable is zstd's, --bgzf gzip's: choose one")
    name = None if codec is None else {"gz": "gzip", "zst": "zstd"}.get(codec.lower(), codec.lower())
    wanted = "zstd" if seekable else "gzip" if bgzf else None
    if wanted is not None and name not in (None, wanted):
        raise Usage(f"{'--seekable' if seekable else '--bgzf'} needs -C {wanted}, not {codec}")
    if wanted is not None:
        return "seekable" if seekable else "bgzf"
    if threads != 1 and name in (None, "zstd", "gzip"):
        return "frames"
    if frame_size is not None:
        raise Usage("--frame-size needs zstd or gzip written with -T other than 1, --seekable or --bgzf")
    return None


def _codec_and_level(codec: str | None, level: int | None, decoding: bool) -> tuple[str, int | None]:
    """The codec to open streams with and its level, checked: ``auto`` (detect) when decoding
    without -C; when encoding, the format's tool's default level where none was given."""
    if decoding:
        return ("auto" if codec is None else codec), None
    import arrowio

    name = codec or DEFAULT_FORMAT
    if level is None:  # as the format's own tool would (gzip -6, zstd -3), not the library's
        from arrowio.compression import FORMATS

        level = FORMATS[arrowio.Codec(name).name].tool_level
    try:
        return name, arrowio.Codec(name, level).compression_level
    except ValueError as exc:
        raise Usage(describe(exc), "-N/--level") from None
