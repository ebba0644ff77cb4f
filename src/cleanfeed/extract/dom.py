"""DOM model of the linearized page, and parsing: what the walk (``extract.walk``) produces.

The walk drops what a reader never sees or that is page chrome, and cuts the rest into *blocks*:
the text between block-level boundaries (``<p>``, ``<div>``, ``<br>``, ``<li>``...). Every block
remembers the element that owns it and how much of it is link text; every element remembers its
block range, so "the text of this element" is a slice and scoring elements is one bottom-up pass.
This module holds the element classes, the page/block/element records, whitespace helpers and the
parser entry point (with the input sanitizing that keeps lexbor linear).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from selectolax.lexbor import LexborHTMLParser, LexborNode

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
    cls: str = ""  # the class attribute (repeated siblings of one class: a page's entries or posts)


@dataclass
class Page:
    """The linearized page: blocks, elements and what the DOM cleaning dropped (by block position)."""

    tree: LexborHTMLParser
    blocks: list[Block] = field(default_factory=list)
    elems: list[Elem] = field(default_factory=list)
    dropped: list[tuple[int, str, int]] = field(default_factory=list)  # (block position, rule, chars)
    dropped_text: list[str] | None = None  # each drop's text, kept only for a trace (explain)
    # Hidden elements with text, outermost only: (mem_id, chars, sentence marks, text sample). A
    # page whose body waits for a script to reveal it (WeChat) has it here (see core._hidden_body).
    hidden: list[tuple[int, int, int, str]] = field(default_factory=list)
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
    # Every whitespace character but the ASCII space is unprintable: a printable text without a
    # double space has nothing for the regex to change (the common case, and a C-speed check).
    if text.isprintable() and "  " not in text:
        return text.strip()
    return _WS.sub(" ", text).strip()


def _visible_len(node: LexborNode) -> int:
    return len(_WS.sub("", node.text(deep=True)))


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
    """``_LONG_TAG.sub`` with each tag cut to ``MAX_TAG_CHARS``, tried only where it can match.

    A long tag runs from a "<" over more than MAX_TAG_CHARS characters without "<" or ">" to a
    ">": it is the last "<" of a long run between two ">". Searching the whole page instead tries
    every "<" of long inline scripts with a 4000-character lookahead.
    """
    out: list[str] = []
    last = 0
    for start, end in _long_runs(html):
        if end >= len(html):
            break  # no ">" closes the last run
        lt = html.rfind("<", start, end)
        m = _LONG_TAG.match(html, lt, end + 1) if lt >= 0 else None
        if m:
            out.append(html[last:lt])
            out.append(f"<{m[1]}{m[2][:MAX_TAG_CHARS]}>")
            last = m.end()
    if not out:
        return html
    out.append(html[last:])
    return "".join(out)


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


def _long_runs(html: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of the runs between ">"s longer than ``MAX_TAG_CHARS``, in order (``end``:
    the ">" closing the run, or ``len(html)``), without building ``html.split(">")``.

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
            yield start, end
        k = end + 1  # later runs start after this ">"


def _has_long_run(html: str) -> bool:
    """``max(map(len, html.split(">"))) > MAX_TAG_CHARS``."""
    return next(_long_runs(html), None) is not None


def sanitize(html: str) -> str:
    """Defuse the inputs that make the HTML parser super-linear (cheap checks first)."""
    if _has_long_run(html):
        html = _cut_long_tags(html)
    if html.count("<") > SCAN_TAGS:
        html = _limit_depth(html)
    return html


def parse(html: str) -> LexborHTMLParser:
    return LexborHTMLParser(sanitize(html))
