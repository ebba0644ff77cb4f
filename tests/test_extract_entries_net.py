"""Issue #10, classes 4 and 8: pages of several entries (a blog page showing several posts, a blog
index, a forum thread) and the safety net (a second opinion from a plain density pick).

The pages are written here (invented text); everything goes through the public ``clean_html``.
"""

from __future__ import annotations

from tests.test_extract_classes import BODY, SALAD, TITLE, _page, _paras, canon

import cleanfeed

HIKE = (
    "周末去西山看红叶 山顶的枫树林最美",
    [
        "上周六一早，我和几个朋友约好去西山看红叶，八点从市区出发，九点多就到了山脚下的停车场。",
        "沿着石阶往上走，两边的枫树已经红了大半，阳光照在叶子上，像一片片燃烧的小火苗，拍照的人特别多。",
        "山顶有一片枫树林，树下铺满了落叶，踩上去沙沙作响。我们在那里坐了很久，吃了带来的点心，下午三点才下山。",
    ],
)
FISH = (
    "自己动手做酸菜鱼 比饭店的还好吃",
    [
        "酸菜鱼是我们家最常做的一道菜，做法其实不难，关键是鱼片要切得薄，酸菜要先炒出香味。",
        "鱼骨和鱼头先下锅煮汤，煮到汤色发白再放酸菜，最后把腌好的鱼片一片片放进去，变色就关火。",
        "出锅前浇一勺热油在花椒和干辣椒上，滋啦一声，香味一下子就出来了，全家人都说比饭店的还好吃。",
    ],
)
REPLIES = [
    "楼主说得对，九号线开通以后我上班也方便多了，以前每天要换两次车。",
    "请问九号线周末的发车间隔是多少？有没有知道的朋友说一下，谢谢。",
    "顶一下，希望明年十号线也能早点开通，我们那边还没有地铁。",
    "实际坐了一次，车厢很新，就是早高峰人太多了，挤不上去，希望能再加几趟车。",
]


def _blog(posts: list[tuple[str, list[str]]], title: str) -> str:
    entries = "".join(
        f"<div class='post'><h2><a href='/p/{i}'>{t}</a></h2>"
        f"<div class='meta'>发表于 2026-12-0{i + 1} 10:2{i} | 阅读(12{i}) | 评论({i})</div>"
        f"<div class='entry'>{_paras(b)}</div></div>"
        for i, (t, b) in enumerate(posts)
    )
    return _page(f"<div class='blog'>{entries}</div>", title=title)


def _has(text: str, paras: list[str]) -> bool:
    return all(canon(p) in canon(text) for p in paras)


def _none(text: str, paras: list[str]) -> bool:
    return not any(canon(p) in canon(text) for p in paras)


# ---------------------------------------------------------------- class 4: pages of several entries


def test_blog_page_showing_several_posts_keeps_the_post_its_headline_names() -> None:
    art = cleanfeed.clean_html(_blog([HIKE, (TITLE, BODY), FISH], TITLE))
    assert _has(art.text, BODY)
    assert _none(art.text, HIKE[1] + FISH[1])
    assert "发表于" not in art.text  # the post header is not text
    assert "multi_entry:post" in art.flags


def test_blog_index_keeps_one_post_with_its_own_heading_and_is_doubtful() -> None:
    art = cleanfeed.clean_html(_blog([HIKE, FISH, (TITLE, BODY)], "林晓舟的博客"))
    assert _has(art.text, HIKE[1])
    assert _none(art.text, FISH[1] + BODY)
    assert art.title == HIKE[0]
    assert "multi_entry:index" in art.flags
    single = cleanfeed.clean_html(_page(f"<h1>{TITLE}</h1><div class='article'>{_paras(BODY)}</div>"))
    assert art.extraction_confidence is not None and single.extraction_confidence is not None
    assert art.extraction_confidence < single.extraction_confidence


def test_forum_thread_keeps_the_opening_post_not_the_replies() -> None:
    post = (
        "<div class='post'><div class='author'>{who}</div><div class='time'>发表于 2026-12-06 {t}</div>"
        "<div class='msg'>{msg}</div><div class='floor'>{floor}</div></div>"
    )
    posts = post.format(who="江城老司机", t="09:20", msg=_paras(BODY), floor="楼主")
    posts += "".join(
        post.format(who=f"网友{i}", t=f"1{i}:05", msg=f"<p>{r}</p>", floor=f"{i + 2}楼")
        for i, r in enumerate(REPLIES)
    )
    art = cleanfeed.clean_html(_page(f"<div class='thread'><h1>{TITLE}</h1>{posts}</div>"))
    assert _has(art.text, BODY)
    assert _none(art.text, REPLIES)
    assert not any(x in art.text for x in ("江城老司机", "楼主", "2楼"))
    assert art.title == TITLE
    assert "multi_entry:thread" in art.flags


def test_article_in_sections_with_subheads_stays_whole() -> None:
    sections = "".join(
        f"<div class='section'><h3>{head}</h3>{_paras(BODY[k : k + 2])}</div>"
        for k, head in ((0, "首班车上的乘客"), (2, "换乘更方便"), (4, "明年的规划"))
    )
    art = cleanfeed.clean_html(_page(f"<h1>{TITLE}</h1><div class='article'>{sections}</div>"))
    assert _has(art.text, BODY)
    assert not any(f.startswith("multi_entry") for f in art.flags)


