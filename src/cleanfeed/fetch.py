"""Polite, guarded HTTP fetching with httpx.

Per request: robots.txt (protego, with Crawl-delay), global and per-host concurrency, per-host delay, the SSRF
guard on every hop (we connect to the address ``netguard.resolve_checked`` returned, keeping ``Host`` and the
TLS SNI name, so DNS cannot change between check and connect), redirects followed by hand (each hop checked),
retries with exponential backoff + jitter on connect errors, timeouts, 429 and 5xx (honouring a capped
Retry-After), conditional GET, a streaming size cap counted on *decoded* bytes (a gzip/brotli bomb stops at
``max_bytes``), a content-type filter, and one overall deadline per attempt so a slow-drip server cannot hang
a run. Failures raise ``FetchError(reason)``; reasons are stable codes (``timeout``, ``status_404``, ...).
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import logging
import random
import re
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

import brotli  # type: ignore[import-untyped]
import httpx
from protego import Protego

from cleanfeed.errors import FetchError
from cleanfeed.models import Page
from cleanfeed.netguard import AllowList, resolve_checked
from cleanfeed.settings import FetchSettings

log = logging.getLogger(__name__)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_CRAWL_DELAY = 60.0  # a hostile robots.txt must not stall a nightly run for hours
ROBOTS_MAX_BYTES = 512_000
MAX_IDLE_CLIENTS = 64  # per-host clients kept open once their host goes quiet
_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:\-]+)""", re.I)
_TEXTUAL = re.compile(r"^(text/[\w.+\-]+|[\w.\-]+/([\w.\-]+\+)?(html|xml|xhtml\+xml))$", re.I)

Resolver = Callable[[str, int], str]


class _Decoder(Protocol):
    def feed(self, data: bytes) -> bytes: ...

    def finish(self) -> None:
        """Raise if the body ended before its end-of-stream marker (a cut connection, not a short page)."""


@dataclass
class FetchResult:
    """``page`` is None when the server said 304 Not Modified."""

    page: Page | None
    not_modified: bool = False

    @property
    def etag(self) -> str | None:
        return self.page.headers.get("etag") if self.page else None

    @property
    def last_modified(self) -> str | None:
        return self.page.headers.get("last-modified") if self.page else None


@dataclass
class _Host:
    sem: asyncio.Semaphore
    next_slot: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots: Protego | None = None
    robots_loaded: bool = False
    crawl_delay: float = 0.0
    client: httpx.AsyncClient | None = None
    inflight: int = 0
    last_used: float = 0.0
    failing_s: float = 0.0  # time spent in failed attempts and retry waits: the per-host budget


class _TooLarge(Exception):
    pass


class _Identity:
    def __init__(self, limit: int) -> None:
        self.limit, self.n = limit, 0

    def feed(self, data: bytes) -> bytes:
        self.n += len(data)
        if self.n > self.limit:
            raise _TooLarge
        return data

    def finish(self) -> None:
        pass


class _Inflate:
    """gzip/deflate with ``max_length``: output beyond the limit is never materialised."""

    def __init__(self, limit: int, wbits: int) -> None:
        self.limit, self.n, self.wbits = limit, 0, wbits
        self.d = zlib.decompressobj(wbits)
        self.first, self.head, self.fed = True, b"", False

    def feed(self, data: bytes) -> bytes:
        self.fed = self.fed or bool(data)
        if self.first and self.wbits == 15:
            # zlib or raw deflate is told by the 2-byte header: a shorter first chunk waits for more
            self.head += data
            if len(self.head) < 2:
                return b""
            data, self.head = self.head, b""
        try:
            out = self.d.decompress(data, self.limit - self.n + 1)
        except zlib.error:
            if not (self.first and self.wbits == 15):
                raise
            self.d, self.wbits = zlib.decompressobj(-15), -15  # raw deflate, as some servers send it
            out = self.d.decompress(data, self.limit - self.n + 1)
        self.first = False
        self.n += len(out)
        if self.n > self.limit or self.d.unconsumed_tail:
            raise _TooLarge
        return out

    def finish(self) -> None:
        if self.fed and (self.head or not self.d.eof):
            raise zlib.error("the compressed body ends before its end-of-stream marker")


