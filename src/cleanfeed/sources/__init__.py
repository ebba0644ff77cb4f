"""Where pages come from: feeds, sitemaps (index, gzip, Google News), URL lists, local files, WARC.

``iter_source`` yields ``Item``s: a URL to fetch, or (files, WARC) a page body already in hand. Entry points
(feeds, sitemaps) are fetched through a callback so the pipeline keeps conditional GET and the state in one
place; ``None`` from the callback means "unchanged since last run" (304).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cleanfeed.errors import CleanfeedError
from cleanfeed.settings import (
    FeedSource,
    FilesSource,
    Settings,
    SitemapSource,
    Source,
    UrlsSource,
    WarcSource,
)
from cleanfeed.sources.local import expand_globs, iter_warc, page_url, read_url_list
from cleanfeed.sources.xml import SourceError, parse_feed, parse_sitemap

__all__ = ["FetchEntry", "Item", "SourceError", "iter_source", "parse_feed", "parse_sitemap"]

MAX_SITEMAPS = 1000  # per source: a sitemap index cycle or explosion stops here
MAX_SITEMAP_DEPTH = 3

FetchEntry = Callable[[str], Awaitable[bytes | None]]
OnError = Callable[[str, Exception], None]


@dataclass(frozen=True)
class Item:
    url: str
    source: str
    original: bool = False
    body: bytes | None = None  # set for files and WARC records: nothing to fetch
    charset: str | None = None
    fetched_at: datetime | None = None

    @property
    def local(self) -> bool:
        return self.body is not None


async def _sitemap_urls(
    root: str, fetch_entry: FetchEntry, max_bytes: int, on_error: OnError
) -> AsyncIterator[str]:
    seen: set[str] = set()
    stack: list[tuple[str, int]] = [(root, 0)]
    while stack and len(seen) < MAX_SITEMAPS:
        url, depth = stack.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            data = await fetch_entry(url)
            if data is None:
                continue
            sm = parse_sitemap(data, url, max_bytes)
        except CleanfeedError as exc:
            if url == root:
                raise
            on_error(url, exc)  # one broken child sitemap must not lose the others
            continue
        for child in sm.sitemaps:
            if depth + 1 <= MAX_SITEMAP_DEPTH:
                stack.append((child, depth + 1))
        for page in sm.urls:
            yield page


async def iter_source(
    src: Source,
    settings: Settings,
    fetch_entry: FetchEntry,
    on_error: OnError = lambda url, exc: None,
    found: Counter[str] | None = None,
) -> AsyncIterator[Item]:
    """Every item of ``src`` that passes its include/exclude filters.

    ``found`` counts what the source listed before the filters (``found``) and whether an entry point was
    unchanged since the last run (``unchanged``, a 304): a source with neither yielded nothing at all.
    """
    found = Counter() if found is None else found
    max_bytes = settings.fetch.max_bytes

    async def entry(url: str) -> bytes | None:
        data = await fetch_entry(url)
        if data is None:
            found["unchanged"] += 1
        return data

    if isinstance(src, FeedSource):
        data = await entry(src.url)
        urls = parse_feed(data, src.url, max_bytes) if data is not None else []
        for url in urls:
            found["found"] += 1
            if src.wants(url):
                yield Item(url, src.name, src.original)
    elif isinstance(src, SitemapSource):
        async for url in _sitemap_urls(src.url, entry, max_bytes, on_error):
            found["found"] += 1
            if src.wants(url):
                yield Item(url, src.name, src.original)
    elif isinstance(src, UrlsSource):
        urls = list(src.urls)
        if src.file is not None:
            urls += read_url_list(settings.resolve(src.file))
        seen: set[str] = set()
        found["found"] += len(urls)
        for url in urls:
            if url not in seen and src.wants(url):
                seen.add(url)
                yield Item(url, src.name, src.original)
    elif isinstance(src, FilesSource):
        for path in expand_globs(src.paths, settings.base_dir):
            found["found"] += 1
            try:
                body = path.read_bytes()
            except OSError as exc:
                on_error(str(path), SourceError("unreadable", f"{path}: {exc.strerror or exc}"))
                continue
            url = page_url(body) or path.resolve().as_uri()
            if src.wants(url):
                yield Item(url, src.name, src.original, body=body)
    elif isinstance(src, WarcSource):
        for url, body, charset, date in iter_warc(settings.resolve(src.path), max_bytes):
            found["found"] += 1
            if src.wants(url):
                yield Item(url, src.name, src.original, body=body, charset=charset, fetched_at=date)


def describe(src: Source, settings: Settings) -> str:
    """One line for ``cleanfeed sources``."""
    if isinstance(src, FeedSource | SitemapSource):
        where = src.url
    elif isinstance(src, UrlsSource):
        where = f"{len(src.urls)} urls" + (f" + {settings.resolve(src.file)}" if src.file else "")
    elif isinstance(src, FilesSource):
        where = ", ".join(str(settings.base_dir / Path(p)) for p in src.paths)
    else:
        where = str(settings.resolve(src.path))
    return f"{src.name}\t{src.kind}\t{'original' if src.original else 'repost'}\t{where}"
