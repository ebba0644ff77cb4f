"""The extraction pipeline: DOM → main block → normalized paragraphs → rules → stories + metadata."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from cleanfeed.errors import Drop
from cleanfeed.extract import confidence as C
from cleanfeed.extract import entries as E
from cleanfeed.extract import meta as M
from cleanfeed.extract import net as N
from cleanfeed.extract.body import Selection, han_bigrams, punct_count, runner_up, select_main, visible_len
from cleanfeed.extract.dom import Block, Elem, Page, parse
from cleanfeed.extract.edges import matcher, peel
from cleanfeed.extract.filters import Filtered, Para, apply_rules, is_content, scan_meta
from cleanfeed.extract.rules import RuleSet, count_removed
from cleanfeed.extract.shape import join_rows, rewrap
from cleanfeed.extract.stories import Story, split_stories
from cleanfeed.extract.trace import Trace
from cleanfeed.extract.trim import trim_edges
from cleanfeed.extract.walk import _hidden, linearize
from cleanfeed.models import Article
from cleanfeed.normalize import NormalizeReport, normalize_lines
from cleanfeed.siteprofile import host_of

MAX_HTML_CHARS = 20_000_000  # bigger pages are not articles; everything below is linear time
MAX_BLOCKS = 3000  # paragraphs kept for the rules; more is a dump, not a story
MIN_TEXT_CHARS = 10  # less running text than this is not a story (a one-line brief still is)


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


HIDDEN_BODY_MIN = 200  # a hidden element with less text is never a page's body


def _running_chars(page: Page, sel: Selection | None) -> int:
    """Visible running text (punctuated, not links) in the selected block range."""
    if sel is None:
        return 0
    return sum(
        visible_len(b.text) - b.link_chars
        for b in page.blocks[sel.first : sel.end]
        if punct_count(b.text) >= 2 and visible_len(b.text) >= 20
    )


def _hidden_body(page: Page, sel: Selection | None, title: str | None) -> int | None:
    """The hidden element that is the page's body, waiting for a script to reveal it (WeChat's
    ``#js_content`` with ``visibility: hidden``), or None.

    Hiddenness is judged with the element's role: running text that dwarfs the visible story and
    is about the page's headline is the body; a block beside a visible story, or off the
    headline's topic (hidden spam), stays hidden.
    """
    visible = _running_chars(page, sel)
    tkeys = han_bigrams(title or "")
    for nid, n, marks, sample in sorted(page.hidden, key=lambda h: -h[1]):
        if n < HIDDEN_BODY_MIN or n < 4 * visible:
            return None  # sorted: the rest are smaller still
        if marks * 40 < n:
            continue  # not running text (a menu, a gallery's labels)
        if visible >= 150 and n < 8 * visible:
            continue  # a visible story holds the page: a hidden block beside it is not the body
        if len(tkeys) >= 3:
            if len(tkeys & han_bigrams(sample)) < 0.3 * len(tkeys):
                continue  # not about the headline
        elif visible >= 60:
            continue  # no headline to check against: only an otherwise empty page is revealed
        return nid
    return None


FALLBACK_MIN_CHARS = 300  # below this much visible text a page is not worth a second opinion


def _without_dropped(html: str, rules: RuleSet) -> str:
    """The page without what our walk drops before scoring (hidden elements, selector rules): the
    fallback must not read the hidden spam and widgets our own path never sees."""
    tree = parse(html)
    doomed = []
    if rules.enabled("hidden"):
        doomed += [n for n in tree.css("[style], [class], [hidden], [aria-hidden]") if _hidden(n.attributes)]
    for rule in rules.of("selector"):
        if rule.selector:
            doomed += tree.css(rule.selector)
    ids = {n.mem_id for n in doomed}

    def inside_another(node: LexborNode) -> bool:
        up = node.parent
        while up is not None:
            if up.mem_id in ids:
                return True
            up = up.parent
        return False

    # Outermost only: a node inside a removed one is freed with it (touching it again is unsafe).
    for node in [n for n in doomed if not inside_another(n)]:
        node.decompose()
    return tree.html or html


def _fallback_blocks(html: str, url: str | None, page: Page, rules: RuleSet) -> list[Block]:
    """trafilatura's main text as blocks, for a text-rich page our own scoring rejected."""
    if sum(visible_len(b.text) for b in page.blocks) < FALLBACK_MIN_CHARS:
        return []
    html = _without_dropped(html, rules)
    try:
        import trafilatura  # noqa: PLC0415  (slow import, rarely needed)
    except ImportError:  # pragma: no cover - a declared dependency
        return []
    text = trafilatura.extract(
        html, url=url, include_comments=False, include_tables=False, favor_precision=True
    )
    lines = [line.strip() for line in (text or "").split("\n") if line.strip()]
    blocks = [Block(line, 0, 0, "p") for line in lines]
    if sum(1 for b in blocks if punct_count(b.text) >= 2 and visible_len(b.text) >= 40) < 2:
        return []  # not running text either: a list or a utility page after all
    return blocks


