"""Layouts, part 2: the other CMS pages and the non-articles (index, 404, empty, login)."""

from __future__ import annotations

import random

from bench.spam_inject import SpamFactory
from tools.fixture_pages.parts import Case, crumb, fac_headlines, head, nav, paras_html, portal_footer
from tools.fixture_pages.story import T2S, Story, esc


def cms_people(case: Case, story: Story, seed: int) -> None:
    fac = SpamFactory(random.Random(seed))
    m = story.meta
    case.add(f"(责编：{m['editor']})", "分享让更多人看到", "人民网版权所有，未经书面授权禁止使用")
    case.html = "".join(
        [
            head(f"{story.title}--社会·法治--人民网", case.extra.get("charset", "utf-8"), case.url),
            "<body>\n",
            nav(case, "人民网", ["人民网首页", "时政", "国际", "经济", "社会", "地方", "评论"]),
            crumb(case, ["人民网", "社会·法治", "正文"]),
            '<div class="layout rm_txt cf"><div class="col col-1 fl">\n',
            f"<h1>{esc(story.title)}</h1>\n",
            f'<p class="author">{esc(m["author"])}</p>\n',
            f'<div class="col-1-1 fl">{m["published"]} | 来源：<a href="#">{esc(m["agency"])}</a></div>\n',
            '<div class="rm_txt_con cf">\n',
            paras_html(story, indent=True),
            f'<div class="edit cf">(责编：{esc(m["editor"])})</div>\n</div>\n',
            '<div class="share">分享让更多人看到</div>\n',
            case.block(fac.rec_list(heading="相关新闻")),
            "</div></div>\n",
            portal_footer(case, ["人民日报社概况", "人民网版权所有，未经书面授权禁止使用"]),
            "</body></html>\n",
        ]
    )
    case.meta_keys = ("editor",)


def cms_thepaper(case: Case, story: Story, seed: int) -> None:
    fac = SpamFactory(random.Random(seed))
    m = story.meta
    notice = (
        "特别声明：本文为澎湃号作者或机构在澎湃新闻上传并发布，仅代表该作者或机构观点，"
        "不代表澎湃新闻的观点或立场，澎湃新闻仅提供信息发布平台。"
    )
    case.add(
        f"责任编辑：{m['editor']}",
        f"校对：{m['author']}",
        notice,
        "澎湃新闻报料：021-962866",
        "澎湃新闻，未经授权不得转载",
    )
    case.html = "".join(
        [
            head(f"{story.title}_澎湃新闻-The Paper", "utf-8", case.url),
            "<body>\n",
            nav(case, "澎湃新闻", ["首页", "视频", "时事", "财经", "思想", "生活"]),
            '<div class="index_wrapper__"><div class="index_leftcontent__">\n',
            f'<h1 class="index_title__">{esc(story.title)}</h1>\n',
            f'<div class="index_headerContent__"><div>澎湃新闻记者 {esc(m["author"])}</div>'
            f"<span>{m['published']}</span> <span>来源：澎湃新闻</span></div>\n",
            '<div class="index_cententWrap__"><div class="news_txt">\n',
            paras_html(story),
            "</div></div>\n",
            f'<p class="editor">责任编辑：{esc(m["editor"])} 校对：{esc(m["author"])}</p>\n',
            f'<div class="statement">{esc(notice)}</div>\n<p>澎湃新闻报料：021-962866</p>\n',
            case.block(fac.rec_list(heading="相关推荐")),
            case.block(fac.comment_form()),
            "</div></div>\n",
            portal_footer(case, ["澎湃新闻，未经授权不得转载", "沪ICP备14003370号"]),
            "</body></html>\n",
        ]
    )
    case.meta_keys = ("editor", "author")