def test_dated_comments_under_an_article_do_not_make_it_one_entry_of_many() -> None:
    comments = "".join(
        f"<div class='item'><span>网友{i}</span><span>2026-12-06 1{i}:05</span><p>{r}</p></div>"
        for i, r in enumerate(REPLIES)
    )
    page = f"<h1>{TITLE}</h1><div class='article'>{_paras(BODY)}</div><div class='cmts'>{comments}</div>"
    art = cleanfeed.clean_html(_page(page))
    assert _has(art.text, BODY)
    assert not any(f.startswith("multi_entry") for f in art.flags)


# ---------------------------------------------------------------- class 8: the safety net

# A site's own introduction: running text, not about the story.
INTRO = [
    "江城日报创刊于一九四九年，是江城市历史最悠久的综合性日报，七十多年来始终坚持贴近群众、"
    "贴近生活的办报方针，多次获得全国优秀报纸称号。",
    "报社现有采编人员四百余人，在全市各区县设有记者站，旗下还有晚报、周刊和多个新媒体平台，"
    "日均覆盖读者超过两百万人次，是市民了解城市的重要窗口。",
]


def _links(n: int) -> str:
    items = "".join(f"<li><a href='/n/{i}'>江城要闻第{i}条标题在这里</a></li>" for i in range(n))
    return f"<ul>{items}</ul>"


def test_net_replaces_a_wrong_first_pick_with_the_article_and_says_so() -> None:
    # The article sits in a container whose class reads as chrome (side-by-side), behind a long
    # link list: the class-hinted scorer prefers the site's introduction; a plain density pick
    # reads the article. The net compares the two and keeps the one about the headline.
    page = (
        f"<div class='intro'>{_paras(INTRO)}</div>{_links(40)}"
        f"<div class='layout side-by-side'><h1>{TITLE}</h1><div>{_paras(BODY)}</div></div>"
    )
    art = cleanfeed.clean_html(_page(page))
    assert _has(art.text, BODY)
    assert _none(art.text, INTRO)
    assert "net:plain_pick" in art.flags
    plain = cleanfeed.clean_html(_page(f"<h1>{TITLE}</h1><div class='article'>{_paras(BODY)}</div>"))
    assert art.extraction_confidence is not None and plain.extraction_confidence is not None
    assert art.extraction_confidence < plain.extraction_confidence  # a second opinion is less sure


SHORT = [
    "本报讯 江城地铁九号线今日开通，首日客流超过十二万人次。",
    "市轨道交通集团表示，开通初期晚高峰将延长运营半小时。",
    "沿线十二条公交线路同步优化，方便乘客换乘。",
]
COMMENTS = [
    "我觉得现在的年轻人压力都很大，工作忙，房价高，每天下班回家只想躺着，哪还有心思出去玩，周末能睡个懒觉就很满足了。",
    "楼上说得对，不过我还是建议大家多出去走走，运动一下对身体好，我每天早上都去公园跑步，坚持了三年，感觉精神好多了。",
    "现在物价涨得厉害，菜市场的青菜都要五六块钱一斤，工资却没怎么涨，普通老百姓过日子真不容易，希望有关部门多关注一下。",
    "说到这个我想起小时候，那时候虽然条件差，但大家都很开心，邻里之间关系也好，现在住在高楼里，对门住的是谁都不知道。",
]


def test_net_keeps_a_short_right_article_over_a_bigger_off_topic_block() -> None:
    # The plain density pick reads the (bigger, chrome-classed) comment section; ours the short
    # news brief the headline names. The net must not trade a right short article for more text.
    page = (
        f"<div class='article-content'><h1>{TITLE}</h1>{_paras(SHORT)}</div>{_links(40)}"
        f"<div class='pinglun-box'>{_paras(COMMENTS)}</div>"
    )
    art = cleanfeed.clean_html(_page(page))
    assert _has(art.text, SHORT)
    assert _none(art.text, COMMENTS)
    assert "net:kept_first" in art.flags  # asked, and kept


def test_spam_blocks_laid_out_like_dated_posts_are_not_entries() -> None:
    # Injected spam: a 《clickbait》 line and a 发布时间… 来自X header over word salad, in blocks of
    # one class beside a one-paragraph story. They look like dated posts; they are not a thread.
    spam = "".join(
        f"<div class='item'><p>《震惊！这个秘密终于曝光了》</p>"
        f"<p>发布时间：2026-11-0{i} 17:25:37 来自湖北</p><p>{SALAD}</p></div>"
        for i in (1, 2)
    )
    page = f"<h1>{TITLE}</h1><div class='article'><div class='item'>{_paras(BODY[:1])}</div>{spam}</div>"
    art = cleanfeed.clean_html(_page(page))
    assert _has(art.text, BODY[:1])
    assert canon(SALAD) not in canon(art.text)
    assert not any(f.startswith("multi_entry") for f in art.flags)
