"""How far a user can trust one extraction: ``extraction_confidence`` in [0, 1].

The signals are the ones the extraction already has (no second parse): the chosen block's margin
over the runner-up, the share of the page's positive text weight it holds, how much of it survived
the rules, the length of the result, whether a plain density scorer (running text minus the rest,
no hints) picks the same part of the page (the safety net's verdict), and the flags of unusual
paths (trafilatura fallback, a revealed hidden body, a multi-story page whose main story is not the
lead). They are combined by a logistic model whose weights were fitted on the dev sets (see
docs/benchmarks.md, "Extraction confidence"), so that the pages the extraction gets wrong sit at
the bottom.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from cleanfeed.extract.body import TERMINAL, Selection, punct_count, visible_len
from cleanfeed.extract.dom import Page
from cleanfeed.extract.filters import _bigrams, coherence_with_rest

AGREE_MIN = 0.5  # below this the plain density pick and ours are mostly different text
OFFTOPIC = 0.08  # a line sharing fewer of its bigrams with the rest of the text is off-topic


@dataclass(frozen=True, slots=True)
class Signals:
    margin: float  # (best - runner-up) / best score, in [0, 1]
    share: float  # the chosen block's score / the page's total positive weight, in [0, 1]
    kept: float  # characters of the main story / running characters of the chosen block, in [0, 1]
    chars: int  # characters of the main story's text
    agree: float  # share of the plain density pick's running text inside the chosen block
    fallback: bool
    revealed: bool
    split: bool  # a multi-story page
    loose: float  # share of the text's lines that are not sentences (labels, headlines: leaks)
    offtopic: float  # share of the text's characters in lines sharing little vocabulary with the rest


def plain_pick(page: Page) -> tuple[int, int]:
    """The block range a plain density scorer picks (see ``plain_pick_elem``)."""
    el = page.elems[plain_pick_elem(page)]
    return el.first, el.end


def plain_pick_elem(page: Page) -> int:
    """The element a plain density scorer picks: the one maximizing running characters minus all
    other characters (no class hints, no repetition or link heuristics beyond text)."""
    blocks, elems = page.blocks, page.elems
    sums = [0.0] * len(elems)
    for b in blocks:
        n = visible_len(b.text)
        run = n - b.link_chars
        sums[b.elem] += run if punct_count(b.text) >= 2 and run * 2 > n else -n
    for i in range(len(elems) - 1, 0, -1):
        sums[elems[i].parent] += sums[i]
    return max(range(len(elems)), key=lambda i: (sums[i], i), default=0)


def running_chars(page: Page, first: int, end: int) -> int:
    return sum(
        visible_len(b.text) - b.link_chars
        for b in page.blocks[first:end]
        if punct_count(b.text) >= 2 and visible_len(b.text) >= 10
    )


def _text_signals(lines: list[str]) -> tuple[float, float]:
    if not lines:
        return 1.0, 1.0
    loose = sum(1 for t in lines if t[-1] not in TERMINAL and punct_count(t) < 2) / len(lines)
    story: Counter[str] = Counter()
    grams = [_bigrams(t) for t in lines]
    for g in grams:
        story.update(g)
    total = sum(visible_len(t) for t in lines) or 1
    off = 0
    if len(lines) >= 3:
        for t, g in zip(lines, grams, strict=True):
            if len(g) >= 6 and coherence_with_rest(g, story) < OFFTOPIC:
                off += visible_len(t)
    return loose, off / total


def signals(
    page: Page,
    sel: Selection,
    runner: Selection | None,
    *,
    lines: list[str],
    fallback: bool,
    revealed: bool,
    split: bool,
) -> Signals:
    margin = 1.0 if runner is None or sel.score <= 0 else max(0.0, (sel.score - runner.score) / sel.score)
    share = min(1.0, max(0.0, sel.score / sel.total_positive)) if sel.total_positive > 0 else 0.0
    chars = sum(visible_len(t) for t in lines)
    own = running_chars(page, sel.first, sel.end)
    kept = min(1.0, chars / own) if own else (1.0 if chars else 0.0)
    if fallback:
        agree = 0.0
    else:
        pf, pe = plain_pick(page)
        plain = running_chars(page, pf, pe)
        both = (
            running_chars(page, max(pf, sel.first), min(pe, sel.end))
            if pf < sel.end and sel.first < pe
            else 0
        )
        agree = both / plain if plain else 1.0
    loose, offtopic = _text_signals(lines)
    return Signals(min(1.0, margin), share, kept, chars, agree, fallback, revealed, split, loose, offtopic)


# Logistic weights, signs fixed by what each signal means and sizes checked on the dev sets
# (daniel-zh-dev + gne-zh-dev: ROC AUC 0.76 for "bad page" = F1 < 0.8 or a failed snippet check;
# bench/bench_extract.py reports it). Hand-set rather than fitted: 22 bad pages do not support a fit.
_W = {
    "bias": -2.0,
    "margin": 0.5,
    "share": 2.0,
    "kept": 2.0,
    "log_chars": 0.3,
    "agree": 0.5,
    "fallback": -1.5,
    "revealed": -0.5,
    "split": -1.5,
    "loose": -2.5,
    "offtopic": -3.0,
}


# A page of several entries (posts, replies): the one kept is the page's by its headline ("post"),
# or only by position ("index", "thread"): less sure.
_ENTRIES = {"post": -0.3, "index": -1.5, "thread": -1.0}


def score(s: Signals, *, entries: str | None = None, second_opinion: bool = False) -> float:
    """``second_opinion``: the safety net replaced the first result (the first pick was wrong)."""
    z = (
        _ENTRIES.get(entries or "", 0.0)
        - 0.5 * second_opinion
        + (
            _W["bias"]
            + _W["margin"] * s.margin
            + _W["share"] * s.share
            + _W["kept"] * s.kept
            + _W["log_chars"] * math.log10(max(10, s.chars))
            + _W["agree"] * s.agree
            + _W["fallback"] * s.fallback
            + _W["revealed"] * s.revealed
            + _W["split"] * s.split
            + _W["loose"] * s.loose
            + _W["offtopic"] * s.offtopic
        )
    )
    return round(1.0 / (1.0 + math.exp(-z)), 3)
