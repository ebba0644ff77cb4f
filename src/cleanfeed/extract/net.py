"""The safety net: no silent empty or truncated article.

When our result is empty, short, or other text than a plain density scorer picks on the same DOM
(running characters minus everything else, no class hints: ``confidence.plain_pick``), the page is
built a second time from that plain pick and the two results are compared; the record's flags say
which won (``net:plain_pick`` / ``net:kept_first``). The plain pick wins only with clearly more
running text that is the same story (it holds ours) or that is more about the page's headline:
a short article that is right stays as it is (docs/benchmarks.md measures that the net changes no
good page for the worse).
"""

from __future__ import annotations

from cleanfeed.extract.body import Selection, element_score, han_bigrams, punct_count, visible_len
from cleanfeed.extract.confidence import plain_pick_elem, running_chars
from cleanfeed.extract.dom import Page

SHORT = 200  # a main story shorter than this (characters) gets a second opinion
MORE = 2.0  # the plain pick must hold at least this many times our running text ...
MORE_CHARS = 150  # ... and this many characters more
HOLDS = 0.7  # share of our text's bigrams the plain pick must hold to be "the same story, longer"
TITLE_GAIN = 0.25  # ... or this much more of the headline's bigrams
MIN_TITLE_FIT = 0.5  # a result replacing an empty one must be about the headline (when there is one)


def _running(text: str) -> int:
    return sum(visible_len(t) for t in text.split("\n") if punct_count(t) >= 2)


def candidate(page: Page, sel: Selection, ours: str) -> Selection | None:
    """The plain pick, when our result needs a second opinion and the plain pick reads other text."""
    pe = plain_pick_elem(page)
    el = page.elems[pe]
    if el.end <= el.first or (sel.first <= el.first and el.end <= sel.end):
        return None  # nothing the plain pick reads is outside our block
    short = visible_len(ours.replace("\n", "")) < SHORT
    if not short:
        mine = running_chars(page, sel.first, sel.end)
        plain = running_chars(page, el.first, el.end)
        inside = running_chars(page, max(el.first, sel.first), min(el.end, sel.end))
        if not plain or inside * 2 >= plain or plain < MORE * mine:
            return None  # we read most of what it reads, or more than it
    return Selection(el.first, el.end, pe, element_score(page, pe), sel.total_positive)


def _title_fit(text: str, title: str | None) -> float | None:
    key = han_bigrams(title or "")
    if len(key) < 3:
        return None
    return len(key & han_bigrams(text)) / len(key)


def better(alt: str, ours: str, title: str | None) -> bool:
    """Whether the plain pick's main story should replace ours."""
    a, o = _running(alt), _running(ours)
    if a < MORE * o or a < o + MORE_CHARS:
        return False
    fit_a, fit_o = _title_fit(alt, title), _title_fit(ours, title)
    if not ours.strip():
        return fit_a is None or fit_a >= MIN_TITLE_FIT
    mine = han_bigrams(ours)
    if mine and len(mine & han_bigrams(alt)) >= HOLDS * len(mine):
        return True  # the same story, longer: ours was cut short
    return fit_a is not None and fit_o is not None and fit_a >= fit_o + TITLE_GAIN


__all__ = ["better", "candidate"]
