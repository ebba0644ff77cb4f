"""Edge clauses: UI prompts and counters glued to a paragraph's start or end (``edge`` rules).

The guard is the sentence boundary, so the false-positive cases matter as much as the spam ones:
story sentences using the same words (点击查看, 打开APP阅读全文, 300人参与) must survive intact.
"""

from __future__ import annotations

import pytest

import cleanfeed
from cleanfeed.extract import RuleSet, rule_from_dict
from cleanfeed.extract.edges import matcher, peel
from cleanfeed.extract.filters import Para, apply_rules

STORY = "记者从国家统计局获悉，今年前三季度全国规模以上工业增加值同比增长，经济运行总体平稳。"
EDGES = matcher(RuleSet.default().of("edge"))


def _kept(*texts: str) -> list[str]:
    out = apply_rules([Para(t) for t in texts], RuleSet.default())
    return [p.text for p in out.paras]


@pytest.mark.parametrize(
    "glued",
    [
        "点击查看全文",
        "展开全文",
        "收起全文",
        "直接打开",
        "APP内打开",
        "打开APP，阅读全文",
        "打开APP阅读更多精彩内容",
        "下载客户端，看更多精彩内容",
        "扫码下载客户端",
        "剩余80%内容，打开APP继续阅读",
        "打开今日头条，阅读全文",
        "（点击查看大图）",
        "举报",
        "赞（186）",
        "已有652人参与",
        "9人已收藏",
        "下载客户端，看更多精彩内容点击查看全文举报",
        # Wordings not in the benchmark's pools: the grammar, not a list, must catch them.
        "点击阅读原文>>",
        "打开网易新闻，查看完整内容",
        "在客户端内阅读",
        "继续阅读",
        "浏览量：8544766",
        "1.2万人已点赞",
        "还剩75%未读，继续阅读",
        "打开腾讯新闻，查看更多精彩内容",
        "去APP看完整版",
        "阅读量 10万+",
        "评论(25)",
        "【有0人参与】",
    ],
)
def test_a_prompt_glued_to_the_end_of_a_paragraph_is_cut(glued: str) -> None:
    assert _kept(STORY + glued) == [STORY]


def test_the_cut_is_counted_under_the_clause_rules() -> None:
    out = apply_rules([Para(STORY + "打开APP，阅读全文赞（186）")], RuleSet.default())
    assert out.removed["app_edge"] == len("打开APP，阅读全文")
    assert out.removed["counter_edge"] == len("赞（186）")
    assert [p.text for p in out.paras] == [STORY]


@pytest.mark.parametrize("lead", ["【展开全文】", "展开全文 ", "阅读 3000 ", "点击查看全文 | "])
def test_a_prompt_set_off_at_the_start_of_a_paragraph_is_cut(lead: str) -> None:
    assert _kept(lead + STORY) == [STORY]


@pytest.mark.parametrize(
    "line",
    [
        "876人支持912人已收藏展开分享成功",
        "赞（831）9人已收藏查看更多收藏",
        "浏览量：2452068举报",
        "点赞（918）赞（325）浏览量：8544766查看更多分享成功",
        "扫码下载客户端打开APP阅读更多精彩内容",
    ],
)
def test_a_line_made_only_of_clauses_goes(line: str) -> None:
    out = apply_rules([Para(STORY), Para(line)], RuleSet.default())
    assert [p.text for p in out.paras] == [STORY]
    assert sum(out.removed.values()) == len(line)


@pytest.mark.parametrize(
    "sentence",
    [
        "记者点击查看了该平台的全文",
        "用户可以打开APP阅读全文",
        "用户可以打开 APP 阅读全文",
        "他说，用户可以打开APP阅读全文。",
        "据介绍，该平台已有652人参与",
        "活动当天，共3000人参与",
        "阅读全文后，我发现问题不少。",
        "打开APP，点击右下角“我的”，进入设置页面",
        "他打开今日头条，阅读全文",
        "市民可扫码下载",
        "老人最大的爱好就是收藏",
        "分享 经济的发展带来了新的就业机会。",
        "直接打开阀门后，水流恢复正常。",
        "孩子们在图书馆安静地阅读。",
        "已有超过一万名用户下载了这款APP。",
        "网友在视频下发表了300条评论。",
    ],
)
def test_story_sentences_using_prompt_words_survive(sentence: str) -> None:
    rest, cuts = peel(sentence, EDGES) if EDGES else (sentence, [])
    assert (rest, cuts) == (sentence, [])
    assert _kept(STORY, sentence) == [STORY, sentence]


def test_clean_html_strips_glued_prompts_and_keeps_the_story() -> None:
    body = "".join(
        f"<p>　　第{i}段：{STORY}<span class='s-link'>{tail}</span></p>"
        for i, tail in enumerate(["展开全文", "", "打开APP，阅读全文", ""])
    )
    html = f"<html><body><h1>统计局发布数据</h1><div class='content'>{body}</div></body></html>"
    art = cleanfeed.clean_html(html)
    assert "展开全文" not in art.text and "打开APP" not in art.text
    assert art.text.count(STORY) == 4
    assert art.removed["prompt_edge"] == len("展开全文")


