"""Site rules are scoped to a host and its subdomains, never to look-alike hosts, in both directions:
a rule added for a site, and a shipped rule switched off for a site."""

from __future__ import annotations

import pytest

import cleanfeed
from cleanfeed.extract import RuleSet
from cleanfeed.extract.rules import rule_from_dict

BODY = "".join(
    f"<p>第{i}段：记者从国家统计局获悉，今年前三季度全国规模以上工业增加值同比增长，经济运行总体平稳。</p>"
    for i in range(4)
)
PROMO = "<p>本站独家促销，全场五折起！</p>"
SITE_RULE = {"name": "site_promo", "kind": "phrase", "pattern": "本站独家促销", "description": "shop promo"}


def _html(extra: str) -> str:
    title = "统计局：前三季度工业增加值同比增长"
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<div class='content'>{BODY}{extra}</div></body></html>"
    )


@pytest.mark.parametrize("host", ["example.com", "news.example.com", "a.b.example.com"])
def test_site_rule_applies_to_its_host_and_subdomains(host: str) -> None:
    rules = RuleSet.default().extend([SITE_RULE], host="example.com")
    assert rules.for_host(host).enabled("site_promo")
    art = cleanfeed.clean_html(_html(PROMO), url=f"https://{host}/a.html", rules=rules)
    assert "促销" not in art.text and art.removed["site_promo"] > 0


@pytest.mark.parametrize(
    "host", ["notexample.com", "badexample.com", "example.com.evil.test", "example.co", "com", "other.test"]
)
def test_site_rule_does_not_leak_to_look_alike_hosts(host: str) -> None:
    rules = RuleSet.default().extend([SITE_RULE], host="example.com")
    assert not rules.for_host(host).enabled("site_promo")
    art = cleanfeed.clean_html(_html(PROMO), url=f"https://{host}/a.html", rules=rules)
    assert "本站独家促销" in art.text and "site_promo" not in art.removed


def test_site_rule_is_not_applied_without_a_url() -> None:
    rules = RuleSet.default().extend([SITE_RULE], host="example.com")
    assert not rules.for_host(None).enabled("site_promo")


@pytest.mark.parametrize("host", ["photos.test", "a.photos.test", "cdn.img.photos.test"])
def test_rule_switched_off_for_a_host_is_off_for_its_subdomains(host: str) -> None:
    rules = RuleSet.default().extend([{"name": "caption", "enabled": False}], host="photos.test")
    assert not rules.for_host(host).enabled("caption")


@pytest.mark.parametrize("host", ["notphotos.test", "photos.test.evil", "news.test", "test"])
def test_rule_switched_off_for_a_host_stays_on_for_look_alike_hosts(host: str) -> None:
    rules = RuleSet.default().extend([{"name": "caption", "enabled": False}], host="photos.test")
    assert rules.for_host(host).enabled("caption")
    assert rules.for_host(None).enabled("caption")


def test_switching_off_a_shipped_rule_for_a_subdomain_changes_the_text() -> None:
    """End to end: the disclaimer rule off for one site keeps its line on that site's subdomain pages only."""
    line = "本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！"
    off = [{"name": name, "enabled": False} for name in ("disclaimer", "disclaimer_tail")]
    rules = RuleSet.default().extend(off, host="forum.test")
    kept = cleanfeed.clean_html(_html(f"<p>{line}</p>"), url="https://bbs.forum.test/t/1.html", rules=rules)
    assert line in kept.text
    dropped = cleanfeed.clean_html(_html(f"<p>{line}</p>"), url="https://notforum.test/t/1.html", rules=rules)
    assert line not in dropped.text
    assert dropped.removed.get("disclaimer", 0) + dropped.removed.get("disclaimer_tail", 0) > 0


# -- rule entries (the shipped table and a config's `rules`): what is accepted, and errors that say why ------
def _bad(entry: dict[str, object], *words: str) -> None:
    with pytest.raises(ValueError) as info:
        rule_from_dict(entry)
    msg = str(info.value)
    for w in words:
        assert w in msg, msg


def test_a_minimal_phrase_rule_gets_the_documented_defaults() -> None:
    r = rule_from_dict({"name": "promo", "kind": "phrase", "pattern": "独家促销"})
    assert (r.name, r.kind, r.description, r.max_len, r.enabled, r.host, r.selector, r.field) == (
        "promo", "phrase", "", 120, True, None, None, None,
    )  # fmt: skip
    assert r.pattern is not None and r.pattern.search("本站独家促销，全场五折")