def cms_trs_2008(case: Case, story: Story) -> None:
    """A 2008-era county government site: table layout, TRS_Editor body, GBK bytes."""
    case.add(
        "【打印本页】",
        "【关闭窗口】",
        "版权所有：平湖县人民政府办公室",
        "备案号：浙ICP备05012345号",
        "发布日期：2008-03-17",
        "浏览次数：",
        "信息来源：县农业局",
    )
    body = "".join(f'<P style="TEXT-INDENT: 2em">{esc(p.shown)}</P>\n' for p in story.body)
    case.html = "".join(
        [
            "<html>\n<head>\n<title>"
            + esc(story.title)
            + "</title>\n"
            + (case.extra.get("meta") or "")
            + '\n<link href="/css/style.css" rel=stylesheet>\n</head>\n',
            "<body leftmargin=0 topmargin=0>\n"
            "<table width=778 border=0 align=center cellpadding=0 cellspacing=0>\n"
            '<tr><td><img src="/images/top.jpg" width=778 height=120></td></tr>\n'
            '<tr><td class="nav"><a href="/">网站首页</a> | <a href="/zwgk/">政务公开</a> | '
            '<a href="/bsfw/">办事服务</a> | <a href="/gzcy/">公众参与</a></td></tr>\n</table>\n',
            "<table width=778 border=0 align=center cellpadding=0 cellspacing=0>\n<tr>\n"
            '<td width=180 valign=top class="left"><table width="100%"><tr><td class="lm">政务动态</td></tr>'
            '<tr><td><a href="/zwdt/">政务动态</a></td></tr><tr><td><a href="/tzgg/">通知公告</a></td></tr>'
            "</table></td>\n<td width=598 valign=top>\n",
            '<table width="96%" align=center><tr><td align=center class="title"><b>'
            + esc(story.title)
            + "</b></td></tr>\n",
            '<tr><td align=center class="time">发布日期：2008-03-17 &nbsp; '
            "信息来源：县农业局 &nbsp; 浏览次数："
            "<script>document.write(1024)</script>328</td></tr>\n",
            f'<tr><td class="content"><div class=TRS_Editor>\n{body}</div></td></tr>\n',
            '<tr><td align=right><a href="javascript:window.print()">【打印本页】</a> '
            '<a href="javascript:window.close()">【关闭窗口】</a></td></tr>\n</table>\n</td></tr></table>\n',
            '<table width=778 align=center><tr><td align=center class="foot">'
            "版权所有：平湖县人民政府办公室<br>"
            "备案号：浙ICP备05012345号</td></tr></table>\n</body>\n</html>\n",
        ]
    )
    case.meta_keys = ()


def cms_article_tag(case: Case, story: Story, seed: int) -> None:
    """A modern HTML5 page: <article>, standalone （完） marker, reposting disclaimers."""
    fac = SpamFactory(random.Random(seed))
    m = story.meta
    repost = "本文系转载，版权归原作者所有，如有侵权请联系删除。"
    case.add(
        repost,
        f"责任编辑：{m['editor']}",
        "返回搜狐，查看更多",
        "平台声明：该文观点仅代表作者本人，搜狐号系信息发布平台",
    )
    case.html = "".join(
        [
            head(f"{story.title}_手机搜狐网", "utf-8", case.url),
            "<body>\n",
            '<header class="top"><a href="/">搜狐</a><nav>'
            + nav(case, "搜狐", ["新闻", "体育", "汽车", "房产", "旅游"])
            + "</nav></header>\n",
            '<main><article class="article" id="mp-editor">\n',
            f"<h1>{esc(story.title)}</h1>\n",
            f'<div class="article-info"><span>{m["published"]}</span> '
            f"<span>来源：{esc(m['agency'])}</span></div>\n",
            paras_html(story),
            f"<p>{esc(repost)}</p>\n",
            f'<p class="editor">责任编辑：{esc(m["editor"])}</p>\n',
            '<p><a href="/">返回搜狐，查看更多</a></p>\n',
            "</article>\n<aside>",
            '<div class="statement">平台声明：该文观点仅代表作者本人，搜狐号系信息发布平台</div>',
            case.block(fac.rec_list(heading="大家都在看")),
            "</aside></main>\n",
            portal_footer(case, ["Copyright © 2026 Sohu.com Inc. All Rights Reserved."]),
            "</body></html>\n",
        ]
    )
    case.meta_keys = ("editor",)