def test_footer_lines_around_a_copyright_line_go_with_it() -> None:
    footer = (
        "<div class='foot'>关于我们<br>联系方式<br>本站由网友自发收集整理<br>"
        "Copyright © 2015-2026 All Rights Reserved<br>粤ICP备15087234号</div>"
    )
    paras = [f"<p>　　第{i}段：{STORY}</p>" for i in range(4)]
    body = "".join([*paras[:2], footer, *paras[2:]])
    html = f"<html><body><h1>统计局发布数据</h1><div class='content'>{body}</div></body></html>"
    art = cleanfeed.clean_html(html)
    for s in ("关于我们", "联系方式", "本站由网友", "Copyright", "ICP"):
        assert s not in art.text, s


def test_footer_group_takes_short_lines_of_the_footer_box_only() -> None:
    lines = [Para(STORY, elem=3), Para("网站导读", elem=5), Para("Copyright © 2026 某某网 版权所有", elem=5)]
    out = apply_rules(lines, RuleSet.default())
    assert [p.text for p in out.paras] == [STORY]
    assert out.removed["footer_group"] == len("网站导读")
    # The story's own lines sharing the element (text broken by <br>) stay.
    lines = [Para(STORY, elem=5), Para("Copyright © 2026 某某网 版权所有", elem=5)]
    assert [p.text for p in apply_rules(lines, RuleSet.default()).paras] == [STORY]


@pytest.mark.parametrize(
    "line", ["关于我们", "联系我们 | 广告服务 | 网站地图", "招聘信息", "本站由网友自发收集整理"]
)
def test_site_furniture_lines_go(line: str) -> None:
    assert _kept(STORY, line) == [STORY]


def test_furniture_words_inside_a_story_sentence_stay() -> None:
    text = "关于我们这一代人的成长经历，他在书中写道，联系方式的变化折射出通信技术的进步。"
    assert _kept(STORY, text) == [STORY, text]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "x", "kind": "edge", "pattern": "(?P<a>展开)"}, "named groups"),
        ({"name": "x", "kind": "edge", "pattern": "(展开)?"}, "empty string"),
    ],
)
def test_bad_edge_rules_are_rejected(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rule_from_dict(entry)


def test_a_site_edge_rule_joins_the_peel() -> None:
    rules = RuleSet.default().extend([{"name": "site_more", "kind": "edge", "pattern": "戳我看更多"}])
    out = apply_rules([Para(STORY + "戳我看更多")], rules.for_host(None))
    assert [p.text for p in out.paras] == [STORY]
    assert out.removed["site_more"] == len("戳我看更多")


def _body(paragraph: str) -> str:
    story = "".join(f"<p>　　第{i}段：{STORY}</p>" for i in range(3))
    body = f"<div class='content'>{story}<p>{paragraph}</p></div>"
    return f"<html><body><h1>统计局发布数据</h1>{body}</body></html>"


def test_a_prompt_that_is_an_element_of_its_own_goes_without_a_sentence_end() -> None:
    art = cleanfeed.clean_html(
        _body("人大代表建议公款消费禁喝茅台酒<span class='s'>打开APP阅读更多精彩内容</span>")
    )
    assert "打开APP" not in art.text
    assert "人大代表建议公款消费禁喝茅台酒" in art.text


@pytest.mark.parametrize(
    "markup",
    [
        "用户可以<strong>打开APP</strong>阅读全文",  # bare text ends the line: the sentence's own words
        "据统计，<b>共3000人参与</b>",  # emphasis after a comma: the sentence goes on into it
        "记者<em>点击查看</em>了该平台的全文",
    ],
)
def test_emphasis_inside_a_story_sentence_is_not_a_widget(markup: str) -> None:
    art = cleanfeed.clean_html(_body(markup))
    plain = markup
    for tag in ("<strong>", "</strong>", "<b>", "</b>", "<em>", "</em>"):
        plain = plain.replace(tag, "")
    assert plain in art.text.replace(" ", "")


@pytest.mark.parametrize("widget", ["<p>赞(437)浏览量：5970756展开</p>", "<h3>延伸阅读</h3>"])
def test_a_widget_line_above_the_story_is_not_taken_for_the_headline(widget: str) -> None:
    story = "".join(f"<p>　　第{i}段：{STORY}</p>" for i in range(3))
    body = f"{widget}<div class='content'>{story}</div>"
    html = f"<html><head><title>某某网</title></head><body>{body}</body></html>"
    art = cleanfeed.clean_html(html)
    assert art.title is None or ("浏览量" not in art.title and "延伸阅读" not in art.title)
