"""Site rules are scoped to a host and its subdomains, never to look-alike hosts, in both directions:
a rule added for a site, and a shipped rule switched off for a site."""

from __future__ import annotations

import pytest

import cleanfeed
from cleanfeed.extract import RuleSet

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
