"""clean_html on seed-like spam portal pages written here: must-include / must-exclude snippets."""

from __future__ import annotations

import unicodedata

import pytest

import cleanfeed
from cleanfeed import Drop


def canon(text: str | None) -> str:
    """NFKC, no whitespace: the normalizer may fold punctuation width and drop spaces between Han."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


STORY = [
    "中新网杭州1月16日电（邵燕飞 周健）人工智能，是浙江发展历程中浓墨重彩的一笔。"
    "2025年，该省人工智能核心产业营收达6800亿元左右。",
    "数据的背后，是浙江各地在人工智能领域的久久为功。放眼连日来召开的浙江省两会，来自该省温州的浙江省人大代表更是频频提及“人工智能+”。",
    "作为引领新一轮科技革命和产业变革的战略性技术，人工智能是培育和发展新质生产力的重要引擎，温州对此高度重视。",
    "温州依托制造业立市，在全球产业链重构、国际竞争加剧、技术迭代加速的背景下，鞋革、服装、电气等传统支柱产业急需转型升级。",
    "浙江省人大代表、康奈集团总裁郑莱莉表示，传统制造业急需通过人工智能技术优化生产流程、提升管理效率、开发智能产品。",
    "可见，上述报告内容与温州发展“着力点”不谋而合，将为“万亿之城”高质量发展增添更强劲的底气与信心。（完）",
]
SALAD = (
    "11月17日译名发布：艾哈迈德·瓦希迪整合还会影响武器和弹药的采购，这些采购已经在协调，以获得兼容性和互补性。"
    "据介绍，国博西路在原青松路基础上进行修建，该地段属坡地状态，无法保证村民车辆出行。"
)
SPAM_BLOCK = (
    f"<p>《国产剧情兔子先生系列》</p><p>发布时间:2026-01-17 18:39:01 成年卜短片A级 来自湖南</p><p>{SALAD}</p>"
)
TAIL = """
<p>【编辑:付子豪】</p><div>直接打开</div><kbd date-time="knLdhFme"></kbd><del id="VM12XTu"></del>
<div>分享成功</div><h3>热门导读</h3><b lang="BEcZQK"></b>
<ul><li><a href="/1">张卫平：提高诉讼效率，让正义不再“迟到”</a></li>
<li><a href="/2">债台高筑的美国这次如何转嫁风险？</a></li></ul>
<a href="/more">查看更多</a>
<p>本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！</p>
<div>展开</div><div><a href="#">打开APP，阅读全文</a></div><div>支持楼主</div><p>95人支持</p>
<div>阅读原文 阅读 7298663</div><div><a href="#">举报</a></div>
<h3>热点推荐</h3><ul>
<li><a href="/p/0">心有多大，属于你的世界就有多大</a><p>2026-01-17 18:39:01</p></li>
<li><a href="/p/1">第二届中日韩碳中和论坛成功举办</a><p>2026-01-17 18:39:01</p></li>
<li><a href="/p/2">点燃“主引擎”奋力开新局</a><p>2026-01-17 18:39:01</p></li></ul>
<div>安装应用</div><p>年轻、好看、聪明的人都在这里</p>
"""
FOOTER = """<div class="footer"><p>Copyright © 2012-2026 今日快讯网 版权所有 All Rights Reserved</p>
<p>互联网新闻信息许可证 42120170001</p><p>京ICP备16032871号-3 京公网安备 11010502030000号</p></div>"""
SPAM_STRINGS = [
    "国产剧情兔子先生系列",
    "发布时间",
    "艾哈迈德",
    "国博西路",
    "编辑:付子豪",
    "直接打开",
    "分享成功",
    "热门导读",
    "张卫平",
    "查看更多",
    "本文来自网友发表",
    "展开",
    "打开APP",
    "支持楼主",
    "95人支持",
    "7298663",
    "举报",
    "热点推荐",
    "心有多大",
    "碳中和论坛",
    "2026-01-17 18:39:01",
    "安装应用",
    "聪明的人",
    "Copyright",
    "ICP备",
    "许可证",
    "公网安备",
]


def _page(body: str, title: str = "浙江两会观察：新晋“万亿之城”频提“人工智能+”") -> str:
    nav = "".join(f'<li><a href="/{i}">频道{i}</a></li>' for i in range(12))
    return (
        f"<html><head><meta charset='utf-8'><title>{title}_今日快讯网</title></head><body>"
        f"<ul class='nav'>{nav}</ul><div class='main'><h1>{title}</h1>"
        f"<div class='info'>2026-01-17 08:00 来源：中国新闻网</div>{body}</div>{FOOTER}</body></html>"
    )


def _paras(lines: list[str]) -> str:
    return "".join(f"<p>　　{p}</p>" for p in lines)


def _check(art: cleanfeed.Article) -> None:
    text = canon(art.text)
    for para in STORY:
        assert canon(para) in text, para[:20]
    leaked = [s for s in SPAM_STRINGS if canon(s) in text]
    assert not leaked, leaked


def test_spam_after_end_marker_inside_content_div() -> None:
    html = _page(f"<div class='article-content'>{_paras(STORY)}{SPAM_BLOCK}{TAIL}</div>")
    art = cleanfeed.clean_html(html, url="https://kuaixun.example/a.html")
    _check(art)
    assert art.title == "浙江两会观察：新晋“万亿之城”频提“人工智能+”"
    assert art.editor == "付子豪"
    assert (
        art.removed["spam_block"] > 0 and art.removed["recommend_list"] > 0 and art.removed["disclaimer"] > 0
    )


def test_salad_block_between_paragraphs_flat_layout() -> None:
    # No wrapper around the injected block: the story's own vocabulary tells where it ends.
    html = _page(
        f"<div class='article-content'>{_paras(STORY[:3])}{SPAM_BLOCK}{_paras(STORY[3:])}{TAIL}</div>"
    )
    art = cleanfeed.clean_html(html)
    _check(art)
    assert canon(art.paragraphs[3]) == canon(STORY[3])


def test_salad_block_between_unindented_paragraphs() -> None:
    # Neither a box nor typesetting: the story's own vocabulary tells where the salad ends.
    plain = "".join(f"<p>{p}</p>" for p in STORY[:3]) + SPAM_BLOCK + "".join(f"<p>{p}</p>" for p in STORY[3:])
    _check(cleanfeed.clean_html(_page(f"<div class='article-content'>{plain}{TAIL}</div>")))


def test_salad_block_between_paragraphs_in_own_box() -> None:
    box = f"<div class='x7Qk'>{SPAM_BLOCK}</div>"
    html = _page(f"<div class='article-content'>{_paras(STORY[:2])}{box}{_paras(STORY[2:])}</div>{TAIL}")
    _check(cleanfeed.clean_html(html))


def test_spam_in_sibling_div_after_article() -> None:
    html = _page(
        f"<div class='article-content'>{_paras(STORY)}</div><div class='wzzw'>{SPAM_BLOCK}</div>{TAIL}"
    )
    _check(cleanfeed.clean_html(html))


def test_real_paragraph_after_end_marker_is_kept() -> None:
    late = (
        "另据了解，温州还将在今年举办首届人工智能产业博览会，预计吸引超过三百家企业参展，进一步集聚产业资源。"
    )
    html = _page(f"<div class='article-content'>{_paras(STORY)}<p>{late}</p>{TAIL}</div>")
    art = cleanfeed.clean_html(html)
    assert canon(late) in canon(art.text)
    _check(art)


def test_hidden_elements_and_random_empty_tags_are_dropped() -> None:
    hidden = (
        "<div style='display: none'>隐藏的推广文字，读者看不见，但是抓取程序会看见它。</div>"
        "<span hidden>隐藏属性的文字内容</span><p aria-hidden='true'>辅助技术隐藏的文字</p>"
        "<p style='font-size:0px'>字号为零的隐藏文字</p>"
        "<div style='position:absolute;left:-9999px'>移出屏幕的隐藏文字</div>"
        "<p class='art hidden'>类名隐藏的文字</p>"
        "<p style='visibility: hidden !important'>不可见的隐藏文字</p>"
        "<small title='FKm51zf'></small><var class='3G8xI7C'></var>"
    )
    html = _page(f"<div class='article-content'>{_paras(STORY[:3])}{hidden}{_paras(STORY[3:])}</div>")
    art = cleanfeed.clean_html(html)
    assert "隐藏" not in art.text
    assert art.removed["hidden"] >= 20
    _check(art)


def test_traditional_spam_phrases_are_caught_after_normalization() -> None:
    trad = [
        "作為國際競爭的新焦點和經濟發展的新引擎，“人工智能+”已連續兩年寫入政府工作報告，各部門密集部署。",
        "國務院研究室副主任陳昌盛此前表示，政府工作報告提出持續推進“人工智能+”行動，抓住技術突破的機遇。",
        "算力是人工智能發展的基石。過去一年，國家數據局會同有關部門大力實施“東數西算”工程，加快建設。",
    ]
    spam = (
        "<p>本文來自網友發表，不代表本網站觀點和立場，如存在侵權問題，請與本網站聯繫刪除！</p>"
        "<h3>熱點推薦</h3><ul><li><a href='/1'>某某新聞標題一則</a></li>"
        "<li><a href='/2'>另一則新聞標題</a></li></ul>"
        "<p>Copyright © 2001-2025 湖北荊楚網絡科技股份有限公司 All Rights Reserved</p>"
        "<p>版權為 荊楚網 所有 未經同意不得複製或鏡像</p>"
    )
    html = _page(f"<div class='article-content'>{_paras(trad)}{spam}</div>", title="“人工智能+”行動提速")
    art = cleanfeed.clean_html(html)
    assert art.converted
    assert "国务院研究室副主任陈昌盛" in art.text
    for bad in ("本文来自网友发表", "热点推荐", "标题", "Copyright", "版权为"):
        assert bad not in canon(art.text), bad
    assert art.removed["disclaimer"] > 0 and art.removed["recommend_list"] > 0


def test_comment_form_and_share_widget_are_dropped() -> None:
    extra = (
        "<div class='share'>分享到：微信 微博 QQ空间</div>"
        "<div id='respond'><h3>发表回复</h3><p>您的邮箱地址不会被公开。 必填项已用 * 标注</p>"
        "<textarea></textarea><p>评论</p></div><p>发表评论</p><p>网友评论</p>"
    )
    html = _page(f"<div class='article-content'>{_paras(STORY)}{extra}</div>")
    art = cleanfeed.clean_html(html)
    for bad in ("分享到", "发表回复", "邮箱地址", "发表评论", "网友评论", "QQ空间"):
        assert bad not in art.text, bad
    assert art.removed["comment_form"] > 0


def test_link_list_page_is_rejected() -> None:
    items = "".join(
        f"<li><a href='/n/{i}.html'>第{i}条新闻标题在这里显示</a> 2026-01-{i % 28 + 1:02d}</li>"
        for i in range(60)
    )
    html = f"<html><head><title>新闻列表_今日快讯网</title></head><body><ul>{items}</ul></body></html>"
    with pytest.raises(Drop) as info:
        cleanfeed.clean_html(html)
    assert info.value.reason == "not_article"


def test_error_page_is_rejected() -> None:
    html = (
        "<html><head><title>404 页面不存在</title></head><body><h1>404 页面不存在</h1>"
        "<p>抱歉，您访问的页面不存在或已被删除！</p><p>可能的原因：网址输入有误，或者该内容已经过期。</p>"
        "<a href='/'>返回首页</a></body></html>"
    )
    with pytest.raises(Drop) as info:
        cleanfeed.clean_html(html)
    assert info.value.reason == "not_article"
