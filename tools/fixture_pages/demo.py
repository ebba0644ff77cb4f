"""The demo pages (configs/demo/pages/): originals and their reposts, for `make run`."""

from __future__ import annotations

from pathlib import Path

from tools.fixture_pages.cms import reject_404
from tools.fixture_pages.parts import Case, head, paras_html
from tools.fixture_pages.portals import spam_portal, trad_mirror, wordpress_spun
from tools.fixture_pages.story import S2T, Para, Story, esc, load_story


# --- demo pages (configs/demo/pages) ---------------------------------------------------------------
def original_page(story: Story, canonical: str, agency_site: str) -> str:
    """A clean wire-agency original: no spam, a canonical link to the agency's own URL."""
    m = story.meta
    body = "\n".join(f"<p>{esc(p.text)}</p>" for p in story.body)
    editor = f'<p class="editor">【编辑：{esc(m["editor"])}】</p>' if m.get("editor") else ""
    return (
        head(f"{story.title}-{agency_site}", "utf-8", canonical)
        + f'<body>\n<div class="nav"><a href="/">{agency_site}</a></div>\n<div class="article">\n'
        + f"<h1>{esc(story.title)}</h1>\n"
        + f'<div class="info">{m.get("published", "")} 来源：{esc(m.get("agency", agency_site))}</div>\n'
        + f'<div class="content">\n{body}\n{editor}\n</div>\n</div>\n'
        + f'<div class="footer">Copyright © {agency_site} 版权所有</div>\n</body></html>\n'
    )


def _variant(story: Story, name: str, paras: list[Para], title: str | None = None) -> Story:
    meta = dict(story.meta)
    if title:
        meta["title"] = title
        meta.pop("raw_title", None)
    return Story(name, meta, paras)


