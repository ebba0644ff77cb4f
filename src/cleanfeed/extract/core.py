"""The extraction pipeline: DOM → main block → normalized paragraphs → rules → stories + metadata."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

from cleanfeed.errors import Drop
from cleanfeed.extract import meta as M
from cleanfeed.extract.body import Selection, punct_count, select_main, visible_len
from cleanfeed.extract.dom import Block, Elem, Page, linearize, parse
from cleanfeed.extract.filters import Filtered, Para, apply_rules, is_content, scan_meta, trim_edges
from cleanfeed.extract.rules import RuleSet, count_removed
from cleanfeed.extract.stories import split_stories
from cleanfeed.models import Article
from cleanfeed.normalize import NormalizeReport, normalize_lines

MAX_HTML_CHARS = 20_000_000  # bigger pages are not articles; everything below is linear time
MIN_TEXT_CHARS = 10  # less running text than this is not a story (a one-line brief still is)


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def _not_article(page: Page, sel: Selection) -> bool:
    """Link lists, error pages and chrome-only pages: too little running text in the best block."""
    blocks = page.blocks[sel.first : sel.end]
    text_chars = sum(visible_len(b.text) - b.link_chars for b in blocks if punct_count(b.text))
    link_chars = sum(b.link_chars for b in blocks)
    total = sum(visible_len(b.text) for b in blocks) or 1
    if text_chars < MIN_TEXT_CHARS:
        return True
    # A block that is mostly links with little running text is an index page.
    return link_chars / total > 0.6 and text_chars < 200


_ERROR_PAGE = re.compile(
    r"\b404\b|页面不存在|页面没有找到|(找不到|无法找到)(该|此|您要的|你要的|您访问的)?(页面|网页)|(页面|网页|文章|内容)(已)?(被)?删除|"
    r"not found|出错了|(用户|会员|账号|帐号|密码)登录|请(先)?登录|立即注册",
    re.I,
)


def _error_page(title: str | None, kept: list[Para]) -> bool:
    """404, login and other utility pages: little running text, and they say what they are."""
    if sum(visible_len(p.text) for p in kept if is_content(p)) >= 300:
        return False
    head = " ".join([title or "", *(p.text for p in kept[:4])])
    return bool(_ERROR_PAGE.search(head))


def _paras(blocks: list[Block], elems: list[Elem]) -> tuple[list[Para], NormalizeReport]:
    lines, report = normalize_lines([b.text for b in blocks])
    paras = []
    for b, line in zip(blocks, lines, strict=True):
        text = " ".join(line.split())
        if text:
            ratio = len(text) / max(1, len(b.text))
            paras.append(
                Para(
                    text,
                    int(b.link_chars * ratio),
                    b.in_list,
                    b.heading,
                    b.after_img,
                    caption_hint=b.caption,
                    group=elems[b.elem].parent,
                    indent=b.indent,
                )
            )
    return paras, report


def _strip_title(paras: list[Para], title: str | None, out: Filtered) -> None:
    """Drop leading lines that repeat the headline (possibly split over several lines)."""
    if not title or not paras:
        return
    key = "".join(title.split())
    acc = ""
    k = 0
    while k < min(4, len(paras)):
        acc += "".join(paras[k].text.split())
        if not acc or acc not in key:
            break
        k += 1
        if acc == key:
            break
    if k and len(acc) >= min(len(key), 4):
        for p in paras[:k]:
            count_removed(out.removed, "title_repeat", p.text)
        del paras[:k]


def _article(
    paras: list[Para],
    title: str | None,
    base: dict[str, object],
    report: NormalizeReport,
    removed: Counter[str],
) -> Article:
    texts = [p.text for p in paras]
    dl = M.find_dateline(texts)
    return Article.model_validate(
        {
            **base,
            "title": title,
            "text": "\n".join(texts),
            "agency": dl.agency,
            "dateline": dl.dateline,
            "author": dl.author or base.get("author"),
            "converted": report.converted,
            "normalized": dict(report.counts),
            "flags": list(report.flags),
            "removed": dict(removed),
        }
    )


def extract_all(html: str, url: str | None = None, *, rules: RuleSet | None = None) -> list[Article]:
    """Every story on the page as an ``Article`` (lead first). Raises ``Drop``."""
    if len(html) > MAX_HTML_CHARS:
        raise Drop("too_large", f"{len(html)} characters")
    if not html.strip():
        raise Drop("empty")
    active = (rules or RuleSet.default()).for_host(_host(url))
    tree = parse(html)
    page = linearize(tree, active)
    sel = select_main(page)
    if sel is None or _not_article(page, sel):
        raise Drop("not_article")
    paras, report = _paras(page.blocks[sel.first : sel.end], page.elems)
    raw_title = M.find_title(tree)
    title = normalize_lines([raw_title])[0][0] if raw_title else None
    filtered = apply_rules(paras, active)
    for pos, rule, n in page.dropped:
        if sel.first <= pos <= sel.end:
            filtered.removed[rule] += n
    kept = trim_edges(filtered.paras, title, filtered.removed)
    stories = split_stories(kept)
    if stories[0].title is None:
        _strip_title(stories[0].paras, title, filtered)
    kept = [p for s in stories for p in s.paras]
    if sum(visible_len(p.text) for p in kept) < MIN_TEXT_CHARS or not any(punct_count(p.text) for p in kept):
        raise Drop("too_short" if kept else "not_article")
    if _error_page(title, kept):
        raise Drop("not_article", "error or login page")
    # Credit lines: just above the main block, what the rules took out of it, just below it.
    before = page.blocks[max(0, sel.first - 12) : sel.first]
    after = page.blocks[sel.end : sel.end + 15]
    outside = normalize_lines([b.text for b in before] + [b.text for b in after])[0]
    above, below = outside[: len(before)], outside[len(before) :]
    taken = [p.text for p in paras if p.removed_by is not None]
    credits = M.find_credits([*above, *taken, *(p.text for p in kept[:3]), *below])
    found = {**scan_meta(below, active), **filtered.meta}
    base: dict[str, object] = {
        "url": url,
        "canonical_url": M.find_canonical(tree, url),
        "published_at": M.find_published(tree, [*above, *(p.text for p in paras[:6])]),
        "original_title": found.get("original_title"),
        "editor": found.get("editor"),
        "author": found.get("author") or credits.author,
        "captions": filtered.captions,
        "lang": M.detect_lang(" ".join(p.text for p in kept[:5]), tree),
    }
    out: list[Article] = []
    for i, story in enumerate(stories):
        art = _article(
            story.paras, story.title or (title if i == 0 else None), base, report, filtered.removed
        )
        art.agency = art.agency or credits.agency
        if len(stories) > 1:
            art.story_index = i
        out.append(art)
    if not out[0].text:
        raise Drop("too_short")
    return out
