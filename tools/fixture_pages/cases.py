"""The fixture cases of tests/fixtures/pages/: which story in which layout, with which seed."""

from __future__ import annotations

from typing import Any

from tools.fixture_pages.cms import (
    cms_article_tag,
    cms_people,
    cms_sports_gb2312,
    cms_taiwan,
    cms_thepaper,
    cms_trs_2008,
    cms_weather,
    reject_404,
    reject_empty,
    reject_index,
    reject_login,
)
from tools.fixture_pages.parts import Case
from tools.fixture_pages.portals import (
    cms_163,
    cms_chinanews,
    cms_ifeng,
    cms_sina,
    cms_xinhua,
    epaper,
    spam_portal,
    trad_mirror,
    wordpress_spun,
)
from tools.fixture_pages.story import Story, load_story


def build_cases() -> list[Case]:
    s = {
        n: load_story(n)
        for n in [
            "seed000",
            "seed001",
            "seed002",
            "seed003",
            "seed004",
            "metro",
            "harvest",
            "icesnow",
            "yangtze",
            "railway",
            "canteen",
            "market",
            "spring",
            "library",
            "taipei",
            "chess",
            "weather",
        ]
    }
    cases: list[Case] = []

    def new(name: str, url: str, story: Story | None, **kw: Any) -> Case:
        c = Case(name, url, story, **kw)
        cases.append(c)
        return c

    meta_seed = ("editor",)
    # seeds in several spam layouts
    c = new(
        "seed001_inside",
        "https://www.kuaixun-news.cn/news/20260117/daebafe0.html",
        s["seed001"],
        meta_keys=meta_seed,
    )
    spam_portal(c, s["seed001"], "inside", 1, tail="001")
    c = new(
        "seed001_between", "https://m.toutiao-hot.net/a/7463021988.html", s["seed001"], meta_keys=meta_seed
    )
    c.extra["site"] = "热点头条网"
    spam_portal(c, s["seed001"], "between", 2)
    c = new(
        "seed001_sibling",
        "http://www.hnxinwen365.com/shehui/2026/0117/88214.html",
        s["seed001"],
        meta_keys=meta_seed,
    )
    c.extra["site"] = "湖南新闻365"
    spam_portal(c, s["seed001"], "sibling", 3, tail="001")
    c = new(
        "seed002_inside",
        "https://www.kuaixun-news.cn/news/20260115/326d7d79.html",
        s["seed002"],
        meta_keys=meta_seed,
    )
    spam_portal(c, s["seed002"], "inside", 4, tail="002")
    c = new(
        "seed002_between",
        "https://www.518zixun.com/keji/202601/15/112233.html",
        s["seed002"],
        meta_keys=meta_seed,
    )
    c.extra["site"] = "518资讯网"
    spam_portal(c, s["seed002"], "between", 5, tail="002")
    c = new(
        "seed002_sibling", "https://news.yuleqq8.com/p/20260115/5521.html", s["seed002"], meta_keys=meta_seed
    )
    c.extra["site"] = "娱乐前线"
    spam_portal(c, s["seed002"], "sibling", 6)
    c = new(
        "seed000_wordpress",
        "https://www.caijingsudi.com/2026/02/03/ai-plus-trends/",
        s["seed000"],
        note="spun rewrite; the page prints ASCII punctuation, expected text is full-width",
    )
    wordpress_spun(c, s["seed000"], 7)
    c = new("seed000_between", "https://www.hao123news.top/caijing/20260203/9981.html", s["seed000"])
    c.extra["site"] = "好资讯"
    spam_portal(c, s["seed000"], "between", 8)
    c = new(
        "seed003_epaper",
        "https://epaper.example-daily.cn/html/2026-01/31/nw.D110000renmrb_20260131_1-03.htm",
        s["seed003"],
        stories=6,
        extra={"no_agency": True},
    )
    epaper(c, s["seed003"])
    c = new(
        "seed004_trad",
        "https://m.hao-ang.com/news/2025/0402/a8310bb0.html",
        s["seed004"],
        extra={
            "include": [
                "是推动人工智能进化普及的关键一环。基于我国海量数据资源",
                "能够为人工智能模型的训练提供高质量的数据支持",
                "本质上是因地制宜发展新质生产力。可以充分发挥我国超大市场规模",
            ]
        },
        note="Traditional with pinyin, three GBK-misaligned mojibake spans, ASCII punctuation; "
        "expected is Simplified, pinyin-free, repaired, full-width",
    )
    trad_mirror(c, s["seed004"], 9)
    c = new(
        "seed004_trad_between",
        "https://big5.jrzx-news.com/gate/big5/a8310bb0.html",
        s["seed004"],
        note="same Traditional text in a spam portal with a salad block between paragraphs",
    )
    c.extra["site"] = "今日資訊"
    spam_portal(c, s["seed004"], "between", 10)
    # other CMS layouts with our own stories
    c = new("sina_metro", "https://news.sina.com.cn/c/2026-03-28/doc-inhqkxmz1234567.shtml", s["metro"])
    cms_sina(c, s["metro"], 11)
    c = new("163_harvest", "https://www.163.com/news/article/KB2J8Q7H000189FH.html", s["harvest"])
    cms_163(c, s["harvest"], 12)
    c = new("ifeng_icesnow", "https://news.ifeng.com/c/8rT3kXq2vLm", s["icesnow"])
    cms_ifeng(c, s["icesnow"], 13)
    c = new(
        "xinhua_yangtze",
        "http://www.news.cn/local/20260102/5a1c9e2b7d3f4e0a8b6c2d1e9f0a3b4c/c.html",
        s["yangtze"],
    )
    cms_xinhua(c, s["yangtze"], 14)
    c = new("chinanews_railway", "https://www.chinanews.com.cn/sh/2026/02-02/10563821.shtml", s["railway"])
    cms_chinanews(c, s["railway"], 15)
    c = new(
        "people_canteen_gbk",
        "http://society.people.com.cn/n1/2025/1118/c1008-40612345.html",
        s["canteen"],
        encoding="gbk",
        declared="gbk",
        note="GBK bytes with <meta charset=gbk>",
    )
    c.extra["charset"] = "gbk"
    cms_people(c, s["canteen"], 16)
    c = new("thepaper_market", "https://www.thepaper.cn/newsDetail_forward_31234567", s["market"])
    cms_thepaper(c, s["market"], 17)
    c = new(
        "gov2008_spring_gbk_nometa",
        "http://www.pinghu.gov.cn/zwdt/2008-03/17/content_12345.htm",
        s["spring"],
        encoding="gbk",
        declared=None,
        note="2008 table layout, TRS_Editor, GBK bytes, no charset declared",
    )
    c.extra["no_agency"] = True
    cms_trs_2008(c, s["spring"])
    c = new(
        "sohu_library",
        "https://m.sohu.com/a/862345678_121123456",
        s["library"],
        note="standalone （完） marker line: stripped from the expected text",
    )
    cms_article_tag(c, s["library"], 18)
    c.add("（完）")
    c = new(
        "cna_taipei_big5",
        "https://www.cna.com.tw/news/aloc/202511050123.aspx",
        s["taipei"],
        encoding="big5",
        declared="big5",
        note="Big5 Traditional (Taiwan); expected is Simplified",
    )
    c.extra["no_agency"] = True
    cms_taiwan(c, s["taipei"], 19)
    c = new(
        "sports_chess_gb2312",
        "http://sports.titanonline.cn/qipai/2025-08/12/content_7712.htm",
        s["chess"],
        encoding="gbk",
        declared="gb2312",
        extra={"include": ["浙江棋手王喆、江苏棋手李堃分别获得男子甲组和女子甲组冠军", "本报讯（记者刘镕）"]},
        note="declared gb2312 but contains GBK-only 镕 堃 喆",
    )
    cms_sports_gb2312(c, s["chess"], 20)
    c = new(
        "weather_utf8_lying_gb2312",
        "https://news.tianqizx.com/2025/12/14/hanchao.html",
        s["weather"],
        encoding="utf-8",
        declared="gb2312",
        note="UTF-8 bytes, meta says gb2312",
    )
    cms_weather(c, s["weather"], 21)
    # a second GBK layout with a declaration, and an invented story in a seed-like spam portal
    c = new(
        "portal_yangtze_gbk",
        "http://www.zixun-gbk.com/html/shehui/20260102/4412.html",
        s["yangtze"],
        encoding="gbk",
        declared="gbk",
        meta_keys=meta_seed,
        note="GBK spam portal, spam inside the content div",
    )
    c.extra["site"] = "资讯快报"
    spam_portal(c, s["yangtze"], "inside", 22)
    c.html = c.html.replace('<meta charset="utf-8">', '<meta charset="gbk">')
    c = new(
        "portal_icesnow_sibling",
        "https://www.lvyou-kuaibao.cn/news/20260104/771.html",
        s["icesnow"],
        meta_keys=meta_seed,
    )
    c.extra["site"] = "旅游快报"
    spam_portal(c, s["icesnow"], "sibling", 23)
    # non-articles
    c = new(
        "reject_index",
        "https://www.kuaixun-news.cn/guonei/",
        None,
        reject=True,
        note="link list / channel page",
    )
    reject_index(c, 30)
    c = new(
        "reject_404",
        "https://www.kuaixun-news.cn/news/20260117/missing.html",
        None,
        reject=True,
        note="404 page with recommendations",
    )
    reject_404(c, 31)
    c = new(
        "reject_empty",
        "https://www.zixunzhongxin.net/a/20260116/empty.html",
        None,
        reject=True,
        note="article template whose body is empty",
    )
    reject_empty(c, 32)
    c = new("reject_login", "https://www.kuaixun-news.cn/login", None, reject=True, note="login page")
    reject_login(c, 33)
    return cases
