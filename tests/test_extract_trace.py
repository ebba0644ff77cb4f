"""The extraction trace (``extract_all(..., trace=Trace())``) behind ``cleanfeed explain``.

It must change nothing in the result, and account for every character the record says was removed:
the per-rule counts rebuilt from the trace's paragraphs, cuts and DOM drops equal ``Article.removed``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import cleanfeed
from cleanfeed.extract import Trace
from cleanfeed.extract.body import select_main
from cleanfeed.extract.dom import parse
from cleanfeed.extract.rules import RuleSet
from cleanfeed.extract.walk import linearize

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(
    [
        *(ROOT / "tests" / "fixtures" / "pages").glob("*.html"),
        *(ROOT / "configs" / "demo" / "pages").glob("*/*.html"),
    ]
)


def _count(text: str) -> int:
    return len("".join(text.split()))


def _rebuilt_removed(trace: Trace) -> Counter[str]:
    """Characters removed per rule, from the trace's pieces alone."""
    assert trace.page is not None and trace.selection is not None
    sel = trace.selection
    out: Counter[str] = Counter()
    kept = {id(p) for s in trace.stories for p in (*s.paras, *s.heads)}
    whole = {id(c.para) for c in trace.cuts if c.whole}
    for c in trace.cuts:
        out[c.rule] += _count(c.text)
    for p in trace.paras:
        if p.removed_by is not None and id(p) not in whole:
            out[p.removed_by] += _count(p.text)
        elif p.removed_by is None and id(p) not in kept:
            out["title_repeat"] += _count(p.text)  # a leading line repeating the headline
    for pos, rule, n in trace.page.dropped:
        if sel.first <= pos <= sel.end:
            out[rule] += n
    return +out


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_trace_changes_nothing_and_accounts_for_every_removal(path: Path) -> None:
    html = path.read_bytes()
    try:
        plain = cleanfeed.clean_html_all(html)
    except cleanfeed.Drop as drop:
        trace = Trace()
        with pytest.raises(cleanfeed.Drop) as again:
            cleanfeed.clean_html_all(html, trace=trace)
        assert again.value.reason == drop.reason
        return
    trace = Trace()
    traced = cleanfeed.clean_html_all(html, trace=trace)
    assert [a.model_dump() for a in traced] == [a.model_dump() for a in plain]
    assert _rebuilt_removed(trace) == Counter(plain[0].removed)
    # Kept paragraphs, story by story, are the records' text.
    assert ["\n".join(p.text for p in s.paras) for s in trace.stories] == [a.text for a in plain]
    # Every paragraph's block is the right one: its raw text normalizes to the paragraph before rules.
    assert trace.selection is not None and trace.page is not None
    for p, before in zip(trace.paras, trace.before_rules, strict=True):
        raw = trace.page.blocks[trace.selection.first + p.block].text
        assert before, raw
        if not trace.normalize or not trace.normalize.converted:
            assert "".join(before.split())[:4] in "".join(cleanfeed.normalize_text(raw).split())


def test_runner_up_is_outside_the_main_block_and_scores_lower() -> None:
    html = (ROOT / "configs" / "demo" / "pages" / "reposts" / "kuaixun_zhejiang_wanyi.html").read_bytes()
    trace = Trace()
    cleanfeed.clean_html_all(html, trace=trace)
    sel, alt, page = trace.selection, trace.runner_up, trace.page
    assert sel is not None and alt is not None and page is not None
    assert alt.end <= sel.first or alt.first >= sel.end
    assert alt.score <= sel.score
    assert select_main(page) == sel


def test_dom_drops_keep_their_text_only_when_traced() -> None:
    story = "".join(
        f"<p>第{i}段：这是一篇测试新闻的正文，讲述了本地发生的一件事情，内容完整。</p>" for i in range(6)
    )
    html = (
        "<html><body><nav>首页 新闻 体育 财经</nav>"
        f"<div class='article'>{story}<p style='display:none'>隐藏的关键词堆砌文字不应出现</p></div>"
        "</body></html>"
    )
    trace = Trace()
    art = cleanfeed.clean_html_all(html, trace=trace)[0]
    assert trace.page is not None and trace.page.dropped_text is not None
    dropped = dict(zip((r for _, r, _ in trace.page.dropped), trace.page.dropped_text, strict=True))
    assert dropped == {"page_chrome": "首页 新闻 体育 财经", "hidden": "隐藏的关键词堆砌文字不应出现"}
    assert "隐藏" not in art.text and art.removed.get("hidden") == 14
    assert linearize(parse(html), RuleSet.default()).dropped_text is None  # untraced: no text kept


def test_a_dropped_page_still_shows_how_far_it_got() -> None:
    html = (ROOT / "configs" / "demo" / "pages" / "reposts" / "kuaixun_404.html").read_bytes()
    trace = Trace()
    with pytest.raises(cleanfeed.Drop):
        cleanfeed.clean_html_all(html, trace=trace)
    assert trace.page is not None and trace.page.blocks
