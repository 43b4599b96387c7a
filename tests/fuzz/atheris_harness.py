"""Long fuzzing campaigns of arrowio's decoders, with the invariant of the test suite (fuzz_oracle).

Under atheris (``pip install atheris``) libFuzzer grows inputs from the seed files, guided by
coverage of arrowio's code; the first input byte picks the format, the rest is the file. Any
other argument goes to libFuzzer::

    python tests/fuzz/atheris_harness.py -max_total_time=600 -timeout=10

Without atheris (or with ``--plain``) it runs a random-mutation loop over the same seeds and
mutations as the tests: ``--runs N`` (default 10000), ``--seed S``. A violation stops the run
with the format and the input in hex (libFuzzer also writes it to ``crash-*``). Not collected
by pytest (the name does not start with ``test_``).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import weakref
from pathlib import Path

HELPERS = Path(__file__).resolve().parent.parent / "helpers"
sys.path.insert(0, str(HELPERS))  # as pytest's pythonpath (pyproject.toml) does

from fuzz_corpus import KINDS, apply, random_mutations, seeds  # noqa: E402


def _one_input(data: bytes) -> None:
    from fuzz_oracle import check

    if data:
        try:
            check(KINDS[data[0] % len(KINDS)], data[1:], guard=False)
        finally:
            _forget_click_streams()


def _forget_click_streams() -> None:
    """Empty click's caches of text views of sys.stdout/sys.stderr.

    The cache is a WeakKeyDictionary whose value can be the key itself, so the streams of every
    in-process CLI run that wrote to stderr stay alive, with its captured output: harmless in
    a test run, but thousands of runs grew by gigabytes and tripped libFuzzer's RSS limit.
    """
    from click import _compat

    for cached in (_compat._default_text_stdout, _compat._default_text_stderr):
        for cell in cached.__closure__ or ():
            if isinstance(cell.cell_contents, weakref.WeakKeyDictionary):
                cell.cell_contents.clear()


def _seed_corpus() -> str:
    """A folder of the seeds, each behind its format's selector byte."""
    folder = Path(tempfile.mkdtemp(prefix="arrowio-fuzz-seeds-"))
    for index, kind in enumerate(KINDS):
        for n, seed in enumerate(seeds(kind)):
            (folder / f"{kind}-{n}").write_bytes(bytes([index]) + seed)
    return str(folder)


def run_atheris(argv: list[str]) -> None:
    import atheris
    import fuzz_oracle  # noqa: F401  (imports arrowio and the CLI)

    from arrowio.compression._registry import FORMATS

    for fmt in FORMATS.values():
        fmt.load()  # the decoders are imported lazily: load them so that they are instrumented
    _one_input(bytes([0]) + seeds("gzip")[1])  # and whatever the CLI imports on first use
    atheris.instrument_all()
    corpus = [] if any(not a.startswith("-") for a in argv[1:]) else [_seed_corpus()]
    atheris.Setup([argv[0], *argv[1:], *corpus], _one_input)
    atheris.Fuzz()


def run_plain(runs: int, seed: int) -> int:
    """The random-mutation loop; 0 when every input kept the invariant."""
    from fuzz_oracle import check

    rng = random.Random(seed)
    for n in range(runs):
        kind = rng.choice(KINDS)
        data = apply(rng.choice(seeds(kind)), random_mutations(rng))
        try:
            check(kind, data)
        except AssertionError as exc:
            print(f"run {n} (--seed {seed}): {kind} input {data.hex()}\n{exc}", file=sys.stderr)
            return 1
        finally:
            _forget_click_streams()
        if n and n % 1000 == 0:
            print(f"{n} inputs", file=sys.stderr)
    print(f"{runs} inputs kept the invariant (--seed {seed})", file=sys.stderr)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=False)
    parser.add_argument("--plain", action="store_true")
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=random.randrange(2**32))
    known, rest = parser.parse_known_args()
    try:
        import atheris  # noqa: F401
    except ImportError:
        known.plain = True
    if known.plain:
        return run_plain(known.runs, known.seed)
    run_atheris([sys.argv[0], *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
