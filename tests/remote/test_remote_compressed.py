"""Compressed objects on the live SeaweedFS store: written and read both ways, detected on URLs."""

from __future__ import annotations

import pytest

import arrowio as pa
from arrowio.compression import FORMATS
from arrowio.io.urls import open_url

#: Every streaming format, named by its first extension (lz4_raw has no stream format).
STREAMING = {name: fmt.extensions[0] for name, fmt in FORMATS.items() if fmt.extensions}
TEXT = b"".join(b"%06d the quick brown fox jumps over the lazy dog\n" % i for i in range(60000))


def decoded(raw: bytes, fmt: str) -> bytes:
    with pa.CompressedInputStream(pa.BufferReader(raw), fmt) as f:
        return f.read()


@pytest.mark.parametrize("fmt", sorted(STREAMING))
def test_compressed_objects_both_ways(s3, fmt):
    name = "log" + STREAMING[fmt]
    # Every format from the extension: arrowio's wide rule (PyArrow's 'detect' knows only 4).
    with pa.output_stream(s3.url(name), compression="auto", storage_options=s3.options) as out:
        for start in range(0, len(TEXT), 100_000):
            out.write(TEXT[start : start + 100_000])
    raw = s3.get(name)
    assert len(raw) < len(TEXT) // 2 and decoded(raw, fmt) == TEXT
    with pa.input_stream(s3.url(name), compression="auto", storage_options=s3.options) as src:
        assert isinstance(src, pa.CompressedInputStream) and src.codec.name == fmt
        assert src.read(1000) == TEXT[:1000]
        assert src.read() == TEXT[1000:]


@pytest.mark.parametrize("fmt", sorted(name for name, f in FORMATS.items() if f.magics))
def test_detection_by_magic_on_an_object_without_extension(s3, fmt):
    url = s3.put(
        "no-extension", pa.Codec(fmt).compress(TEXT, asbytes=True) if fmt != "snappy" else _stream_compressed(fmt)
    )
    with pa.input_stream(url, compression="auto", storage_options=s3.options) as src:
        assert src.read() == TEXT


def _stream_compressed(fmt: str) -> bytes:
    out = pa.BufferOutputStream()
    with pa.CompressedOutputStream(out, fmt) as writer:
        writer.write(TEXT)
    return out.getvalue().to_pybytes()


def test_compressed_streams_accept_urls_and_remote_files(s3, monkeypatch):
    import s3fs

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3.store.key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3.store.secret)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3.store.endpoint_url)
    s3fs.S3FileSystem.clear_instance_cache()
    try:
        with pa.CompressedOutputStream(s3.url("direct.zst"), "detect") as out:
            out.write(TEXT)
        with pa.CompressedInputStream(s3.url("direct.zst"), "detect") as src:
            assert src.read() == TEXT
    finally:
        s3fs.S3FileSystem.clear_instance_cache()
    with pa.CompressedOutputStream(open_url(s3.url("given.gz"), "wb", storage_options=s3.options), "gzip") as out:
        out.write(TEXT)
    with pa.CompressedInputStream(open_url(s3.url("given.gz"), storage_options=s3.options), "gzip") as src:
        assert src.read() == TEXT


def test_compressed_streams_take_storage_options_for_urls(s3, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)  # the credentials come from the options alone
    with pa.CompressedOutputStream(s3.url("options.xz"), "detect", storage_options=s3.options) as out:
        out.write(TEXT)
    with pa.CompressedInputStream(s3.url("options.xz"), "detect", storage_options=s3.options) as src:
        assert src.codec.name == "xz" and src.read() == TEXT


def test_an_exception_while_compressing_leaves_no_object_and_keeps_the_old_one(s3):
    s3.put("kept.zst", b"old")
    for name in ("new.zst", "kept.zst"):
        with pytest.raises(OSError, match="disk on fire"):
            with pa.output_stream(s3.url(name), storage_options=s3.options) as out:
                out.write(TEXT)
                raise OSError("disk on fire")
    assert not s3.exists("new.zst")
    assert s3.get("kept.zst") == b"old"


def test_a_failed_finish_does_not_publish_a_truncated_stream(s3):
    out = pa.output_stream(s3.url("truncated.zst"), storage_options=s3.options)
    out.write(TEXT)

    def broken_finish() -> bytes:
        raise OSError("encoder failed while ending the frame")

    out._writer._encoder.finish = broken_finish  # a fault inside the encoder, after data went out
    with pytest.raises(OSError, match="encoder failed"):
        out.close()
    assert out.closed and not s3.exists("truncated.zst")


# -- open_url_input: input_stream with the read-ahead chosen ---------------------------------------
def test_open_url_input_detects_by_name_and_content_as_input_stream_does(s3):
    from arrowio.io.urls import open_url_input

    brotli = s3.put("text.br", pa.Codec("brotli").compress(TEXT, asbytes=True))  # no magic: the name alone
    bare = s3.put("zstd-without-extension", pa.Codec("zstd").compress(TEXT, asbytes=True))  # the magic alone
    packed_xz = pa.Codec("xz").compress(TEXT, asbytes=True)
    xz = s3.put("text.xz", packed_xz)
    small = {"storage_options": s3.options, "block_size": 64 * 1024, "read_ahead": 2}
    for url, compression, wanted in (
        (brotli, "auto", TEXT),
        (bare, "auto", TEXT),
        (bare, "zstd", TEXT),
        (xz, "auto", TEXT),
        (xz, "detect", packed_xz),  # PyArrow's rule: .xz is not one of its four extensions
        (bare, None, s3.get("zstd-without-extension")),
    ):
        with (
            open_url_input(url, compression, **small) as got,
            pa.input_stream(url, compression, storage_options=s3.options) as reference,
        ):
            assert type(got) is type(reference)
            assert got.read() == reference.read() == wanted, (url, compression)


def test_open_url_input_names_the_url_in_its_errors_and_checks_the_name_first(s3):
    from arrowio.io.urls import open_url_input

    url = s3.put("plain-text.zst", b"not zstd at all " * 100)
    with pytest.raises(pa.ArrowIOError, match=r"plain-text\.zst: not in zstd format"):
        open_url_input(url, "auto", storage_options=s3.options)
    with pytest.raises(FileNotFoundError) as missing:
        open_url_input(s3.url("absent.zst"), "auto", storage_options=s3.options)
    assert missing.value.filename == s3.url("absent.zst")
    with pytest.raises(pa.ArrowInvalid, match="Invalid value for compression: 'zip'"):
        open_url_input(s3.url("absent.zst"), "zip", storage_options=s3.options)  # before any request
