"""SiteProfile (rule site_repeat): a host's recurring in-article lines, learned from its pages."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

import cleanfeed
from cleanfeed import SiteProfile

PROMO = "江城新闻网，城事民生一网打尽，欢迎常来看看。"
HOST = "https://news.jiangcheng.example"
CITIES = ["东湖", "西山", "南港", "北岭", "中和", "临江", "青石", "白沙", "红桥", "金田", "银湾", "玉泉"]


def story(i: int) -> list[str]:
    c = CITIES[i % len(CITIES)]
    return [
        f"本报讯 {c}区第{i + 3}届社区运动会于本周六开幕，"
        f"共有{120 + i}支队伍、{2000 + 37 * i}名居民报名参加。",
        f"据{c}区文体中心介绍，本届运动会设{8 + i % 5}个大项，"
        f"其中趣味接力和亲子跳绳最受欢迎，报名人数比上届增加{10 + i}%。",
        f"{c}区负责人表示，运动会将持续{2 + i % 3}周，"
        f"闭幕式定于月底在{c}体育公园举行，届时将评选优秀组织单位。",
    ]


def page(i: int, *, promo: bool = True, extra: str = "") -> str:
    lines = story(i) + ([PROMO] if promo else []) + ([extra] if extra else [])
    body = "".join(f"<p>{t}</p>" for t in lines)
    return (
        f"<html><head><title>{CITIES[i % len(CITIES)]}区社区运动会开幕_江城新闻网</title></head><body>"
        f"<div class='article'><h1>{CITIES[i % len(CITIES)]}区社区运动会开幕</h1>"
        f"<div class='content'>{body}</div></div></body></html>"
    )


def clean(i: int, **kw: object) -> cleanfeed.Article:
    return cleanfeed.clean_html(page(i, **kw), url=f"{HOST}/n/{i}.html")  # type: ignore[arg-type]


def test_a_promo_line_on_every_page_of_a_host_is_removed_and_counted() -> None:
    arts = [clean(i) for i in range(10)]
    assert all(PROMO in a.text for a in arts)  # no rule knows it
    out = SiteProfile().clean_batch(arts)
    for i, a in enumerate(out):
        assert PROMO not in a.text
        flat = "".join(a.text.split())  # the normalizer may keep a space between Han words (本报讯 东湖区)
        assert all("".join(t.split()) in flat for t in story(i))
        assert a.removed["site_repeat"] == len(PROMO)
        assert a.content_hash == cleanfeed.models.content_hash(a.text)


def test_a_line_seen_on_one_page_is_never_removed() -> None:
    once = "本报记者林晓舟报道，摄影王青，实习生李冬。"
    arts = [clean(i, extra=once if i == 3 else "") for i in range(10)]
    out = SiteProfile(min_pages=2, min_share=0.0).clean_batch(arts)  # the loosest settings allowed
    assert once in out[3].text
    with pytest.raises(ValueError):
        SiteProfile(min_pages=1)


def test_below_the_page_threshold_nothing_is_removed() -> None:
    arts = [clean(i) for i in range(4)]
    assert all(PROMO in a.text for a in SiteProfile().clean_batch(arts))


def test_a_line_on_few_of_a_hosts_pages_stays() -> None:
    arts = [clean(i, promo=i < 5) for i in range(12)]  # 5 of 12 pages: under half of the host
    assert all(PROMO in a.text for a in SiteProfile().clean_batch(arts)[:5])


def test_result_does_not_depend_on_page_order() -> None:
    base = [a.text for a in SiteProfile().clean_batch([clean(i, promo=i % 4 != 0) for i in range(12)])]
    order = list(range(12))
    random.Random(7).shuffle(order)
    shuffled = SiteProfile().clean_batch([clean(i, promo=i % 4 != 0) for i in order])
    assert [shuffled[order.index(i)].text for i in range(12)] == base


def test_copies_of_one_story_are_not_boilerplate() -> None:
    # The same story under ten URLs is one page; near copies would lose most of their text: skipped.
    arts = [cleanfeed.clean_html(page(1), url=f"{HOST}/copy/{i}.html") for i in range(10)]
    out = SiteProfile().clean_batch(arts)
    assert all(PROMO in a.text and "site_repeat" not in a.removed for a in out)


def test_profile_survives_a_restart_and_can_be_reset(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    first = SiteProfile()
    first.clean_batch([clean(i) for i in range(10)])
    first.save(db)
    again = SiteProfile.load(db)  # a new process: the profile as committed
    new = again.apply(clean(42))
    assert PROMO not in new.text and new.removed["site_repeat"] == len(PROMO)
    other = cleanfeed.clean_html(page(42), url="https://other.example/n/42.html")
    assert PROMO in again.apply(other).text  # profiles are per host
    SiteProfile.reset(db)
    assert PROMO in SiteProfile.load(db).apply(clean(42)).text
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM site_profile_lines").fetchone() == (0,)
