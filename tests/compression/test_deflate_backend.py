"""The gzip encoder's deflate backends: ISA-L for levels 1..3, zlib-ng for 4..9 (stdlib zlib when
zlib-ng is missing); whatever deflates, gzip, pigz and igzip read the result."""

from __future__ import annotations

import sys

import pytest
from compression_helpers import make_data, need_tool, run_tool

from arrowio import Codec
from arrowio.compression import _deflate

DATA = make_data("text", 700_001, seed=3)


@pytest.fixture(params=["zlib-ng", "zlib"])
def slow_levels_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test with zlib-ng, then with it hidden (the stdlib fallback)."""
    if request.param == "zlib":
        for name in ("zlib_ng", "zlib_ng.zlib_ng", "zlib_ng.gzip_ng"):
            monkeypatch.setitem(sys.modules, name, None)  # importing it now raises ImportError
    else:
        pytest.importorskip("zlib_ng")
    return request.param


@pytest.mark.parametrize("level", [4, 6, 9])
def test_levels_above_isal_deflate_with_zlib_ng_when_present(slow_levels_backend, level):
    assert _deflate.deflate_backend(level) == slow_levels_backend
    obj, _, finish = _deflate.make_deflater(level)
    got = obj.compress(DATA) + obj.flush(finish)
    if slow_levels_backend == "zlib-ng":
        from zlib_ng import zlib_ng as module
    else:
        import zlib as module
    reference = module.compressobj(level, module.DEFLATED, -15)
    assert got == reference.compress(DATA) + reference.flush()


def test_isal_keeps_the_fast_levels(slow_levels_backend):
    pytest.importorskip("isal")
    assert [_deflate.deflate_backend(level) for level in (1, 2, 3)] == ["isal"] * 3


@pytest.mark.parametrize("command", [["gzip", "-dc"], ["pigz", "-dc"], ["igzip", "-dc"]])
@pytest.mark.parametrize("threads", [0, 2])
def test_tools_read_each_backends_gzip(slow_levels_backend, command, threads):
    need_tool(command[0])
    encoder = Codec("gzip", 6).encoder(threads=threads)
    compressed = (
        encoder.compress(DATA[:300_001]) + encoder.flush() + encoder.compress(DATA[300_001:]) + encoder.finish()
    )
    assert run_tool(command, compressed) == DATA