def cms_taiwan(case: Case, story: Story, seed: int) -> None:
    """A Taiwan news site in Big5 (Traditional)."""
    m = story.meta
    rel = ["北市公車動態系統升級 候車資訊更即時", "雙北通勤月票使用人次創新高"]
    notice = "本網站之文字、圖片及影音，非經授權，不得轉載、公開播送或公開傳輸及利用。"
    for x in [*rel, notice, "延伸閱讀", "社群分享"]:
        case.add(x, T2S.convert(x))
    lis = "".join(f'<li><a href="#">{esc(x)}</a></li>' for x in rel)
    body = "".join(f"<p>{esc(p.shown)}</p>\n" for p in story.body)
    case.html = "".join(
        [
            head(f"{story.shown_title} | 地方 | 新聞", "big5", case.url),
            "<body>\n",
            '<div class="menu"><a href="/">首頁</a> <a href="/list/aipl.aspx">政治</a> '
            '<a href="/list/aloc.aspx">地方'
            '</a> <a href="/list/afe.aspx">產經</a></div>\n',
            '<div class="centralContent"><h1><span>' + esc(story.shown_title) + "</span></h1>\n",
            f'<div class="updatetime">{m["published"]}</div>\n<div class="paragraph">\n{body}</div>\n',
            '<div class="shareBar">社群分享</div>\n',
            f'<div class="moreArticle"><h2>延伸閱讀</h2><ul>{lis}</ul></div>\n',
            f'<div class="copyright">{esc(notice)}</div></div>\n</body></html>\n',
        ]
    )
    case.meta_keys = ()


def cms_sports_gb2312(case: Case, story: Story, seed: int) -> None:
    """A sports site declaring gb2312 while using GBK-only characters (镕 堃 喆)."""
    fac = SpamFactory(random.Random(seed))
    m = story.meta
    case.add(f"责任编辑：{m['editor']}", "体育频道", "返回顶部")
    case.html = "".join(
        [
            head(f"{story.title}_体育频道", "http-equiv:gb2312", case.url),
            "<body>\n",
            nav(case, "体坛在线", ["首页", "足球", "篮球", "综合体育", "棋牌", "体育彩票"]),
            '<table width="960" align="center"><tr><td width="660" valign="top">\n',
            f'<h1 class="biaoti">{esc(story.title)}</h1>\n<div class="laiyuan">{m["published"]} '
            f"来源：{esc(m['agency'])}</div>\n",
            '<div class="zw" id="zoom">\n',
            paras_html(story, indent=True),
            "</div>\n",
            f'<div class="zrbj">责任编辑：{esc(m["editor"])}</div>\n',
            case.block(fac.disclaimer()),
            "</td>\n",
            '<td width="300" valign="top">',
            case.block(fac.rec_list(heading="热门文章", n=8)),
            "</td></tr></table>\n",
            '<a href="#top">返回顶部</a>\n',
            portal_footer(case, ["体坛在线 版权所有 © 2003-2025"]),
            "</body></html>\n",
        ]
    )
    case.meta_keys = ("editor",)


def cms_weather(case: Case, story: Story, seed: int) -> None:
    """UTF-8 bytes under a lying gb2312 declaration (a template left over from the old site)."""
    fac = SpamFactory(random.Random(seed))
    m = story.meta
    case.add(f"责任编辑：{m['editor']}", "天气预报查询")
    case.html = "".join(
        [
            head(f"{story.title}-天气新闻", "http-equiv:gb2312", case.url),
            "<body>\n",
            nav(case, "天气资讯网", ["首页", "天气预报", "天气新闻", "生活指数", "天气预报查询"]),
            '<div class="articleBox"><div class="articleTitle"><h1>' + esc(story.title) + "</h1></div>\n",
            f'<div class="articleTime">{m["published"]} 来源：{esc(m["agency"])}</div>\n',
            '<div class="articleBody">\n',
            paras_html(story),
            '<div class="inner-ad">',
            case.block(fac.app_prompt()),
            "</div>\n",
            "</div>\n",
            f'<div class="articleEditor">责任编辑：{esc(m["editor"])}</div></div>\n',
            case.block(fac.rec_list(heading="相关阅读")),
            case.block(fac.footer()),
            "</body></html>\n",
        ]
    )
    case.meta_keys = ("editor",)


