"""Two clean runs of the same pages give the same links, whatever order the pages arrive in.

Real ``cleanfeed run`` on local files in temp folders, real SQLite. Among near-identical originals the
original is the one published first (then fetched first, then the smaller URL), so which of two copies of
a wire story arrives first in a run does not decide which one is "the original". The links compared are
what a reader of the output ends with: each record's ``duplicate_of``, updated by ``links.jsonl``.
"""

from __future__ import annotations

import json
from pathlib import Path

from cleanfeed.cli import main

STORY = [
    "新华社武汉1月2日电 长江流域重点水域十年禁渔进入第六个年头，记者从长江流域渔政监督管理办公室获悉，"
    "长江干流和重要支流水生生物资源恢复态势明显，长江江豚等旗舰物种出现频次持续增加。",
    "监测数据显示，2025年长江干流监测到的鱼类物种数达到227种，比禁渔前增加了34种。刀鲚在洞庭湖、"
    "鄱阳湖等历史分布区重新形成产卵群体，部分江段的鱼类资源量比禁渔前增加了一倍以上。",
    "禁渔以来，沿江各地累计退捕渔船11.1万艘，涉及渔民23.1万人。各地通过发放过渡期补助、组织技能培训、"
    "开发公益岗位等方式，帮助退捕渔民转产就业，目前有就业意愿的退捕渔民基本实现就业。",
    "执法部门持续保持高压态势。2025年，长江流域各地渔政部门联合公安机关开展多轮专项执法行动，"
    "查办非法捕捞案件4800余起，依法清理取缔一批三无船舶和违规网具。",
    "专家表示，长江生态系统的全面恢复是一个长期过程。下一步，有关部门将进一步完善水生生物监测网络，"
    "加强栖息地修复和珍稀物种人工繁育，推动禁渔成效持续巩固。",
]
OTHER = [
    "本报讯 杭州地铁三期建设规划中的最后一条线路日前开通运营，全市地铁运营里程达到516公里，"
    "线网覆盖主城区和临平、富阳、临安等地，日均客运量超过400万人次。",
    "据介绍，新线全长24.5公里，共设车站16座，沿线连接多个大型居住区和产业园区。开通首日，"
    "不少市民专程前来体验，车站内秩序井然，工作人员引导乘客有序进出站。",
    "杭州市交通部门表示，将根据客流变化动态调整运营计划，在早晚高峰加密列车班次，"
    "并同步优化沿线公交线路，方便市民换乘出行。",
]


def page(url: str, title: str, paras: list[str], published: str | None) -> str:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="canonical" href="{url}">{meta}</head><body><div class="article"><h1>{title}</h1>'
        f'<div class="content">{body}</div></div></body></html>'
    )


def write_pages(root: Path) -> None:
    edited = [STORY[0].replace("记者从", "记者日前从"), *STORY[1:]]
    originals = {
        # The mirror's copy was published later: the wire story is the original, whichever comes first.
        "a_mirror.html": page(
            "https://mirror.test/yangtze", "长江禁渔五年成效显现", edited, "2026-01-02T11:00:00+08:00"
        ),
        "b_wire.html": page(
            "https://wire.test/yangtze", "长江禁渔五年成效显现", STORY, "2026-01-02T10:05:00+08:00"
        ),
        "c_metro.html": page(
            "https://city.test/metro", "杭州地铁新线开通", OTHER, "2026-03-28T09:00:00+08:00"
        ),
    }
    reposts = {
        # An exact copy of the mirror's text, and a spam-wrapped one of the wire's.
        "r1.html": page("https://spam.test/r1", "长江禁渔五年", edited, None),
        "r2.html": page("https://spam.test/r2", "长江江豚", ["热点推荐：点击查看更多精彩内容", *STORY], None),
        "r3.html": page("https://spam.test/r3", "地铁", OTHER, None),
    }
    for folder, pages in (("originals", originals), ("reposts", reposts)):
        (root / folder).mkdir(parents=True)
        for name, html in pages.items():
            (root / folder / name).write_text(html, encoding="utf-8")


def config(root: Path, reversed_sources: bool) -> Path:
    sources = [
        '[[sources]]\nname = "wire"\nkind = "files"\npaths = ["pages/originals/*.html"]\noriginal = true',
        '[[sources]]\nname = "portals"\nkind = "files"\npaths = ["pages/reposts/*.html"]',
    ]
    if reversed_sources:
        sources.reverse()
    cfg = root / "cleanfeed.toml"
    cfg.write_text(
        '[output]\ndir = "out"\n[state]\npath = "state/state.db"\n[dedup]\nenabled = true\n\n'
        + "\n\n".join(sources)
        + "\n",
        encoding="utf-8",
    )
    return cfg


def final_links(root: Path) -> dict[str, str | None]:
    """url -> the original it ends up linked to (None for an original), over every run folder."""
    out: dict[str, str | None] = {}
    folders = sorted(p for p in (root / "out").iterdir() if p.is_dir())
    for folder in folders:
        for name in ("articles", "duplicates"):
            for line in _lines(folder / f"{name}.jsonl"):
                rec = json.loads(line)
                out[rec["url"]] = rec["duplicate_of"] or None  # "" when not a duplicate
    for folder in folders:
        for line in _lines(folder / "links.jsonl"):
            rec = json.loads(line)
            out[rec["url"]] = rec["duplicate_of"]  # a link is a record: url is the repost's
    return out


def _lines(path: Path) -> list[str]:
    """A record file's lines; a stream with no record writes no file."""
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def one_run(tmp: Path, name: str, reversed_sources: bool) -> dict[str, str | None]:
    root = tmp / name
    write_pages(root / "pages")
    assert main(["run", "--config", str(config(root, reversed_sources)), "--log-format", "json"]) == 0
    return final_links(root)


def test_two_clean_runs_give_the_same_links(tmp_path: Path) -> None:
    first = one_run(tmp_path, "run1", reversed_sources=False)
    again = one_run(tmp_path, "run2", reversed_sources=False)
    other_order = one_run(tmp_path, "run3", reversed_sources=True)
    assert first == again == other_order
    # The rule, not the arrival order: the wire story (published first) is the original of both copies.
    wire = "https://wire.test/yangtze"
    assert first[wire] is None
    assert first["https://mirror.test/yangtze"] == wire
    assert first["https://spam.test/r1"] == wire
    assert first["https://spam.test/r2"] == wire
    assert first["https://spam.test/r3"] == "https://city.test/metro"
