"""DOM cleaning and linearization: the parsed page becomes a flat list of text blocks.

One iterative walk (no Python recursion, so 10k-deep nesting is fine) drops what a reader never
sees or that is page chrome, and cuts the rest into *blocks*: the text between block-level
boundaries (``<p>``, ``<div>``, ``<br>``, ``<li>``...). Every block remembers the element that owns
it and how much of it is link text; every element remembers its block range, so "the text of this
element" is a slice and scoring elements is one bottom-up pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from selectolax.lexbor import LexborHTMLParser, LexborNode

from cleanfeed.extract.rules import RuleSet

# Inline elements do not cut a block; every other element does.
INLINE = frozenset(
    (
        "a",
        "abbr",
        "acronym",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "label",
        "mark",
        "nobr",
        "q",
        "rp",
        "rt",
        "rtc",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
        "o:p",
    )
)
# Never visible text (or not article text at all): skipped without counting.
SKIP = frozenset(
    (
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "select",
        "option",
        "optgroup",
        "textarea",
        "button",
        "input",
        "svg",
        "math",
        "canvas",
        "map",
        "area",
        "audio",
        "video",
        "source",
        "track",
        "head",
        "title",
        "meta",
        "link",
        "base",
        "param",
        "dialog",
    )
)
# Page chrome by element name.
CHROME = frozenset(("nav", "footer", "aside", "menu"))
_VOID = frozenset(("br", "img", "hr", "wbr", "input", "col", "embed", "source", "track", "area", "param"))
HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
LIST_ITEMS = frozenset(("li", "dd", "dt"))

_WS = re.compile(r"[\s\u3000\xa0\u200b\u200c\u200d\ufeff]+")
# Ways to hide text from readers but not from crawlers (spam portals use all of them).
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|rem|%)?\s*(?:;|!|$)|"
    r"opacity\s*:\s*0(?:\.0+)?\s*(?:;|!|$)|(?:left|top|text-indent)\s*:\s*-\d{3,}(?:px|em)|"
    r"(?:^|;)\s*(?:max-)?height\s*:\s*0(?:px)?\s*(?:;|!|$)(?=.*overflow\s*:\s*hidden)",
    re.I,
)
_HIDDEN_CLASS = frozenset(
    ("hidden", "hide", "d-none", "display-none", "invisible", "visually-hidden", "sr-only")
)
# Class/id hints. Substrings, because sites glue words (articleContent, comment_list, hotNews).
_NEG_HINT = re.compile(
    r"comment|reply|recommend|related|relate|footer|sidebar|side_?bar|\bside\b|\bnav|navbar|menu|share|"
    r"rank|hotnews|hot_?list|\bhot\b|breadcrumb|crumb|copyright|banner|advert|\bads?\b|guanggao|login|"
    r"pager|paging|toolbar|friend|social|subscribe|popup|modal|\bpl\b|pinglun|tuijian|xiangguan|"
    r"\bmore\b|\blinks?\b|\btags?\b|keywords?|byline|editor_?recommend",
    re.I,
)
_CAPTION_HINT = re.compile(
    r"caption|pictext|pic_?te?xt|img_?te?xt|img_?desc|pic_?desc|photo_?(?:desc|te?xt|title|note)|tuzhu|"
    r"pic_?info|pic_?intro|pic_?note|figure_?te?xt|image_?desc",
    re.I,
)
_POS_HINT = re.compile(
    r"article|content|artibody|endtext|\bdetail|\btext\b|_text|text_|\bzoom\b|\bentry|\bstory|post_?body|"
    r"post_?content|\bmain_?content|news_?txt|\bbody_?text|正文|\bcnt\b|txt_?con|con_?txt|\bzw\b",
    re.I,
)


@dataclass(slots=True)
class Block:
    """One line of text in document order, with the element that owns it."""

    text: str
    link_chars: int
    elem: int
    tag: str
    in_list: bool = False
    heading: bool = False
    after_img: bool = False
    caption: bool = False  # inside a figcaption / caption-classed element
    indent: bool = False  # starts with an ideographic / no-break space indent (typeset body text)
    # The text nodes after the block's last (up to) three inner tag boundaries: where an element of
    # its own (<span>展开全文</span>) may end the line (see edges.peel).
    tail_chunks: tuple[str, ...] = ()


@dataclass(slots=True)
class Elem:
    """A block-level element: its parent, class/id hint and block range ``[first, end)``."""

    tag: str
    parent: int
    hint: int  # +1 content-like class/id, -1 chrome-like, 0 none (own attributes only)
    neg: bool  # self or an ancestor is chrome-like
    first: int = 0
    cap: bool = False  # figcaption or a caption-classed element (or inside one)
    end: int = 0


@dataclass
class Page:
    """The linearized page: blocks, elements and what the DOM cleaning dropped (by block position)."""

    tree: LexborHTMLParser
    blocks: list[Block] = field(default_factory=list)
    elems: list[Elem] = field(default_factory=list)
    dropped: list[tuple[int, str, int]] = field(default_factory=list)  # (block position, rule, chars)
    truncated: bool = False  # the walk stopped at MAX_ELEMS / MAX_WALK_BLOCKS


def _sentence_marks(text: str) -> int:
    return sum(text.count(ch) for ch in "，。！？；")


def _join(chunks: list[str]) -> str:
    """Text nodes of one block, with a space between chunks that would glue ASCII words together
    (the whitespace-only nodes that separated them are not visited)."""
    if len(chunks) == 1:
        return chunks[0]
    out = [chunks[0]]
    for prev, nxt in pairwise(chunks):
        if (
            prev
            and nxt
            and prev[-1].isascii()
            and prev[-1].isalnum()
            and nxt[0].isascii()
            and nxt[0].isalnum()
        ):
            out.append(" ")
        out.append(nxt)
    return "".join(out)


def clean_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _visible_len(node: LexborNode) -> int:
    return len(_WS.sub("", node.text(deep=True)))


def _hidden(attrs: dict[str, str | None]) -> bool:
    if "hidden" in attrs:
        return True
    aria = attrs.get("aria-hidden")
    if aria is not None and aria.strip().lower() == "true":
        return True
    cls = attrs.get("class")
    if cls and not _HIDDEN_CLASS.isdisjoint(cls.lower().split()):
        return True
    style = attrs.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _hint(label: str) -> int:
    if not label.strip():
        return 0
    if _NEG_HINT.search(label):
        return -1
    return 1 if _POS_HINT.search(label) else 0


@lru_cache(maxsize=8192)
def _label_hints(label: str) -> tuple[int, bool]:
    """(hint, caption) of a class/id label. Cached across pages: a site's pages share their labels."""
    return _hint(label), bool(_CAPTION_HINT.search(label))