def _captions_by_story(paras: list[Para], stories: list[Story], filtered: Filtered) -> list[list[str]]:
    """Each caption goes to the story of the nearest story line above it (the lead when none)."""
    owner = {id(p): i for i, s in enumerate(stories) for p in (*s.heads, *s.paras)}
    at = {id(p): k for k, p in enumerate(paras)}
    out: list[list[str]] = [[] for _ in stories]
    for text, cap in zip(filtered.captions, filtered.caption_paras, strict=True):
        story = 0
        for k in range(at.get(id(cap), 0) - 1, -1, -1):
            if id(paras[k]) in owner:
                story = owner[id(paras[k])]
                break
        out[story].append(text)
    return out


_TIME_IN_LINE = re.compile(r"\d{1,4}[-/.年月]\d{1,2}|\d{1,2}:\d{2}")


def _widget_text(text: str, rules: RuleSet) -> bool:
    """A line that is only UI clauses (赞(437)浏览量:5970756展开) or a list heading (延伸阅读)."""
    em = matcher(rules.of("edge"))
    if em is not None and not peel(text, em)[0]:
        return True
    return any(r.pattern is not None and r.pattern.fullmatch(text) for r in rules.of("heading"))


def _on_page_title(title: str | None, page: Page, sel: Selection, rules: RuleSet) -> str | None:
    """Keep a <title>-derived headline the page itself shows; else the headline line above the story.

    Some sites put only their own name in <title> (公共电视台 新闻网): the headline is then the
    heading, or the short line, just above the article text.
    """
    if title and _widget_text(title, rules):
        title = None  # a list heading or widget line the title finder took for the headline
    window = page.blocks[max(0, sel.first - 15) : min(sel.end, sel.first + 3)]
    key = "".join((title or "").split())
    if key and any(key in b.text.replace(" ", "") for b in page.blocks[: sel.end]):
        return title
    for b in reversed(window):
        if (
            b.heading
            and 2 <= visible_len(b.text) <= 60
            and b.link_chars * 2 < len(b.text)
            and not _widget_text(b.text, rules)  # 延伸阅读 over an injected list is no headline
        ):
            # One heading element broken by <br> is one headline.
            return " ".join(x.text for x in window if x.elem == b.elem)
    for b in reversed(page.blocks[max(0, sel.first - 6) : sel.first]):
        n = visible_len(b.text)
        if (
            6 <= n <= 40
            and b.link_chars == 0
            and b.text[-1] not in "。：:"
            and not _TIME_IN_LINE.search(b.text)
            and punct_count(b.text) <= 2
            and not _widget_text(b.text, rules)
        ):
            return b.text
    return title


_TABLE_PARTS = frozenset({"tr", "td", "th", "tbody", "thead", "tfoot"})


def _group(elems: list[Elem], i: int) -> int:
    """The container a paragraph's siblings share: its parent element, but for a table cell or row the
    table itself (each row has a parent of its own, yet the rows of one table are one list)."""
    g = elems[i].parent
    while 0 <= g < len(elems) and elems[g].tag in _TABLE_PARTS:
        g = elems[g].parent
    return g


def _paras(
    shaped: list[tuple[int, Block]], elems: list[Elem], title: str | None
) -> tuple[list[Para], str | None, NormalizeReport]:
    """Normalized paragraphs (and headline: normalized as part of the document, so the normalizer
    sees the whole page's evidence, e.g. for pinyin annotations)."""
    normed, report = normalize_lines([title or "", *(b.text for _, b in shaped)])
    new_title, lines = " ".join(normed[0].split()) or None, normed[1:]
    paras = []
    for (k, b), line in zip(shaped, lines, strict=True):
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
                    group=_group(elems, b.elem),
                    elem=b.elem,
                    indent=b.indent,
                    tail_chunks=b.tail_chunks,
                    block=k,
                )
            )
    return paras, new_title, report


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
    *,
    base: dict[str, object],
    report: NormalizeReport,
    removed: Counter[str],
    flags: list[str],
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
            "flags": [*report.flags, *flags],
            "removed": dict(removed),
        }
    )


def extract_all(
    html: str, url: str | None = None, *, rules: RuleSet | None = None, trace: Trace | None = None
) -> list[Article]:
    """Every story on the page as an ``Article`` (lead first). Raises ``Drop``.

    ``trace``: filled with the decisions behind the result (``cleanfeed explain``), as far as the
    extraction got before a ``Drop``; ``None`` (the default) costs nothing.
    """
    return extract_page(html, url, rules=rules, trace=trace)[0]


