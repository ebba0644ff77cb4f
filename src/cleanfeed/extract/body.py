"""Main-text block selection on the linearized page.

Each block gets a signed weight from Chinese-aware signals (GNE-style text and punctuation density,
link density, class/id hints); the element whose subtree has the largest weight sum is the main
block. Chrome (menus, link lists, short unpunctuated labels) weighs negative, so growing the block
past the article only pays when more article text lies beyond it. One bottom-up pass: linear time.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from cleanfeed.extract.dom import Block, Page

_HAN = re.compile(r"[\u3400-\u9fff]+")


def han_bigrams(text: str) -> set[str]:
    """The distinct Han character bigrams of ``text`` (what a headline and a block have in common)."""
    return {run[i : i + 2] for run in _HAN.findall(text) for i in range(len(run) - 1)}


# Sentence punctuation a Chinese paragraph is full of and a menu is not.
PUNCT = frozenset("，。！？；：、“”「」,!?;…")
TERMINAL = frozenset("。！？!?…”」』）)")


_PUNCT_RE = re.compile("[" + re.escape("".join(sorted(PUNCT))) + "]")


def punct_count(text: str) -> int:
    return len(_PUNCT_RE.findall(text))


def visible_len(text: str) -> int:
    return len(text) - text.count(" ")


def block_weight(block: Block, neg: bool, repeated: bool = False) -> float:
    """Signed evidence that a block is article text. ``repeated``: the same text occurs elsewhere."""
    n = visible_len(block.text)
    if n == 0 or block.heading:
        return 0.0
    if repeated and n < 40:
        return -0.3 * n  # template text (widgets, footers) repeats; story paragraphs rarely do
    link = block.link_chars
    if link * 2 > n:
        return -0.6 * min(n, 40)
    p = punct_count(block.text)
    if p == 0:
        return -1.0 if n < 30 else 0.1 * n
    # Punctuation density of running Chinese text is ~1 mark per 8-20 characters.
    density = min(1.0, 0.25 + p * 12.0 / n)
    w = (n - link) * density
    if repeated:
        w *= 0.5
    if n < 10:
        w *= 0.5
    return w * 0.3 if neg else w


@dataclass(frozen=True, slots=True)
class Selection:
    first: int
    end: int
    elem: int
    score: float
    total_positive: float


def _scores(page: Page) -> tuple[list[float], float]:
    """Every element's score (the weight sum of its subtree's blocks, x1.1 for a content hint) and
    the page's total positive weight."""
    blocks, elems = page.blocks, page.elems
    sums = [0.0] * len(elems)
    positive = 0.0
    seen = Counter(b.text for b in blocks)
    for b in blocks:
        w = block_weight(b, elems[b.elem].neg, seen[b.text] > 1)
        sums[b.elem] += w
        if w > 0:
            positive += w
    # Pre-order creation means a parent always precedes its children: reverse order is bottom-up.
    for i in range(len(elems) - 1, 0, -1):
        sums[elems[i].parent] += sums[i]
    return [s * 1.1 if el.hint > 0 else s for s, el in zip(sums, elems, strict=True)], positive


def select_main(page: Page) -> Selection | None:
    """The block range of the best-scoring element, or ``None`` for a page without text."""
    if not page.blocks:
        return None
    scores, positive = _scores(page)
    best, best_score = 0, float("-inf")
    for i, (s, el) in enumerate(zip(scores, page.elems, strict=True)):
        if el.end > el.first and s >= best_score:
            # >= prefers the deeper element on ties: the tighter container.
            best, best_score = i, s
    el = page.elems[best]
    return Selection(el.first, el.end, best, best_score, positive)


def runner_up(page: Page, sel: Selection) -> Selection | None:
    """The best-scoring element whose blocks do not overlap the chosen ones (for ``explain``)."""
    scores, _ = _scores(page)
    best: Selection | None = None
    for i, (s, el) in enumerate(zip(scores, page.elems, strict=True)):
        if el.end <= el.first or not (el.end <= sel.first or el.first >= sel.end):
            continue
        if best is None or s >= best.score:
            best = Selection(el.first, el.end, i, s, sel.total_positive)
    return best


def element_score(page: Page, elem: int) -> float:
    """One element's score, as ``select_main`` weighs it (for a block chosen by other means)."""
    return _scores(page)[0][elem]
