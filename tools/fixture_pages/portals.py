"""Layouts, part 1: spam portals and the big portals' CMS pages (one function a layout; each fills
``case.html`` and records every spam and boilerplate string in ``case.exclude``)."""

from __future__ import annotations

import random

from bench.spam_inject import SpamFactory
from tools.fixture_pages.parts import (
    Case,
    crumb,
    fac_headlines,
    head,
    info_bar,
    nav,
    paras_html,
    portal_footer,
    seed_tail,
    sidebar,
)
from tools.fixture_pages.story import STORIES, Story, esc, fold_punct, simp


# --- layouts ---------------------------------------------------------------------------------------
def spam_portal(case: Case, story: Story, variant: str, seed: int, tail: str | None = None) -> None:
    """Seed-like spam portal. variant: 'inside' (spam in the content div after the end marker),
    'between' (salad between paragraphs, empty tags in <p>, hidden divs) or 'sibling' (spam in
    sibling divs, sidebar, share widget, comment form)."""
    fac = SpamFactory(random.Random(seed))
    site = case.extra.get("site", "今日快讯网")
    parts = [
        head(f"{story.shown_title}_{site}", "utf-8", case.url),
        "<body>\n",
        nav(case, site, ["首页", "国内新闻", "国际新闻", "财经频道", "科技前沿", "娱乐八卦", "健康养生"]),
        crumb(case, ["首页", "新闻中心", "正文"]),
        '<div class="wrap"><div class="main">\n',
        f"<h1>{esc(story.shown_title)}</h1>\n",
        info_bar(case, story),
    ]
    editor = story.meta.get("editor")
    editor_line = f'<p class="editor">【编辑：{esc(editor)}】</p>\n' if editor else ""
    if editor:
        case.add(f"【编辑：{editor}】")
    orig_html = ""
    if story.meta.get("original_title"):  # as in seed 000: the 原标题 line opens the body
        orig = f"（原标题：{story.meta['original_title']}）"
        orig = fold_punct(orig) if story.meta.get("ascii_punct") else orig
        case.add(orig)
        orig_html = f"<p>{esc(orig)}</p>\n"
    if variant == "inside":
        body = orig_html + paras_html(story, fac, empty_tags=True, indent=True)
        parts.append(f'<div class="content" id="content">\n{body}{editor_line}')
        parts.append(
            seed_tail(case, tail) if tail else "".join(case.block(fac.any_block()) for _ in range(6))
        )
        parts.append("</div>\n")
    elif variant == "between":
        out = [orig_html]
        body = story.paras
        cut1, cut2 = len(body) // 3, 2 * len(body) // 3
        for i, p in enumerate(body):
            one = Story(story.name, story.meta, [p])
            out.append(paras_html(one, fac, empty_tags=(i % 3 == 1), indent=True))
            if i == cut1:
                out.append(case.block(fac.salad()))
            if i == cut2:
                out.append(case.block(fac.hidden()))
                out.append(fac.empty_tags(3))
        parts.append('<div class="article-content">\n' + "".join(out) + editor_line)
        parts.append(case.block(fac.disclaimer()) + case.block(fac.counters()) + "</div>\n")
        parts.append(case.block(fac.rec_list(timestamps=True)))
        if tail:
            parts.append(seed_tail(case, tail))
    else:  # sibling
        parts.append(
            '<div class="post">\n<div class="post-body">\n'
            + orig_html
            + paras_html(story, indent=True)
            + editor_line
            + "</div>\n"
        )
        parts.append(case.block(fac.share()) + "</div>\n")
        parts.append(
            '<div class="post-extra">'
            + (seed_tail(case, tail) if tail else case.block(fac.salad()))
            + "</div>\n"
        )
        parts.append('<div class="post-rec">' + case.block(fac.rec_list(heading="猜你喜欢")) + "</div>\n")
        parts.append(case.block(fac.comment_form()))
    parts.append("</div>\n" + sidebar(case, fac, "24小时热文") + "</div>\n")
    parts.append(
        portal_footer(
            case,
            [
                f"Copyright © 2012-2026 {site} 版权所有",
                "粤ICP备16032871号-3",
                "违法和不良信息举报电话：12377",
            ],
        )
    )
    parts.append("</body>\n</html>\n")
    case.html = "".join(parts)


