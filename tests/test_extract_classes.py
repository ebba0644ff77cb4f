"""Failure classes of issue #10 on pages nobody tuned for: each test models one class.

The pages are written here (the text is invented for these tests); each class is checked through the
public ``clean_html`` / ``clean_html_all``.
"""

from __future__ import annotations

import unicodedata

import cleanfeed

TITLE = "江城地铁九号线今日开通 沿线居民通勤时间缩短一半"
BODY = [
    "本报讯（记者林晓舟）12月6日上午9时，江城地铁九号线正式开通运营，全长32公里，共设车站21座，"
    "连接城东新区与老城商业中心，这是今年全市开通的第三条地铁线路。",
    "记者在首班车上看到，车厢内乘客以沿线居民为主，不少人特意带着孩子前来体验。家住东湖花园的王女士说，"
    "过去坐公交到单位要一个半小时，现在四十分钟就能到，每天能多睡半小时。",
    "据市轨道交通集团介绍，九号线采用六节编组列车，高峰时段行车间隔为三分半钟，平峰时段为六分钟。"
    "全线有七座换乘站，可与一号线、三号线和五号线实现站内换乘。",
    "为方便市民出行，九号线开通初期将在晚高峰延长运营时间半小时，末班车从终点站发车的时间调整为晚上十一点。"
    "沿线十二条公交线路也同步优化，接驳地铁站点。",
    "市交通部门表示，到明年年底，全市地铁运营里程将超过四百公里，中心城区居民步行十五分钟内可到达地铁站的比例将提高到八成。",
]
# Off-topic running text of the kind spam portals inject (about nothing on the page).
SALAD = (
    "近日某品牌发布新款护肤精华，据称可在七天内淡化细纹，业内人士认为其宣传存在夸大成分。"
    "另据消息，某地一家养殖场的小龙虾产量创下新高，收购价格较去年同期上涨两成。"
    "与此同时，一款手机游戏的新赛季上线首日便吸引了大量玩家，服务器一度出现排队现象。"
    "专家提醒，冬季进补要因人而异，切勿盲目跟风购买所谓的滋补品。"
)


