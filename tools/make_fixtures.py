"""Generate the fixture pages (tests/fixtures/pages/) and the demo pages (configs/demo/pages/).

    .venv/bin/python -m tools.make_fixtures          # rewrites both folders; deterministic
    .venv/bin/python -m tools.make_fixtures --pages DIR --demo DIR   # elsewhere (as the freshness test)

tests/test_fixtures_fresh.py regenerates both folders into a scratch directory and compares them byte for
byte with the committed copies, so a hand edit of a page, or a generator change not followed by a rerun,
fails the fast suite.

Inputs are the hand-written stories in ``tests/fixtures/pages/stories/*.txt`` (the five seed stories and
our own). A story file is a small header (``key: value`` lines), ``---``, then one paragraph a line;
``@`` marks a photo caption (rendered on the page, never in the expected text), ``~`` a paragraph kept
in the expected text but not used as a must_include snippet (e.g. an e-paper credit line), and
``=====`` starts the next story of a multi-story page. ``raw: other.txt`` names the text actually
rendered on the page (Traditional, pinyin, mojibake), line-aligned with the clean paragraphs.

Each page is a realistic portal layout with its own boilerplate and injected spam; every spam and
boilerplate string put on the page is recorded as a must_exclude of the case. The expected text is the
clean story: title line, then paragraphs; Simplified, no captions, no editor line, no trailing
standalone （完） marker line (a （完） glued to the last sentence is kept), full-width punctuation.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import opencc

from bench.spam_inject import HEADLINES, Block, SpamFactory, canon

ROOT = Path(__file__).resolve().parent.parent

PAGES = ROOT / "tests" / "fixtures" / "pages"
STORIES = PAGES / "stories"
DEMO = ROOT / "configs" / "demo" / "pages"
# What main() writes; the freshness test compares exactly these (stories/ is input, not output).
PAGE_GLOBS = ("*.html", "*.expected.txt", "cases.json")
T2S = opencc.OpenCC("t2s")
S2T = opencc.OpenCC("s2t")
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+\)")
END_MARK = re.compile(r"^[（(]完[）)]$")


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def simp(text: str) -> str:
    """The Simplified, pinyin-free form of a Traditional spam string (what a leak would look like)."""
    return T2S.convert(PINYIN.sub("", text))


# --- stories ---------------------------------------------------------------------------------------
@dataclass
class Para:
    text: str  # clean (expected) text
    shown: str  # what the page shows
    caption: bool = False
    snippet_ok: bool = True


@dataclass
class Story:
    name: str
    meta: dict[str, str]
    paras: list[Para]
    more: list[Story] = field(default_factory=list)  # further stories of a multi-story page

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def shown_title(self) -> str:
        if self.meta.get("ascii_punct"):
            return fold_punct(self.title)
        return self.meta.get("raw_title", self.title)

    @property
    def body(self) -> list[Para]:
        return [p for p in self.paras if not p.caption]

    @property
    def captions(self) -> list[str]:
        return [p.text for p in self.paras if p.caption]

    def expected_lines(self) -> list[str]:
        lines = [p.text for p in self.body]
        if lines and END_MARK.match(lines[-1]):  # standalone end marker: not story text
            lines.pop()
        return lines

    def expected(self) -> str:
        return "\n".join([self.title, *self.expected_lines()]) + "\n"


def _parse_block(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    meta: dict[str, str] = {}
    if "---" in lines:
        cut = lines.index("---")
        for line in lines[:cut]:
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
        lines = lines[cut + 1 :]
    return meta, [line for line in lines if line.strip()]


def load_story(name: str) -> Story:
    raw_text = (STORIES / f"{name}.txt").read_text(encoding="utf-8")
    chunks = [c.strip("\n").split("\n") for c in raw_text.split("=====\n")]
    stories = []
    for chunk in chunks:
        meta, lines = _parse_block(chunk)
        shown = lines
        if "raw" in meta:
            _, shown = _parse_block((STORIES / meta["raw"]).read_text(encoding="utf-8").split("\n"))
            assert len(shown) == len(lines), (name, len(shown), len(lines))
        paras = []
        for line, raw_line in zip(lines, shown, strict=True):
            caption, ok = line.startswith("@"), not line.startswith("~")
            clean, show = line.lstrip("@~"), raw_line.lstrip("@~")
            if meta.get("ascii_punct") and "raw" not in meta:
                show = fold_punct(show)
            paras.append(Para(clean, show, caption, ok))
        stories.append(Story(name, meta, paras))
    stories[0].more = stories[1:]
    return stories[0]


def fold_punct(text: str) -> str:
    """ASCII-folded punctuation, as some spam portals print it (seed 000)."""
    table = str.maketrans({"，": ",", "：": ":", "；": ";", "？": "?", "！": "!", "（": "(", "）": ")"})
    return text.translate(table)


# --- page assembly ---------------------------------------------------------------------------------
@dataclass
class Case:
    name: str
    url: str
    story: Story | None
    html: str = ""
    encoding: str = "utf-8"
    declared: str | None = "utf-8"
    exclude: list[str] = field(default_factory=list)
    meta_keys: tuple[str, ...] = ()
    reject: bool = False
    note: str = ""
    stories: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, *texts: str) -> None:
        self.exclude.extend(t for t in texts if t.strip())

    def block(self, blk: Block) -> str:
        self.add(*blk.texts)
        return blk.html


def head(title: str, charset: str | None, canonical: str | None = None, extra: str = "") -> str:
    meta = ""
    if charset == "http-equiv:gb2312":
        meta = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    elif charset:
        meta = f'<meta charset="{charset}">'
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n{meta}\n<title>{esc(title)}</title>\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n{link}\n{extra}</head>\n'
    )


def nav(case: Case, site: str, items: list[str]) -> str:
    case.add(*[i for i in items if len(i) >= 4])
    links = "".join(f'<li><a href="/{i}/">{esc(t)}</a></li>' for i, t in enumerate(items))
    return (
        f'<div class="header"><div class="logo"><a href="/">{esc(site)}</a></div>'
        f'<ul class="nav">{links}</ul><form class="search"><input name="q" placeholder="搜索"></form></div>\n'
    )


def crumb(case: Case, parts: list[str]) -> str:
    text = " > ".join(parts)
    case.add("当前位置：" + text)
    links = " &gt; ".join(f'<a href="/c{i}/">{esc(p)}</a>' for i, p in enumerate(parts))
    return f'<div class="breadcrumb">当前位置：{links}</div>\n'


def paras_html(
    story: Story,
    fac: SpamFactory | None = None,
    *,
    empty_tags: bool = False,
    tag: str = "p",
    indent: bool = False,
    caption_cls: str = "pictext",
) -> str:
    out = []
    for i, p in enumerate(story.paras):
        if p.caption:
            out.append(
                f'<p style="text-align:center"><img src="/img/{zlib.crc32(p.text.encode()) % 99999}.jpg" '
                f'alt=""></p>\n<p class="{caption_cls}">{esc(p.shown)}</p>'
            )
            continue
        text = esc(p.shown)
        if empty_tags and fac is not None and i % 2 == 1 and len(p.shown) > 20:
            cut = fac.rng.randint(5, len(p.shown) - 5)
            text = esc(p.shown[:cut]) + fac.empty_tags() + esc(p.shown[cut:])
        pad = "\u3000\u3000" if indent else ""
        out.append(f"<{tag}>{pad}{text}</{tag}>")
    return "\n".join(out) + "\n"


def info_bar(case: Case, story: Story, *, source_label: str = "来源：", extra: str = "") -> str:
    """Time + source (+ author) line under the title; the strings are metadata, not text."""
    m = story.meta
    bits = [f'<span class="time">{esc(m.get("published", ""))}</span>']
    shown_agency = S2T.convert(m["agency"]) if source_label.startswith("來") else m.get("agency", "")
    if m.get("agency"):
        bits.append(f'<span class="source">{source_label}<a href="#">{esc(shown_agency)}</a></span>')
        case.add(source_label + shown_agency)
    if m.get("author") and "author" in case.meta_keys:
        bits.append(f'<span class="author">作者：{esc(m["author"])}</span>')
    if extra:
        bits.append(extra)
    return f'<div class="info">{" ".join(bits)}</div>\n'


def seed_tail(case: Case, which: str) -> str:
    """The spam tail of seeds 001/002, widget by widget as on the original page."""
    t = SEED_TAILS[which]
    case.add(
        "直接打开",
        "分享成功",
        "热门导读",
        "查看更多",
        t["salad_title"],
        t["salad_when"],
        *t["salad"],
        t["disclaimer"],
        "展开",
        "打开APP，阅读全文",
        "支持楼主",
        "95人支持",
        t["read"],
        "举报",
        "热点推荐",
        *t["hot"],
        *t["rec"],
        "安装应用",
        "年轻、好看、聪明的人都在这里",
    )
    hot = "".join(f'<li><a href="/news/{i}.html">{esc(h)}</a></li>' for i, h in enumerate(t["hot"]))
    rec = "".join(
        f'<li><a href="/p/{i}.html">{esc(h)}</a><p>{t["stamp"]}</p></li>' for i, h in enumerate(t["rec"])
    )
    return f"""<div class="open-app"><a href="#">直接打开</a></div>
{t["tags1"]}
<div class="toast">分享成功</div>
<div class="hot-read"><h3>热门导读</h3>{t["tags2"]}<ul>{hot}</ul><a class="more" href="#">查看更多</a></div>
<div class="wzzw"><h3>{esc(t["salad_title"])}</h3><p class="when">{esc(t["salad_when"])}</p>
<p>{esc("".join(t["salad"]))}</p></div>
<p class="statement">{esc(t["disclaimer"])}</p>
<div class="unfold">展开</div><div class="app-read"><a href="#">打开APP，阅读全文</a></div>
<div class="zan"><a href="#">支持楼主</a><p>95人支持</p></div>
<div class="yuedu">{esc(t["read"])}</div><div class="jubao"><a href="#">举报</a></div>
<div class="hot-tj"><h3>热点推荐</h3><ul>{rec}</ul></div>
<div class="install"><p>安装应用</p><p>年轻、好看、聪明的人都在这里</p></div>
"""


SEED_TAILS: dict[str, dict[str, Any]] = {
    "001": {
        "tags1": '<kbd date-time="knLdhFme"></kbd><del id="VM12XTu"></del>',
        "tags2": '<b lang="BEcZQK"></b>',
        "hot": [
            "张卫平：提高诉讼效率，让正义不再“迟到”非凡十年@法治力量",
            "日本人“想一直居住下去的都道府县排行榜”：兵库县高居榜首",
            "债台高筑的美国这次如何转嫁风险？",
        ],
        "salad_title": "《国产剧情兔子先生系列》",
        "salad_when": "发布时间：2026-01-17 18:39:01 成年卜短片A级 来自湖南",
        "salad": [
            "11月17日译名发布：艾哈迈德·瓦希迪整合还会影响武器和弹药的采购，",
            "这些采购已经在协调，以获得兼容性和互补性。",
            "据介绍，国博西路在原青松路基础上进行修建，该地段属坡地状态，",
            "东西两侧高差约米，如按原设计路面标高实施，将导致西侧村民房低于新建道路约米—米，",
            "无法保证村民车辆出行，且存在民房被水淹积的隐患。",
            "铸造3D打印设备累计销售140余台，连续3年全球市场占有率领先。",
        ],
        "disclaimer": "本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！",
        "read": "阅读原文 阅读 7298663",
        "stamp": "2026-01-17 18:39:01",
        "rec": [
            "心有多大，属于你的世界就有多大",
            "第二届中日韩碳中和论坛成功举办",
            "财信吉祥人寿拟再增资7.84亿芒果传媒或成第五大股东",
            "打击网络谣言共建清朗家园中国互联网联合辟谣平台2022年12月辟谣榜",
            "Herdinghisculturalresources",
            "点燃“主引擎”奋力开新局山东加力提速工业经济高质量发展",
        ],
    },
    "002": {
        "tags1": '<kbd date-time="BUeEFQ"></kbd><del id="ukJ7r"></del>',
        "tags2": '<b lang="IB9x9Kxk"></b>',
        "hot": [
            "英媒：人工智能将如何改变世界经济",
            "学习进行时丨为什么要知史，习近平这些话语重心长",
            "佳木斯，赏冰玩雪欢乐多",
        ],
        "salad_title": "《国产在线尤物》",
        "salad_when": "发布时间：2026-01-15 01:05:06 影院桃花岛688 来自湖南",
        "salad": [
            "陕西宝鸡市：“三个三工程”激发社会组织党建“红色引擎”",
            "音乐厅内，大型管风琴、贝森朵夫九尺钢琴等设施设备满足了交响乐、大型音乐会等演出的要求。",
            "商务部相关负责人介绍，通过包括全面恢复举办广交会等一系列国内出口展会线下展，",
            "全力支持外贸企业参加境外各类专业展；密切同贸易伙伴的合作关系，发挥中国超大规模市场优势，",
            "扩大各国优质产品进口，从而稳定全球贸易供应链等等，",
            "中国将继续推进高水平开放，让做外贸更简单、更便利、更有获得感。",
            "英国在乌克兰战争中争取到了领导角色，尽管有人预测英国的全球地位在脱欧后会下降。",
        ],
        "disclaimer": "本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！",
        "read": "阅读原文 阅读 5450045",
        "stamp": "2026-01-15 01:05:06",
        "rec": [
            "江阴：以服务“加速度”助力经济发展“开门红”",
            "情暖军烈属丨最美退役军人王贵武：烈士为国尽忠我替烈士尽孝",
            "【冬赏·阔克苏大峡谷】九曲十八弯，给你别样冰雪世界",
            "纵论天下王鸿刚：美国全球战略将呈现三个新特点",
            "较量充满硝烟味！武警云南总队某支队红蓝对抗砥砺硬功",
        ],
    },
}


def portal_footer(case: Case, lines: list[str]) -> str:
    case.add(*lines)
    return '<div class="footer">' + "<br>\n".join(esc(x) for x in lines) + "</div>\n"


def sidebar(case: Case, fac: SpamFactory, heading: str) -> str:
    blk = fac.rec_list(heading=heading, n=6)
    return f'<div class="sidebar">{case.block(blk)}{case.block(fac.rec_list())}</div>\n'


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


def fac_headlines() -> list[str]:
    return list(HEADLINES)


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


# --- snippets and manifest -------------------------------------------------------------------------
def snippets(story: Story) -> list[str]:
    """First, middle and last body paragraph snippets (about 30 characters each)."""
    lines = [p.text for p in story.body if p.snippet_ok and not END_MARK.match(p.text)]
    picks = [lines[0][:30], lines[len(lines) // 2][5:35], lines[-1][-30:]]
    return list(dict.fromkeys(picks))


def finish(case: Case) -> dict[str, Any]:
    """Validate the case and return its manifest entry."""
    entry: dict[str, Any] = {
        "file": f"{case.name}.html",
        "url": case.url,
        "encoding": case.encoding,
        "declared_charset": case.declared,
    }
    exclude = list(dict.fromkeys(x.strip() for x in case.exclude if x.strip()))
    if case.reject:
        entry.update(reject=True, note=case.note)
        return entry
    story = case.story
    assert story is not None
    clean = canon(story.expected())
    bad = [x for x in exclude if canon(x) in clean]
    exclude = [x for x in exclude if canon(x) not in clean]
    for x in bad:  # short nav words that happen to occur in the story: not a useful exclusion
        assert len(canon(x)) <= 4, (case.name, x)
    inc = snippets(story) + case.extra.get("include", [])
    for x in inc:
        assert canon(x) in clean, (case.name, x)
    exclude += [c for c in story.captions if canon(c) not in clean]
    entry.update(
        title=story.title,
        expected=f"{case.name}.expected.txt",
        must_include=inc,
        must_exclude=list(dict.fromkeys(exclude)),
    )
    for key in ("original_title", "agency", "editor", "author"):
        shown = (
            key in case.meta_keys
            or key == "original_title"
            or (key == "agency" and not case.extra.get("no_agency"))
        )
        if key in story.meta and shown:
            entry[key] = story.meta[key]
    if story.captions:
        entry["captions"] = story.captions
    if case.stories:
        entry["stories"] = case.stories
        entry["story_titles"] = [s.title for s in [story, *story.more]]
    if case.note:
        entry["note"] = case.note
    return entry


def write_case(folder: Path, case: Case) -> dict[str, Any]:
    entry = finish(case)
    enc = {"utf-8": "utf-8", "gbk": "gbk", "big5": "big5hkscs"}[case.encoding]
    (folder / entry["file"]).write_bytes(case.html.encode(enc, errors="xmlcharrefreplace"))
    if case.story is not None and not case.reject:
        (folder / entry["expected"]).write_text(case.story.expected(), encoding="utf-8")
    return entry


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


MANIFEST_DOC = {
    "about": "Hand-checked fixture pages, generated by tools/make_fixtures.py "
    "from tests/fixtures/pages/stories/.",
    "conventions": [
        "expected.txt: title on the first line, then the body paragraphs, one a line; Simplified Chinese; "
        "full-width punctuation; no spam, captions, 原标题 line, editor line or footer.",
        "A trailing standalone （完）/(完) marker line is stripped; "
        "a （完） glued to the last sentence is kept.",
        "An e-paper credit line at the end of a story (（新华社北京1月30日电 记者…）) is kept as story text.",
        "Snippets are compared after Unicode NFKC and whitespace removal (so ，/, and （/( compare equal).",
        "editor is the bare name (CMS staff codes like _NB1297 or PN052 are not part of it).",
        "agency compares through a small alias table (中新网/中国新闻网/中新社, 新华社/新华网).",
        "must_exclude lists every spam, boilerplate and caption string on the page (for Traditional pages "
        "also its Simplified, pinyin-free form).",
    ],
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--pages", type=Path, default=PAGES, help="fixture pages folder (default: %(default)s)")
    ap.add_argument("--demo", type=Path, default=DEMO, help="demo pages folder (default: %(default)s)")
    args = ap.parse_args(argv)
    pages: Path = args.pages
    pages.mkdir(parents=True, exist_ok=True)
    for pattern in PAGE_GLOBS[:2]:
        for old in pages.glob(pattern):
            old.unlink()
    entries = {}
    for case in build_cases():
        entries[case.name] = write_case(pages, case)
    manifest = {**MANIFEST_DOC, "cases": entries}
    (pages / "cases.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(entries)} fixture pages to {pages}")
    build_demo(args.demo)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
