"""A fixture case (page, expected text, what must and must not come out) and the page parts every layout
shares: head, navigation, paragraphs, info bar, the seeds' spam tails, footer, sidebar."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.spam_inject import HEADLINES, Block, SpamFactory, canon
from tools.fixture_pages.story import END_MARK, S2T, Story, esc


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


def fac_headlines() -> list[str]:
    return list(HEADLINES)


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
