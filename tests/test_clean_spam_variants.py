"""Injected spam laid out differently from the seeds (issue #10, class 6): detected by structure and
content, not by the seeds' exact layout. Pages and spam strings are written here."""

from __future__ import annotations

from tests.test_extract_classes import BODY, TITLE, _has_body, _page, _paras, canon

import cleanfeed
from cleanfeed.extract import RuleSet
from cleanfeed.extract.core import _without_dropped

HEAD = "《午夜剧场高清免费看》"
META = "发布时间：2026-03-08 21:14:05 星河影院 来自江西"
SALAD = [
    "据了解，该品牌今年推出的三款新车均搭载了最新一代混合动力系统，百公里油耗明显下降。",
    "另有消息称，某地海鲜市场的梭子蟹价格连续两周下跌，市民采购热情高涨。",
]
DISCLAIMER = "本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！"


def _article(inner: str) -> str:
    return _page(f"<div class='article'><h1>{TITLE}</h1><div class='text'>{inner}</div></div>")


def _no_spam(text: str) -> bool:
    return not any(canon(s) in canon(text) for s in [HEAD, META, *SALAD])


def test_title_and_meta_on_one_line() -> None:
    spam = f"<p>{HEAD}<span>{META}</span></p><p>{''.join(SALAD)}</p>"
    art = cleanfeed.clean_html(_article(_paras(BODY[:2]) + spam + _paras(BODY[2:])))
    assert _has_body(art.text) and _no_spam(art.text) and art.removed["spam_block"] > 0


def test_whole_block_inside_one_paragraph() -> None:
    spam = f"<p>{HEAD} {META} {''.join(SALAD)}</p>"
    art = cleanfeed.clean_html(_article(_paras(BODY[:3]) + spam + _paras(BODY[3:])))
    assert _has_body(art.text) and _no_spam(art.text)


def test_block_glued_to_the_end_of_a_story_paragraph() -> None:
    glued = f"<p>{BODY[1]}<span>{HEAD}{META}{''.join(SALAD)}</span></p>"
    art = cleanfeed.clean_html(_article(f"<p>{BODY[0]}</p>{glued}{_paras(BODY[2:])}"))
    assert _has_body(art.text) and _no_spam(art.text)


def test_consecutive_blocks_of_different_layouts() -> None:
    spam = (
        f"<p>{HEAD} {META} {SALAD[0]}</p><p>{HEAD}<b>{META}</b></p><p>{SALAD[1]}</p>"
        f"<p>《夜色直播间下载》<span>{META}</span></p><p>{SALAD[0]}</p>"
    )
    art = cleanfeed.clean_html(_article(_paras(BODY) + spam))
    assert _has_body(art.text) and _no_spam(art.text) and "夜色直播间" not in art.text


def test_escaped_markup_paragraph_goes() -> None:
    spam = "<p>&lt;kbd id=&quot;Xk9pQ2&quot;&gt;&lt;/kbd&gt;</p>"
    inline = f"<p>{BODY[1][:20]}&lt;em lang=&quot;a8&quot;&gt;&lt;/em&gt;{BODY[1][20:]}</p>"
    art = cleanfeed.clean_html(_article(f"<p>{BODY[0]}</p>{spam}{inline}{_paras(BODY[2:])}"))
    assert _has_body(art.text) and "<kbd" not in art.text and "<em" not in art.text
    assert art.removed["markup_text"] > 0


def test_disclaimer_glued_to_a_paragraph_is_cut_at_the_sentence() -> None:
    glued = f"<p>{BODY[4]}{DISCLAIMER}</p>"
    art = cleanfeed.clean_html(_article(_paras(BODY[:4]) + glued))
    assert _has_body(art.text) and "不代表本网站观点" not in art.text
    assert art.removed["disclaimer"] > 0


def test_short_photo_story_wins_over_an_injected_block() -> None:
    caption = "12月6日，市民在江城地铁九号线东湖站乘车，首班列车于上午9时发车。"
    spam = f"<div class='txt2'><h3>{HEAD}</h3><p>{META}</p><p>{''.join(SALAD)}</p></div>"
    art = cleanfeed.clean_html(_article(f"<p><img src='a.jpg'></p><p>{caption}</p>{spam}"))
    assert "东湖站乘车" in art.text and _no_spam(art.text)


def test_hidden_by_other_means_goes() -> None:
    for attr in ("style='opacity:0'", "style='font-size:0'", "style='position:absolute;left:-9999px'"):
        spam = f"<div {attr}><p>{HEAD}</p><p>{META}</p><p>{''.join(SALAD)}</p></div>"
        art = cleanfeed.clean_html(_article(_paras(BODY[:2]) + spam + _paras(BODY[2:])))
        assert _has_body(art.text) and _no_spam(art.text), attr


def test_the_fallback_reads_the_page_without_hidden_and_selected_elements() -> None:
    html = (
        "<div style='display:none'><p>隐藏的广告文字</p></div><p class='hidden'>另一段隐藏文字</p>"
        "<div class='share'>分享到微信</div><p>看得见的正文。</p>"
    )
    out = _without_dropped(html, RuleSet.default())
    assert "看得见的正文" in out
    assert "隐藏的广告文字" not in out and "另一段隐藏文字" not in out and "分享到微信" not in out