def wordpress_spun(case: Case, story: Story, seed: int) -> None:
    """Seed 000: a spun rewrite on a WordPress-like blog with 原标题 line and a comment form."""
    fac = SpamFactory(random.Random(seed))
    orig = fold_punct(story.meta["original_title"])
    case.add(f"(原标题:{orig})", "发表回复", "您的邮箱地址不会被公开。 必填项已用 * 标注")
    case.add("上一篇", "下一篇", "近期文章")
    body = paras_html(story, caption_cls="wp-caption-text")
    case.html = "".join(
        [
            head(f"{story.shown_title} – 财经速递", "utf-8", case.url),
            '<body class="post-template-default single">\n',
            nav(case, "财经速递", ["首页", "宏观经济", "地方财经", "产业观察", "关于本站"]),
            '<div id="primary"><main id="main"><article class="post type-post">\n',
            f'<header class="entry-header"><h1 class="entry-title">{esc(story.shown_title)}</h1>\n',
            f'<div class="entry-meta"><time>{story.meta["published"]}</time> '
            '<span class="byline">admin</span>'
            "</div></header>\n",
            f'<div class="entry-content">\n<h1>{esc(story.shown_title)}</h1>\n'
            f"<p>(原标题:{esc(orig)})</p>\n{body}",
            case.block(fac.share()),
            "</div>\n",
            '<nav class="post-navigation"><a href="#">上一篇</a> <a href="#">下一篇</a></nav>\n',
            "</article>\n",
            '<div id="comments"><div id="respond" class="comment-respond">'
            '<h3 class="comment-reply-title">发表回复</h3>'
            '<form id="commentform"><p class="comment-notes">您的邮箱地址不会被公开。 必填项已用 * 标注</p>'
            '<textarea name="comment"></textarea><input type="submit" value="发表评论"></form></div></div>\n',
            '</main></div>\n<aside id="secondary"><h2>近期文章</h2>',
            case.block(fac.rec_list(heading="近期文章")),
            "</aside>\n",
            portal_footer(case, ["财经速递 © 2026", "由WordPress强力驱动"]),
            "</body></html>\n",
        ]
    )


def epaper(case: Case, story: Story) -> None:
    """Seed 003: an e-paper page (版面) carrying six stories."""
    case.add("版面导航", "上一版", "下一版", "PDF下载", "返回目录", "第03版：要闻")
    arts = []
    for k, st in enumerate([story, *story.more]):
        title_html = "<br>".join(esc(x) for x in st.title.split(" ")) if k == 0 else esc(st.title)
        body = []
        for p in st.paras:
            if p.caption:
                body.append(
                    f'<table class="pic"><tr><td><img src="/pic/{k}.jpg"></td></tr>'
                    f'<tr><td class="caption">{esc(p.shown)}</td></tr></table>'
                )
            else:
                body.append(f"<p>{esc(p.shown)}</p>")
        arts.append(
            f'<div class="article" id="art{k}">\n<h1>{title_html}</h1>\n<div class="article-body">\n'
            + "\n".join(body)
            + "\n</div></div>\n"
        )
    titles = "".join(
        f'<li><a href="#art{k}">{esc(st.title)}</a></li>' for k, st in enumerate([story, *story.more])
    )
    case.html = "".join(
        [
            head("第03版：要闻", "utf-8", case.url),
            "<body>\n",
            '<div class="paper-top"><span>2026年01月31日 星期六</span> <a href="#">返回目录</a> '
            '<a href="#">PDF下载</a></div>\n',
            '<div class="layout"><div class="left"><h3>版面导航</h3><ul><li><a href="#">第01版：要闻</a></li>'
            '<li><a href="#">第02版：要闻</a></li><li><a href="#">第03版：要闻</a></li></ul>'
            f'<h3>标题导航</h3><ul class="titles">{titles}</ul>'
            '<a href="#">上一版</a> <a href="#">下一版</a></div>\n<div class="right">\n',
            *arts,
            "</div></div>\n</body></html>\n",
        ]
    )