def canon(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def _page(body: str, *, title: str = TITLE, head: str = "", above: str = "") -> str:
    return (
        f"<html><head><title>{title}_江城新闻网</title>{head}</head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/city'>本地</a> <a href='/biz'>财经</a></div>"
        f"{above}{body}"
        "<div class='footer'>关于我们 | 联系方式 | 江城新闻网 版权所有</div></body></html>"
    )


def _paras(paras: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paras)


def _has_body(text: str) -> bool:
    return all(canon(p) in canon(text) for p in BODY)


# ---------------------------------------------------------------- class 1: body hidden until JS runs


def _wechat(style_or_class: str, inner: str | None = None) -> str:
    """A WeChat-style article: visible headline and account line, the body hidden until a script."""
    body = (
        "<div class='rich_media'><h1 class='rich_media_title'>" + TITLE + "</h1>"
        "<div class='rich_media_meta_list'><span>江城发布</span> <em>2026-12-06</em></div>"
        f"<div id='js_content' {style_or_class}>{inner or _paras(BODY)}</div></div>"
        "<script>document.getElementById('js_content').style.visibility='visible'</script>"
    )
    return _page(body, head=f"<meta property='og:title' content='{TITLE}'>")


def test_wechat_body_hidden_until_script_runs_is_kept() -> None:
    art = cleanfeed.clean_html(_wechat("style='visibility: hidden;'"))
    assert _has_body(art.text)
    assert canon(art.title) == canon(TITLE)
    assert "hidden_body_revealed" in art.flags
    assert "hidden" not in art.removed  # the body was not counted as removed


def test_body_revealed_by_opacity_or_class_is_kept() -> None:
    for attr in ("style='opacity:0'", "class='content hidden'", "style='display:none'"):
        art = cleanfeed.clean_html(_wechat(attr))
        assert _has_body(art.text), attr


def test_hidden_spam_inside_revealed_body_stays_hidden() -> None:
    inner = _paras(BODY[:3]) + f"<p style='display:none'>{SALAD}</p>" + _paras(BODY[3:])
    art = cleanfeed.clean_html(_wechat("style='visibility: hidden;'", inner))
    assert _has_body(art.text)
    assert "小龙虾" not in art.text and art.removed["hidden"] > 0


def test_hidden_block_beside_a_visible_story_stays_hidden() -> None:
    body = (
        f"<div class='article'><h1>{TITLE}</h1><div class='content'>{_paras(BODY)}"
        f"<div style='display:none'><p>{SALAD}</p><p>{SALAD[::-1]}</p></div></div></div>"
    )
    art = cleanfeed.clean_html(_page(body))
    assert _has_body(art.text) and "小龙虾" not in art.text
    assert art.removed["hidden"] > 0 and "hidden_body_revealed" not in art.flags


def test_hidden_off_topic_block_bigger_than_a_short_story_stays_hidden() -> None:
    # A photo-caption story of one sentence; the hidden salad is many times its size.
    caption = "12月6日，市民在江城地铁九号线东湖站乘车，首班列车于上午9时发车。"
    body = (
        f"<div class='article'><h1>{TITLE}</h1><div class='content'><p><img src='a.jpg'></p><p>{caption}</p>"
        f"<div style='visibility:hidden'>{''.join(f'<p>{SALAD}</p>' for _ in range(4))}</div></div></div>"
    )
    art = cleanfeed.clean_html(_page(body))
    assert "东湖站乘车" in art.text and "小龙虾" not in art.text


# ---------------------------------------------------------------- class 2: the splitter cuts single articles


DATED = ["江城日报12月6日讯" + BODY[0].split("）", 1)[1], *BODY[1:]]  # opens with a dateline


def test_deck_above_the_body_does_not_become_the_story() -> None:
    deck = "<p>全长32公里 设站21座</p><p>七座换乘站 高峰间隔三分半</p>"
    body = f"<div class='article'><h1>{TITLE}</h1><div class='text'>{deck}{_paras(DATED)}</div></div>"
    art = cleanfeed.clean_html(_page(body))
    assert all(canon(p) in canon(art.text) for p in DATED)
    assert len(cleanfeed.clean_html_all(_page(body))) == 1


def test_loading_widget_line_above_the_body_does_not_become_the_story() -> None:
    body = (
        f"<div class='article'><h1>{TITLE}</h1><div class='text'><p>江城发布</p><p>视频加载中 请稍候</p>"
        f"{_paras(DATED)}</div></div>"
    )
    art = cleanfeed.clean_html(_page(body))
    assert all(canon(p) in canon(art.text) for p in DATED)


def test_subheads_between_photos_with_credits_stay_one_story() -> None:
    extra = "不少市民表示，九号线开通后，周末带家人去老城逛街也方便多了，不用再为停车发愁。"
    parts = [
        f"<p>{BODY[0]}</p><p>{BODY[1]}</p><p><img src='1.jpg'></p><p>首班列车驶出东湖站 江城日报记者 发</p>",
        f"<p><strong>早高峰不再挤公交</strong></p><p><img src='2.jpg'></p><p>{BODY[2]}</p><p>{extra}</p>",
        f"<p><strong>公交线路同步调整</strong></p><p><img src='4.jpg'></p><p>{BODY[3]}</p><p>{BODY[4]}</p>",
    ]
    body = f"<div class='article'><h1>{TITLE}</h1><div class='text'>{''.join(parts)}</div></div>"
    arts = cleanfeed.clean_html_all(_page(body))
    assert len(arts) == 1 and _has_body(arts[0].text) and canon(extra) in canon(arts[0].text)


def test_afterword_belongs_to_its_story() -> None:
    after = "地铁通了，城市的距离近了。希望各方继续用心，把每一个站点的接驳做细做实。"
    body = (
        f"<div class='article'><h1>{TITLE}</h1><div class='text'>{_paras(BODY[:-1])}<p>{BODY[-1]}（完）</p>"
        f"<p><strong>编后</strong></p><p>{after}</p><p>{BODY[1]}</p></div></div>"
    )
    arts = cleanfeed.clean_html_all(_page(body))
    assert len(arts) == 1 and canon(after) in canon(arts[0].text) and _has_body(arts[0].text)


def test_clean_html_returns_the_story_the_title_names() -> None:
    # A page whose lead piece is another (short) item: the headline names the second story.
    other = [
        "新华社北京12月5日电 记者从有关部门获悉，全国冬季供暖工作总体平稳有序，各地供暖设施运行正常。",
        "有关部门要求各地加强巡查，及时处置群众反映的问题，确保群众温暖过冬。（完）",
    ]
    body = (
        f"<div class='page'><div class='item'><h2>全国冬季供暖总体平稳</h2>{_paras(other)}</div>"
        f"<div class='item'><h2>{TITLE}</h2>{_paras(BODY)}</div></div>"
    )
    html = _page(body, title="江城地铁九号线今日开通")  # the <title> names the second story
    arts = cleanfeed.clean_html_all(html)
    assert len(arts) == 2 and canon(arts[0].title) == canon("全国冬季供暖总体平稳")
    main = cleanfeed.clean_html(html)
    assert canon(main.title) == canon(TITLE) and _has_body(main.text) and main.story_index == 1


# ---------------------------------------------------------------- class 3: widgets inside the container


def test_poll_inside_the_article_container_is_removed() -> None:
    poll = (
        "<div class='survey'><p>调查</p><p>1.你每天乘坐地铁通勤吗？</p>"
        "<p>每天都坐</p><p>偶尔乘坐</p><p>从不乘坐</p>"
        "<p>2.你最希望地铁改进哪方面？</p><p>缩短行车间隔</p><p>延长运营时间</p><p>增加换乘通道</p></div>"
    )
    body = f"<div class='article'><h1>{TITLE}</h1><div class='text'>{_paras(BODY)}{poll}</div></div>"
    art = cleanfeed.clean_html(_page(body))
    assert _has_body(art.text)
    assert "每天都坐" not in art.text and "缩短行车间隔" not in art.text and "你每天乘坐" not in art.text
    assert art.removed["poll"] > 0


def test_question_and_short_answer_lines_of_the_story_stay() -> None:
    # An interview: questions and one-line answers are story text (not a poll: answers end sentences).
    qa = [
        "九号线为什么选择在冬季开通？",
        "这是按工程节点确定的。",
        "开通初期客流会有多大？",
        "预计日均十五万人次。",
        "票价如何确定？",
        "与现有线路统一计价。",
    ]
    body = (
        f"<div class='article'><h1>{TITLE}</h1><div class='text'>{_paras(BODY[:2])}"
        f"{_paras(qa)}<p>{BODY[2]}</p><p>票价会不会上调？</p><p>暂无计划。</p><p>（记者林晓舟）</p></div></div>"
    )
    art = cleanfeed.clean_html(_page(body))
    for line in [*BODY[:3], *qa, "暂无计划。"]:
        assert canon(line) in canon(art.text), line


# ---------------------------------------------------------------- class 5: text not shaped like paragraphs


def test_enumerated_clauses_between_paragraphs_stay() -> None:
    clauses = [
        "第三条 下列人员可以免费乘坐：",
        "（一）身高一米二以下的儿童；",
        "（二）持证的残疾人；",
        "（三）年满七十周岁的老人；",
        "（四）现役军人；",
        "（五）其他依规定免费的人员。",
    ]
    body = (
        f"<div class='article'><h1>{TITLE}</h1><div class='text'>{_paras(BODY[:2])}{_paras(clauses)}"
        f"{_paras(BODY[2:])}</div></div>"
    )
    art = cleanfeed.clean_html(_page(body))
    assert _has_body(art.text)
    for line in clauses:
        assert canon(line) in canon(art.text), line


def test_data_table_closing_the_article_stays() -> None:
    rows = [
        ("东湖站", "6:00", "23:00", "换乘三号线"),
        ("老城广场站", "6:05", "23:05", "换乘一号线"),
        ("江城大道站", "6:10", "23:10", "换乘五号线"),
        ("城东新区站", "6:15", "23:15", "无"),
    ]
    table = (
        "<p>九号线各站首末班车时间表</p><table><tr><td>车站</td><td>首班车</td><td>末班车</td><td>换乘</td></tr>"
        + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
        + "</table>"
    )
    body = (
        f"<div class='article'><h1>{TITLE}</h1><div class='text'>{_paras(BODY)}{table}"
        "<p>（编辑：周岚）</p></div></div>"
        "<div class='related'><p><a href='/1'>江城公交票价调整听证会召开</a></p><p><a href='/2'>"
        "机场快线明年开工</a></p><p><a href='/3'>江城新增三条定制公交线路</a></p></div>"
    )
    art = cleanfeed.clean_html(_page(body))
    assert _has_body(art.text)
    for station in ("东湖站", "老城广场站", "江城大道站", "城东新区站"):
        assert station in art.text
    assert "机场快线" not in art.text


def test_hard_wrapped_prose_stays() -> None:
    # One <p> per paragraph, broken with <br> every ~30 characters (old CMS exports, e-paper OCR).
    def wrap(text: str, width: int = 30) -> str:
        return "<br>".join(text[i : i + width] for i in range(0, len(text), width))

    body = f"<div class='article'><h1>{TITLE}</h1><div class='text'>" + "".join(
        f"<p>{wrap(p)}</p>" for p in BODY
    )
    body += "</div></div>"
    art = cleanfeed.clean_html(_page(body))
    assert _has_body(art.text)


# ---------------------------------------------------------------- in-container notices of modern templates


def test_repost_notice_follow_promo_date_header_and_tip_prompt_inside_the_article_go() -> None:
    story_line = (
        "有网友提到，曾在地铁站内看到主播直播并收到粉丝打赏，车站工作人员随即上前劝阻，提醒其遵守乘车规定。"
    )
    junk = {
        "source_line": "发布日期：2026-12-06 责任编辑：王青",
        "disclaimer": "本文为江城新闻网原创稿件，未经允许不得转载，如需转载请联系编辑部。",
        "follow_promo": "每天推送本地新鲜事。扫描下方二维码关注江城新闻官方微信，或微信中搜：jcnews2026。",
        "tip_prompt": "文章不错，打赏一下作者",
    }
    paras = [
        junk["source_line"],
        *BODY,
        story_line,
        junk["disclaimer"],
        junk["follow_promo"],
        junk["tip_prompt"],
    ]
    art = cleanfeed.clean_html(_page(f"<h1>{TITLE}</h1><div class='article'>{_paras(paras)}</div>"))
    assert _has_body(art.text) and canon(story_line) in canon(art.text)  # 打赏 in a story sentence stays
    for rule, line in junk.items():
        assert canon(line) not in canon(art.text), rule
        assert art.removed.get(rule, 0) > 0, rule
