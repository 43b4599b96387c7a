"""Helpers of the CLI tests (imported by conftest.py and by test modules as ``cli_helpers``)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from click.testing import CliRunner
from system_deps import need_tool

from arrowio_cli.main import main

#: A file that stats as 0 bytes yet has content, of a fixed length every read gives alike.
PSEUDO = "/proc/version"


@dataclass
class Run:
    exit_code: int
    stdout_bytes: bytes
    stderr: str

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode()


def run_in_terminal(argv: Sequence[str], cwd: str | os.PathLike[str] | None = None) -> tuple[int, bytes]:
    """Run ``argv`` with stdout and stderr on a pseudo-terminal: its exit code and all it showed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdout and stderr are the terminal
        if cwd is not None:
            os.chdir(cwd)
        os.execv(argv[0], list(argv))
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO once the child has closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks)


def run_in_process(
    args: Sequence[object], input: bytes | str | None = None, env: Mapping[str, str] | None = None
) -> Run:
    """``arrowio ARGS`` through :func:`main` inside ``CliRunner.isolation``: the exit code, stdout, stderr."""
    # ARROWIO_REEXECUTED keeps main() from exec'ing a jemalloc-ready interpreter in place of pytest.
    environment = {"ARROWIO_REEXECUTED": "1", **(env or {})}
    with CliRunner().isolation(input=input, env=environment) as (out, err, _):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
        else:
            raise AssertionError("main() returned without exiting")
        return Run(int(code or 0), out.getvalue(), err.getvalue().decode())


def arrowio_command(*args: object) -> list[str]:
    return [sys.executable, "-m", "arrowio_cli", *map(str, args)]


#: What the command line's start-up must not import: the rendering, GPU, remote and PyArrow
#: packages, and the codec backends but ISA-L (cat of a .gz needs it; --help needs none).
HEAVY_MODULES = frozenset(
    {"rich", "numpy", "cupy", "pynvml", "fsspec", "s3fs", "pyarrow", "zstandard", "brotli", "lz4", "snappy"}
)


def start_up_imports(*args: object) -> tuple[subprocess.CompletedProcess[bytes], set[str]]:
    """Run ``python -X importtime -m arrowio_cli ARGS``: the run, and the top-level packages it imported."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-X", "importtime", "-m", "arrowio_cli", *map(str, args)]
    result = subprocess.run(command, capture_output=True, env=env)
    lines = result.stderr.decode().splitlines()
    imported = {line.split("|")[-1].strip().split(".")[0] for line in lines if line.startswith("import time:")}
    return result, imported


def split_importtime(stderr: bytes) -> tuple[bytes, set[str]]:
    """stderr of a ``-X importtime`` run without its import lines, and the modules those lines name."""
    kept, modules = [], set()
    for line in stderr.splitlines(keepends=True):
        if line.startswith(b"import time:"):
            modules.add(line.decode().rsplit("|", 1)[-1].strip())
        else:
            kept.append(line)
    return b"".join(kept), modules


#: Format -> (extension, the command that writes a file's compression to stdout). snappy (framing)
#: has no common CLI.
TOOLS = {
    "gzip": (".gz", ["gzip", "-c"]),
    "zstd": (".zst", ["zstd", "-q", "-c"]),
    "lz4": (".lz4", ["lz4", "-q", "-c"]),
    "bz2": (".bz2", ["bzip2", "-c"]),
    "xz": (".xz", ["xz", "-c"]),
    "brotli": (".br", ["brotli", "-c"]),
}
#: Their decoders, reading stdin.
DECODERS = {
    "gzip": ["gzip", "-dc"],
    "zstd": ["zstd", "-q", "-dc"],
    "lz4": ["lz4", "-q", "-dc"],
    "bz2": ["bzip2", "-dc"],
    "xz": ["xz", "-dc"],
    "brotli": ["brotli", "-dc"],
}
FORMATS = [*TOOLS, "snappy"]


def need(tool: str) -> None:
    need_tool(tool)  # skips naming the package to install


def compressed_by_tool(fmt: str, data: bytes) -> bytes:
    """``data`` compressed by the format's own command-line tool (arrowio's encoder for snappy)."""
    if fmt == "snappy":
        import arrowio

        sink = arrowio.BufferOutputStream()
        with arrowio.CompressedOutputStream(sink, "snappy") as stream:
            stream.write(data)
        return sink.getvalue().to_pybytes()
    import tempfile

    command = TOOLS[fmt][1]
    need(command[0])
    # From a file, as people usually run them: the tools then know the size (zstd records it).
    with tempfile.NamedTemporaryFile() as source:
        source.write(data)
        source.flush()
        return subprocess.run([*command, source.name], capture_output=True, check=True).stdout


def decoded_by_tool(fmt: str, data: bytes) -> bytes:
    """``data`` decoded by the format's own tool (arrowio's decoder for snappy)."""
    if fmt == "snappy":
        import arrowio

        with arrowio.input_stream(arrowio.py_buffer(data), compression="snappy") as stream:
            return stream.read()
    need(DECODERS[fmt][0])
    result = subprocess.run(DECODERS[fmt], input=data, capture_output=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def extension(fmt: str) -> str:
    return ".sz" if fmt == "snappy" else TOOLS[fmt][0]
