"""Run a Python program in this process as ``python`` would: ``SCRIPT ARGS``, ``-m MODULE ARGS``, ``-c CODE ARGS``.

As ``coverage run`` and ``python -m cProfile`` do: the program runs as ``__main__`` with its own
``sys.argv`` and ``sys.path[0]``, its ``SystemExit`` code is its exit code, and an uncaught exception
is shown by ``sys.excepthook`` with the frames of the program only, then gives 1.
"""

from __future__ import annotations

import builtins
import importlib.util
import io
import os
import re
import sys
import types
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from typing import Any

import click

__all__ = ["is_python", "run_python"]

_PYTHON = re.compile(r"python(3(\.\d+)?)?")


def is_python(name: str) -> bool:
    """Whether the workload's first word names a Python interpreter (``python``, ``python3.12``, this one)."""
    return bool(_PYTHON.fullmatch(os.path.basename(name))) or name == sys.executable


def _parse(args: Sequence[str]) -> tuple[str, str, list[str]]:
    """(kind, target, argv rest) from the arguments after ``python``."""
    if not args:
        raise click.UsageError("python needs a SCRIPT, -m MODULE or -c CODE after it")
    first, rest = args[0], list(args[1:])
    for flag, kind in (("-m", "module"), ("-c", "code")):
        if first == flag:
            if not rest:
                raise click.UsageError(f"python {flag} needs an argument")
            return kind, rest[0], rest[1:]
        if first.startswith(flag):  # -mpytest, as python accepts it
            return kind, first[2:], rest
    if first.startswith("-") and first != "-":
        raise click.UsageError(f"python option {first!r} is not supported in a workload (only -m MODULE and -c CODE)")
    return "script", first, rest


def run_python(args: Sequence[str]) -> tuple[int, dict[str, Any]]:
    """Run the program that ``python ARGS`` would run, here: its exit code and its ``__main__`` namespace.

    The namespace is returned so that the caller can keep what the program's globals hold alive
    until it has measured them: in ``python`` they live until the interpreter exits.
    """
    kind, target, rest = _parse(args)
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = builtins
    saved_argv, saved_path = sys.argv, sys.path[:]
    saved_main = sys.modules["__main__"]
    try:
        # sys.path[0] as python sets it, before the module is looked for there.
        sys.path.insert(0, _path0(kind, target))
        code = _load(kind, target, main)
        if code is None:
            return (2 if kind == "script" else 1), main.__dict__
        sys.argv = [main.__dict__.get("__file__", "-c"), *rest]
        sys.modules["__main__"] = main
        exec(code, main.__dict__)
    except SystemExit as exc:
        return _exit_status(exc.code), main.__dict__
    except (KeyboardInterrupt, click.exceptions.Abort):
        raise
    except BaseException as exc:  # noqa: BLE001 - the program's own failure, shown as python shows it
        exc.__traceback__ = _program_frames(exc.__traceback__)
        sys.excepthook(type(exc), exc, exc.__traceback__)
        return 1, main.__dict__
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
        sys.modules["__main__"] = saved_main
    return 0, main.__dict__


def _path0(kind: str, target: str) -> str:
    if kind == "script":
        return os.path.dirname(os.path.abspath(target))
    return os.getcwd() if kind == "module" else ""


def _load(kind: str, target: str, main: types.ModuleType) -> types.CodeType | None:
    """The program's code, or None after telling why there is none, as python does."""
    if kind == "code":
        return compile(target, "<string>", "exec")
    if kind == "script":
        path = os.path.abspath(target)
        try:
            with io.open_code(path) as source:
                code = compile(source.read(), target, "exec")
        except OSError as exc:
            print(f"python: can't open file {path!r}: [Errno {exc.errno}] {exc.strerror}", file=sys.stderr)
            return None
        main.__file__ = target
        return code
    spec = _module_spec(target)
    if spec is None:
        return None
    assert spec.loader is not None
    main.__file__ = spec.origin
    main.__spec__ = spec
    main.__loader__ = spec.loader
    main.__package__ = spec.parent
    return spec.loader.get_code(spec.name)  # type: ignore[attr-defined]


def _module_spec(name: str) -> ModuleSpec | None:
    """``name``'s spec (its ``__main__`` for a package), or None after python's message."""
    try:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations is not None:
            package, spec = name, importlib.util.find_spec(f"{name}.__main__")
            if spec is None:
                print(f"python: No module named {package}.__main__; '{package}' is a package and cannot be "
                      "directly executed", file=sys.stderr)  # fmt: skip
                return None
    except ImportError as exc:
        print(f"python: Error while finding module specification for {name!r} ({type(exc).__name__}: {exc})",
              file=sys.stderr)  # fmt: skip
        return None
    if spec is None or spec.loader is None or not hasattr(spec.loader, "get_code"):
        print(f"python: No module named {name}", file=sys.stderr)
        return None
    return spec


def _exit_status(code: object) -> int:
    """What ``python`` exits with for ``SystemExit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _program_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback without this module's frame, as python would show it."""
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return tb
