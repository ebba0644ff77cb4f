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
from cleanfeed.sources.local import expand_globs, iter_warc, page_url, read_capped, read_url_list
from cleanfeed.sources.xml import SourceError, parse_feed, parse_feed_links, parse_sitemap

__all__ = [
    "FetchEntry",
    "Item",
    "SourceError",
    "iter_source",
    "page_url",
    "parse_feed",
    "parse_sitemap",
    "read_capped",
]

MAX_SITEMAPS = 1000  # per source: a sitemap index cycle or explosion stops here
MAX_SITEMAP_DEPTH = 3

FetchEntry = Callable[[str], Awaitable[bytes | None]]
OnError = Callable[[str, Exception], None]


@dataclass(frozen=True)
class Item:
    """One page to do. ``key`` is its identity (by origin): the URL for HTTP, the file's ``file:`` URI for
    files, ``<WARC file URI>#<record offset>`` for WARC records; pages are never merged on their canonical.

    A ``reject`` item is a loss found while listing (a cut WARC record, a ``javascript:`` link, a FIFO, a
    sitemap loop): the run writes it as a reject record, so nothing vanishes unseen.
    """

    url: str
    source: str
    original: bool = False
    body: bytes | None = None  # WARC records: the page is in hand
    charset: str | None = None
    fetched_at: datetime | None = None
    path: Path | None = None  # files (read after admission) and WARC records (the archive)
    key: str | None = None  # identity when it is not ``url``
    offset: int | None = None  # WARC record offset
    digest: str | None = None  # WARC payload digest: an unchanged record is not redone
    size: int | None = None  # files: size and mtime, the cheap "unchanged?" check
    mtime_ns: int | None = None
    reject: str | None = None
    detail: str = ""

    @property
    def local(self) -> bool:
        """Nothing to fetch: a file, a WARC record or a reject."""
        return self.body is not None or self.path is not None or self.reject is not None

    @property
    def ident(self) -> str:
        return self.key or self.url


async def _sitemap_urls(
    root: str, fetch_entry: FetchEntry, max_bytes: int, on_error: OnError
) -> AsyncIterator[tuple[str, str | None]]:
    """``(url, None)`` for each page, ``(url, reason)`` for what is lost: a sitemap listed again (a loop),
    one too deep or past ``MAX_SITEMAPS``, a ``<loc>`` that is not http(s)."""
    seen: set[str] = set()
    stack: list[tuple[str, int]] = [(root, 0)]
    while stack:
        url, depth = stack.pop(0)
        if url in seen:
            yield url, "sitemap_loop"
            continue
        if len(seen) >= MAX_SITEMAPS:
            yield url, "sitemap_limit"
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
            else:
                yield child, "sitemap_too_deep"
        for page in sm.urls:
            yield page, None
        for other in sm.unsupported:
            yield other, "unsupported_link"


async def iter_source(
    src: Source,
    settings: Settings,
    fetch_entry: FetchEntry,
    on_error: OnError = lambda url, exc: None,
    found: Counter[str] | None = None,
) -> AsyncIterator[Item]:
    """Every item of ``src`` that passes its include/exclude filters (for files: on the file URI).

    ``found`` counts the pages the source listed before the filters (``found``; losses are not pages),
    whether an entry point was unchanged since the last run (``unchanged``, a 304), and WARC records that
    are not pages (by reason): a source with neither ``found`` nor ``unchanged`` yielded no page at all.
    """
    found = Counter() if found is None else found
    max_bytes = settings.fetch.max_bytes

    async def entry(url: str) -> bytes | None:
        data = await fetch_entry(url)
        if data is None:
            found["unchanged"] += 1
        return data

    def lost(url: str, reason: str, detail: str = "") -> Item:
        return Item(url, src.name, src.original, reject=reason, detail=detail)

    if isinstance(src, FeedSource):
        data = await entry(src.url)
        urls, other = parse_feed_links(data, src.url, max_bytes) if data is not None else ([], [])
        found["found"] += len(urls)
        for url in urls:
            if src.wants(url):
                yield Item(url, src.name, src.original)
        for url in other:
            yield lost(url, "unsupported_link", f"feed {src.url} links to a non-http(s) URL")
    elif isinstance(src, SitemapSource):
        async for url, reason in _sitemap_urls(src.url, entry, max_bytes, on_error):
            found["found"] += reason is None
            if reason is not None:
                yield lost(url, reason, f"sitemap {src.url}")
            elif src.wants(url):
                yield Item(url, src.name, src.original)
    elif isinstance(src, UrlsSource):
        urls = list(src.urls)
        if src.file is not None:
            urls += read_url_list(settings.resolve(src.file))
        found["found"] += len(urls)
        seen: set[str] = set()
        for url in urls:
            if url not in seen and src.wants(url):
                seen.add(url)
                yield Item(url, src.name, src.original)
    elif isinstance(src, FilesSource):
        for f in expand_globs(src.paths, settings.base_dir):
            found["found"] += f.special is None
            uri = f.path.absolute().as_uri()
            if f.special is not None:
                yield Item(
                    uri, src.name, src.original, path=f.path, reject="not_regular_file", detail=f.special
                )
            elif src.wants(uri):
                yield Item(uri, src.name, src.original, path=f.path, size=f.size, mtime_ns=f.mtime_ns)
    elif isinstance(src, WarcSource):
        path = settings.resolve(src.path)
        base = path.absolute().as_uri()
        for rec in iter_warc(path, max_bytes, found):
            found["found"] += rec.reject is None
            key = f"{base}#{rec.offset}"
            if rec.reject is not None:
                yield Item(
                    rec.url or key,
                    src.name,
                    src.original,
                    path=path,
                    key=key,
                    offset=rec.offset,
                    reject=rec.reject,
                    detail=rec.detail,
                )
            elif src.wants(rec.url):
                yield Item(
                    rec.url,
                    src.name,
                    src.original,
                    body=rec.body,
                    charset=rec.charset,
                    fetched_at=rec.date,
                    path=path,
                    key=key,
                    offset=rec.offset,
                    digest=rec.digest,
                )


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
