"""Conventions every subcommand keeps: a missing input is one ``arrowio: error:`` line and exit 1
(usage errors stay click's, exit 2); warnings are one ``arrowio: warning:`` line."""

from __future__ import annotations

import subprocess

import pytest
from cli_helpers import arrowio_command


@pytest.mark.parametrize(
    "command",
    [["cat"], ["compress"], ["compress", "-d"], ["compress", "-l"], ["info"], ["info", "--scan"], ["mmap-read"],
     ["gpu-copy"], ["pool-stats", "--", "cat"]],
)  # fmt: skip
def test_a_missing_input_is_one_error_line_and_exit_1(run, tmp_path, command):
    missing = tmp_path / "nosuch.bin"
    result = run([*command, missing])
    assert result.exit_code == 1 and result.stdout_bytes[:1] in (b"", b"a")  # pool-stats reports its run
    assert f"arrowio: error: {missing}: No such file or directory\n" in result.stderr
    assert "Traceback" not in result.stderr and "Usage:" not in result.stderr


def test_usage_errors_stay_clicks(run):
    result = run(["cat", "--no-such-option"])
    assert result.exit_code == 2 and "Usage: arrowio cat" in result.stderr


def test_a_bad_default_pool_is_one_warning_line(tmp_path):
    env = {"ARROWIO_DEFAULT_MEMORY_POOL": "bogus", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(arrowio_command("pool-stats", "--json"), capture_output=True, text=True, env=env)
    assert result.returncode == 0
    assert result.stderr == (
        "arrowio: warning: ARROWIO_DEFAULT_MEMORY_POOL='bogus' is not a memory pool backend "
        "(valid: jemalloc, mimalloc, system); using the default\n"
    )


@pytest.fixture
def packed(tmp_path):
    path = tmp_path / "x.gz"
    subprocess.run(["gzip"], input=b"colour\n" * 100, stdout=path.open("wb"), check=True)
    return path


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["info", "{f}"], {}, False),  # a pipe: plain text
        (["--color", "info", "{f}"], {}, True),  # forced into the pipe
        (["info", "--color", "{f}"], {}, True),  # also after the subcommand
        (["info", "{f}", "--color"], {"NO_COLOR": "1"}, True),  # the flag wins over NO_COLOR
        (["--color", "info", "--no-color", "{f}"], {}, False),  # the later one wins
        (["info", "{f}"], {"NO_COLOR": "1"}, False),
    ],
)
def test_color_is_forced_into_a_pipe_before_or_after_the_subcommand(packed, args, env, coloured):
    argv = arrowio_command(*(a.format(f=packed.name) for a in args))
    env = {"PATH": "/usr/bin:/bin", **env}
    result = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=packed.parent)
    assert result.returncode == 0 and "x.gz" in result.stdout
    assert ("\x1b[" in result.stdout) is coloured


def test_sizes_and_rates_share_one_unit(run, tmp_path):
    """Every report: powers of 1024 (KiB, MiB) for sizes and rates alike, never decimal MB/s."""
    data = tmp_path / "d.bin"
    data.write_bytes(b"u" * (3 << 20))
    reports = [
        run(["compress", "-v", "-c", data]).stderr,
        run(["mmap-read", data]).stdout,
        run(["cat", "--stats", data]).stderr,
    ]
    text = "".join(reports)
    assert "3.0 MiB" in text and "iB/s" in text
    for decimal in (" kB", " MB", " GB", "kB/s", "MB/s", "GB/s"):
        assert decimal not in text, decimal
