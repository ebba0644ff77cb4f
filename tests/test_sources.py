"""Sources: feed and sitemap parsing (defused), URL lists, local files, WARC."""

from __future__ import annotations

import asyncio
import gzip
import io
from pathlib import Path

import pytest

from cleanfeed.settings import settings_from_dict
from cleanfeed.sources import Item, SourceError, iter_source, parse_feed, parse_sitemap
from cleanfeed.sources.local import page_url

SITE = Path(__file__).parent / "fixtures" / "site"
BASE = "http://news.test"


def _site(name: str) -> bytes:
    return (SITE / name).read_bytes().replace(b"{{base}}", BASE.encode())


def test_rss_feed_links_absolute_and_unique() -> None:
    urls = parse_feed(_site("feed.xml"), f"{BASE}/feed.xml")
    assert urls[:2] == [f"{BASE}/news/a1.html", f"{BASE}/news/a2.html"]
    assert len(urls) == len(set(urls)) == 8


def test_atom_feed_relative_links() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><title>a</title><link rel="alternate" href="/a.html"/><id>1</id></entry>
    <entry><title>b</title><link href="http://other.test/b.html"/><id>2</id></entry>
    <entry><title>a again</title><link href="/a.html"/><id>3</id></entry></feed>"""
    assert parse_feed(atom, "http://x.test/feed") == ["http://x.test/a.html", "http://other.test/b.html"]


def test_feed_declaring_entities_is_refused() -> None:
    lol = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>
    <rss version="2.0"><channel><title>&b;</title><item><link>http://x/1</link></item></channel></rss>"""
    with pytest.raises(SourceError) as info:
        parse_feed(lol, "http://x/")
    assert info.value.reason == "entities_forbidden"


def test_garbage_feed_is_a_source_error() -> None:
    with pytest.raises(SourceError) as info:
        parse_feed(b"\x00\x01 not a feed", "http://x/")
    assert info.value.reason == "bad_feed"


def test_sitemap_index_and_google_news() -> None:
    idx = parse_sitemap(_site("sitemap_index.xml"), f"{BASE}/sitemap_index.xml")
    assert idx.sitemaps == [f"{BASE}/sitemap-news.xml", f"{BASE}/sitemap-b.xml.gz"] and idx.urls == []
    news = parse_sitemap(_site("sitemap-news.xml"), f"{BASE}/sitemap-news.xml")
    assert news.urls == [f"{BASE}/news/a4.html", f"{BASE}/news/a1.html"]


def test_gzip_sitemap_detected_by_magic() -> None:
    sm = parse_sitemap(gzip.compress(_site("sitemap-b.xml")), f"{BASE}/s.xml.gz")
    assert len(sm.urls) == 3


def test_gzip_bomb_sitemap_stops_at_the_cap() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    with pytest.raises(SourceError) as info:
        parse_sitemap(bomb, BASE, max_bytes=1_000_000)
    assert info.value.reason == "too_large"


@pytest.mark.parametrize(
    "doc",
    [
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "x">]><urlset><url><loc>&a;</loc></url></urlset>',
        b'<?xml version="1.0"?><!DOCTYPE u SYSTEM "file:///etc/passwd"><urlset></urlset>',
    ],
)
def test_sitemap_dtd_and_entities_forbidden(doc: bytes) -> None:
    with pytest.raises(SourceError) as info:
        parse_sitemap(doc, BASE)
    assert info.value.reason == "entities_forbidden"


def test_bad_sitemaps() -> None:
    for doc in (b"<html><body>hi</body></html>", b"<urlset><url><loc>"):
        with pytest.raises(SourceError) as info:
            parse_sitemap(doc, BASE)
        assert info.value.reason == "bad_sitemap"


def test_page_url_prefers_canonical_then_og() -> None:
    assert page_url(b'<head><link href="https://a.test/x" rel="canonical"></head>') == "https://a.test/x"
    assert page_url(b"<meta property='og:url' content='https://a.test/og'>") == "https://a.test/og"
    assert page_url(b'<link rel="canonical" href="/relative">') is None


def _collect(
    settings_data: dict[str, object], base: Path, fetch: dict[str, bytes] | None = None
) -> list[Item]:
    s = settings_from_dict(settings_data, base)
    fetch = fetch or {}

    async def fetch_entry(url: str) -> bytes | None:
        return fetch[url]

    async def go() -> list[Item]:
        out: list[Item] = []
        for src in s.sources:
            out += [item async for item in iter_source(src, s, fetch_entry)]
        return out

    return asyncio.run(go())


def test_files_source_items_are_identified_by_path(tmp_path: Path) -> None:
    """A file is its own page whatever its canonical says (read after admission, so nothing is read here)."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.html").write_bytes(_site("news/a1.html"))
    (tmp_path / "pages" / "b.html").write_text("<p>无规范链接</p>", encoding="utf-8")
    items = _collect(
        {"sources": [{"name": "f", "kind": "files", "paths": ["pages/*.html"], "original": True}]}, tmp_path
    )
    files = [(tmp_path / "pages" / n).resolve() for n in ("a.html", "b.html")]
    assert [i.url for i in items] == [f.as_uri() for f in files]
    assert [i.path for i in items] == files
    assert [i.size for i in items] == [f.stat().st_size for f in files]
    assert all(i.body is None and i.original and i.local for i in items)


def test_urls_source_list_and_file_with_filters(tmp_path: Path) -> None:
    (tmp_path / "list.txt").write_text(
        "# comment\nhttp://a.test/news/2\n\nhttp://a.test/video/3\n", encoding="utf-8"
    )
    items = _collect(
        {
            "sources": [
                {
                    "name": "u",
                    "kind": "urls",
                    "urls": ["http://a.test/news/1"],
                    "file": "list.txt",
                    "exclude": ["/video/"],
                }
            ]
        },
        tmp_path,
    )
    assert [i.url for i in items] == ["http://a.test/news/1", "http://a.test/news/2"]


def test_sitemap_source_walks_index_and_survives_a_broken_child(tmp_path: Path) -> None:
    fetch = {
        f"{BASE}/sitemap_index.xml": _site("sitemap_index.xml"),
        f"{BASE}/sitemap-news.xml": b"<not xml",
        f"{BASE}/sitemap-b.xml.gz": gzip.compress(_site("sitemap-b.xml")),
    }
    items = _collect(
        {"sources": [{"name": "s", "kind": "sitemap", "url": f"{BASE}/sitemap_index.xml"}]}, tmp_path, fetch
    )
    assert [i.url.rsplit("/", 1)[1] for i in items] == ["a5.html", "a6.html", "r1.html"]


def test_warc_source(tmp_path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, ctype, status, body in [
            ("http://w.test/a.html", "text/html; charset=gbk", "200 OK", "<p>中文页面</p>".encode("gbk")),
            ("http://w.test/b.png", "image/png", "200 OK", b"\x89PNG"),
            ("http://w.test/c.html", "text/html", "404 Not Found", b"gone"),
        ]:
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers
            )
            writer.write_record(rec)
    items = _collect({"sources": [{"name": "w", "kind": "warc", "path": "crawl.warc.gz"}]}, tmp_path)
    assert [(i.url, i.charset) for i in items] == [("http://w.test/a.html", "gbk")]
    assert items[0].body is not None and items[0].body.decode("gbk") == "<p>中文页面</p>"
