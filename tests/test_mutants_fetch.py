"""``fetch.max_bytes`` at its edge: a body of exactly the cap is kept, one byte more is ``too_large``, counted
after gzip/deflate/br decoding (README), whatever the transfer looks like. Found by mutation testing of the
size caps; bodies are streamed, as from a real server, so the decoders run on the raw bytes."""

from __future__ import annotations

import asyncio
import gzip
import os
import zlib
from collections.abc import AsyncIterator, Callable

import brotli
import httpx
import pytest

from cleanfeed.errors import FetchError
from cleanfeed.fetch import Fetcher, FetchResult
from cleanfeed.settings import FetchSettings

CAP = 4096


def _settings() -> FetchSettings:
    return FetchSettings.model_validate(
        {"per_host_delay": 0, "retries": 0, "obey_robots": False, "max_bytes": CAP}
    )


class _Stream(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


def _fetch(handler: Callable[[httpx.Request], httpx.Response]) -> FetchResult:
    async def go() -> FetchResult:
        transport = httpx.MockTransport(handler)
        async with Fetcher(_settings(), transport=transport, resolver=lambda h, p: "93.184.216.34") as f:
            return await f.fetch("http://news.test/a.html")

    return asyncio.run(go())


def _serve(wire: bytes, encoding: str = "", *, length: bool = True, chunk: int = 1000) -> FetchResult:
    headers = {"content-type": "text/html"}
    if encoding:
        headers["content-encoding"] = encoding
    if length:
        headers["content-length"] = str(len(wire))
    parts = [wire[i : i + chunk] for i in range(0, len(wire), chunk)] or [b""]
    return _fetch(lambda req: httpx.Response(200, headers=headers, stream=_Stream(parts)))


def _body(n: int) -> bytes:
    return (b"<p>" + b"a" * n)[:n]


def _error(wire: bytes, encoding: str = "", **kw: bool) -> FetchError:
    with pytest.raises(FetchError) as info:
        _serve(wire, encoding, **kw)
    return info.value


PACK: dict[str, Callable[[bytes], bytes]] = {
    "": lambda d: d,
    "identity": lambda d: d,
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    " GZIP ": gzip.compress,
    "deflate": zlib.compress,  # zlib-wrapped, as the RFC says
    "raw-deflate": lambda d: zlib.compress(d)[2:-4],  # headerless, as some servers send it
    "br": lambda d: brotli.compress(d, quality=1),
}


def _encoding(name: str) -> str:
    return "deflate" if name == "raw-deflate" else name


@pytest.mark.parametrize("name", list(PACK))
@pytest.mark.parametrize("length", [True, False])
def test_a_body_of_exactly_the_cap_is_kept(name: str, length: bool) -> None:
    body = _body(CAP)
    res = _serve(PACK[name](body), _encoding(name), length=length)
    assert res.page is not None and res.page.body == body


@pytest.mark.parametrize("name", list(PACK))
@pytest.mark.parametrize("length", [True, False])
def test_one_byte_over_the_cap_is_too_large(name: str, length: bool) -> None:
    err = _error(PACK[name](_body(CAP + 1)), _encoding(name), length=length)
    assert (err.reason, err.url) == ("too_large", "http://news.test/a.html")
    assert str(CAP) in err.detail or str(CAP + 1) in err.detail  # the cap, or the declared length


@pytest.mark.parametrize(
    ("name", "chunk"),
    [
        *((n, c) for n in ("gzip", "deflate", "br") for c in (1, 7, 4096)),
        *(("raw-deflate", c) for c in (1, 7, 4096)),
    ],
)
def test_decoding_is_the_same_whatever_the_chunking(name: str, chunk: int) -> None:
    body = _body(CAP)
    res = _serve(PACK[name](body), _encoding(name), chunk=chunk)
    assert res.page is not None and res.page.body == body


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"content-type": "text/html", "content-length": str(CAP + 1)},
            stream=_Stream([b"x" * 10]),
        )

    with pytest.raises(FetchError) as info:
        _fetch(handler)
    err = info.value
    assert err.reason == "too_large" and "content-length" in err.detail and str(CAP + 1) in err.detail


def test_incompressible_wire_bytes_over_the_cap_are_too_large() -> None:
    wire = gzip.compress(os.urandom(CAP))  # random data: the gzip stream is larger than the cap
    assert len(wire) > CAP
    assert _error(wire, "gzip", length=False).reason == "too_large"


def test_an_unknown_content_encoding_is_refused_by_name() -> None:
    err = _error(b"whatever", "compress")
    assert err.reason == "content_encoding" and "compress" in err.detail


@pytest.mark.parametrize("name", ["gzip", "br", "deflate"])
def test_a_corrupt_compressed_body_is_bad_encoding(name: str) -> None:
    wire = bytearray(PACK[name](_body(3000)))
    wire[len(wire) // 2] ^= 0xFF  # one flipped byte
    err = _error(bytes(wire), name)
    assert err.reason == "bad_encoding" and err.detail


@pytest.mark.parametrize("name", ["gzip", "br", "deflate"])
def test_a_truncated_compressed_body_is_bad_encoding_not_a_short_page(name: str) -> None:
    wire = PACK[name](_body(3000))
    err = _error(wire[: len(wire) // 2], name, length=False)
    assert err.reason == "bad_encoding"
