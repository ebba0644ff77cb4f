"""Linearization: one walk over the parsed body turns it into blocks and elements (``dom.Page``).

lexbor's own pre-order ``traverse`` does the walking (no Python recursion, so 10k-deep nesting is
fine); element exits are found from parent ids with an explicit stack. The walk is the hottest
code of the extractor (every node of every page passes through it), so the loop keeps its state
in local variables and decides per tag name, not per node, what an element is.
"""

from __future__ import annotations

import re
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser

from cleanfeed.extract.dom import (
    _CAPTION_HINT,
    _HIDDEN_CLASS,
    _HIDDEN_STYLE,
    _NEG_HINT,
    _POS_HINT,
    _VOID,
    _WS,
    CHROME,
    HEADINGS,
    INLINE,
    LIST_ITEMS,
    SKIP,
    Block,
    Elem,
    Page,
    _join,
    _sentence_marks,
    _visible_len,
    clean_ws,
)
from cleanfeed.extract.rules import RuleSet

# Selector lists are joined only when no string, escape or function could make the join mean
# something else than the union (a broken site selector must still fail as it did alone).
_UNSAFE_TO_JOIN = re.compile(r"[\"'\\()/\[\]]")
# Attribute values longer than this (hostile pages) are not cached: the caches' memory stays small.
_CACHE_CHARS = 200


@lru_cache(maxsize=4096)
def _class_hidden_cached(cls: str) -> bool:
    return not _HIDDEN_CLASS.isdisjoint(cls.lower().split())


@lru_cache(maxsize=4096)
def _style_hidden_cached(style: str) -> bool:
    return bool(_HIDDEN_STYLE.search(style))


def _hidden(attrs: dict[str, str | None]) -> bool:
    if "hidden" in attrs:
        return True
    aria = attrs.get("aria-hidden")
    if aria is not None and aria.strip().lower() == "true":
        return True
    # A site repeats its class and style values on every element: decided once per value.
    cls = attrs.get("class")
    if cls and (
        _class_hidden_cached(cls) if len(cls) <= _CACHE_CHARS else _class_hidden_cached.__wrapped__(cls)
    ):
        return True
    style = attrs.get("style")
    if not style:
        return False
    if len(style) <= _CACHE_CHARS:
        return _style_hidden_cached(style)
    return _style_hidden_cached.__wrapped__(style)


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
    sel_rules = [(rule.name, rule.selector) for rule in rules.of("selector") if rule.selector]
    if len(sel_rules) > 1 and not any(_UNSAFE_TO_JOIN.search(sel) for _, sel in sel_rules):
        # Each query walks the whole tree. Most pages match no rule: one walk for all of them says
        # so; else the last rule's elements are the ones no earlier rule took.
        union = tree.css(", ".join(sel for _, sel in sel_rules))
        if not union:
            return out
        for name, sel in sel_rules[:-1]:
            for node in tree.css(sel):
                out.setdefault(node.mem_id, name)
        last = sel_rules[-1][0]
        for node in union:
            out.setdefault(node.mem_id, last)
        return out
    for name, sel in sel_rules:
        for node in tree.css(sel):
            out.setdefault(node.mem_id, name)
    return out


# Hidden elements with this much text are kept as candidates for a script-revealed body.
HIDDEN_SAMPLE_MIN = 150
HIDDEN_SAMPLE_CHARS = 3000
# Bounds on one walk: real pages have a few thousand elements; these keep hostile ones under a second.
MAX_ELEMS = 60_000
MAX_WALK_BLOCKS = 20_000
# What an open element is, on the walk's stack (block kinds are the largest).
_K_SKIP, _K_INLINE, _K_LINK, _K_BLOCK, _K_LIST, _K_HEADING = 0, 1, 2, 3, 4, 5
# lexbor's fixed tag ids: text and comment nodes; ids up to the doctype are not elements.
_TEXT_ID, _COMMENT_ID, _LAST_SPECIAL_ID = 2, 4, 5
# What a tag name is, before the walk looks at the element's attributes.
_V_NONE, _V_VOID, _V_IMG, _V_IGNORED = 0, 1, 2, 3  # void elements; "-"/"!" names are not elements
_R_SKIP, _R_LINK, _R_INLINE, _R_BLOCK = 0, 1, 2, 3


@lru_cache(maxsize=1024)
def _tag_info(tag: str) -> tuple[str, int, int, int, bool]:
    """(tag, void kind, role, block kind, chrome) of a tag name."""
    if tag[0] in "-!":  # comments, doctype
        void = _V_IGNORED
    elif tag in _VOID:
        void = _V_IMG if tag == "img" else _V_VOID
    else:
        void = _V_NONE
    if tag in SKIP:
        role = _R_SKIP
    elif tag in INLINE:
        role = _R_LINK if tag == "a" else _R_INLINE
    else:
        role = _R_BLOCK
    kind = _K_LIST if tag in LIST_ITEMS else _K_HEADING if tag in HEADINGS else _K_BLOCK
    return tag, void, role, kind, tag in CHROME


