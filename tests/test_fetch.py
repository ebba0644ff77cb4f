"""Fetcher unit tests over ``httpx.MockTransport`` (no sockets) with an injected resolver."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import AsyncIterator, Callable

import brotli
import httpx
import pytest

from cleanfeed.errors import FetchError
from cleanfeed.fetch import Fetcher, FetchResult, is_textual, retry_after_seconds
from cleanfeed.netguard import AllowList, resolve_checked
from cleanfeed.settings import FetchSettings

PUBLIC = {"news.test": "93.184.216.34", "other.test": "93.184.216.35"}
HTML = "<html><body><p>正文</p></body></html>".encode()


def resolver(host: str, port: int) -> str:
    """Names of the fake internet map to public IPs; anything else goes through the real guard."""
    return PUBLIC.get(host) or resolve_checked(host, port, AllowList())


def settings(**kw: object) -> FetchSettings:
    base: dict[str, object] = {"per_host_delay": 0, "retries": 2, "backoff": 0.001, "obey_robots": False}
    return FetchSettings.model_validate(base | kw)


Handler = Callable[[httpx.Request], httpx.Response]


def fetch(handler: Handler, url: str = "http://news.test/a.html", **kw: object) -> FetchResult:
    opts = {k: kw.pop(k) for k in ("etag", "last_modified", "any_type") if k in kw}

    async def go() -> FetchResult:
        async with Fetcher(settings(**kw), transport=httpx.MockTransport(handler), resolver=resolver) as f:
            return await f.fetch(url, **opts)  # type: ignore[arg-type]

    return asyncio.run(go())


def fetch_error(handler: Handler, url: str = "http://news.test/a.html", **kw: object) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(handler, url, **kw)
    return info.value


async def _once(body: bytes) -> AsyncIterator[bytes]:
    yield body


def ok(body: bytes = HTML, **headers: str) -> httpx.Response:
    """A 200 whose body is streamed (not pre-read), as from a real server, so raw decoding is exercised."""
    headers = {"content-type": "text/html; charset=utf-8", "content-length": str(len(body)), **headers}
    return httpx.Response(200, headers=headers, stream=_Stream(_once(body)))


def test_connects_to_the_checked_ip_keeping_host_and_sni() -> None:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return ok()

    res = fetch(handler, "https://news.test:8443/a.html?x=1")
    assert res.page is not None and res.page.body == HTML and res.page.charset == "utf-8"
    assert res.page.final_url == "https://news.test:8443/a.html?x=1"
    [req] = seen
    assert req.url.host == "93.184.216.34" and req.url.port == 8443 and req.url.query == b"x=1"
    assert req.headers["host"] == "news.test:8443"
    assert req.extensions["sni_hostname"] == "news.test"


def test_private_address_refused_without_allow_list() -> None:
    err = fetch_error(lambda req: ok(), "http://127.0.0.1/a")
    assert err.reason == "blocked_address"


def test_every_redirect_hop_is_checked() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "http://169.254.169.254/latest/meta-data/"})

    assert fetch_error(handler).reason == "blocked_address"


def test_redirects_followed_by_hand_then_capped() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        if req.headers["host"] == "news.test":
            return httpx.Response(301, headers={"location": "http://other.test/b.html"})
        return ok()

    res = fetch(handler)
    assert res.page is not None and res.page.final_url == "http://other.test/b.html"
    hops: list[str] = []

    def loop(req: httpx.Request) -> httpx.Response:
        hops.append(str(req.url))
        return httpx.Response(302, headers={"location": "/again"})

    assert fetch_error(loop).reason == "too_many_redirects"
    assert len(hops) == 11  # the first request + 10 redirects


def test_retries_5xx_and_429_honouring_retry_after() -> None:
    calls = {"n": 0}

    def handler(req: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return httpx.Response(429, headers={"retry-after": "0"})
        if calls["n"] == 2:
            return httpx.Response(503)
        return ok()

    assert fetch(handler).page is not None
    assert calls["n"] == 3


def test_retries_exhausted_and_4xx_not_retried() -> None:
    calls = {"n": 0}

    def handler(req: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return httpx.Response(500)

    assert fetch_error(handler, retries=2).reason == "status_500"
    assert calls["n"] == 3
    calls["n"] = 0

    def gone(req: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return httpx.Response(404)

    assert fetch_error(gone).reason == "status_404"
    assert calls["n"] == 1


def test_connect_errors_retried_then_reported() -> None:
    calls = {"n": 0}

    def handler(req: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        raise httpx.ConnectError("refused", request=req)

    assert fetch_error(handler, retries=1).reason == "connect_error"
    assert calls["n"] == 2


def test_conditional_get_304() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        if req.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return ok(etag='"v1"')

    first = fetch(handler)
    assert first.etag == '"v1"'
    again = fetch(handler, etag='"v1"', last_modified="Wed, 18 Nov 2026 08:00:00 GMT")
    assert again.not_modified and again.page is None


def test_size_cap_on_declared_and_streamed_bodies() -> None:
    big = b"x" * 5000
    assert fetch_error(lambda req: ok(big), max_bytes=4096).reason == "too_large"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * 1000

    def streamed(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/html"}, stream=_Stream(chunks()))

    assert fetch_error(streamed, max_bytes=4096).reason == "too_large"


class _Stream(httpx.AsyncByteStream):
    def __init__(self, it: AsyncIterator[bytes]) -> None:
        self.it = it

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.it:
            yield chunk


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate"])
def test_compressed_bodies_decoded_and_bombs_stopped(encoding: str) -> None:
    packers = {"gzip": gzip.compress, "br": lambda d: brotli.compress(d, quality=1), "deflate": zlib.compress}
    pack = packers[encoding]
    res = fetch(lambda req: ok(pack(HTML), **{"content-encoding": encoding}))
    assert res.page is not None and res.page.body == HTML
    bomb = pack(b"\x00" * 20_000_000)  # ~20 KB on the wire, 20 MB decoded
    err = fetch_error(lambda req: ok(bomb, **{"content-encoding": encoding}), max_bytes=1_000_000)
    assert err.reason == "too_large"


def test_content_type_filter() -> None:
    assert fetch_error(lambda req: ok(b"\x89PNG", **{"content-type": "image/png"})).reason == "content_type"
    sitemap = fetch(lambda req: ok(b"\x1f\x8b", **{"content-type": "application/gzip"}), any_type=True)
    assert sitemap.page is not None
    assert all(
        is_textual(t)
        for t in ("text/html", "application/xhtml+xml", "application/rss+xml", "text/plain", None)
    )
    assert not any(is_textual(t) for t in ("image/jpeg", "application/pdf", "application/octet-stream"))


def test_deadline_stops_a_slow_drip() -> None:
    async def drip() -> AsyncIterator[bytes]:
        for _ in range(1000):
            await asyncio.sleep(0.05)
            yield b"<"

    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/html"}, stream=_Stream(drip()))

    assert fetch_error(handler, deadline=0.3, retries=0).reason == "timeout"


def test_robots_disallow_and_crawl_delay() -> None:
    seen: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req.url.path)
        if req.url.path == "/robots.txt":
            return ok(
                b"User-agent: *\nDisallow: /private/\nCrawl-delay: 0.01\n", **{"content-type": "text/plain"}
            )
        return ok()

    assert (
        fetch_error(handler, "http://news.test/private/x.html", obey_robots=True).reason
        == "robots_disallowed"
    )
    assert seen == ["/robots.txt"]
    assert fetch(handler, "http://news.test/public.html", obey_robots=True).page is not None


def test_missing_robots_allows_everything() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(404) if req.url.path == "/robots.txt" else ok()

    assert fetch(handler, obey_robots=True).page is not None


def test_user_agent_sent() -> None:
    agents: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        agents.append(req.headers["user-agent"])
        return ok()

    fetch(handler, user_agent="probe/1.0")
    assert agents == ["probe/1.0"]


def test_per_host_concurrency_is_respected() -> None:
    state = {"now": 0, "peak": 0}

    async def handler(req: httpx.Request) -> httpx.Response:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.01)
        state["now"] -= 1
        return ok()

    async def go() -> None:
        s = settings(per_host_concurrency=2, concurrency=10)
        async with Fetcher(s, transport=httpx.MockTransport(handler), resolver=resolver) as f:
            await asyncio.gather(*(f.fetch(f"http://news.test/{i}.html") for i in range(12)))

    asyncio.run(go())
    assert state["peak"] == 2


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds("Wed, 18 Nov 2026 08:00:10 GMT", now=1794988800.0) == 10
    assert retry_after_seconds("soon") is None


def test_unparsable_url_is_a_bad_url_failure() -> None:
    assert fetch_error(lambda req: ok(), "http://0177.0.0.1:8080/x").reason == "bad_url"
    assert fetch_error(lambda req: ok(), "ftp://news.test/x").reason == "bad_url"