def test_han_in_a_pattern_is_the_han_range_extensions_included() -> None:
    r = rule_from_dict({"name": "by", "kind": "line", "pattern": "责任编辑：[{HAN}]{2,3}"})
    assert r.pattern is not None
    assert r.pattern.fullmatch("责任编辑：王小明") and r.pattern.fullmatch("责任编辑：李𬱖")
    assert not r.pattern.fullmatch("责任编辑：abc")


def test_every_field_of_an_entry_is_kept() -> None:
    r = rule_from_dict(
        {"name": "ed", "kind": "meta", "pattern": "编辑：(?P<value>[{HAN}]+)", "field": "editor",
         "description": "the editor", "max_len": 40, "enabled": False, "host": "News.Example.COM"}
    )  # fmt: skip
    assert (r.field, r.description, r.max_len, r.enabled, r.host) == (
        "editor", "the editor", 40, False, "news.example.com",
    )  # fmt: skip


def test_an_entry_host_overrides_the_host_it_is_added_for() -> None:
    assert (
        rule_from_dict({"name": "a", "kind": "phrase", "pattern": "x"}, host="Site.Test").host == "site.test"
    )
    r = rule_from_dict(
        {"name": "a", "kind": "phrase", "pattern": "x", "host": "other.test"}, host="site.test"
    )
    assert r.host == "other.test"


def test_selector_and_structural_rules_need_no_pattern() -> None:
    sel = rule_from_dict({"name": "ads", "kind": "selector", "selector": "div.ad"})
    assert (sel.selector, sel.pattern) == ("div.ad", None)
    assert rule_from_dict({"name": "hidden", "kind": "structural"}).pattern is None


@pytest.mark.parametrize("name", [None, "", "two words", "a/b", 5])
def test_a_rule_name_must_be_a_plain_word(name: object) -> None:
    _bad({"name": name, "kind": "phrase", "pattern": "x"}, "name")


def test_an_unknown_kind_is_named_with_the_kinds() -> None:
    _bad({"name": "r", "kind": "regex", "pattern": "x"}, "r", "regex", "phrase", "selector")


def test_unknown_keys_are_named() -> None:
    _bad({"name": "r", "kind": "phrase", "pattern": "x", "patern": "y", "zz": 1}, "patern", "zz")


@pytest.mark.parametrize("kind", ["line", "phrase", "tail", "edge", "heading", "caption", "meta"])
@pytest.mark.parametrize("pattern", [None, "", 5])
def test_text_rules_need_a_pattern(kind: str, pattern: object) -> None:
    _bad({"name": "r", "kind": kind, "pattern": pattern, "field": "editor"}, "r", kind, "pattern")


def test_a_bad_pattern_is_named() -> None:
    _bad({"name": "r", "kind": "phrase", "pattern": "(unclosed"}, "r", "bad pattern")


@pytest.mark.parametrize("selector", [None, "", "   ", 5])
def test_a_selector_rule_needs_a_selector(selector: object) -> None:
    _bad({"name": "r", "kind": "selector", "selector": selector}, "r", "selector")


@pytest.mark.parametrize("fld", [None, "title", ""])
def test_a_meta_rule_needs_a_known_field(fld: object) -> None:
    _bad({"name": "r", "kind": "meta", "pattern": "编辑：(?P<value>.+)", "field": fld}, "r", "editor")


def test_a_meta_pattern_needs_a_value_group() -> None:
    _bad({"name": "r", "kind": "meta", "pattern": "编辑：(.+)", "field": "editor"}, "r", "value")


def test_edge_patterns_have_no_named_groups_and_never_match_nothing() -> None:
    _bad({"name": "r", "kind": "edge", "pattern": "(?P<x>赞)"}, "r", "named groups")
    _bad({"name": "r", "kind": "edge", "pattern": "(赞)?"}, "r", "empty")


@pytest.mark.parametrize("max_len", [0, -5, "40", 1.5])
def test_max_len_must_be_a_positive_integer(max_len: object) -> None:
    _bad({"name": "r", "kind": "phrase", "pattern": "x", "max_len": max_len}, "r", "max_len")


