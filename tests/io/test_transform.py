"""TransformInputStream and transcoding_input_stream."""

from __future__ import annotations

import codecs

import hypothesis.strategies as st
import pytest
from hypothesis import given

import arrowio as pa


def test_transform_sees_buffers_and_a_final_empty_one() -> None:
    seen = []

    def upper(chunk):
        assert isinstance(chunk, pa.Buffer)
        seen.append(chunk.size)
        return chunk.to_pybytes().upper()

    stream = pa.TransformInputStream(pa.BufferReader(b"hello world" * 10), upper)
    assert (stream.mode, stream.readable(), stream.seekable()) == ("rb", True, False)
    assert stream.read(5) == b"HELLO"
    assert stream.tell() == 5
    assert stream.read() == (b"HELLO WORLD" * 10)[5:]
    assert seen[-1] == 0 and sum(seen) == 110
    assert stream.read() == b""


def test_transform_may_hold_back_and_flush() -> None:
    held = bytearray()

    def reverse_all(chunk):
        held.extend(chunk.to_pybytes())
        return bytes(reversed(held)) if chunk.size == 0 else b""

    assert pa.TransformInputStream(pa.BufferReader(b"abcdef"), reverse_all).read() == b"fedcba"


@pytest.mark.parametrize("result", [None, 42, "text"])
def test_transform_must_return_bytes(result) -> None:
    stream = pa.TransformInputStream(pa.BufferReader(b"ab"), lambda chunk: result)
    with pytest.raises(TypeError):
        stream.read()


def test_transform_close_closes_the_stream() -> None:
    raw = pa.BufferReader(b"ab")
    pa.TransformInputStream(raw, bytes).close()
    assert raw.closed
    with pytest.raises(TypeError):
        pa.TransformInputStream(raw, "not callable")  # type: ignore[arg-type]  # wrong on purpose


@pytest.mark.parametrize(("src", "dest"), [("utf8", "UTF-8"), ("latin1", "iso-8859-1"), ("utf-16", "UTF16")])
def test_equivalent_encodings_return_the_stream(src, dest) -> None:
    raw = pa.BufferReader(b"")
    assert pa.transcoding_input_stream(raw, src, dest) is raw


ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-32", "utf-8-sig", "gb18030", "shift_jis"]


@given(
    text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300),
    src=st.sampled_from(ENCODINGS),
    dest=st.sampled_from(ENCODINGS),
    reads=st.lists(st.integers(1, 64), max_size=30),
)
def test_transcoding_matches_one_shot(text, src, dest, reads) -> None:
    try:
        source, expected = text.encode(src), text.encode(dest)
    except UnicodeEncodeError:
        return  # text outside one of the charsets
    stream = pa.transcoding_input_stream(pa.BufferReader(source), src, dest)
    pieces = [stream.read(n) for n in reads]
    pieces.append(stream.read())
    if codecs.lookup(src).name != codecs.lookup(dest).name:
        assert b"".join(pieces) == expected
    else:
        assert b"".join(pieces) == source


def test_transcoding_errors() -> None:
    with pytest.raises(UnicodeError):
        pa.transcoding_input_stream(pa.BufferReader(b"ok \xff\xfe"), "utf-8", "latin-1").read()
    with pytest.raises(UnicodeDecodeError):  # a character cut off at the end
        pa.transcoding_input_stream(pa.BufferReader("é".encode()[:1]), "utf-8", "utf-16").read()
    with pytest.raises(UnicodeEncodeError):
        pa.transcoding_input_stream(pa.BufferReader("price: 5€".encode()), "utf-8", "latin-1").read()
    with pytest.raises(LookupError):
        pa.transcoding_input_stream(pa.BufferReader(b""), "utf-8", "no-such-encoding")


def test_transcoding_matches_pyarrow() -> None:
    pyarrow = pytest.importorskip("pyarrow")
    data = "héllo wörld ✓\n".encode() * 100
    ours = pa.transcoding_input_stream(pa.BufferReader(data), "utf-8", "utf-16").read()
    theirs = pyarrow.transcoding_input_stream(pyarrow.BufferReader(data), "utf-8", "utf-16").read()
    assert ours == theirs
