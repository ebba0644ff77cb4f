"""extraction_confidence: on every record, in [0, 1], and lower where the extraction is doubtful."""

from __future__ import annotations

from tests.test_extract_classes import BODY, SALAD, TITLE, _page, _paras

import cleanfeed


def _conf(html: str) -> float:
    conf = cleanfeed.clean_html(html).extraction_confidence
    assert conf is not None and 0.0 <= conf <= 1.0
    return conf


def test_every_story_of_a_page_has_a_confidence() -> None:
    body = f"<div class='article'><h1>{TITLE}</h1><div class='text'>{_paras(BODY)}</div></div>"
    for art in cleanfeed.clean_html_all(_page(body)):
        assert art.extraction_confidence is not None and 0.0 <= art.extraction_confidence <= 1.0


def test_a_clean_article_is_trusted_more_than_one_with_leaked_headlines() -> None:
    clean = _conf(_page(f"<div class='article'><h1>{TITLE}</h1><div class='text'>{_paras(BODY)}</div></div>"))
    # Unlinked headlines of other stories and an off-topic paragraph left inside the container.
    leaks = [
        "某地小龙虾收购价格上涨两成",
        "新款护肤精华宣传涉嫌夸大",
        "手机游戏新赛季服务器排队",
        SALAD,
    ]
    text = _paras(BODY[:3] + leaks + BODY[3:])
    leaky = _conf(_page(f"<div class='article'><h1>{TITLE}</h1><div class='text'>{text}</div></div>"))
    assert clean > leaky


def test_a_tiny_result_beside_a_bigger_text_block_is_trusted_less() -> None:
    clean = _conf(_page(f"<div class='article'><h1>{TITLE}</h1><div class='text'>{_paras(BODY)}</div></div>"))
    # The chosen block is one short paragraph; most of the page's text is elsewhere (a comment
    # area the scorer ranks lower).
    body = (
        f"<div class='article'><h1>{TITLE}</h1><div class='text'><p>{BODY[0]}</p></div></div>"
        f"<div class='comment'>{_paras([b[::-1] for b in BODY[1:]])}</div>"
    )
    assert _conf(_page(body)) < clean


def test_rejects_carry_no_confidence() -> None:
    assert cleanfeed.models.Article.rejected("not_article").extraction_confidence is None