def trad_mirror(case: Case, story: Story, seed: int) -> None:
    """Seed 004: a Traditional mirror page (pinyin, mojibake, ASCII punctuation) with the ICP footer."""
    fac = SpamFactory(random.Random(seed))
    footer = (STORIES / "seed004.footer.txt").read_text(encoding="utf-8").strip().split("\n")
    for line in footer:
        case.add(line, simp(line))
    rel = [
        "央企AI+專(zhuān)項(xiàng)行動(dòng)再提速",
        "多地發(fā)布人工智能產(chǎn)業(yè)新政",
        "數(shù)字中國建設(shè)峰會(huì)開幕",
    ]
    case.add("相關(guān)閱讀", "相关阅读", *rel, *[simp(x) for x in rel])
    disc = "本文來源於網(wǎng)絡(luò)，如有侵權(quán)請聯(lián)繫刪除"
    case.add(disc, simp(disc))
    body = "\n".join(f"<p>{esc(p.shown)}</p>" for p in story.paras)
    lis = "".join(f'<li><a href="/n/{i}.html">{esc(x)}</a></li>' for i, x in enumerate(rel))
    case.html = "".join(
        [
            head(story.shown_title, "utf-8", case.url),
            "<body>\n",
            '<div class="m-header"><a href="/">荊楚網(wǎng)</a></div>\n',
            f'<div class="m-article"><h1 class="title">{esc(story.shown_title)}</h1>\n',
            f'<div class="meta">{story.meta["published"]} 來源：第一財(cái)經(jīng)</div>\n',
            f'<div class="article-content">\n{body}\n<p class="disc">{esc(disc)}</p>\n</div>\n',
            f'<div class="related"><h3>相關(guān)閱讀</h3><ul>{lis}</ul></div>\n',
            case.block(fac.hidden()),
            "</div>\n",
            '<div class="m-footer">' + "<br>\n".join(f"<p>{esc(x)}</p>" for x in footer) + "</div>\n",
            "</body></html>\n",
        ]
    )
    case.add("來源：第一財(cái)經(jīng)", "来源：第一财经")


# CMS-style layouts for our own stories ---------------------------------------------------------------
def cms_sina(case: Case, story: Story, seed: int) -> None:
    fac = SpamFactory(random.Random(seed))
    m = story.meta
    case.add(f"责任编辑：{m['editor']}", "新浪新闻客户端", "免责声明：本文仅代表作者个人观点，与新浪网无关。")
    case.add("Copyright © 1996-2026 SINA Corporation, All Rights Reserved")
    paras = story.body
    half = len(paras) // 2
    first = paras_html(Story(story.name, m, paras[:half]), indent=True)
    second = paras_html(Story(story.name, m, paras[half:]), indent=True)
    case.html = "".join(
        [
            head(f"{story.title}|杭州|地铁_新浪新闻", "utf-8", case.url),
            "<body>\n",
            nav(case, "新浪新闻", ["新浪首页", "新闻", "体育", "财经", "娱乐", "科技", "博客", "图片"]),
            '<div class="article-header clearfix"><h1 class="main-title">' + esc(story.title) + "</h1>\n",
            f'<div class="date-source"><span class="date">{m["published"]}</span> '
            f'<a class="source" href="#">{esc(m["agency"])}</a></div></div>\n',
            '<div class="article" id="artibody">\n',
            first,
            '<div class="wzzw">',
            case.block(fac.salad()),
            "</div>\n",
            second,
            f'<p class="show_author">责任编辑：{esc(m["editor"])}</p>\n',
            "<p>免责声明：本文仅代表作者个人观点，与新浪网无关。</p>\n",
            case.block(fac.app_prompt()),
            "</div>\n",
            '<div class="article-bottom">',
            case.block(fac.share()),
            case.block(fac.rec_list(heading="相关新闻")),
            case.block(fac.rec_list(heading="24小时热文", n=8)),
            "</div>\n",
            '<div class="side-bar">新浪新闻客户端',
            case.block(fac.rec_list(heading="猜你喜欢")),
            "</div>\n",
            portal_footer(
                case, ["Copyright © 1996-2026 SINA Corporation, All Rights Reserved", "新浪公司 版权所有"]
            ),
            "</body></html>\n",
        ]
    )
    case.meta_keys = ("editor",)