class _Brotli:
    def __init__(self, limit: int) -> None:
        self.limit, self.n = limit, 0
        self.d = brotli.Decompressor()
        self.fed = False

    def feed(self, data: bytes) -> bytes:
        self.fed = self.fed or bool(data)
        parts = [self.d.process(data, output_buffer_limit=self.limit - self.n + 1)]
        self.n += len(parts[0])
        while self.n <= self.limit and not self.d.can_accept_more_data():
            more = self.d.process(b"", output_buffer_limit=self.limit - self.n + 1)
            if not more:
                break
            parts.append(more)
            self.n += len(more)
        if self.n > self.limit:
            raise _TooLarge
        return b"".join(parts)

    def finish(self) -> None:
        if self.fed and not self.d.is_finished():
            raise brotli.error("the compressed body ends before its end-of-stream marker")


def _decoder(encoding: str, limit: int) -> _Decoder:
    enc = encoding.strip().lower()
    if enc in ("", "identity"):
        return _Identity(limit)
    if enc in ("gzip", "x-gzip"):
        return _Inflate(limit, 47)  # 47 = auto-detect gzip or zlib header
    if enc == "deflate":
        return _Inflate(limit, 15)
    if enc == "br":
        return _Brotli(limit)
    raise FetchError("content_encoding", "", enc)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def header_charset(content_type: str | None) -> str | None:
    m = _CHARSET.search(content_type or "")
    return m.group(1) if m else None


def is_textual(content_type: str | None) -> bool:
    """html/xhtml/xml/text* (or no declared type: the cleaner sniffs)."""
    mime = (content_type or "").split(";", 1)[0].strip()
    return not mime or bool(_TEXTUAL.match(mime))


class _Retryable(Exception):
    def __init__(self, error: FetchError, retry_after: float | None = None) -> None:
        self.error = error
        self.retry_after = retry_after