MAX_REVEALS = 3  # a revealed body may hold a hidden wrapper of its own: reveal again, a few times


@dataclass
class _Ctx:
    """What every candidate main block of one page is built with."""

    tree: LexborHTMLParser
    scan: M.PageScan
    page: Page
    page_title: str | None
    rules: RuleSet
    url: str | None
    flags: list[str]


@dataclass
class _Built:
    sel: Selection
    out: list[Article]
    main: int
    stories: list[Story]


def extract_page(
    html: str, url: str | None = None, *, rules: RuleSet | None = None, trace: Trace | None = None
) -> tuple[list[Article], int]:
    """Every story on the page (lead first) and the index of the page's main story (see
    ``extract_all``). Raises ``Drop``."""
    if len(html) > MAX_HTML_CHARS:
        raise Drop("too_large", f"{len(html)} characters")
    if not html.strip():
        raise Drop("empty")
    active = (rules or RuleSet.default()).for_host(host_of(url))
    tree = parse(html)
    page = linearize(tree, active, keep_dropped=trace is not None)
    sel = select_main(page)
    flags: list[str] = []
    scan = M.scan_page(tree)
    page_title = M.find_title(tree, scan)
    revealed: set[int] = set()
    for _ in range(MAX_REVEALS):
        nid = _hidden_body(page, sel, page_title)
        if nid is None:
            break
        revealed.add(nid)
        page = linearize(tree, active, keep_dropped=trace is not None, reveal=frozenset(revealed))
        sel = select_main(page)
    if revealed:
        flags.append("hidden_body_revealed")
    entries = E.find(page, sel, page_title) if sel is not None else None
    container = sel
    if sel is not None and entries is not None:
        sel = E.entry_selection(page, sel, entries)  # the post the page is about, not all of them
        flags.append(f"multi_entry:{entries.kind}")
        if entries.kind == "index" and entries.heading:
            page_title = entries.heading  # an index's <title> names the blog, not the post kept
    if trace is not None:
        trace.page, trace.flags = page, flags
    fallback = False
    if sel is None or _not_article(page, sel):
        # Our scoring found no story. If the page does hold a lot of text, ask trafilatura (slow,
        # so only here); its answer must still pass the same rules and checks as ours.
        blocks = _fallback_blocks(html, url, page, active)
        if not blocks:
            raise Drop("not_article")
        page.blocks.extend(blocks)
        sel = Selection(len(page.blocks) - len(blocks), len(page.blocks), 0, 0.0, 0.0)
        flags.append("fallback:trafilatura")
        fallback = True
    if page.truncated:
        flags.append("truncated")
    ctx = _Ctx(tree, scan, page, page_title, active, url, flags)
    built, drop = _try_build(ctx, sel, trace)
    if built is None and entries is not None and container is not None:
        # The chosen entry held no story after the rules (entries that were injected spam blocks
        # laid out like dated posts): the page is read as if no entries had been found.
        entries = None
        flags.remove(next(f for f in flags if f.startswith("multi_entry:")))
        ctx.page_title = page_title = M.find_title(tree, scan)
        sel = container
        built, drop = _try_build(ctx, sel, trace)
    # (a page of entries: the one chosen is on purpose, not a block cut short)
    net = None if fallback or entries is not None else N.candidate(page, sel, _main_text(built))
    if net is not None:
        # The safety net: our result is empty, tiny, or other text than a plain density scorer
        # reads. Build that reading too, keep the better one, and say which won.
        alt, _ = _try_build(ctx, net, None)
        if alt is not None and N.better(_main_text(alt), _main_text(built), page_title):
            built = _try_build(ctx, net, trace)[0] if trace is not None else alt
            verdict = "net:plain_pick"
        else:
            verdict = "net:kept_first"
        flags.append(verdict)  # (for a trace; the records' flags were copied already)
        if built is not None:
            for art in built.out:
                art.flags.append(verdict)
    if built is None:
        assert drop is not None
        raise drop
    runner = trace.runner_up if trace is not None else runner_up(page, built.sel)
    for art in built.out:
        sig = C.signals(
            page,
            built.sel,
            runner,
            lines=art.paragraphs,
            fallback=fallback,
            revealed=bool(revealed),
            split=len(built.stories) > 1,
        )
        art.extraction_confidence = C.score(
            sig, entries=entries.kind if entries else None, second_opinion="net:plain_pick" in art.flags
        )
        if sig.agree < C.AGREE_MIN:
            art.flags.append("net:plain_pick_differs")  # a plain density scorer reads another block
    return built.out, built.main