def test_a_rule_table_needs_an_integer_version_and_rule_entries() -> None:
    assert RuleSet.from_toml("").rules == () and RuleSet.from_toml("").version == 0
    table = RuleSet.from_toml(
        'version = 7\n[[rule]]\nname = "b"\nkind = "phrase"\npattern = "x"\n'
        '[[rule]]\nname = "a"\nkind = "line"\npattern = "y"\n'
    )
    assert table.version == 7 and table.names() == ["b", "a"]  # table order kept
    assert [r.name for r in table.of("line")] == ["a"] and table.of("caption") == ()
    for text in ['version = "3"', "rule = 5", 'version = 1.5\n[[rule]]\nname = "a"\nkind = "structural"']:
        with pytest.raises(ValueError, match="version"):
            RuleSet.from_toml(text)


def test_switching_off_a_rule_everywhere_and_for_one_host() -> None:
    base = RuleSet.from_toml('[[rule]]\nname = "promo"\nkind = "phrase"\npattern = "x"\n')
    off = base.extend([{"name": "promo", "enabled": False}])
    assert off.for_host("a.test").rules == () and off.for_host(None).rules == ()
    assert not off.enabled("nothing")
    site = base.extend([{"name": "promo", "enabled": False, "host": "Shop.Test"}])
    assert site.for_host("shop.test").rules == () and site.for_host("www.shop.test").rules == ()
    assert site.names() == ["promo"] and site.for_host("news.test").names() == ["promo"]
    by_arg = base.extend([{"name": "promo", "enabled": False}], host="shop.test")
    assert by_arg.for_host("shop.test").rules == () and by_arg.for_host("news.test").names() == ["promo"]
    assert base.for_host("shop.test").names() == ["promo"]  # the original set is unchanged


def test_switching_off_an_unknown_rule_is_an_error() -> None:
    with pytest.raises(ValueError, match="nope"):
        RuleSet.default().extend([{"name": "nope", "enabled": False}])


def test_a_full_entry_with_enabled_false_is_a_new_rule_not_a_switch() -> None:
    base = RuleSet.from_toml('[[rule]]\nname = "promo"\nkind = "phrase"\npattern = "x"\n')
    out = base.extend([{"name": "new", "kind": "phrase", "pattern": "y", "enabled": False}])
    assert out.names() == ["promo", "new"] and out.for_host(None).names() == ["promo"]


def test_rules_added_for_a_host_apply_there_only_and_keep_the_table_version() -> None:
    base = RuleSet.default()
    out = base.extend([{"name": "site_promo", "kind": "phrase", "pattern": "x"}], host="shop.test")
    assert out.version == base.version and out.names()[-1] == "site_promo"
    assert "site_promo" in out.for_host("shop.test").names()
    assert "site_promo" not in out.for_host("news.test").names()


# -- the story's own data closing it (a list of products that failed a test) is text, not furniture ---------
ROWS = [
    "A100型电动自行车 制动性能不合格",
    "B200型儿童滑板车 结构强度不合格",
    "C300型手机充电器 绝缘电阻不合格",
    "D400型骑行头盔 冲击吸收不合格",
    "E500型电热水壶 温升指标不合格",
]


def _with_tail(tail: str) -> cleanfeed.Article:
    return cleanfeed.clean_html(_html(tail), url="https://news.example.com/a.html")


@pytest.mark.parametrize(
    "tail",
    [
        "<ul>" + "".join(f"<li>{r}</li>" for r in ROWS) + "</ul>",
        "<div>" + "".join(f"<p>{r}</p>" for r in ROWS) + "</div>",
        "<table>" + "".join(f"<tr><td>{r}</td></tr>" for r in ROWS) + "</table>",
        "<table><tbody>" + "".join(f"<tr><td>{r}</td><td>2026</td></tr>" for r in ROWS) + "</tbody></table>",
    ],
)
def test_closing_rows_of_the_story_s_data_are_kept(tail: str) -> None:
    art = _with_tail(tail)
    assert all(r in art.text for r in ROWS), art.text
    assert "trailing_chrome" not in art.removed


def test_closing_rows_that_are_links_to_other_stories_go() -> None:
    links = "".join(f"<li><a href='/n/{i}.html'>{r}</a></li>" for i, r in enumerate(ROWS))
    art = _with_tail(f"<ul>{links}</ul>")
    assert not any(r in art.text for r in ROWS)
    assert "第3段" in art.text