def cms_163(case: Case, story: Story, seed: int) -> None:
    fac = SpamFactory(random.Random(seed))
    m = story.meta
    code = "_NB1297"
    case.add(f"本文来源：{m['agency']}", f"责任编辑：{m['editor']}{code}", "举报", "网易首页", "跟贴")
    case.html = "".join(
        [
            head(f"{story.title}_网易新闻", "utf-8", case.url),
            "<body>\n",
            nav(case, "网易", ["网易首页", "新闻", "体育", "娱乐", "财经", "汽车", "科技", "时尚"]),
            '<div class="post_main"><h1 class="post_title">' + esc(story.title) + "</h1>\n",
            f'<div class="post_info">{m["published"]} 来源: <a href="#">{esc(m["agency"])}</a> '
            '<a class="post_jubao" href="#">举报</a></div>\n',
            '<div class="post_content"><div class="post_body">\n',
            paras_html(story),
            '<div class="hidden-ad" style="display:none">',
            case.block(fac.salad()),
            "</div>\n",
            f'<p class="otitle"></p><div class="post_author">本文来源：{esc(m["agency"])} '
            f"作者：{esc(m['author'])}<br>责任编辑：{esc(m['editor'])}{code}</div>\n",
            "</div></div>\n",
            '<div class="post_recommends">',
            case.block(fac.rec_list(heading="相关推荐", n=5)),
            "</div>\n",
            '<div class="tie-area"><h3>跟贴</h3>',
            case.block(fac.comment_form()),
            "</div>\n</div>\n",
            portal_footer(case, ["网易公司版权所有 ©1997-2026", "浙B2-20090185"]),
            "</body></html>\n",
        ]
    )
    case.meta_keys = ("editor", "author")


def cms_ifeng(case: Case, story: Story, seed: int) -> None:
    fac = SpamFactory(random.Random(seed))
    m = story.meta
    case.add(f"[责任编辑：{m['editor']} PN052]", "凤凰网", "延伸阅读", "精彩推荐", "用微信扫描二维码")
    case.html = "".join(
        [
            head(f"{story.title}_凤凰网资讯_凤凰网", "utf-8", case.url),
            "<body>\n",
            nav(case, "凤凰网", ["凤凰网首页", "资讯", "财经", "娱乐", "体育", "时尚", "汽车", "房产"]),
            '<div class="yc_main wrap"><div id="artical">\n',
            f'<h1 id="artical_topic">{esc(story.title)}</h1>\n',
            f'<div id="artical_sth"><span class="ss01">{m["published"]}</span> '
            f'<span class="ss03">{esc(m["agency"])}</span></div>\n',
            '<div id="main_content" class="js_selection_area">\n',
            paras_html(story),
            "</div>\n",
            f'<span class="bj">[责任编辑：{esc(m["editor"])} PN052]</span>\n',
            '<div class="yanshen"><h3>延伸阅读</h3>',
            case.block(fac.rec_list(heading="延伸阅读")),
            "</div>\n",
            '<div class="share">用微信扫描二维码',
            case.block(fac.share()),
            "</div>\n",
            "</div></div>\n",
            '<div class="right">',
            case.block(fac.rec_list(heading="精彩推荐", timestamps=True)),
            "</div>\n",
            portal_footer(case, ["凤凰新媒体 版权所有", "Copyright © 2026 Phoenix New Media Limited"]),
            "</body></html>\n",
        ]
    )
    case.meta_keys = ("editor",)


