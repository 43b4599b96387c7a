"""Names are printed as ``ls -b`` prints them: no escape sequence in a file name reaches the
terminal, an undecodable byte shows as ``\\xNN``, and --json stays valid JSON with the same escapes.
Real files with such names, in real processes (argv carries the raw bytes)."""

from __future__ import annotations

import gzip
import json
import os

import pytest
from cli_helpers import arrowio_command, run_in_terminal

from arrowio_cli.names import printable

OSC_TITLE = "\x1b]0;pwned\x07"  # sets the terminal's title
RAW_BAD = b"bad\xff\xfe.gz"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("plain name-é.txt", "plain name-é.txt"),
        (f"x{OSC_TITLE}.gz", "x\\033]0;pwned\\a.gz"),
        ("two\nlines\tand\rcr", "two\\nlines\\tand\\rcr"),
        ("back\\slash", "back\\\\slash"),
        (os.fsdecode(RAW_BAD), "bad\\xff\\xfe.gz"),
        ("csi\x9b2J", "csi\\302\\2332J"),  # a C1 control, in UTF-8 bytes as ls -b shows it
        ("\u202egz.exe", "\\342\\200\\256gz.exe"),  # right-to-left override
        ("del\x7f", "del\\177"),
    ],
)
def test_printable(name, shown):
    assert printable(name) == shown


@pytest.fixture
def odd(tmp_path):
    """A gzip file whose name sets the terminal title, and one whose name is not UTF-8."""
    osc = tmp_path / f"t{OSC_TITLE}.gz"
    osc.write_bytes(gzip.compress(b"data\n"))
    bad = os.path.join(os.fsencode(tmp_path), RAW_BAD)
    with open(bad, "wb") as f:
        f.write(gzip.compress(b"data\n"))
    return str(osc), os.fsdecode(bad), tmp_path


def shown(path: str) -> str:
    return printable(path)


def clean(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\udcff" not in text and "\ufffd" not in text


def run(*args: object):
    import subprocess

    done = subprocess.run(arrowio_command(*args), capture_output=True, timeout=60)
    return done.returncode, done.stdout.decode(errors="surrogateescape"), done.stderr.decode(errors="surrogateescape")


def test_info_table_and_json(odd):
    osc, bad, _ = odd
    code, out, err = run("info", osc, bad)
    assert code == 0 and err == ""
    clean(out)
    assert "t\\033]0;pwned\\a.gz" in out and "bad\\xff\\xfe.gz" in out
    code, out, _ = run("info", "--json", osc, bad)
    clean(out)
    assert [f["path"] for f in json.loads(out)["files"]] == [shown(osc), shown(bad)]


def test_errors_name_the_input_escaped(odd):
    _, _, folder = odd
    missing = os.fsdecode(os.path.join(os.fsencode(folder), b"gone\xff\x1b[2J"))
    code, _, err = run("cat", missing)
    assert code == 1
    assert err == f"arrowio: error: {folder}/gone\\xff\\033[2J: No such file or directory\n"
    code, _, err = run("info", missing)
    assert code == 1 and err.startswith(f"arrowio: error: {folder}/gone\\xff\\033[2J:")
    code, _, err = run("mmap-read", missing)
    assert code == 1 and err.startswith(f"arrowio: error: {folder}/gone\\xff\\033[2J:")


def test_cat_stats(odd):
    osc, bad, _ = odd
    code, out, err = run("cat", "--stats", osc, bad)
    assert code == 0 and out == "data\ndata\n"
    clean(err)
    assert shown(osc) in err and shown(bad) in err


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_mmap_read(odd, as_json):
    _, bad, _ = odd
    code, out, err = run("mmap-read", *(["--json"] if as_json else []), bad)
    assert code == 0, err
    clean(out)
    if as_json:
        assert json.loads(out)["path"] == shown(bad)
    else:
        assert f"mmap-read {shown(bad)}" in out


def test_pool_stats_workload_and_its_errors(odd):
    _, _, folder = odd
    missing = f"{folder}/gone{OSC_TITLE}"
    code, out, err = run("pool-stats", "--json", "--", "cat", missing)
    assert code == 1
    clean(out + err)
    assert json.loads(out)["workload"] == ["cat", shown(missing)]
    assert err.splitlines()[0] == f"arrowio: error: {shown(missing)}: No such file or directory"


def test_compress_verbose_names(odd):
    osc, _, _ = odd
    code, _, err = run("compress", "-d", "-k", "-v", osc)
    assert code == 0, err
    clean(err)
    assert err.startswith(shown(osc) + ":") and shown(osc[:-3]) in err


def test_rich_tables_on_a_terminal_show_names_as_text(tmp_path):
    # On a terminal the tables are rich's: a name must be neither markup nor an escape sequence.
    name = "[b]\x1b]0;t\x07"  # short: rich shortens what does not fit in 80 columns
    (tmp_path / name).write_bytes(b"plain")
    status, screen = run_in_terminal(arrowio_command("info", name), cwd=tmp_path)
    text = screen.decode(errors="replace")
    assert status == 0
    assert "[b]\\033]0;t\\a" in text and "\x1b]" not in text and "\x07" not in text
