"""``arrowio cat`` of a large compressed regular file, whose raw reads run ahead in a thread:
every sink gets every byte, and bad input, Ctrl-C and a reader that leaves end the run as they
do when one thread reads and decodes."""

from __future__ import annotations

import signal
import subprocess

import pytest
from cli_helpers import arrowio_command
from compression_helpers import make_data

from arrowio import ArrowIOError, Codec, CompressedInputStream

# Incompressible, so that the compressed file is many 1 MiB raw reads long.
DATA = make_data("random", 12 << 20, seed=31)
EXT = {"zstd": ".zst", "gzip": ".gz"}
EXT_NAME = {suffix: name for name, suffix in EXT.items()}


@pytest.fixture(scope="module", params=["zstd", "gzip"])
def big(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("ahead") / f"big{EXT[request.param]}"
    path.write_bytes(Codec(request.param, 1).compress(DATA, asbytes=True))
    return path


def shell(command: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(command, shell=True, capture_output=True, executable="/bin/bash", timeout=120)


@pytest.mark.parametrize("sink", ["file", "null", "pipe"])
def test_every_sink_gets_every_byte(big, tmp_path, sink):
    arrowio = " ".join(arrowio_command())
    out = tmp_path / "out"
    if sink == "pipe":
        result = shell(f"{arrowio} cat '{big}' | cat > '{out}'; exit ${{PIPESTATUS[0]}}")
    elif sink == "null":  # no thread decodes ahead there: the reads alone run in one
        result = shell(f"{arrowio} cat '{big}' > /dev/null")
    else:
        result = shell(f"{arrowio} cat '{big}' > '{out}'")
    assert (result.returncode, result.stderr) == (0, b"")
    if sink != "null":
        assert out.read_bytes() == DATA


def test_a_truncated_file_gives_what_decodes_then_one_error_line(big, tmp_path):
    cut = tmp_path / f"cut{big.suffix}"
    data = big.read_bytes()
    cut.write_bytes(data[: len(data) * 3 // 4])
    # The model: the library's stream, reading and decoding on one thread.
    expected = bytearray()
    with CompressedInputStream(str(cut), EXT_NAME[big.suffix], threaded=False) as s:
        with pytest.raises(ArrowIOError) as failure:
            while piece := s.read1(1 << 20):
                expected += piece
    for redirect in ("> '{out}'", "| cat > '{out}'"):
        out = tmp_path / "out"
        result = shell(f"{' '.join(arrowio_command())} cat '{cut}' {redirect.format(out=out)}; exit ${{PIPESTATUS[0]}}")
        assert result.returncode == 1
        assert result.stderr.startswith(b"arrowio: error: ") and result.stderr.count(b"\n") == 1
        assert str(failure.value).encode() in result.stderr  # the same format and offset
        assert out.read_bytes() == bytes(expected)


def test_head_ends_the_run_quietly(big):
    arrowio = " ".join(arrowio_command())
    result = shell(f"{arrowio} cat '{big}' | head -c 10; echo \" ${{PIPESTATUS[0]}}\"")
    assert result.stdout == DATA[:10] + b" 141\n" and result.stderr == b""  # killed by SIGPIPE, as zcat


def test_ctrl_c_is_exit_130_and_one_line(big):
    process = subprocess.Popen(arrowio_command("cat", big), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert len(process.stdout.read(3 << 20)) == 3 << 20  # reading, and soon blocked on the full pipe
    process.send_signal(signal.SIGINT)
    err = process.stderr.read()
    process.stdout.read()
    assert (process.wait(timeout=30), err) == (130, b"arrowio: error: interrupted\n")
