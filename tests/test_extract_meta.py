"""Metadata extraction and multi-story pages."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone

import cleanfeed
from cleanfeed.extract.meta import find_dateline, parse_datetime

CN = timezone(timedelta(hours=8))


def canon(text: str | None) -> str:
    """NFKC, no whitespace: the normalizer may fold punctuation width and drop spaces between Han."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def canons(items: list[str]) -> list[str]:
    return [canon(t) for t in items]


P1 = (
    "新华社北京1月30日电（记者张晓余佩璇 张璇）在近期陆续召开的地方两会上，"
    "“人工智能”被写入多地政府工作报告，凸显差异化的发展路径。"
)
P2 = (
    "梳理多地政府工作报告，2025年人工智能产业发展成绩亮眼：在北京，"
    "人工智能备案上线大模型数量稳居全国首位，数字经济增加值增长。"
)
P3 = (
    "2025年12月召开的中央经济工作会议提出“深化拓展‘人工智能+’，完善人工智能治理”，"
    "各地政策更加有力、方向更加清晰。"
)


def _article_page(head: str = "", top: str = "", body: str = "", bottom: str = "") -> str:
    return (
        f"<html><head><title>各地拓展人工智能+ 拼抢新赛道_新闻频道_某某网</title>{head}</head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/n'>新闻</a></div>"
        f"<div class='article'><h1>各地拓展人工智能+ 拼抢新赛道</h1>{top}<div class='content'>"
        f"{body or ''.join(f'<p>{p}</p>' for p in (P1, P2, P3))}</div>{bottom}</div></body></html>"
    )


def test_title_is_the_headline_not_the_site_suffixed_title_tag() -> None:
    art = cleanfeed.clean_html(_article_page())
    assert art.title == "各地拓展人工智能+ 拼抢新赛道"
    assert art.lang == "zh"


def test_dateline_agency_and_author() -> None:
    art = cleanfeed.clean_html(_article_page())
    assert art.agency == "新华社"
    assert art.dateline == "新华社北京1月30日电"
    assert canon(art.author) == "张晓余佩璇张璇"
    assert art.text.startswith("新华社北京1月30日电")  # the dateline stays in the story


def test_dateline_variants() -> None:
    d = find_dateline(["中新网杭州1月16日电(邵燕飞 周健)人工智能，是浙江发展历程中浓墨重彩的一笔。"])
    assert (d.agency, d.dateline, d.author) == ("中新网", "中新网杭州1月16日电", "邵燕飞 周健")
    d = find_dateline(
        ["据新华社南京1月30日电（记者陈席元）随着硅基芯片性能逼近物理极限，全球科学家正在寻找替代方案。"]
    )
    assert (d.agency, d.dateline, d.author) == ("新华社", "新华社南京1月30日电", "陈席元")
    d = find_dateline(["正文第一段。", "正文第二段。", "（新华社北京1月30日电 记者张晓余佩璇 张璇）"])
    assert (d.agency, d.author) == ("新华社", "张晓余佩璇 张璇")


def test_published_at_from_meta_or_header_with_china_time() -> None:
    meta = "<meta property='article:published_time' content='2026-01-17T18:39:01+08:00'>"
    art = cleanfeed.clean_html(_article_page(head=meta))
    assert art.published_at == datetime(2026, 1, 17, 18, 39, 1, tzinfo=CN)
    art = cleanfeed.clean_html(_article_page(top="<div class='info'>2026年1月17日 18:39 来源：新华网</div>"))
    assert art.published_at == datetime(2026, 1, 17, 18, 39, tzinfo=CN)
    assert "2026年1月17日" not in art.text  # the header line is metadata, not story
    assert parse_datetime("2026-01-17 18:39:01") == datetime(2026, 1, 17, 18, 39, 1, tzinfo=CN)
    assert parse_datetime("2026-02-30") is None


def test_canonical_url_is_resolved_against_the_page_url() -> None:
    art = cleanfeed.clean_html(
        _article_page(head="<link rel='canonical' href='/n/2026/0130/a.html'>"),
        url="https://news.example.cn/m/a.html?from=app",
    )
    assert art.canonical_url == "https://news.example.cn/n/2026/0130/a.html"
    art = cleanfeed.clean_html(_article_page(head="<meta property='og:url' content='https://x.example/a'>"))
    assert art.canonical_url == "https://x.example/a"


def test_editor_original_title_and_captions_leave_the_text() -> None:
    body = (
        "<p>（原标题：两会地方经济“拼”图|奋战新轨迹）</p>"
        f"<p>{P1}</p><p><img src='a.jpg'></p><p>中国(温州)数安港一景。 王斌 摄</p><p>{P2}</p>"
        "<p>图片来源：视觉中国</p>"
        f"<p>{P3}</p><p>2025年11月2日，安徽省宿州市计算中心的服务器。新华社记者黄博涵摄</p>"
    )
    art = cleanfeed.clean_html(_article_page(body=body, bottom="<div class='editor'>责任编辑：王静怡</div>"))
    assert canon(art.original_title) == canon("两会地方经济“拼”图|奋战新轨迹")
    assert art.editor == "王静怡"
    assert canons(art.captions) == canons(
        [
            "中国(温州)数安港一景。 王斌 摄",
            "图片来源：视觉中国",
            "2025年11月2日，安徽省宿州市计算中心的服务器。新华社记者黄博涵摄",
        ]
    )
    assert canons(art.paragraphs) == canons([P1, P2, P3])
    assert art.removed["caption"] > 0 and art.removed["original_title"] > 0


