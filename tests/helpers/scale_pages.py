"""A corpus for scale-out parity: a few hundred pages as files and a WARC, with exact, near, spun and
partial copies, and originals met after their copies (repost sources listed first; a later-published
near-identical original met before the earlier one).

Stories are random word sequences (``conftest.WORDS``), so unrelated pages are not near-duplicates.
"""

from __future__ import annotations

import io
import random
import shutil
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import WORDS

FILLER = "热点推荐：点击查看更多精彩内容，关注我们获取最新资讯"


def story(n: int) -> list[str]:
    rnd = random.Random(10_000 + n)
    paras = []
    for _ in range(6):
        sents = ["".join(rnd.choice(WORDS) for _ in range(rnd.randint(7, 11))) for _ in range(3)]
        paras.append("，".join(sents[:2]) + "。" + sents[2] + "。")
    return paras


def spin(paras: list[str], seed: int) -> list[str]:
    """A machine rewrite: every sentence keeps its place, a third of its words swapped for others."""
    rnd = random.Random(seed)
    out = []
    for p in paras:
        words = list(p)
        for i in range(0, len(words), 6):
            if words[i] not in "，。":
                words[i] = rnd.choice("的了和在是有也就都而及与着或")
        out.append("".join(words))
    return out


def html(url: str, title: str, paras: list[str], published: str | None, charset: str = "utf-8") -> bytes:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "".join(f"<p>{p}</p>" for p in paras)
    text = (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="{charset}"><title>{title}</title>'
        f'<link rel="canonical" href="{url}">{meta}</head><body><div class="article"><h1>{title}</h1>'
        f'<div class="content">{body}</div></div></body></html>'
    )
    return text.encode(charset)


def write_corpus(root: Path, stories: int = 60) -> dict[str, int]:
    """Pages under ``root/pages`` and ``root/crawl.warc.gz``; returns how many of each kind were made."""
    made = {"original": 0, "exact": 0, "near": 0, "spun": 0, "partial": 0, "warc": 0}
    orig, rep = root / "pages" / "originals", root / "pages" / "reposts"
    orig.mkdir(parents=True)
    rep.mkdir(parents=True)
    warc_pages: list[tuple[str, bytes]] = []
    for n in range(stories):
        paras = story(n)
        title = f"第{n}号新闻{paras[0][:6]}"
        day = f"2026-0{1 + n % 9}-{10 + n % 18:02d}T0{n % 10}:00:00+08:00"
        (orig / f"s{n:03d}.html").write_bytes(html(f"https://wire.test/{n}", title, paras, day))
        made["original"] += 1
        if n % 5 == 0:  # a mirror published later, named to be met first: the wire must stay the original
            edited = [paras[0].replace("，", "，据悉", 1), *paras[1:]]
            later = day.replace("T0", "T1")
            (orig / f"a{n:03d}.html").write_bytes(html(f"https://mirror.test/{n}", title, edited, later))
            made["original"] += 1
        if n % 2 == 0:
            (rep / f"e{n:03d}.html").write_bytes(html(f"https://spam.test/e{n}", title, paras, None))
            made["exact"] += 1
        if n % 3 == 0:
            wrapped = [FILLER, *paras, FILLER]
            page = html(f"https://spam.test/n{n}", "转载" + title, wrapped, None)
            (rep / f"n{n:03d}.html").write_bytes(page)
            made["near"] += 1
        if n % 4 == 1:
            spun = spin(paras, n)
            (rep / f"p{n:03d}.html").write_bytes(html(f"https://spin.test/{n}", title + "！", spun, None))
            made["spun"] += 1
        if n % 6 == 2:
            other = story(5000 + n)
            mixed = [*other[:4], *paras[:3], *other[4:]]
            page = html(f"https://digest.test/{n}", "汇总" + title, mixed, None)
            (rep / f"q{n:03d}.html").write_bytes(page)
            made["partial"] += 1
        if n % 3 == 1:  # copies in a crawl, some in GBK (the header charset is all that says so)
            charset = "gbk" if n % 2 else "utf-8"
            body = html(f"https://crawl.test/{n}", title, [*paras, FILLER], None, charset)
            warc_pages.append((f"https://crawl.test/{n}", body))
            made["warc"] += 1
    for n in range(stories, stories + 40):  # pages that copy nothing
        paras = story(n)
        (rep / f"u{n:03d}.html").write_bytes(html(f"https://blog.test/{n}", f"随笔{n}", paras, None))
    (rep / "empty.html").write_bytes(b"<html><body></body></html>")  # a reject
    write_warc(root / "crawl.warc.gz", warc_pages)
    return made


def write_warc(path: Path, pages: list[tuple[str, bytes]]) -> None:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for url, body in pages:
        charset = "gbk" if b'charset="gbk"' in body else "utf-8"
        headers = StatusAndHeaders("200 OK", [("Content-Type", f"text/html; charset={charset}")], "HTTP/1.1")
        rec = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers
        )
        writer.write_record(rec)
    path.write_bytes(buf.getvalue())


def config(root: Path, extra: str = "") -> Path:
    """Repost sources first: originals arrive after their copies (late links)."""
    cfg = root / "cleanfeed.toml"
    cfg.write_text(
        f"""[output]
dir = "out"
[state]
path = "state/state.db"
[dedup]
enabled = true
{extra}
[[sources]]
name = "portals"
kind = "files"
paths = ["pages/reposts/*.html"]

[[sources]]
name = "crawl"
kind = "warc"
path = "crawl.warc.gz"

[[sources]]
name = "wire"
kind = "files"
paths = ["pages/originals/*.html"]
original = true
""",
        encoding="utf-8",
    )
    return cfg


STREAMS = ("articles", "duplicates", "rejects", "links")


def outputs(root: Path) -> dict[str, bytes]:
    """Each stream of the (single) run folder, as written."""
    folders = [p for p in (root / "out").iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    files = {s: folders[0] / f"{s}.jsonl" for s in STREAMS}
    return {s: p.read_bytes() if p.exists() else b"" for s, p in files.items()}  # no file: no record


def fresh(root: Path) -> None:
    """No state and no output: the next run starts from nothing."""
    shutil.rmtree(root / "out", ignore_errors=True)
    shutil.rmtree(root / "state", ignore_errors=True)


def plain_run(root: Path) -> dict[str, bytes]:
    """The corpus written under ``root`` and what a plain ``cleanfeed run`` makes of it (then cleared)."""
    from cleanfeed.cli import main

    write_corpus(root)
    assert main(["run", "--config", str(config(root)), "--log-format", "json"]) == 0
    plain = outputs(root)
    fresh(root)
    return plain