def build_demo(demo: Path) -> None:
    for sub in ("originals", "reposts"):
        (demo / sub).mkdir(parents=True, exist_ok=True)
        for old in (demo / sub).glob("*.html"):
            old.unlink()
    s = {
        n: load_story(n)
        for n in [
            "seed000",
            "seed001",
            "seed002",
            "seed003",
            "seed004",
            "yangtze",
            "railway",
            "metro",
            "icesnow",
            "canteen",
        ]
    }
    lead3 = Story("seed003", s["seed003"].meta, s["seed003"].paras)
    clean4 = _variant(s["seed004"], "seed004", [Para(p.text, p.text, p.caption) for p in s["seed004"].paras])
    originals = {
        "chinanews_zhejiang_wanyi": (
            s["seed001"],
            "https://www.chinanews.com.cn/cj/2026/01-16/10553112.shtml",
            "中国新闻网",
        ),
        "chinanews_zhejiang_ai_highland": (
            s["seed002"],
            "https://www.chinanews.com.cn/gn/2026/01-14/10551874.shtml",
            "中国新闻网",
        ),
        "xinhua_ai_plus_race": (
            lead3,
            "https://www.news.cn/politics/20260131/3f9d2c7a1b8e4d6f9a0c5e7b2d4f6a8c/c.html",
            "新华网",
        ),
        "yicai_ai_plus_action": (clean4, "https://www.yicai.com/news/102543210.html", "第一财经"),
        "xinhua_yangtze_ban": (
            s["yangtze"],
            "https://www.news.cn/local/20260102/5a1c9e2b7d3f4e0a8b6c2d1e9f0a3b4c/c.html",
            "新华网",
        ),
        "chinanews_spring_rail": (
            s["railway"],
            "https://www.chinanews.com.cn/sh/2026/02-02/10563821.shtml",
            "中国新闻网",
        ),
        "zjol_hangzhou_metro": (
            s["metro"],
            "https://zjnews.zjol.com.cn/202603/t20260328_31234567.shtml",
            "浙江在线",
        ),
    }
    for name, (story, url, site) in originals.items():
        (demo / "originals" / f"{name}.html").write_text(original_page(story, url, site), encoding="utf-8")

    def repost(
        name: str,
        url: str,
        story: Story,
        layout: str,
        seed: int,
        *,
        tail: str | None = None,
        site: str = "今日快讯网",
    ) -> None:
        c = Case(name, url, story)
        c.extra["site"] = site
        if layout == "wordpress":
            wordpress_spun(c, story, seed)
        elif layout == "mirror":
            trad_mirror(c, story, seed)
        else:
            spam_portal(c, story, layout, seed, tail=tail)
        (demo / "reposts" / f"{name}.html").write_text(c.html, encoding="utf-8")

    trad1 = _variant(
        s["seed001"],
        "seed001t",
        [Para(p.text, S2T.convert(p.text), p.caption) for p in s["seed001"].paras],
        title=S2T.convert(s["seed001"].title),
    )
    excerpt = _variant(s["railway"], "railx", s["railway"].paras[:3])
    repost(
        "kuaixun_zhejiang_wanyi",
        "https://www.kuaixun-news.cn/news/20260117/daebafe0.html",
        s["seed001"],
        "inside",
        101,
        tail="001",
    )
    repost(
        "toutiao_hot_zhejiang_ai",
        "https://m.toutiao-hot.net/a/7462011873.html",
        s["seed002"],
        "between",
        102,
        tail="002",
        site="热点头条网",
    )
    repost(
        "big5_mirror_zhejiang_wanyi",
        "https://big5.huaxia-zixun.com/gate/big5/www.chinanews.com.cn/10553112.shtml",
        trad1,
        "sibling",
        103,
        site="華夏資訊",
    )
    repost(
        "haoang_ai_plus_pinyin",
        "https://m.hao-ang.com/news/2025/0402/a8310bb0.html",
        s["seed004"],
        "mirror",
        104,
    )
    repost(
        "caijingsudi_spun_ai_plus",
        "https://www.caijingsudi.com/2026/02/03/ai-plus-trends/",
        s["seed000"],
        "wordpress",
        105,
    )
    repost(
        "518zixun_ai_plus_race",
        "https://www.518zixun.com/keji/202601/31/998877.html",
        lead3,
        "sibling",
        106,
        site="518资讯网",
    )
    repost(
        "kuaixun_rail_excerpt", "https://www.kuaixun-news.cn/news/20260202/rail.html", excerpt, "inside", 107
    )
    repost(
        "hnxinwen_rail_copy",
        "http://www.hnxinwen365.com/shehui/2026/0202/90331.html",
        s["railway"],
        "between",
        108,
        site="湖南新闻365",
    )
    repost(
        "lvyou_metro_copy",
        "https://www.lvyou-kuaibao.cn/news/20260328/802.html",
        s["metro"],
        "sibling",
        109,
        site="旅游快报",
    )
    repost(
        "zixun_yangtze_copy",
        "http://www.zixun-kb.com/html/shehui/20260102/4412.html",
        s["yangtze"],
        "inside",
        110,
        site="资讯快报",
    )
    # one original embedded in a longer roundup page, between two unrelated items
    roundup = Case("roundup", "https://www.meizhou-yaowen.cn/zhoukan/2026-01-03.html", s["yangtze"])
    other = s["icesnow"]
    roundup.html = (
        head("一周要闻汇总（2026年第1期）_每周要闻", "utf-8", roundup.url)
        + "<body>\n"
        + '<div class="zk"><h1>一周要闻汇总（2026年第1期）</h1>\n<div class="content">\n'
        + "<h2>一、"
        + esc(other.title)
        + "</h2>\n"
        + paras_html(_variant(other, "x", other.paras[:2]))
        + "<h2>二、"
        + esc(s["yangtze"].title)
        + "</h2>\n"
        + paras_html(s["yangtze"])
        + "<h2>三、简讯</h2>\n<p>本周全国多地迎来降温，气象部门提醒公众注意防寒保暖。</p>\n"
        + "</div></div>\n</body></html>\n"
    )
    (demo / "reposts" / "meizhou_roundup_yangtze.html").write_text(roundup.html, encoding="utf-8")
    # two unrelated articles and one non-article
    repost(
        "lvyou_icesnow",
        "https://www.lvyou-kuaibao.cn/news/20260104/771.html",
        s["icesnow"],
        "sibling",
        111,
        site="旅游快报",
    )
    repost(
        "518zixun_canteen",
        "https://www.518zixun.com/shehui/202511/18/445566.html",
        s["canteen"],
        "inside",
        112,
        site="518资讯网",
    )
    c = Case("notfound", "https://www.kuaixun-news.cn/news/20260117/missing.html", None)
    reject_404(c, 113)
    (demo / "reposts" / "kuaixun_404.html").write_text(c.html, encoding="utf-8")
    print(f"wrote demo pages to {demo}")