def test_photo_story_keeps_its_caption_as_text() -> None:
    body = "<p><img src='a.jpg'></p><p>12月15日，北京市西城区一处施工现场发生火灾，大火已被扑灭。新华社发</p>"
    art = cleanfeed.clean_html(_article_page(body=body))
    assert "施工现场发生火灾" in art.text
    assert not art.captions


EPAPER = [
    ("各地拓展<br>人工智能+<br>拼抢新赛道！", [P1, P2, "（新华社北京1月30日电 记者张晓余佩璇 张璇）"]),
    (
        "中英签署多项经贸成果文件",
        [
            "新华社北京1月30日电（记者谢希瑶）英国首相1月28日至31日访华期间，中英签署经贸领域多份合作文件，深化经贸关系。",
            "关于中英开展“出口中国”合作备忘录，发言人介绍，双方将建立合作机制，共同发掘优质商品和服务对华出口潜力。",
        ],
    ),
    (
        "育儿补贴已惠及 3000多万名婴幼儿",
        [
            "据新华社北京1月30日电（记者申铖）1月30日，财政部社会保障司副司长刘英表示，全国已向3000多万名婴幼儿发放了育儿补贴。",
            "她介绍，财政部会同有关部门采取一系列务实举措，科学构建制度体系，畅通补贴发放渠道，加强资金管理监督。",
        ],
    ),
]


def _epaper() -> str:
    parts = []
    for i, (head, paras) in enumerate(EPAPER):
        body = "".join(f"<p>{p}</p>" for p in paras)
        parts.append(
            f"<div class='article' id='art{i}'><h1>{head}</h1><div class='article-body'>{body}</div></div>"
        )
    return (
        "<html><head><title>第03版：要闻</title></head><body><div class='left'><h3>版面导航</h3><ul>"
        "<li><a href='#'>第01版：要闻</a></li><li><a href='#'>第02版：要闻</a></li></ul></div>"
        f"<div class='right'>{''.join(parts)}</div></body></html>"
    )


def test_multi_story_page_gives_one_article_per_story_lead_first() -> None:
    arts = cleanfeed.clean_html_all(_epaper(), url="https://epaper.example.cn/03.htm")
    assert canons([a.title or "" for a in arts]) == canons(
        ["各地拓展 人工智能+ 拼抢新赛道！", "中英签署多项经贸成果文件", "育儿补贴已惠及 3000多万名婴幼儿"]
    )
    assert [a.story_index for a in arts] == [0, 1, 2]
    assert canons(arts[0].paragraphs) == canons(EPAPER[0][1])
    assert canons(arts[1].paragraphs) == canons(EPAPER[1][1]) and arts[1].dateline == "新华社北京1月30日电"
    assert arts[2].agency == "新华社" and arts[2].author == "申铖"
    assert len({a.id for a in arts}) == 3
    lead = cleanfeed.clean_html(_epaper(), url="https://epaper.example.cn/03.htm")
    assert lead.title == arts[0].title and lead.text == arts[0].text


def test_article_with_subheadings_stays_one_story() -> None:
    body = (
        f"<p>{P1}</p><h3>推进高质量数据供给</h3><p>{P2}</p><h3>深化央企AI+专项行动</h3><p>{P3}</p>"
        f"<h3>各地竞相布局新赛道</h3><p>{P2}</p>"
    )
    arts = cleanfeed.clean_html_all(_article_page(body=body))
    assert len(arts) == 1 and arts[0].story_index is None
    assert "推进高质量数据供给" in arts[0].text and canon(arts[0].text).endswith(canon(P2))


def test_flat_epaper_page_splits_on_datelines_end_markers_and_photos() -> None:
    # No containers, no <h*>: headline lines are plain paragraphs between the stories.
    photo_story = [
        "春运将至，为更好地护航旅客平安回家路，新疆铁警开展形式多样的安全出行宣传活动，提醒旅客注意安全。",
        "1月30日，在乌鲁木齐铁路公安处举办的安全出行宣传活动中，民警将文创产品送给参与活动的旅客。",
    ]
    parts = [f"<p>{P1}</p><p>{P2}</p><p>（新华社北京1月30日电 记者张晓余佩璇 张璇）</p>"]
    for head, paras in EPAPER[1:]:
        parts.append(f"<p>{head}</p>" + "".join(f"<p>{p}</p>" for p in paras))
    parts.append("<p>新疆铁警安全宣传 护航平安回家路</p><p><img src='x.jpg'></p>")
    parts.append("".join(f"<p>{p}</p>" for p in photo_story) + "<p>新华社发</p>")
    body = "".join(parts)
    html = f"<html><head><title>第03版：要闻</title></head><body><div class='page'>{body}</div></body></html>"
    arts = cleanfeed.clean_html_all(html)
    assert canons([a.title or "" for a in arts[1:]]) == canons(
        ["中英签署多项经贸成果文件", "育儿补贴已惠及 3000多万名婴幼儿", "新疆铁警安全宣传 护航平安回家路"]
    )
    assert canons(arts[-1].paragraphs) == canons(photo_story)
    assert (
        "新华社发" in arts[-1].captions and "新华社发" not in arts[0].captions
    )  # captions stay with their story
