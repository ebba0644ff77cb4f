"""Feed and sitemap parsing: bytes in, URLs out. Pure functions, no network.

Sitemaps go through defusedxml with DTDs and entities forbidden (a billion-laughs sitemap is an error, not an
outage). feedparser has no such switch, so a feed declaring entities is refused before it is parsed.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from cleanfeed.errors import Drop

GZIP_MAGIC = b"\x1f\x8b"
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)


class SourceError(Drop):
    """An entry point (feed, sitemap, WARC) could not be read; ``reason`` is a stable code."""


def gunzip_capped(data: bytes, max_bytes: int) -> bytes:
    """Decompress a gzip body (``.xml.gz`` sitemaps) without inflating past ``max_bytes``."""
    d = zlib.decompressobj(47)
    try:
        out = d.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise SourceError("bad_gzip", str(exc)) from None
    if len(out) > max_bytes or d.unconsumed_tail:
        raise SourceError("too_large", f"decompresses past {max_bytes} bytes")
    return out


def _maybe_gunzip(data: bytes, max_bytes: int) -> bytes:
    return gunzip_capped(data, max_bytes) if data[:2] == GZIP_MAGIC else data


def _http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def parse_feed(data: bytes, base_url: str, max_bytes: int = 50_000_000) -> list[str]:
    """Entry links of an RSS/Atom feed, in feed order, de-duplicated, absolute (http(s) only)."""
    return parse_feed_links(data, base_url, max_bytes)[0]


def parse_feed_links(data: bytes, base_url: str, max_bytes: int = 50_000_000) -> tuple[list[str], list[str]]:
    """``(http(s) links, other links)`` of a feed's entries: a run records the others (``javascript:``,
    ``ftp://``, ``data:`` ...) as rejects instead of dropping them unseen."""
    data = _maybe_gunzip(data, max_bytes)
    if _ENTITY_DECL.search(data):
        raise SourceError("entities_forbidden", "feed declares XML entities")
    parsed = feedparser.parse(io.BytesIO(data), response_headers={"content-location": base_url})
    if parsed.get("bozo") and not parsed.entries:
        exc = parsed.get("bozo_exception")
        raise SourceError("bad_feed", f"{type(exc).__name__}: {exc}" if exc else "not a feed")
    seen: set[str] = set()
    urls: list[str] = []
    other: list[str] = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link:
            for alt in entry.get("links", []):
                if alt.get("rel", "alternate") == "alternate" and alt.get("href"):
                    link = alt["href"]
                    break
        link = urljoin(base_url, link.strip()) if link else ""
        if link and link not in seen:
            seen.add(link)
            (urls if _http(link) else other).append(link)
    return urls, other


@dataclass
class Sitemap:
    urls: list[str] = field(default_factory=list)  # pages (urlset, incl. Google News)
    sitemaps: list[str] = field(default_factory=list)  # children of a sitemap index
    unsupported: list[str] = field(default_factory=list)  # <loc>s that are not http(s)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def parse_sitemap(data: bytes, base_url: str, max_bytes: int = 50_000_000) -> Sitemap:
    """A sitemap (``urlset``), a sitemap index, or a Google News sitemap; gzip is detected by magic."""
    data = _maybe_gunzip(data, max_bytes)
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SourceError("entities_forbidden", type(exc).__name__) from None
    except Exception as exc:  # ParseError and friends; a bad sitemap is a source failure
        raise SourceError("bad_sitemap", f"{type(exc).__name__}: {exc}") from None
    out = Sitemap()
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise SourceError("bad_sitemap", f"root element <{kind}>")
    target = out.urls if kind == "urlset" else out.sitemaps
    seen: set[str] = set()
    for child in root:
        if _local(str(child.tag)) not in ("url", "sitemap"):
            continue
        for sub in child:
            if _local(str(sub.tag)) == "loc" and sub.text:
                loc = urljoin(base_url, sub.text.strip())
                if loc not in seen:
                    seen.add(loc)
                    (target if _http(loc) else out.unsupported).append(loc)
                break
    return out
