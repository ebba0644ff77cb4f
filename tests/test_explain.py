"""``cleanfeed explain``: every removed piece is shown under its rule, the story plainly.

The oracle is independent of the extractor: the hand-checked spam and story snippets of the fixture
pages (tests/fixtures/pages/cases.json must_exclude / must_include), and the records' own counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

import cleanfeed
import cleanfeed.decode
from cleanfeed.explain import OUTSIDE, Explanation, render_html

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "pages"
CASES: dict[str, dict[str, Any]] = json.loads((FIXTURES / "cases.json").read_text(encoding="utf-8"))["cases"]
REPOSTS = sorted((ROOT / "configs" / "demo" / "pages" / "reposts").glob("*.html"))


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _kept_text(node: LexborNode) -> str:
    """A kept block's text without the parts cut from it (``span[data-rule]``) and the labels."""
    clone = LexborHTMLParser(node.html or "")
    for sel in ("span[data-rule]", ".tag", ".raw"):
        for n in clone.css(sel):
            n.decompose()
    return clone.body.text() if clone.body else ""


def _rendered(path: Path, url: str | None = None) -> tuple[Explanation, LexborHTMLParser]:
    exp = cleanfeed.explain(path.read_bytes(), url)
    return exp, LexborHTMLParser(render_html(exp))


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if not c.get("reject")))
def test_every_spam_snippet_is_under_a_rule_and_the_story_is_kept(name: str) -> None:
    case = CASES[name]
    exp, doc = _rendered(FIXTURES / case["file"], case.get("url"))
    assert exp.drop_reason is None
    kept = [_key(_kept_text(n)) for n in doc.css("[data-kept]")]
    ruled = [(n.attributes.get("data-rule"), _key(n.text())) for n in doc.css("[data-rule]")]
    kept_all = "".join(kept)
    for snippet in case["must_include"]:
        assert _key(snippet) in kept_all, snippet
    # (snippets only in <head>, such as a <title> suffix, are not page text: no block to show)
    decoded = cleanfeed.decode.decode_html((FIXTURES / case["file"]).read_bytes())[0]
    tree = LexborHTMLParser(decoded)
    body = _key(cleanfeed.normalize_text(tree.body.text(separator="\n") if tree.body else ""))
    missing = []
    for snippet in case.get("must_exclude", []):
        k = _key(snippet)
        if k not in body:
            continue
        assert not any(k in t for t in kept), f"spam shown as kept: {snippet}"
        if not any(k in t for _, t in ruled):
            missing.append(snippet)
    assert not missing, f"spam not shown under any rule: {missing}"


@pytest.mark.parametrize("path", REPOSTS, ids=lambda p: p.name)
def test_demo_reposts_show_each_removal_under_its_rule(path: Path) -> None:
    exp, doc = _rendered(path)
    try:
        records = cleanfeed.clean_html_all(path.read_bytes())
    except cleanfeed.Drop as drop:
        assert exp.drop_reason == drop.reason
        assert doc.css_first("#verdict").text().startswith(f"dropped: {drop.reason}")
        return
    # The stories, as written to the records, are the kept blocks (headlines aside).
    assert [s.text for s in exp.stories] == [a.text for a in records]
    body = [b for b in exp.blocks if b.status == "kept"]
    assert "\n".join(b.text for b in body) == "\n".join(a.text for a in records)
    # The legend's characters per rule are the record's, each rule shown on at least one block.
    legend = {
        n.attributes["data-legend"]: int(n.css_first("[data-chars]").attributes["data-chars"] or -1)
        for n in doc.css("tr[data-legend]")
    }
    assert {r: legend[r] for r in records[0].removed} == records[0].removed
    shown = {n.attributes.get("data-rule") for n in doc.css("[data-rule]")}
    assert set(records[0].removed) <= shown
    # Every removed spam paragraph in the main block is its own element, labelled with its rule.
    spam = [b for b in exp.blocks if b.rule == "spam_block"]
    if "spam_block" in records[0].removed:
        assert spam
        nodes = {_key(n.text()) for n in doc.css('[data-rule="spam_block"]')}
        assert all(any(_key(b.text) in t for t in nodes) for b in spam)
        assert sum(len(_key(b.text)) for b in spam) == records[0].removed["spam_block"]


# The demo's spam reposts of an original (configs/demo/README.md): the original page, written clean by the
# generator, is the oracle for the story; whatever else the repost's body says is spam or boilerplate.
DEMO_COPIES = {
    "kuaixun_zhejiang_wanyi": "chinanews_zhejiang_wanyi",
    "toutiao_hot_zhejiang_ai": "chinanews_zhejiang_ai_highland",
    "big5_mirror_zhejiang_wanyi": "chinanews_zhejiang_wanyi",
    "518zixun_ai_plus_race": "xinhua_ai_plus_race",
    "kuaixun_rail_excerpt": "chinanews_spring_rail",
    "hnxinwen_rail_copy": "chinanews_spring_rail",
    "lvyou_metro_copy": "zjol_hangzhou_metro",
    "zixun_yangtze_copy": "xinhua_yangtze_ban",
}