def cms_xinhua(case: Case, story: Story, seed: int) -> None:
    fac = SpamFactory(random.Random(seed))
    m = story.meta
    case.add(f"【责任编辑：{m['editor']}】", "【纠错】", "分享到：", "扫一扫在手机打开当前页")
    case.html = "".join(
        [
            head(f"{story.title}-新华网", "utf-8", case.url),
            "<body>\n",
            nav(case, "新华网", ["新华网首页", "时政", "国际", "财经", "思客", "体育", "科技"]),
            '<div class="header domPC"><div class="head-line"><h1><span class="title">'
            + esc(story.title)
            + "</span></h1>\n",
            f'<div class="info"><span class="year">{m["published"]}</span> <span class="source">'
            f"来源：{esc(m['agency'])}</span></div></div></div>\n",
            '<div class="main clearfix"><div class="main-left left"><div id="detail">\n'
            '<span id="detailContent">\n'
            '<div id="p-detail">\n',
            paras_html(story),
            "</div>\n</span>\n",
            f'<div class="editor">【责任编辑：{esc(m["editor"])}】</div>\n<div class="jiuc">【纠错】</div>\n',
            '<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a></div>\n',
            '<div class="qrcode">扫一扫在手机打开当前页</div>\n</div>\n',
            case.block(fac.rec_list(heading="相关新闻")),
            "</div>\n",
            '<div class="main-right right">',
            case.block(fac.rec_list(heading="热点推荐", timestamps=True)),
            "</div></div>\n",
            portal_footer(
                case,
                ["Copyright © 2000-2026 XINHUANET.com All Rights Reserved.", "制作单位：新华网股份有限公司"],
            ),
            "</body></html>\n",
        ]
    )
    case.meta_keys = ("editor",)


def cms_chinanews(case: Case, story: Story, seed: int) -> None:
    fac = SpamFactory(random.Random(seed))
    m = story.meta
    case.add(f"【编辑:{m['editor']}】", "社会新闻精选：", "本网站所刊载信息，不代表中新社和中新网观点。")
    extra = fac.rng.sample(fac_headlines(), 4)
    case.add(*extra)
    lis = "".join(f'<li><a href="#">{esc(x)}</a></li>' for x in extra)
    case.html = "".join(
        [
            head(f"{story.title}-中新网", "utf-8", case.url),
            "<body>\n",
            nav(case, "中国新闻网", ["首页", "滚动", "时政", "社会", "国际", "财经", "文娱"]),
            '<div class="con_left"><div class="content_left_title"><h1 class="content_left_title">'
            + esc(story.title)
            + "</h1></div>\n",
            f'<div class="content_left_time">{m["published"]} '
            f'来源：<a href="#">{esc(m["agency"])}</a></div>\n',
            '<div class="left_zw" style="position:relative">\n',
            paras_html(story, indent=True),
            "</div>\n",
            f'<div class="adEditor"><div class="left_name"><div class="left_name">【编辑:{esc(m["editor"])}】'
            "</div></div></div>\n",
            f'<div class="jingxuan"><div class="title">社会新闻精选：</div><ul>{lis}</ul></div>\n',
            '<div class="sp">',
            case.block(fac.rec_list(heading="相关新闻")),
            "</div>\n",
            "<p>本网站所刊载信息，不代表中新社和中新网观点。</p>\n</div>\n",
            portal_footer(
                case, ["Copyright ©1999-2026 chinanews.com. All Rights Reserved", "京ICP证040655号"]
            ),
            "</body></html>\n",
        ]
    )
    case.meta_keys = ("editor",)