# --- non-articles ----------------------------------------------------------------------------------
def reject_index(case: Case, seed: int) -> None:
    items = []
    for i, h in enumerate(fac_headlines()):
        d = f"2026-01-{(i % 28) + 1:02d}"
        items.append(f'<li><a href="/news/2026/{i:04d}.html">{esc(h)}</a><span class="date">{d}</span></li>')
    case.html = "".join(
        [
            head("国内新闻_滚动新闻_今日快讯网", "utf-8", case.url),
            "<body>\n",
            nav(case, "今日快讯网", ["首页", "国内", "国际", "财经", "体育"]),
            '<div class="list"><h2>国内新闻</h2><ul>\n',
            "\n".join(items),
            "\n</ul>\n",
            '<div class="page"><a href="#">上一页</a> 1 2 3 4 5 <a href="#">下一页</a></div></div>\n',
            portal_footer(case, ["Copyright © 2012-2026 今日快讯网 版权所有"]),
            "</body></html>\n",
        ]
    )


def reject_404(case: Case, seed: int) -> None:
    fac = SpamFactory(random.Random(seed))
    case.html = "".join(
        [
            head("404 页面不存在", "utf-8", case.url),
            "<body>\n",
            nav(case, "今日快讯网", ["首页", "国内", "国际", "财经", "体育"]),
            '<div class="err"><h1>404</h1><p>抱歉，您访问的页面不存在或已被删除！</p>'
            '<p>可能的原因：网址输入有误，或者该内容已经过期。</p><p><a href="/">返回首页</a> '
            "<span>5秒后自动跳转</span></p></div>\n",
            case.block(fac.rec_list(heading="猜你喜欢", n=6)),
            portal_footer(case, ["Copyright © 2012-2026 今日快讯网"]),
            "</body></html>\n",
        ]
    )


def reject_empty(case: Case, seed: int) -> None:
    fac = SpamFactory(random.Random(seed))
    case.html = "".join(
        [
            head("浙江两会观察：新晋“万亿之城”频提“人工智能+”_资讯中心", "utf-8", case.url),
            "<body>\n",
            nav(case, "资讯中心", ["首页", "要闻", "财经", "科技"]),
            '<div class="main"><h1>浙江两会观察：新晋“万亿之城”频提“人工智能+”</h1>\n'
            '<div class="info">2026-01-16 10:21 来源：网络</div>\n'
            '<div class="content" id="content">\n<p></p>\n<p>&nbsp;</p>\n'
            f"{fac.empty_tags(3)}\n</div>\n",
            case.block(fac.counters()),
            case.block(fac.rec_list(heading="热点推荐", timestamps=True)),
            "</div>\n",
            portal_footer(case, ["Copyright © 2026 资讯中心"]),
            "</body></html>\n",
        ]
    )


def reject_login(case: Case, seed: int) -> None:
    case.html = "".join(
        [
            head("用户登录 - 今日快讯网", "utf-8", case.url),
            "<body>\n",
            nav(case, "今日快讯网", ["首页", "国内", "国际", "财经"]),
            '<div class="login-box"><h2>用户登录</h2><form method="post" action="/login">'
            '<p><label>用户名：</label><input name="username" placeholder="手机号/邮箱"></p>'
            '<p><label>密码：</label><input type="password" name="password"></p>'
            '<p><input type="checkbox" name="remember"> 下次自动登录 <a href="/forgot">忘记密码？</a></p>'
            '<p><button type="submit">登 录</button></p></form>'
            '<p>还没有账号？<a href="/register">立即注册</a>，'
            "注册即表示同意《用户服务协议》和《隐私政策》。</p>"
            "<p>其他方式登录：微信 QQ 微博</p></div>\n",
            portal_footer(case, ["Copyright © 2012-2026 今日快讯网 版权所有"]),
            "</body></html>\n",
        ]
    )