@pytest.mark.parametrize("name", sorted(DEMO_COPIES))
def test_demo_spam_repost_shows_all_its_spam_under_rules_and_the_story_kept(name: str) -> None:
    demo = ROOT / "configs" / "demo" / "pages"
    original = LexborHTMLParser(
        (demo / "originals" / f"{DEMO_COPIES[name]}.html").read_text(encoding="utf-8")
    )
    story = [_key(p.text()) for p in original.css(".content p:not(.editor)")]
    assert len(story) >= 5
    exp, doc = _rendered(demo / "reposts" / f"{name}.html")
    kept = [_key(_kept_text(n)) for n in doc.css("[data-kept]")]
    ruled = [_key(n.text()) for n in doc.css("[data-rule]")]
    page = LexborHTMLParser(cleanfeed.decode.decode_html((demo / "reposts" / f"{name}.html").read_bytes())[0])
    for n in page.css("script, style"):
        n.decompose()
    assert page.body is not None
    lines = [k for x in page.body.text(separator="\n").splitlines() if (k := _key(x))]
    # Each line of the page as the repost's reader sees it (a mirror's in Traditional: compared as the
    # normalized text the explain page shows).
    simple = {k: _key(cleanfeed.normalize_text(k)) for k in lines}
    joined = "".join(simple.values())
    on_page = [s for s in story if s[:12] in joined]  # (a paragraph may be cut by tags into lines)
    assert len(on_page) >= 3  # (the excerpt repost carries the first paragraphs only)
    # The story plainly: every paragraph of it on the page is kept, and nothing kept is not story.
    kept_all = "".join(kept)
    assert [s for s in on_page if s not in kept_all] == []
    assert [k for k in kept if not any(k in s for s in story)] == []
    # Every other line of the page is shown, under the rule that removed it.
    spam = [k for k in lines if not any(simple[k] in s for s in story)]
    assert len(spam) >= 20
    unlabelled = [k for k in spam if not any(k in t or simple[k] in t for t in ruled)]
    assert unlabelled == []
    assert exp.removed  # some of it inside the article, under the cleaning rules (not only outside)


def test_outside_main_blocks_and_dom_drops_are_labelled() -> None:
    story = "".join(
        f"<p>第{i}段：这是一篇测试新闻的正文，讲述了本地发生的一件事情，内容完整。</p>" for i in range(6)
    )
    html = (
        "<html><body><div class='menu'><a href='/'>首页</a> <a href='/a'>新闻</a></div>"
        f"<div class='article'><h1>测试新闻标题</h1>{story}<p style='display:none'>隐藏的关键词堆砌</p></div>"
        "<div class='side'><p>热门文章排行榜第一名</p></div></body></html>"
    )
    exp = cleanfeed.explain(html)
    by_rule = {b.rule: b for b in exp.blocks if b.rule}
    assert by_rule["hidden"].text == "隐藏的关键词堆砌" and by_rule["hidden"].in_main
    assert by_rule[OUTSIDE].status == "outside"
    assert [b.index for b in exp.blocks] == list(range(len(exp.blocks)))
    assert exp.main is not None and exp.runner_up is not None
    assert exp.main.score > exp.runner_up.score
    assert exp.removed["hidden"] == len("隐藏的关键词堆砌")


def test_normalization_edits_are_reported() -> None:
    page = ROOT / "configs" / "demo" / "pages" / "reposts" / "haoang_ai_plus_pinyin.html"
    exp = cleanfeed.explain(page.read_bytes())
    record = cleanfeed.clean_html(page.read_bytes())
    assert exp.normalization.converted is True
    assert exp.normalization.counts == record.normalized
    assert exp.normalization.counts.get("pinyin_removed", 0) > 0
    assert exp.flags == record.flags
    # Blocks whose text normalization changed show the page's own text too.
    assert any(b.raw and "(" in b.raw for b in exp.blocks if b.status == "kept")


def test_json_is_the_same_data(tmp_path: Path) -> None:
    page = REPOSTS[0]
    out = tmp_path / "e.json"
    cmd = [sys.executable, "-m", "cleanfeed", "explain", str(page), "--json", "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert Explanation.model_validate(data) == cleanfeed.explain(page.read_bytes(), data["url"])
    assert data["url"].startswith("https://")  # the page's canonical link, as a files source gives


def test_cli_html_from_stdin_and_unreadable_file(tmp_path: Path) -> None:
    page = REPOSTS[0].read_bytes()
    proc = subprocess.run(
        [sys.executable, "-m", "cleanfeed", "explain", "-"], input=page, capture_output=True, check=False
    )
    assert proc.returncode == 0
    html = proc.stdout.decode("utf-8")
    assert html.startswith("<!doctype html>") and "data-kept" in html
    missing = subprocess.run(
        [sys.executable, "-m", "cleanfeed", "explain", str(tmp_path / "nope.html")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1 and "nope.html" in missing.stderr


def test_url_is_fetched_with_the_ssrf_guard(site: Any) -> None:
    # A loopback URL is refused by the fetcher's guard: an honest failure, not an empty page.
    proc = subprocess.run(
        [sys.executable, "-m", "cleanfeed", "explain", f"{site.base}/pages/article.html"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "cleanfeed:" in proc.stderr


def test_page_text_is_escaped() -> None:
    html = (
        "<html><body><div class='article'>"
        + "<p>第一段正文&lt;script&gt;alert(1)&lt;/script&gt;，内容完整，讲述了一件事情。</p>" * 4
        + "</div></body></html>"
    )
    page = render_html(cleanfeed.explain(html))
    assert "<script>" not in page and "&lt;script&gt;" in page
