"""Pipeline stages: counting per stage and reason, dedup wiring, cleaning of fetched pages."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cleanfeed.errors import Drop
from cleanfeed.models import Article, Page
from cleanfeed.pipeline import DedupStage, Pipeline, clean_job, clean_page, open_dedup

GBK_PAGE = (
    "<html><head><title>标题</title></head><body><h1>广东制造业稳步增长</h1>"
    + "".join(
        f"<p>第{i}段：广东省统计局最新数据显示，先进制造业增加值同比增长，产业结构持续优化升级。</p>"
        for i in range(6)
    )
    + "</body></html>"
)


class Upper:
    name = "upper"

    def process(self, article: Article) -> Article:
        article.title = (article.title or "").upper()
        return article


class DropShort:
    name = "short"

    def process(self, article: Article) -> Article:
        if len(article.text) < 5:
            raise Drop("too_short")
        return article


class Broken:
    name = "broken"

    def process(self, article: Article) -> Article:
        raise ValueError("bug")


def test_pipeline_counts_per_stage_and_reason() -> None:
    p = Pipeline([Upper(), DropShort()])
    assert p.process(Article(title="ab", text="long enough")).title == "AB"
    with pytest.raises(Drop):
        p.process(Article(text="x"))
    assert p.counts["upper"].as_dict() == {"in": 2, "out": 2, "dropped": {}}
    assert p.counts["short"].as_dict() == {"in": 2, "out": 1, "dropped": {"too_short": 1}}


def test_a_failing_stage_costs_one_page() -> None:
    p = Pipeline([Broken()])
    with pytest.raises(Drop) as info:
        p.process(Article(text="x"))
    assert info.value.reason == "internal_error"
    assert p.counts["broken"].dropped == {"internal_error": 1}


@dataclass
class FakeMatch:
    duplicate_of: str
    kind: str
    similarity: float
    share: float | None = None


@dataclass
class FakeLink:
    repost_url: str
    kind: str
    similarity: float


class FakeIndex:
    def __init__(self) -> None:
        self.added: list[tuple[str | None, bool]] = []

    def match(self, article: Article) -> FakeMatch | None:
        if article.url == "http://b/repost":
            return FakeMatch("http://a/orig", "near", 0.93, 0.8)
        return None

    def add(self, article: Article, original: bool) -> None:
        self.added.append((article.url, original))

    def late_links(self, original_article: Article) -> list[Any]:
        return [FakeLink("http://c/early-repost", "near", 0.9)]

    def close(self) -> None:
        pass


def test_dedup_stage_marks_adds_and_links() -> None:
    idx = FakeIndex()
    stage = DedupStage(idx)
    rep = stage.process(Article(url="http://b/repost", text="x"))
    assert (rep.duplicate_of, rep.dup_kind, rep.similarity, rep.dup_share) == (
        "http://a/orig",
        "near",
        0.93,
        0.8,
    )
    orig = stage.process(Article(id="o1", url="http://a/orig2", text="y", original=True))
    assert orig.duplicate_of is None
    assert idx.added == [("http://b/repost", False), ("http://a/orig2", True)]
    assert stage.links == [
        {
            "repost_url": "http://c/early-repost",
            "kind": "near",
            "similarity": 0.9,
            "original_id": "o1",
            "original_url": "http://a/orig2",
        }
    ]


def test_dedup_switches_itself_off_when_unavailable(tmp_path: Path) -> None:
    assert open_dedup(False, tmp_path / "i.db").status.startswith("off")

    def broken(conn: sqlite3.Connection) -> Any:
        raise RuntimeError("no index today")

    handle = open_dedup(True, tmp_path / "i.db", factory=broken)
    assert handle.stage is None and "no index today" in handle.status
    handle.close()


def test_dedup_index_shares_our_transaction(tmp_path: Path) -> None:
    def factory(conn: sqlite3.Connection) -> FakeIndex:
        conn.execute("CREATE TABLE IF NOT EXISTS t(x)")
        conn.execute("INSERT INTO t VALUES (1)")
        return FakeIndex()

    open_dedup(True, tmp_path / "i.db", factory=factory).close()  # closed without commit: rolled back
    handle = open_dedup(True, tmp_path / "i.db", factory=factory)
    handle.commit()
    handle.close()
    conn = sqlite3.connect(tmp_path / "i.db")
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
    conn.close()


def test_clean_page_uses_header_charset_and_final_url() -> None:
    page = Page(
        url="http://a/x", final_url="http://a/y", source="s", body=GBK_PAGE.encode("gbk"), charset="gbk"
    )
    art = clean_page(page)
    assert "先进制造业" in art.text
    assert (art.url, art.final_url) == ("http://a/x", "http://a/y") and art.source == "s" and art.id


def test_clean_job_returns_drops_as_tuples() -> None:
    assert clean_job(Page(url="http://a/x", body=b""), None) == ("empty", "")


def test_run_with_an_injected_transport(tmp_path: Path) -> None:
    """``cleanfeed.run(settings, transport=...)``: the whole run over ``httpx.MockTransport``, no sockets."""
    import httpx

    import cleanfeed

    site = Path(__file__).parent / "fixtures" / "site"
    base = "http://127.0.0.1:9"

    def handler(req: httpx.Request) -> httpx.Response:
        path = req.url.path
        if path == "/robots.txt":
            return httpx.Response(404)
        file = site / path.lstrip("/")
        if not file.is_file():
            return httpx.Response(404)
        body = file.read_bytes().replace(b"{{base}}", base.encode())
        ctype = "application/xml" if path.endswith(".xml") else "text/html; charset=utf-8"
        return httpx.Response(200, content=body, headers={"content-type": ctype})

    settings = cleanfeed.load_settings(
        None,
        output={"dir": str(tmp_path / "out")},
        state={"path": str(tmp_path / "state.db")},
        fetch={"per_host_delay": 0, "retries": 0, "allow_private_hosts": ["127.0.0.1"]},
        sources=[{"name": "s", "kind": "sitemap", "url": f"{base}/sitemap-news.xml"}],
    )
    result = cleanfeed.run(settings, transport=httpx.MockTransport(handler))
    assert result.exit_code == 0 and result.counts["articles"] == 2
    assert result.folder is not None and (result.folder / "manifest.json").exists()
