"""Multi-entry pages: a blog page showing several posts, a blog index, a forum thread with replies.

On such pages the container of all entries wins the main-block vote, and the record would glue
several posts (or a post and its replies) together. Entries are found by structure: sibling
elements of one tag and class inside the main block, each with a post header (a short line with a
date or time: 发表于 2026-12-06 10:20) and running text, together holding most of the block's text.
An article's sections (a subhead and paragraphs) have no dated header each, so they stay whole.

The page is about one entry: the one whose heading names the page's headline; on a thread or an
index without such a heading, the first (the opening post; the newest post).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cleanfeed.extract.body import Selection, element_score, han_bigrams, punct_count, visible_len
from cleanfeed.extract.dom import Page

# A post header's date or time (2026-12-06, 2026年12月6日, 10:20); the header line is short and not
# a sentence.
_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}:\d{2}")
HEADER_MAX_CHARS = 80
_NOT_POSTS = frozenset({"p", "span", "font", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"})
MAX_DEPTH = 4  # entries sit just under the container that holds them all
MIN_COVER = 0.6  # the entries hold this share of the main block's running text
MIN_ENTRY_RUNNING = 30  # running characters an entry needs to count as one
TITLE_MATCH = 0.7  # share of an entry heading's bigrams found in the page's headline
THREAD_TOPIC = 0.3  # share of the headline's bigrams a thread's opening post uses


@dataclass(frozen=True, slots=True)
class Entries:
    elems: list[int]  # the entries' elements, in page order
    kind: str  # "post": one entry's heading names the page; "index": entries with own headings; "thread"
    chosen: int  # the element of the entry the page is about
    heading: str | None  # the chosen entry's own heading


def _running(page: Page, first: int, end: int) -> int:
    return sum(
        visible_len(b.text) - b.link_chars
        for b in page.blocks[first:end]
        if punct_count(b.text) >= 2 and visible_len(b.text) >= 10 and b.link_chars * 2 < len(b.text)
    )


def _has_header(page: Page, first: int, end: int) -> bool:
    return any(
        visible_len(b.text) <= HEADER_MAX_CHARS and punct_count(b.text) <= 2 and _DATE.search(b.text)
        for b in page.blocks[first:end]
    )


def _heading(page: Page, first: int, end: int) -> str | None:
    """The entry's own heading: a heading line among its first lines (often a link to the post)."""
    for b in page.blocks[first : min(end, first + 3)]:
        if b.heading and 2 <= visible_len(b.text) <= 60:
            return b.text
    return None


def _names(heading: str, title: str | None) -> float:
    own, key = han_bigrams(heading), han_bigrams(title or "")
    if len(own) < 3 or not key:
        return 0.0
    return len(own & key) / len(own)


def find(page: Page, sel: Selection, title: str | None) -> Entries | None:
    """The entries of the main block, when it holds several posts; else None (an ordinary article)."""
    elems = page.elems
    root = sel.elem
    total = _running(page, sel.first, sel.end)
    if total < 2 * MIN_ENTRY_RUNNING:
        return None
    groups: dict[tuple[int, str, str], list[int]] = {}
    for i in range(root + 1, len(elems)):
        up, depth = elems[i].parent, 1
        while up != root and depth <= MAX_DEPTH and up > root:
            up, depth = elems[up].parent, depth + 1
        if up != root:
            break  # pre-order: the first element outside the block ends its subtree
        # (a <p> is a paragraph, never a post: spam blocks injected as <p>s look like dated posts)
        if depth <= MAX_DEPTH and elems[i].end - elems[i].first >= 2 and elems[i].tag not in _NOT_POSTS:
            groups.setdefault((elems[i].parent, elems[i].tag, elems[i].cls), []).append(i)
    best: tuple[float, list[int]] | None = None
    for members in groups.values():
        if len(members) < 2:
            continue
        running = [_running(page, elems[m].first, elems[m].end) for m in members]
        # An entry is a post: running text under a dated header. A list of dated links is not.
        posts = [
            m
            for m, r in zip(members, running, strict=True)
            if r >= MIN_ENTRY_RUNNING and _has_header(page, elems[m].first, elems[m].end)
        ]
        cover = sum(running) / total
        found = len(posts) >= 2 and len(posts) * 2 >= len(members) and cover >= MIN_COVER
        if found and (best is None or cover > best[0]):
            best = (cover, posts)
    if best is None:
        return None
    members = best[1]
    headings = [_heading(page, elems[m].first, elems[m].end) for m in members]
    fit = [_names(h, title) if h else 0.0 for h in headings]
    top = max(range(len(members)), key=lambda k: fit[k])
    if fit[top] >= TITLE_MATCH:
        return Entries(members, "post", members[top], headings[top])
    if sum(h is not None for h in headings) >= 2:
        if headings[0] and headings[0].lstrip().startswith("《"):
            return None  # a clickbait 《title》 over each block: injected spam, not posts
        return Entries(members, "index", members[0], headings[0])
    # A thread's opening post is about the thread's headline; blocks that are not (injected spam
    # laid out like dated posts) make no thread.
    key = han_bigrams(title or "")
    first = elems[members[0]]
    said = han_bigrams(" ".join(b.text for b in page.blocks[first.first : first.end]))
    if len(key) >= 3 and len(key & said) < THREAD_TOPIC * len(key):
        return None
    return Entries(members, "thread", members[0], headings[0])


TIGHT = 0.9  # a child holding this share of the entry's running text is its message


def entry_selection(page: Page, sel: Selection, entries: Entries) -> Selection:
    """The chosen entry's message: the entry, or the element inside it holding nearly all its
    running text (without the post header: author, date, floor number, the entry's own heading)."""
    elems = page.elems
    best = entries.chosen
    for _ in range(MAX_DEPTH):
        own = _running(page, elems[best].first, elems[best].end)
        inner = [
            i
            for i in range(best + 1, len(elems))
            if elems[i].parent == best
            and elems[i].end > elems[i].first
            and _running(page, elems[i].first, elems[i].end) >= TIGHT * own
        ]
        if not own or not inner:
            break
        best = inner[0]
    el = elems[best]
    return Selection(el.first, el.end, best, element_score(page, best), sel.total_positive)


__all__ = ["Entries", "entry_selection", "find"]