def _selected(tree: LexborHTMLParser, rules: RuleSet) -> dict[int, str]:
    """mem_id -> rule name of elements matched by selector rules."""
    out: dict[int, str] = {}
    for rule in rules.of("selector"):
        if rule.selector:
            for node in tree.css(rule.selector):
                out.setdefault(node.mem_id, rule.name)
    return out


# Bounds on one walk: real pages have a few thousand elements; these keep hostile ones under a second.
MAX_ELEMS = 60_000
MAX_WALK_BLOCKS = 20_000
# What an open element is, on the walk's stack.
_K_INLINE, _K_LINK, _K_BLOCK, _K_SKIP = 0, 1, 2, 3
# lexbor's fixed tag ids: text and comment nodes; ids up to the doctype are not elements.
_TEXT_ID, _COMMENT_ID, _LAST_SPECIAL_ID = 2, 4, 5


class _Walker:
    """State of one linearization walk (a class, so the hot loop stays a flat method)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.buf: list[str] = []
        self.link_chars = 0
        self.pending_img = False
        self.cur = 0
        self.list_depth = 0
        self.heading_depth = 0
        # Where, in buf, each element of the trailing run of inline-element text starts (reset by
        # bare text): <p>正文<span>展开全文</span></p> ends with an element of its own.
        self.marks: list[int] = []
        self.mark_parent = -1

    def flush(self) -> None:
        buf = self.buf
        if buf:
            raw = _join(buf)
            text = clean_ws(raw)
            if text:
                el = self.page.elems[self.cur]
                links = min(self.link_chars, len(text))
                if links and len(text) >= 60 and _sentence_marks(text) >= 3:
                    links = 0  # a whole paragraph wrapped in <a>: text, not navigation
                indent = raw.lstrip(" \t\r\n").startswith(("\u3000", "\xa0"))
                self.page.blocks.append(
                    Block(
                        text,
                        links,
                        self.cur,
                        el.tag,
                        self.list_depth > 0,
                        self.heading_depth > 0,
                        self.pending_img,
                        el.cap,
                        indent,
                        self.tail_chunks() if self.marks else (),
                    )
                )
                self.pending_img = False
            buf.clear()
        self.marks.clear()
        self.link_chars = 0

    def tail_chunks(self) -> tuple[str, ...]:
        """The text of the last (up to three) inline elements ending the block, after other text."""
        ms = [m for m in self.marks[-3:] if m > 0]
        if not ms:
            return ()
        buf = self.buf
        return tuple("".join(buf[a:b]) for a, b in zip(ms, [*ms[1:], len(buf)], strict=True))


def linearize(tree: LexborHTMLParser, rules: RuleSet) -> Page:
    """Walk the body once and return its blocks and elements.

    lexbor's own pre-order ``traverse`` does the walking (no Python recursion, so 10k-deep nesting
    is fine); element exits are found from parent ids with an explicit stack.
    """
    page = Page(tree)
    root = tree.body or tree.root
    if root is None:
        return page
    blocks, elems, dropped = page.blocks, page.elems, page.dropped
    selected = _selected(tree, rules)
    chrome_on = rules.enabled("page_chrome")
    hidden_on = rules.enabled("hidden")
    w = _Walker(page)
    elems.append(Elem("body", -1, 0, False))
    # (mem_id, kind, previous owner) of every open element below the root.
    stack: list[tuple[int, int, int]] = [(root.mem_id, _K_BLOCK, 0)]
    skipping = 0
    link_depth = 0
    root_id = root.mem_id
    buf = w.buf  # the walker's buffer (flush clears it in place)
    marks = w.marks
    flush = w.flush
    push = stack.append
    buf_append = buf.append
    # Tag names by lexbor tag id, for this document only (custom elements get per-document ids).
    # Decoding ``node.tag`` costs more than the rest of an element's visit; the id is an int. Only
    # filled outside skipped subtrees: there every element is HTML, so an id has one (lower-case)
    # name, while SVG/MathML share ids across spellings (clipPath / clippath).
    names: dict[int, str] = {}
    # lexbor drops whitespace-only text nodes itself (a third of all nodes); flush() puts the
    # space back where it matters (between ASCII words and numbers).
    nodes = root.traverse(include_text=True, skip_empty=True)
    next(nodes, None)  # pre-order: the root itself comes first (it is elems[0] already)
    for node in nodes:
        tid = node.tag_id
        if tid == _TEXT_ID:
            text = node.text_content or ""
            if not text or text.isspace():
                if buf and not skipping:
                    buf_append(" ")
                continue
        elif tid == _COMMENT_ID:
            continue
        else:
            if skipping or tid <= _LAST_SPECIAL_ID:
                tag = node.tag or "-"
            else:
                cached = names.get(tid)
                if cached is None:
                    cached = names[tid] = node.tag or "-"
                tag = cached
            if tag[0] in "-!":  # comments, doctype
                continue
            if tag in _VOID and not skipping:
                # Void elements hold nothing, so closing earlier siblings late is harmless here.
                if buf:
                    flush()
                if tag == "img":
                    w.pending_img = True
                continue
        nid = node.mem_id
        parent = node.parent
        pid = parent.mem_id if parent is not None else root_id
        # The usual case (still inside the parent) costs one comparison; the root never pops.
        while stack[-1][0] != pid and len(stack) > 1:
            _, kind, prev = stack.pop()
            if kind == _K_SKIP:
                skipping -= 1
            elif skipping:
                continue
            elif kind == _K_LINK:
                link_depth -= 1
            elif kind == _K_BLOCK:
                if buf:
                    flush()
                closed = elems[w.cur].tag
                if closed in LIST_ITEMS:
                    w.list_depth -= 1
                elif closed in HEADINGS:
                    w.heading_depth -= 1
                elems[w.cur].end = len(blocks)
                w.cur = prev
        if tid == _TEXT_ID:
            if not skipping:
                top, top_kind, _ = stack[-1]
                if top_kind == _K_BLOCK:
                    if marks:
                        marks.clear()  # bare text ends the line so far
                elif top != w.mark_parent or not marks:
                    marks.append(len(buf))
                    w.mark_parent = top
                buf_append(text)
                if link_depth:
                    w.link_chars += len(text) - text.count(" ")
            continue
        if skipping:
            push((nid, _K_INLINE, 0))
            continue
        if tag in SKIP:
            push((nid, _K_SKIP, 0))
            skipping += 1
            continue
        attrs = node.attributes
        rule = selected.get(nid)
        if (
            rule is None
            and hidden_on
            and attrs
            and ("style" in attrs or "hidden" in attrs or "aria-hidden" in attrs or "class" in attrs)
            and _hidden(attrs)
        ):
            rule = "hidden"
        if rule is None and chrome_on and tag in CHROME:
            rule = "page_chrome"
        if rule is not None:
            n = _visible_len(node)
            if n:
                dropped.append((len(blocks), rule, n))
            stack.append((nid, _K_SKIP, 0))
            skipping += 1
            continue
        if tag in INLINE:
            if tag == "a":
                link_depth += 1
                stack.append((nid, _K_LINK, 0))
            else:
                stack.append((nid, _K_INLINE, 0))
            continue
        if buf:
            w.flush()
        if len(elems) >= MAX_ELEMS or len(blocks) >= MAX_WALK_BLOCKS:
            page.truncated = True  # a dump, not a page: what was read so far is plenty
            break
        hint, cap = 0, tag == "figcaption"
        if attrs:
            label = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
            # Long labels (hostile pages) are not cached: the cache's memory stays small.
            hint, is_cap = _label_hints(label) if len(label) <= 200 else _label_hints.__wrapped__(label)
            cap = cap or is_cap
        owner = elems[w.cur]
        elems.append(Elem(tag, w.cur, hint, owner.neg or hint < 0, len(blocks), cap=cap or owner.cap))
        stack.append((nid, _K_BLOCK, w.cur))
        w.cur = len(elems) - 1
        if tag in LIST_ITEMS:
            w.list_depth += 1
        elif tag in HEADINGS:
            w.heading_depth += 1
    while len(stack) > 1:
        _, kind, prev = stack.pop()
        if kind == _K_BLOCK and not skipping:
            w.flush()
            elems[w.cur].end = len(blocks)
            w.cur = prev
        elif kind == _K_SKIP:
            skipping -= 1
    w.flush()
    elems[0].end = len(blocks)
    return page


# lexbor is quadratic on some inputs: every start tag scans the stack of open elements (so 100k
# nested elements take minutes) and every attribute is checked against the tag's earlier ones. No
# article needs more than this; deeper nesting is flattened, longer tags are cut, before parsing.
MAX_DEPTH = 512
MAX_TAG_CHARS = 4000
# Below this many tags the parser's quadratic worst case is a few milliseconds: skip the scan.
SCAN_TAGS = 5000
# Like the HTML tokenizer, a tag runs to the next ">" ("<p<p<p>" is one element named "p<p<p").
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*>")
# The lookahead is implied by the rest (a letter plus MAX_TAG_CHARS more): it changes no match, but
# rejects an ordinary tag in one scan instead of one rescan per character of its name.
_LONG_TAG = re.compile(
    r"<(?=[^<>]{" + str(MAX_TAG_CHARS + 1) + r"})([A-Za-z][^\s/<>]*)([^<>]{" + str(MAX_TAG_CHARS) + r",})>"
)
# Elements that are void, or that real pages leave unclosed: they do not count as nesting.
_FLAT = frozenset(
    (
        "br",
        "img",
        "hr",
        "wbr",
        "input",
        "col",
        "embed",
        "source",
        "track",
        "area",
        "param",
        "meta",
        "link",
        "base",
        "p",
        "li",
        "td",
        "th",
        "tr",
        "dt",
        "dd",
        "option",
        "!doctype",
    )
)


def _cut_long_tags(html: str) -> str:
    return _LONG_TAG.sub(lambda m: f"<{m[1]}{m[2][:MAX_TAG_CHARS]}>", html)


def _limit_depth(html: str) -> str:
    """Drop the start and end tags of elements nested deeper than ``MAX_DEPTH`` (text is kept)."""
    stack: list[str] = []
    skipped: dict[str, int] = {}
    out: list[str] = []
    last = 0
    # Only up to the last ">": then every "<" + letter matches, so the scan stays linear.
    for m in _TAG.finditer(html, 0, html.rfind(">") + 1):
        name = m.group(2).lower()
        if name in _FLAT:
            continue
        drop = False
        if m.group(1):  # an end tag
            if stack and stack[-1] == name:
                stack.pop()
            elif skipped.get(name):
                skipped[name] -= 1
                drop = True
            elif name in stack[-8:]:
                while stack and stack.pop() != name:
                    pass
        elif len(stack) >= MAX_DEPTH:
            skipped[name] = skipped.get(name, 0) + 1
            drop = True
        else:
            stack.append(name)
        if drop:
            out.append(html[last : m.start()])
            last = m.end()
    if not out:
        return html
    out.append(html[last:])
    return "".join(out)


def _has_long_run(html: str) -> bool:
    """``max(map(len, html.split(">"))) > MAX_TAG_CHARS``, without building the split list.

    Probes consecutive windows of half that size: a longer run covers a whole window, so only a
    window without ">" needs its run measured (from the ">" before it to the one after it).
    """
    step = MAX_TAG_CHARS // 2
    n = len(html)
    find = html.find
    k = 0
    while k + step <= n:
        if find(">", k, k + step) >= 0:
            k += step
            continue
        start = html.rfind(">", 0, k) + 1
        end = find(">", k + step)
        if end < 0:
            end = n
        if end - start > MAX_TAG_CHARS:
            return True
        k = end + 1  # later runs start after this ">"
    return False


def sanitize(html: str) -> str:
    """Defuse the inputs that make the HTML parser super-linear (cheap checks first)."""
    if _has_long_run(html):
        html = _cut_long_tags(html)
    if html.count("<") > SCAN_TAGS:
        html = _limit_depth(html)
    return html


def parse(html: str) -> LexborHTMLParser:
    return LexborHTMLParser(sanitize(html))