def _main_text(built: _Built | None) -> str:
    return built.out[built.main].text if built is not None else ""


def _try_build(ctx: _Ctx, sel: Selection, trace: Trace | None) -> tuple[_Built | None, Drop | None]:
    """``_build``, with a page that is too short or no article as a ``Drop`` to report (or to
    overrule by the safety net), not raised; other drops (an error or login page) are final."""
    try:
        return _build(ctx, sel, trace), None
    except Drop as drop:
        if drop.detail:
            raise
        return None, drop


def _build(ctx: _Ctx, sel: Selection, trace: Trace | None) -> _Built:
    """The stories of one candidate main block: paragraphs, rules, stories, metadata."""
    page, active, flags = ctx.page, ctx.rules, ctx.flags
    if sel.end - sel.first > MAX_BLOCKS:
        # No story has this many paragraphs; bound the per-paragraph work (rules, normalization).
        sel = Selection(sel.first, sel.first + MAX_BLOCKS, sel.elem, sel.score, sel.total_positive)
        flags.append("truncated")
    raw_title = _on_page_title(ctx.page_title, page, sel, active)
    shaped = rewrap(join_rows(page.blocks[sel.first : sel.end], page.elems))
    paras, title, report = _paras(shaped, page.elems, raw_title)
    if trace is not None:
        trace.selection, trace.runner_up = sel, runner_up(page, sel)
        trace.paras, trace.before_rules = paras, [p.text for p in paras]
        trace.title, trace.normalize = title, report
        trace.cuts.clear()
    filtered = apply_rules(paras, active, trace.cuts if trace is not None else None)
    if trace is not None:
        trace.removed = filtered.removed
    for pos, rule, n in page.dropped:
        if sel.first <= pos <= sel.end:
            filtered.removed[rule] += n
    kept = trim_edges(filtered.paras, title, filtered.removed, active)
    stories = split_stories(kept)
    if stories[0].title is None:
        _strip_title(stories[0].paras, title, filtered)
    kept = [p for s in stories for p in s.paras]
    if trace is not None:
        trace.stories = stories
    if sum(visible_len(p.text) for p in kept) < MIN_TEXT_CHARS or not any(punct_count(p.text) for p in kept):
        raise Drop("too_short" if kept else "not_article")
    if _error_page(title, kept):
        raise Drop("not_article", "error or login page")
    # Credit lines: just above the main block, what the rules took out of it, just below it.
    before = page.blocks[max(0, sel.first - 12) : sel.first]
    after = page.blocks[sel.end : sel.end + 6]  # credits sit right under the story; sidebars follow
    outside = normalize_lines([b.text for b in before] + [b.text for b in after])[0]
    above, below = outside[: len(before)], outside[len(before) :]
    taken = [p.text for p in paras if p.removed_by is not None]
    credits = M.find_credits([*above, *taken, *(p.text for p in kept[:3]), *below])
    found = {**scan_meta(below, active), **filtered.meta}
    base: dict[str, object] = {
        "url": ctx.url,
        "canonical_url": M.find_canonical(ctx.tree, ctx.url, ctx.scan),
        "published_at": M.find_published(ctx.tree, [*above, *(p.text for p in paras[:6])], ctx.scan),
        "original_title": found.get("original_title"),
        "editor": found.get("editor"),
        "author": found.get("author") or credits.author,
        "lang": M.detect_lang(" ".join(p.text for p in kept[:5]), ctx.tree),
    }
    story_captions = _captions_by_story(paras, stories, filtered)
    out: list[Article] = []
    for i, story in enumerate(stories):
        art = _article(
            story.paras,
            story.title or (title if i == 0 else None),
            base=base,
            report=report,
            removed=filtered.removed,
            flags=flags,
        )
        art.agency = art.agency or credits.agency
        art.captions = story_captions[i]
        if len(stories) > 1:
            art.story_index = i
        out.append(art)
    if not out[0].text:
        raise Drop("too_short")
    return _Built(sel, out, _main_story(stories, ctx.page_title), stories)


def _main_story(stories: list[Story], page_title: str | None) -> int:
    """The story the page is about: the one the <title>/headline names; else the lead when it is
    a story of its own size; else the largest (a deck or widget line above a single article)."""
    if len(stories) == 1:
        return 0
    key = "".join((page_title or "").split())
    if len(key) >= 4:
        for i, s in enumerate(stories):
            own = "".join((s.title or "").split())
            if len(own) >= 4 and (own in key or key in own):
                return i
    sizes = [sum(visible_len(p.text) for p in s.paras) for s in stories]
    if sizes[0] * 2 >= max(sizes):
        return 0
    return max(range(len(stories)), key=lambda i: sizes[i])