class Fetcher:
    """Async fetcher. ``client``/``transport`` are injectable (``httpx.MockTransport`` in unit tests);
    ``resolver(host, port) -> ip`` defaults to the SSRF guard with ``allow_private_hosts``."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.s = settings
        allow = AllowList.parse(settings.allow_private_hosts)
        self._resolve: Resolver = resolver or (lambda host, port: resolve_checked(host, port, allow))
        # An injected client or transport serves every host; by default each host gets its own small client:
        # httpcore scans every pooled connection on each request, so one big shared pool costs O(hosts).
        self._own_client = client is None
        self._ssl: ssl.SSLContext | None = None
        self._shared = client or (self._new_client(settings.concurrency, transport) if transport else None)
        self._global = asyncio.Semaphore(settings.concurrency)
        self._hosts: dict[str, _Host] = {}
        self.stats: dict[str, int] = {
            "requests": 0,
            "responses": 0,  # requests a server answered (any status): zero of many means the network is down
            "not_modified": 0,
            "retries": 0,
            "bytes": 0,
        }
        # time.monotonic() after which no request or retry starts (the run's deadline): FetchError("deadline")
        self.stop_at: float | None = None

    def _new_client(self, size: int, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
        if self._ssl is None:  # loading the CA bundle costs ~50 ms: once per fetcher, not per host
            self._ssl = httpx.create_ssl_context(trust_env=False)
        return httpx.AsyncClient(
            transport=transport,
            verify=self._ssl,
            timeout=httpx.Timeout(self.s.timeout),
            follow_redirects=False,
            trust_env=False,  # an env proxy would resolve names itself, bypassing the guard
            limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
        )

    async def _client(self, h: _Host) -> httpx.AsyncClient:
        if self._shared is not None:
            return self._shared
        if h.client is None:
            h.client = self._new_client(self.s.per_host_concurrency)
            idle = [x for x in self._hosts.values() if x.client is not None and not x.inflight and x is not h]
            # Hundreds of feeds must not keep hundreds of idle keep-alive sockets open.
            for old in sorted(idle, key=lambda x: x.last_used)[: max(0, len(idle) - MAX_IDLE_CLIENTS)]:
                client, old.client = old.client, None
                assert client is not None
                await client.aclose()
        return h.client

    async def aclose(self) -> None:
        for h in self._hosts.values():
            if h.client is not None:
                await h.client.aclose()
                h.client = None
        if self._shared is not None and self._own_client:
            await self._shared.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _check_time(self, h: _Host, url: str, wait: float) -> None:
        now = time.monotonic()
        if self.stop_at is not None and now + wait >= self.stop_at:
            raise FetchError("deadline", url, "the run's deadline came first")
        if h.failing_s + wait > self.s.host_budget:
            raise FetchError(
                "host_budget", url, f"host spent {h.failing_s:.0f}s failing (budget {self.s.host_budget}s)"
            )

    # -- politeness ---------------------------------------------------------------------------------
    def _host(self, url: httpx.URL) -> _Host:
        key = f"{url.scheme}://{url.netloc.decode('ascii')}"
        h = self._hosts.get(key)
        if h is None:
            h = self._hosts[key] = _Host(asyncio.Semaphore(self.s.per_host_concurrency))
        return h

    async def _wait_slot(self, h: _Host) -> None:
        delay = max(self.s.per_host_delay, h.crawl_delay)
        async with h.lock:
            now = time.monotonic()
            start = max(now, h.next_slot)
            h.next_slot = start + delay
        if start > now:
            await asyncio.sleep(start - now)

    async def _robots(self, url: httpx.URL, h: _Host) -> Protego | None:
        async with h.robots_lock:
            if not h.robots_loaded:
                robots_url = str(url.copy_with(path="/robots.txt", query=None, fragment=None))
                try:
                    page = await self._fetch_chain(
                        robots_url, {}, check_robots=False, any_type=True, max_bytes=ROBOTS_MAX_BYTES
                    )
                    if page is not None and page.status == 200:
                        h.robots = Protego.parse(page.body.decode("utf-8", "replace"))
                        delay = h.robots.crawl_delay(self.s.user_agent)
                        h.crawl_delay = min(float(delay or 0.0), MAX_CRAWL_DELAY)
                except (FetchError, _Retryable) as exc:
                    reason = exc.reason if isinstance(exc, FetchError) else exc.error.reason
                    # 4xx means "no rules"; unreachable robots.txt is treated the same (as Scrapy does)
                    log.debug("robots.txt %s: %s", robots_url, reason)
                h.robots_loaded = True
        return h.robots

    # -- one request --------------------------------------------------------------------------------
    def _request(
        self, client: httpx.AsyncClient, url: httpx.URL, ip: str, headers: dict[str, str]
    ) -> httpx.Request:
        target = url.copy_with(host=ip)
        host_header = url.netloc.decode("ascii")
        extensions: dict[str, Any] = {}
        if url.scheme == "https":
            extensions["sni_hostname"] = url.host
        hdrs = {
            "Host": host_header,
            "User-Agent": self.s.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": "gzip, deflate, br",
            **headers,
        }
        return client.build_request("GET", target, headers=hdrs, extensions=extensions)

    async def _read_body(self, resp: httpx.Response, url: str, max_bytes: int) -> bytes:
        length = resp.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise FetchError("too_large", url, f"content-length {length}")
        if resp.is_stream_consumed:  # a transport that pre-read the body (httpx.MockTransport) decoded it too
            if len(resp.content) > max_bytes:
                raise FetchError("too_large", url, f"over {max_bytes} bytes")
            return resp.content
        dec = _decoder(resp.headers.get("content-encoding", ""), max_bytes)
        parts: list[bytes] = []
        raw = 0
        try:
            async for chunk in resp.aiter_raw():
                raw += len(chunk)
                if raw > max_bytes:
                    raise _TooLarge
                parts.append(dec.feed(chunk))
            dec.finish()
        except _TooLarge:
            raise FetchError("too_large", url, f"over {max_bytes} bytes") from None
        except (zlib.error, brotli.error) as exc:
            raise FetchError("bad_encoding", url, str(exc)) from None
        self.stats["bytes"] += raw
        return b"".join(parts)

    async def _hop(
        self, url: httpx.URL, headers: dict[str, str], *, any_type: bool, max_bytes: int
    ) -> tuple[httpx.Response, bytes]:
        if url.scheme not in ("http", "https") or not url.host:
            raise FetchError("bad_url", str(url))
        port = url.port or (443 if url.scheme == "https" else 80)
        if _is_ip_literal(url.host):  # checked all the same, but no DNS: no need for a thread
            ip = self._resolve(url.host, port)
        else:
            ip = await asyncio.to_thread(self._resolve, url.host, port)
        h = self._host(url)
        async with h.sem, self._global:
            await self._wait_slot(h)
            self.stats["requests"] += 1
            client = await self._client(h)
            h.inflight += 1
            h.last_used = time.monotonic()
            try:
                # The deadline covers the request itself, not the wait for a politeness slot.
                async with asyncio.timeout(self.s.deadline):
                    return await self._send(client, url, ip, headers, any_type=any_type, max_bytes=max_bytes)
            except TimeoutError:
                raise _Retryable(FetchError("timeout", str(url), f"deadline {self.s.deadline}s")) from None
            finally:
                h.inflight -= 1

    async def _send(
        self,
        client: httpx.AsyncClient,
        url: httpx.URL,
        ip: str,
        headers: dict[str, str],
        *,
        any_type: bool,
        max_bytes: int,
    ) -> tuple[httpx.Response, bytes]:
        try:
            resp = await client.send(self._request(client, url, ip, headers), stream=True)
        except httpx.TimeoutException as exc:
            raise _Retryable(FetchError("timeout", str(url), type(exc).__name__)) from None
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise _Retryable(FetchError("connect_error", str(url), str(exc) or type(exc).__name__)) from None
        except httpx.HTTPError as exc:
            raise FetchError("http_error", str(url), str(exc) or type(exc).__name__) from None
        self.stats["responses"] += 1
        try:
            body = b""
            if resp.status_code == 200 or (200 < resp.status_code < 300):
                if not any_type and not is_textual(resp.headers.get("content-type")):
                    raise FetchError("content_type", str(url), resp.headers.get("content-type", ""))
                body = await self._read_body(resp, str(url), max_bytes)
        except httpx.TimeoutException as exc:
            raise _Retryable(FetchError("timeout", str(url), type(exc).__name__)) from None
        except (httpx.ReadError, httpx.RemoteProtocolError) as exc:
            raise _Retryable(FetchError("connect_error", str(url), str(exc) or type(exc).__name__)) from None
        finally:
            await resp.aclose()
        return resp, body

    async def _fetch_chain(
        self,
        url: str,
        headers: dict[str, str],
        *,
        check_robots: bool = True,
        any_type: bool = False,
        max_bytes: int | None = None,
    ) -> Page | None:
        """One attempt: follow redirects by hand; None means 304."""
        limit = max_bytes or self.s.max_bytes
        try:
            current = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:  # e.g. the octal host 0177.0.0.1
            raise FetchError("bad_url", url, str(exc)) from None
        for _hop_no in range(self.s.max_redirects + 1):
            if check_robots and self.s.obey_robots:
                rp = await self._robots(current, self._host(current))
                if rp is not None and not rp.can_fetch(str(current), self.s.user_agent):
                    raise FetchError("robots_disallowed", str(current))
            resp, body = await self._hop(current, headers, any_type=any_type, max_bytes=limit)
            status = resp.status_code
            if status in REDIRECTS and resp.headers.get("location"):
                try:
                    current = current.join(resp.headers["location"])
                except (httpx.InvalidURL, ValueError) as exc:
                    raise FetchError("bad_redirect", str(current), str(exc)) from None
                headers = {}  # validators belong to the first URL only
                continue
            if status == 304:
                return None
            if status == 429 or status >= 500:
                ra = retry_after_seconds(resp.headers.get("retry-after"))
                raise _Retryable(FetchError(f"status_{status}", str(current)), ra)
            if not 200 <= status < 300:
                raise FetchError(f"status_{status}", str(current))
            return Page(
                url=url,
                final_url=str(current),
                status=status,
                headers={k.lower(): v for k, v in resp.headers.items()},
                body=body,
                charset=header_charset(resp.headers.get("content-type")),
                fetched_at=datetime.now(timezone.utc),
            )
        raise FetchError("too_many_redirects", url)

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        any_type: bool = False,
    ) -> FetchResult:
        """Fetch ``url`` (retrying what is worth retrying). Raises ``FetchError``.

        Bounded in time: a ``Retry-After`` over ``max_retry_after`` fails at once (the next run asks again);
        once a host has cost ``host_budget`` seconds in failures and waits, its fetches fail with
        ``host_budget``, and after ``stop_at`` with ``deadline``: both mean "not tried: leave it for the
        next run", not a failure of the page.
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            h = self._host(httpx.URL(url))
        except (httpx.InvalidURL, ValueError) as exc:
            raise FetchError("bad_url", url, str(exc)) from None
        attempt = 0
        while True:
            self._check_time(h, url, 0.0)
            t0 = time.monotonic()
            try:
                page = await self._fetch_chain(url, headers, any_type=any_type)
            except _Retryable as exc:
                err = exc
                h.failing_s += time.monotonic() - t0
            else:
                if page is None:
                    self.stats["not_modified"] += 1
                    return FetchResult(None, not_modified=True)
                return FetchResult(page)
            if attempt >= self.s.retries:
                raise err.error
            if err.retry_after is not None and err.retry_after > self.s.max_retry_after:
                raise FetchError(
                    err.error.reason,
                    url,
                    f"Retry-After {err.retry_after:.0f}s is over {self.s.max_retry_after}s",
                )
            delay = self.s.backoff * (2**attempt) * (0.5 + random.random() / 2)  # jitter spreads retries
            if err.retry_after is not None:
                delay = max(delay, err.retry_after)
            self._check_time(h, url, delay)
            h.failing_s += delay
            attempt += 1
            self.stats["retries"] += 1
            log.debug("retry %d of %s in %.2fs (%s)", attempt, url, delay, err.error.reason)
            await asyncio.sleep(delay)