def _tail_chunks(buf: list[str], marks: list[int]) -> tuple[str, ...]:
    """The text of the last (up to three) inline elements ending the block, after other text."""
    ms = [m for m in marks[-3:] if m > 0]
    if not ms:
        return ()
    return tuple("".join(buf[a:b]) for a, b in zip(ms, [*ms[1:], len(buf)], strict=True))


def linearize(
    tree: LexborHTMLParser,
    rules: RuleSet,
    *,
    keep_dropped: bool = False,
    reveal: frozenset[int] = frozenset(),
) -> Page:
    """Walk the body once and return its blocks and elements (``keep_dropped``: and the text of
    what the walk dropped, in ``page.dropped_text``).

    ``reveal``: mem_ids of hidden elements to read as visible (a body a script would reveal).
    """
    page = Page(tree, dropped_text=[] if keep_dropped else None)
    root = tree.body or tree.root
    if root is None:
        return page
    blocks, elems, dropped = page.blocks, page.elems, page.dropped
    selected = _selected(tree, rules)
    chrome_on = rules.enabled("page_chrome")
    hidden_on = rules.enabled("hidden")
    elems.append(Elem("body", -1, 0, False))
    # The text nodes of the block being built, and where in it each element of the trailing run of
    # inline-element text starts (reset by bare text): <p>正文<span>展开全文</span></p> ends with an
    # element of its own.
    buf: list[str] = []
    marks: list[int] = []
    mark_parent = -1
    link_chars = 0
    pending_img = False
    cur = 0  # the element owning the block being built
    list_depth = 0
    heading_depth = 0

    def flush() -> None:
        """Close the block being built (only called with text in ``buf``)."""
        nonlocal pending_img, link_chars
        raw = buf[0] if len(buf) == 1 else _join(buf)
        text = clean_ws(raw)
        if text:
            el = elems[cur]
            links = min(link_chars, len(text))
            if links and len(text) >= 60 and _sentence_marks(text) >= 3:
                links = 0  # a whole paragraph wrapped in <a>: text, not navigation
            first = raw[0]  # (raw is not empty: text is not)
            indent = first in "\u3000\xa0" or (
                first in " \t\r\n" and raw.lstrip(" \t\r\n").startswith(("\u3000", "\xa0"))
            )
            blocks.append(
                Block(
                    text,
                    links,
                    cur,
                    el.tag,
                    list_depth > 0,
                    heading_depth > 0,
                    pending_img,
                    el.cap,
                    indent,
                    # (marks only grow, so [0] is a line that is one element's text: no tail)
                    _tail_chunks(buf, marks) if marks and marks[-1] else (),
                )
            )
            pending_img = False
        buf.clear()
        marks.clear()
        link_chars = 0

    # (mem_id, kind, previous owner) of every open element below the root; the top's id and kind
    # are kept in locals too, as the usual node is still inside it.
    root_id = root.mem_id
    stack: list[tuple[int, int, int]] = [(root_id, _K_BLOCK, 0)]
    top_id, top_kind = root_id, _K_BLOCK
    push, pop = stack.append, stack.pop
    buf_append = buf.append
    skipping = 0
    link_depth = 0
    # Tag facts by lexbor tag id, for this document only (custom elements get per-document ids).
    # Decoding ``node.tag`` costs more than the rest of an element's visit; the id is an int. Only
    # filled outside skipped subtrees: there every element is HTML, so an id has one (lower-case)
    # name, while SVG/MathML share ids across spellings (clipPath / clippath). Inside them only
    # whether the name is an element's matters, which no spelling changes.
    names: dict[int, tuple[str, int, int, int, bool]] = {}
    ignored_in_skip: dict[int, bool] = {}
    # lexbor drops whitespace-only text nodes itself (a third of all nodes); flush() puts the
    # space back where it matters (between ASCII words and numbers).
    nodes = root.traverse(include_text=True, skip_empty=True)
    next(nodes, None)  # pre-order: the root itself comes first (it is elems[0] already)
    for node in nodes:
        tid = node.tag_id
        info = None
        text = ""
        if tid == _TEXT_ID:
            if not skipping:
                text = node.text_content or ""
                if not text or text.isspace():
                    if buf:
                        buf_append(" ")
                    continue
        elif tid == _COMMENT_ID:
            continue
        elif skipping:
            # Inside a skipped subtree only the element structure matters (for finding its end).
            if tid > _LAST_SPECIAL_ID:
                ign = ignored_in_skip.get(tid)
                if ign is None:
                    ign = ignored_in_skip[tid] = (node.tag or "-")[0] in "-!"
            else:
                ign = (node.tag or "-")[0] in "-!"
            if ign:
                continue
        else:
            if tid > _LAST_SPECIAL_ID:
                info = names.get(tid)
                if info is None:
                    info = names[tid] = _tag_info(node.tag or "-")
            else:
                info = _tag_info(node.tag or "-")
            void = info[1]
            if void:
                if void == _V_IGNORED:
                    continue
                # Void elements hold nothing, so closing earlier siblings late is harmless here.
                if buf:
                    flush()
                if void == _V_IMG:
                    pending_img = True
                continue
        parent = node.parent
        pid = parent.mem_id if parent is not None else root_id
        if pid != top_id:
            was_skipping = skipping
            if skipping and tid == _TEXT_ID:
                # Whitespace seen from inside a skipped subtree closes nothing (its end is found
                # at the next node: a void element right after it is then no void element).
                text = node.text_content or ""
                if not text or text.isspace():
                    continue
            # Close the elements this node is not inside (the root never pops).
            while top_id != pid and len(stack) > 1:
                _, kind, prev = pop()
                top_id, top_kind, _ = stack[-1]
                if kind == _K_SKIP:
                    skipping -= 1
                elif skipping:
                    continue
                elif kind == _K_LINK:
                    link_depth -= 1
                elif kind >= _K_BLOCK:
                    if buf:
                        flush()
                    if kind == _K_LIST:
                        list_depth -= 1
                    elif kind == _K_HEADING:
                        heading_depth -= 1
                    elems[cur].end = len(blocks)
                    cur = prev
            if was_skipping:
                if tid == _TEXT_ID:
                    if skipping:
                        continue
                elif not skipping:
                    # The first element after a skipped subtree: never treated as void.
                    info = _tag_info(node.tag or "-")
        elif skipping and tid == _TEXT_ID:
            continue
        if tid == _TEXT_ID:
            if top_kind >= _K_BLOCK:
                if marks:
                    marks.clear()  # bare text ends the line so far
            elif top_id != mark_parent or not marks:
                marks.append(len(buf))
                mark_parent = top_id
            buf_append(text)
            if link_depth:
                link_chars += len(text) - text.count(" ")
            continue
        nid = node.mem_id
        if skipping:
            push((nid, _K_INLINE, 0))
            top_id, top_kind = nid, _K_INLINE
            continue
        assert info is not None
        tag, _, role, kind, chrome = info
        if role == _R_SKIP:
            push((nid, _K_SKIP, 0))
            top_id, top_kind = nid, _K_SKIP
            skipping += 1
            continue
        attrs = node.attributes
        rule = selected.get(nid) if selected else None
        if (
            rule is None
            and hidden_on
            and attrs
            and ("style" in attrs or "class" in attrs or "hidden" in attrs or "aria-hidden" in attrs)
            and _hidden(attrs)
            and nid not in reveal
        ):
            rule = "hidden"
        if rule is None and chrome and chrome_on:
            rule = "page_chrome"
        if rule is not None:
            if rule == "hidden":
                raw = node.text(deep=True)
                n = len(_WS.sub("", raw))
                if n >= HIDDEN_SAMPLE_MIN:  # big enough to be a page's body: judged after the walk
                    page.hidden.append((nid, n, _sentence_marks(raw), raw[:HIDDEN_SAMPLE_CHARS]))
            else:
                n = _visible_len(node)
            if n:
                dropped.append((len(blocks), rule, n))
                if page.dropped_text is not None:
                    page.dropped_text.append(clean_ws(node.text(deep=True)))
            push((nid, _K_SKIP, 0))
            top_id, top_kind = nid, _K_SKIP
            skipping += 1
            continue
        if role == _R_LINK:
            link_depth += 1
            push((nid, _K_LINK, 0))
            top_id, top_kind = nid, _K_LINK
            continue
        if role == _R_INLINE:
            push((nid, _K_INLINE, 0))
            top_id, top_kind = nid, _K_INLINE
            continue
        if buf:
            flush()
        if len(elems) >= MAX_ELEMS or len(blocks) >= MAX_WALK_BLOCKS:
            page.truncated = True  # a dump, not a page: what was read so far is plenty
            break
        hint, cap, cls = 0, tag == "figcaption", ""
        if attrs:
            cls = (attrs.get("class") or "")[:_CACHE_CHARS]
            label = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
            hint, is_cap = (
                _label_hints(label) if len(label) <= _CACHE_CHARS else _label_hints.__wrapped__(label)
            )
            cap = cap or is_cap
        owner = elems[cur]
        elems.append(Elem(tag, cur, hint, owner.neg or hint < 0, len(blocks), cap or owner.cap, cls=cls))
        push((nid, kind, cur))
        top_id, top_kind = nid, kind
        cur = len(elems) - 1
        if kind == _K_LIST:
            list_depth += 1
        elif kind == _K_HEADING:
            heading_depth += 1
    while len(stack) > 1:
        _, kind, prev = pop()
        if kind >= _K_BLOCK and not skipping:
            if buf:
                flush()
            elems[cur].end = len(blocks)
            cur = prev
        elif kind == _K_SKIP:
            skipping -= 1
    if buf:
        flush()
    elems[0].end = len(blocks)
    return page
