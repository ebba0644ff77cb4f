"""The rule table: loading, validation, site rules, and what each kind of rule does to paragraphs."""

from __future__ import annotations

import pytest

import cleanfeed
from cleanfeed.extract import RuleSet, rule_from_dict
from cleanfeed.extract.filters import Para, apply_rules, coherence

BODY = "".join(
    f"<p>　　第{i}段：记者从国家统计局获悉，今年前三季度全国规模以上工业增加值同比增长，"
    "经济运行总体平稳。</p>"
    for i in range(4)
)


def _html(extra: str = "", title: str = "统计局：前三季度工业增加值同比增长") -> str:
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<div class='content'>{BODY}{extra}</div></body></html>"
    )


def test_default_table_is_versioned_and_every_rule_is_named_and_described() -> None:
    rules = RuleSet.default()
    assert rules.version >= 1
    names = rules.names()
    assert len(names) == len(set(names)), "rule names must be unique"
    for rule in rules.rules:
        assert rule.description, rule.name
    for needed in (
        "spam_block",
        "disclaimer",
        "recommend_list",
        "copyright_footer",
        "hidden",
        "caption",
        "editor",
    ):
        assert needed in names


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "x", "kind": "nope", "pattern": "a"}, "kind"),
        ({"name": "x", "kind": "line"}, "pattern"),
        ({"name": "x", "kind": "line", "pattern": "("}, "bad pattern"),
        ({"name": "has space", "kind": "line", "pattern": "a"}, "plain word"),
        ({"name": "x", "kind": "selector"}, "selector"),
        ({"name": "x", "kind": "meta", "pattern": "a", "field": "editor"}, "value"),
        ({"name": "x", "kind": "line", "pattern": "a", "colour": "red"}, "unknown keys"),
    ],
)
def test_bad_rules_are_rejected_with_a_reason(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rule_from_dict(entry)


def test_site_rules_from_dicts_apply_only_to_their_host() -> None:
    site = [
        {"name": "site_promo", "kind": "phrase", "pattern": "本站独家促销", "description": "shop promo"},
        {"name": "site_box", "kind": "selector", "selector": "div.promo-box"},
    ]
    rules = RuleSet.default().extend(site, host="example.com")
    extra = (
        "<p>本站独家促销，全场五折起！</p><div class='promo-box'>盒子里的推广文字，全部都是广告内容。</div>"
    )
    art = cleanfeed.clean_html(_html(extra), url="https://news.example.com/a.html", rules=rules)
    assert "促销" not in art.text and "盒子里" not in art.text
    assert art.removed["site_promo"] > 0 and art.removed["site_box"] > 0
    other = cleanfeed.clean_html(_html(extra), url="https://other.test/a.html", rules=rules)
    assert "本站独家促销" in other.text


def test_a_rule_can_be_switched_off_for_one_host() -> None:
    rules = RuleSet.default().extend([{"name": "caption", "enabled": False}], host="photos.test")
    assert not rules.for_host("photos.test").enabled("caption")
    assert rules.for_host("news.test").enabled("caption")
    with pytest.raises(ValueError, match="unknown rule"):
        RuleSet.default().extend([{"name": "no_such_rule", "enabled": False}])


def test_every_removal_is_attributed_to_a_rule() -> None:
    extra = (
        "<p>本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！</p>"
        "<p>打开APP，阅读全文</p><p>95人支持</p>"
        "<h3>相关阅读</h3><ul><li><a href='/a'>一条相关新闻的标题</a></li>"
        "<li><a href='/b'>另一条新闻</a></li></ul>"
        "<p>Copyright © 2026 某某网 版权所有</p>"
    )
    art = cleanfeed.clean_html(_html(extra))
    assert {"disclaimer", "recommend_list", "copyright_footer"} <= set(art.removed)
    assert art.removed["disclaimer"] == len(
        "本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！"
    )
    assert all(v > 0 for v in art.removed.values())


def test_heading_rule_takes_the_list_but_not_the_story_after_it() -> None:
    paras = [
        Para("记者从国家统计局获悉，今年前三季度全国规模以上工业增加值同比增长，经济运行总体平稳。"),
        Para("相关新闻"),
        Para("一条新闻标题", link_chars=6, in_list=True),
        Para("2026-01-17 18:39:01"),
        Para("另一条新闻标题", link_chars=7, in_list=True),
        Para("统计局新闻发言人表示，下一步将继续加大政策支持力度，推动经济持续回升向好，巩固增长势头。"),
    ]
    out = apply_rules(paras, RuleSet.default())
    kept = [p.text for p in out.paras]
    assert kept == [paras[0].text, paras[5].text]
    assert out.removed["recommend_list"] > 0


def test_meta_rules_move_editor_and_original_title_out_of_the_text() -> None:
    paras = [
        Para("（原标题：金融聚焦/两会地方经济“拼”图）"),
        Para("记者从国家统计局获悉，今年前三季度全国规模以上工业增加值同比增长，经济运行总体平稳。"),
        Para("【编辑:付子豪】"),
    ]
    out = apply_rules(paras, RuleSet.default())
    assert [p.text for p in out.paras] == [paras[1].text]
    assert out.meta == {"original_title": "金融聚焦/两会地方经济“拼”图", "editor": "付子豪"}


@pytest.mark.parametrize(
    "line",
    [
        "本文系转载，版权归原作者所有，如有侵权请联系删除。",
        "免责声明：本文仅代表作者个人观点，与本网无关。",
        "转载请注明出处。",
        "特别声明：以上内容为自媒体平台用户上传并发布，本平台仅提供信息存储服务。",
        "声明：本文内容由互联网用户自发贡献，该文观点仅代表作者本人。",
        "本文为澎湃号作者上传并发布，仅代表该作者观点，不代表澎湃新闻的观点或立场。",
        "本站部分内容来自互联网，如有侵权请联系删除。",
        "京ICP备12345678号-1",
        "京公网安备 11010502030000号",
        "增值电信业务经营许可证 京B2-20231273",
        "未经同意不得复制或镜像",
        "分享到：微信 微博 QQ空间",
        "阅读原文 阅读 7298663",
        "下载客户端",
        "点击查看",
    ],
)
def test_boilerplate_phrasings_are_removed(line: str) -> None:
    story = Para("记者从国家统计局获悉，今年前三季度全国规模以上工业增加值同比增长，经济运行总体平稳。")
    out = apply_rules([story, Para(line)], RuleSet.default())
    assert [p.text for p in out.paras] == [story.text], line


def test_phrase_rules_spare_long_story_paragraphs() -> None:
    # "举报" and "分享" occur in real news; only short widget lines carrying them go.
    text = (
        "村民王某向纪委实名举报了村干部挪用扶贫资金的问题，纪委随即成立调查组，"
        "对举报内容进行核实，并分享了查处经过。"
    )
    out = apply_rules([Para(text)], RuleSet.default())
    assert [p.text for p in out.paras] == [text]


def test_coherence_separates_the_story_from_word_salad() -> None:
    from collections import Counter

    from cleanfeed.extract.filters import _bigrams

    story = Counter(
        _bigrams(
            "浙江省人工智能核心产业营收达6800亿元，人工智能是培育和发展新质生产力的重要引擎，浙江重视人工智能。"
        )
    )
    assert coherence("浙江人工智能产业发展迅速，新质生产力不断壮大。", story) > 0.3
    assert coherence("艾哈迈德整合还会影响武器和弹药的采购，国博西路在原青松路基础上修建。", story) < 0.06


def test_every_rule_name_in_removed_is_documented_in_the_table() -> None:
    from pathlib import Path

    names = set(RuleSet.default().names())
    pages = sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html"))
    seen: set[str] = set()
    for page in pages:
        try:
            for art in cleanfeed.clean_html_all(page.read_bytes()):
                seen |= set(art.removed)
        except cleanfeed.Drop:
            continue
    assert seen, "the fixture pages exercise the rules"
    assert seen <= names, f"undocumented rule names: {seen - names}"
