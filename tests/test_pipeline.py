"""Pipeline stages: counting per stage and reason, dedup wiring, cleaning of fetched pages."""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path

import pytest

from cleanfeed.dedup import DedupIndex
from cleanfeed.errors import ConfigError, Drop, FetchError
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


STORY = "\n".join(
    f"第{i}段：广东省统计局最新数据显示，全省先进制造业增加值同比增长百分之{i + 5}，产业结构持续优化升级。"
    for i in range(8)
)


def test_dedup_stage_marks_adds_and_returns_late_links_as_values(tmp_path: Path) -> None:
    """A repost met before its original is linked when the original arrives: the link comes back from
    ``decide`` with the original, not through a list someone must read and clear."""
    index = DedupIndex(tmp_path / "i.db")
    stage = DedupStage(index)
    early, links = stage.decide(Article(id="r1", url="http://b/early-repost", text=STORY).finalize())
    assert early.duplicate_of is None and links == []
    orig, links = stage.decide(Article(url="http://a/orig", text=STORY, original=True).finalize())
    assert orig.duplicate_of is None
    assert [(ln["repost_url"], ln["original_url"], ln["original_id"], ln["kind"]) for ln in links] == [
        ("http://b/early-repost", "http://a/orig", orig.id, "exact")
    ]
    late, links = stage.decide(Article(url="http://c/late-repost", text=STORY).finalize())
    assert (late.duplicate_of, late.dup_kind, late.similarity, links) == ("http://a/orig", "exact", 1.0, [])
    assert (
        stage.process(Article(url="http://d/other", text=STORY.replace("广东", "湖南"))).url
        == "http://d/other"
    )
    index.close()


def test_dedup_switches_itself_off_when_unavailable(tmp_path: Path) -> None:
    assert open_dedup(False, tmp_path / "i.db").status.startswith("off")

    def broken(conn: sqlite3.Connection) -> DedupIndex:
        raise RuntimeError("no index today")

    handle = open_dedup(True, tmp_path / "i.db", factory=broken)
    assert handle.stage is None and "no index today" in handle.status
    handle.close()


def test_dedup_index_shares_our_transaction(tmp_path: Path) -> None:
    """The index's own database is opened in one transaction: closed without a commit, nothing stays."""
    handle = open_dedup(True, tmp_path / "i.db")
    assert handle.stage is not None
    handle.stage.decide(Article(url="http://a/orig", text=STORY, original=True).finalize())
    handle.close()  # closed without commit: rolled back
    handle = open_dedup(True, tmp_path / "i.db")
    assert handle.stage is not None
    handle.stage.decide(Article(url="http://a/orig", text=STORY, original=True).finalize())
    handle.commit()
    handle.close()
    conn = sqlite3.connect(tmp_path / "i.db")
    assert conn.execute("SELECT COUNT(*) FROM dedup_docs").fetchone()[0] == 1
    conn.close()


def test_clean_page_uses_header_charset_and_final_url() -> None:
    page = Page(
        url="http://a/x", final_url="http://a/y", source="s", body=GBK_PAGE.encode("gbk"), charset="gbk"
    )
    art = clean_page(page)
    assert "先进制造业" in art.text
    assert (art.url, art.final_url) == ("http://a/x", "http://a/y") and art.source == "s" and art.id


def test_clean_job_returns_a_drop_that_pickles_as_itself() -> None:
    out = clean_job(Page(url="http://a/x", body=b""), None)
    assert isinstance(out, Drop) and out.reason == "empty"
    for exc in (
        Drop("too_large", "12 MB"),
        FetchError("status_404", "http://a/x", "gone"),
        ConfigError("k", "m"),
    ):
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc) and vars(back) == vars(exc) and str(back) == str(exc)


def test_step_counts_in_out_and_dropped() -> None:
    p = Pipeline([])
    with p.step("fetch"):
        pass
    for exc in (FetchError("timeout", "http://a/"), Drop("empty"), ValueError("bug")):
        with pytest.raises(type(exc)), p.step("fetch"):
            raise exc
    assert p.count("fetch").as_dict() == {
        "in": 4,
        "out": 1,
        "dropped": {"empty": 1, "internal_error": 1, "timeout": 1},
    }


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
