"""Bylines keep their names apart: `author` keeps the separating space, `authors` lists the names."""

from __future__ import annotations

import pytest

import cleanfeed
from cleanfeed.models import Article, split_authors

_BODY = (
    "<p>长江禁渔五年来，江豚群体在多个江段频繁出现，监测数据显示种群数量稳步回升，沿江各地持续加强保护工作。</p>"
    "<p>相关部门将继续开展巡护和科学监测，推动长江生态环境持续改善，让更多珍稀物种重回江中，造福子孙后代。</p>"
    "<p>专家表示，禁渔成效的显现离不开沿江渔民的转产安置和执法力度的加强，下一步还需要巩固已经取得的成果。</p>"
)


def _page(title: str, lead: str, tail: str = "") -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1><div class='content'>"
        f"{lead}{_BODY}{tail}</div></body></html>"
    ).encode()


def test_dateline_byline_with_two_names() -> None:
    lead = "<p>中新网杭州1月14日电（王逸飞 鲍梦妮）江豚是长江生态的“晴雨表”，近年来记录到的数量明显增加。</p>"
    art = cleanfeed.clean_html(
        _page("长江禁渔五年成效显现 江豚群体频繁“露脸”", lead), url="https://a.example/1"
    )
    assert art.author == "王逸飞 鲍梦妮"
    assert art.authors == ["王逸飞", "鲍梦妮"]
    assert art.title == "长江禁渔五年成效显现 江豚群体频繁“露脸”"  # the headline keeps its clause break


def test_reporter_line_with_three_names() -> None:
    lead = "<p>记者张晓 余佩璇 张璇</p>"
    art = cleanfeed.clean_html(_page("江豚群体频繁露脸", lead), url="https://a.example/2")
    assert art.authors == ["张晓", "余佩璇", "张璇"]


@pytest.mark.parametrize(
    ("author", "names"),
    [
        ("王逸飞 鲍梦妮", ["王逸飞", "鲍梦妮"]),
        ("记者张晓 余佩璇", ["张晓", "余佩璇"]),
        ("李明、王芳，赵强", ["李明", "王芳", "赵强"]),
        ("本报记者 刘洋", ["刘洋"]),
        ("张三", ["张三"]),
        ("", []),
    ],
)
def test_split_authors(author: str, names: list[str]) -> None:
    assert split_authors(author) == names
    assert Article(author=author or None).authors == names


def test_authors_given_are_kept() -> None:
    assert Article(author="甲 乙", authors=["甲乙"]).authors == ["甲乙"]
