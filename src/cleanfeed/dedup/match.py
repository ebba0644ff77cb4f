"""Verification: is a candidate the same story, and which kind of copy (near, partial, spun)?

Candidates come from the index (LSH bands, sampled 5-grams, anchors); here the decision is made on the
two canonical texts themselves, so an unlucky hash collision never becomes a link.

- near: 5-gram Jaccard, or containment either way (an excerpt; the whole story inside spam). Between
  Jaccard 0.7 and 0.8 the sentences decide: if most of them are rewritten rather than pasted, it is spun.
- partial: a third or more of the original's 5-grams appear inside other text (a third or more of the copy
  is not from the original) and the shared sentences are pasted; ``share`` is the part reused. Shared
  5-grams alone are not enough: two or more of the original's sentences must align with pasted sentences
  of the copy, covering a quarter of the original (half of a short one). Pages that share only a site's
  disclaimer, one press-release sentence or a topic's names and a URL reach the 5-gram share without that.
- spun: sentence alignment. Each sentence of the copy is paired, one to one, with the original sentence
  whose character bigrams it shares most (bigrams common in either text, and digits, are left out so
  topic words and reused numbers do not count); a pair is kept only if its overlap is high and its
  numbers agree. A rewrite aligns most of its sentences; a different story on the same topic, even one
  reusing the original's numbers and names in other sentences, aligns few.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from cleanfeed.dedup.fingerprint import (
    SHINGLE,
    U64,
    Fingerprint,
    anchors,
    codes_of,
    ngram_hashes,
    unique_sorted,
)

R = TypeVar("R")  # a candidate row, whatever the caller keeps with it

MIN_SHARED = 40  # shared 5-grams (~ characters) below which containment says nothing
NEAR_JACCARD = 0.7
CLEARLY_NEAR = 0.8  # above this Jaccard a copy is near without looking at sentences
REWRITTEN = 0.92  # below this mean Dice of aligned sentences, a close copy counts as spun
NEAR_CONTAINED = 0.8  # the copy is (an excerpt of) the original
WRAPPED_CONTAINED = 0.8  # ... or holds the whole original plus spam or boilerplate,
WRAPPED_OWN = 0.4  # provided the original is at least this share of the copy
PARTIAL_SHARE = 0.3  # "a third or more", with slack for edits at the seams
PARTIAL_OWN = 0.65  # ... inside other text: at least a third of the copy is not from the original
SPUN_BIGRAM_GATE = 0.12  # whole-text bigram Jaccard below which alignment is not tried
SPUN_PAIR = 0.4  # bigram Dice for a sentence pair to count as aligned
SPUN_COVERAGE = 0.5  # share of the copy's characters in aligned sentences
SPUN_MIN_PAIRS = 3
PASTED = 0.9  # mean Dice of aligned sentences above which they were pasted (partial), not rewritten
MIN_SENTENCE = 8  # shorter sentences (datelines, captions) are not aligned
# Partial copies: the original's sentences found pasted in the copy. One sentence is never enough (a site's
# disclaimer, a press-release line); a short original (a brief: a title and two or three sentences) needs
# half of its text aligned, since a single shared paragraph is already a large share of it.
PARTIAL_PAIR = 0.4
PARTIAL_MIN_PAIRS = 2
PARTIAL_ALIGNED = 0.25  # share of the original's sentence characters in pasted pairs
SHORT_ORIGINAL = 200  # canonical characters below which an original is a brief
SHORT_ALIGNED = 0.5


@dataclass(frozen=True, slots=True)
class Pasted:
    """The evidence of a partial copy: the copy's sentences that paste sentences of the original."""

    pairs: tuple[tuple[int, int], ...]  # (copy sentence, characters of the original sentence it pastes)
    total: int  # the original's sentence characters
    needs: float  # the share of them a partial copy must paste

    def share(self, without: frozenset[int] = frozenset()) -> float:
        """Pasted share of the original, leaving out the copy sentences ``without`` (0 under two pairs)."""
        kept = [n for i, n in self.pairs if i not in without]
        return sum(kept) / self.total if len(kept) >= PARTIAL_MIN_PAIRS and self.total else 0.0

    def holds(self, without: frozenset[int] = frozenset()) -> bool:
        return self.share(without) >= self.needs

    def sentences(self) -> frozenset[int]:
        return frozenset(i for i, _ in self.pairs)


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str  # near | partial | spun  (exact and cross_script are decided by the index)
    similarity: float
    share: float | None = None
    pasted: Pasted | None = field(default=None, compare=False)  # partial copies: what was pasted


def across_scripts(verdict: Verdict, converted: bool) -> Verdict:
    """The one ``cross_script`` rule: an ``exact`` or ``near`` copy where either text was converted from
    Traditional script is ``cross_script`` (the same story in the other script); other kinds stay."""
    if converted and verdict.kind in ("exact", "near"):
        return Verdict("cross_script", verdict.similarity, verdict.share)
    return verdict


class Doc:
    """A canonical text with comparison features computed on first use."""

    def __init__(self, canon: str) -> None:
        self.canon = canon

    @classmethod
    def of(cls, fp: Fingerprint) -> Doc:
        """The fingerprinted text, reusing the code points and 5-grams the fingerprint computed."""
        doc = cls(fp.canon)
        if len(fp.codes) == fp.length:
            doc.__dict__["codes"] = fp.codes
            doc.__dict__["shingles"] = unique_sorted(fp.shingles)
        return doc

    @cached_property
    def codes(self) -> npt.NDArray[np.uint32]:
        return codes_of(self.canon)

    @cached_property
    def shingles(self) -> U64:
        return unique_sorted(ngram_hashes(self.codes, SHINGLE))

    @cached_property
    def bigrams(self) -> U64:
        return unique_sorted(ngram_hashes(self.codes, 2))

    @cached_property
    def sentences(self) -> tuple[list[str], npt.NDArray[np.int64], npt.NDArray[np.int64], U64]:
        """Sentences long enough to align, their lengths, and their distinct (sentence, bigram) pairs.

        Bigrams with a digit are left out: numbers are compared as anchors, so a distractor that reuses
        the original's figures gains nothing from them. Pairs are sorted by bigram.
        """
        sents = [s for s in self.canon.split("\n") if len(s) >= MIN_SENTENCE]
        lengths = np.array([len(s) for s in sents], dtype=np.int64)
        if not sents:
            return sents, lengths, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
        codes = np.frombuffer("".join(sents).encode("utf-32-le"), dtype=np.uint32)
        sid = np.repeat(np.arange(len(sents), dtype=np.int64), lengths)
        grams = ngram_hashes(codes, 2)
        digit = (codes >= 48) & (codes <= 57)
        ok = (sid[:-1] == sid[1:]) & ~(digit[:-1] | digit[1:])
        g_sid, g = sid[:-1][ok], grams[ok]
        order = np.lexsort((g_sid, g))
        g_sid, g = g_sid[order], g[order]
        keep = np.ones(len(g), dtype=bool)
        keep[1:] = (g[1:] != g[:-1]) | (g_sid[1:] != g_sid[:-1])
        return sents, lengths, g_sid[keep], g[keep]


def _shared(a: U64, b: U64) -> int:
    return int(np.intersect1d(a, b, assume_unique=True).size)


def containment(copy: Doc, original: Doc) -> tuple[float, float, float, int]:
    """(Jaccard, share of the copy found in the original, share of the original reused, shared count)."""
    nq, nc = len(copy.shingles), len(original.shingles)
    if not nq or not nc:
        return 0.0, 0.0, 0.0, 0
    inter = _shared(copy.shingles, original.shingles)
    return inter / (nq + nc - inter), inter / nq, inter / nc, inter


def verify(copy: Doc, original: Doc, *, spun: bool = True) -> Verdict | None:
    """How ``copy`` reuses ``original``, or None when it is a different story."""
    jac, own, reused, inter = containment(copy, original)
    near: float | None = None
    if jac >= NEAR_JACCARD:
        near = jac
    elif inter >= MIN_SHARED:
        if own >= NEAR_CONTAINED:
            near = own
        elif reused >= WRAPPED_CONTAINED and own >= WRAPPED_OWN:
            near = reused
    if near is not None:
        if jac >= CLEARLY_NEAR or not spun:
            return Verdict("near", round(near, 4))
        # Same words in most places, but are the shared sentences pasted or rewritten?
        coverage, closeness = alignment_stats(copy, original)
        if coverage >= SPUN_COVERAGE and closeness < REWRITTEN:
            return Verdict("spun", round(coverage, 4))
        return Verdict("near", round(near, 4))
    pasted: Pasted | None = None
    partial = inter >= MIN_SHARED and reused >= PARTIAL_SHARE and own < PARTIAL_OWN
    if partial:
        pasted = pasted_sentences(copy, original)
        partial = pasted.holds()
    if not spun and not partial:
        return None
    coverage, closeness = alignment_stats(copy, original)
    # A partial copy pastes original sentences verbatim next to other text; a rewrite changes most
    # sentences and has little text of its own.
    if partial and (closeness >= PASTED or coverage < SPUN_COVERAGE):
        return Verdict("partial", round(reused, 4), round(min(reused, 1.0), 4), pasted)
    if spun and coverage >= SPUN_COVERAGE:
        return Verdict("spun", round(coverage, 4))
    return None


def pasted_sentences(copy: Doc, original: Doc) -> Pasted:
    """The original's sentences the copy pasted, and the share of them a partial copy needs.

    No whole-text gate as in ``alignment_stats``: a page that pastes a brief among much other text shares
    few of its bigrams with it.
    """
    lengths = original.sentences[1]
    pairs = tuple((i, int(lengths[j])) for i, j, d in align(copy, original) if d >= PARTIAL_PAIR)
    needs = SHORT_ALIGNED if len(original.codes) < SHORT_ORIGINAL else PARTIAL_ALIGNED
    return Pasted(pairs, int(lengths.sum()), needs)


def bigram_jaccard(a: Doc, b: Doc) -> float:
    na, nb = len(a.bigrams), len(b.bigrams)
    if not na or not nb:
        return 0.0
    inter = _shared(a.bigrams, b.bigrams)
    return inter / (na + nb - inter)


def _common(grams: U64, n_sentences: int) -> U64:
    """Bigrams in more than a fifth of the sentences (at least 3): topic words such as 人工, 智能."""
    if not len(grams):
        return grams
    change = np.empty(len(grams), dtype=bool)  # np.r_ would cost more than the rest of this function
    change[0] = True
    np.not_equal(grams[1:], grams[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    counts = np.diff(starts, append=len(grams))
    out: U64 = grams[starts[counts > max(2, n_sentences // 5)]]
    return out


def align(copy: Doc, original: Doc) -> list[tuple[int, int, float]]:
    """One-to-one sentence pairs (copy index, original index, Dice), best first, greedy."""
    q_text, q_len, q_sid, q_g = copy.sentences
    c_text, c_len, c_sid, c_g = original.sentences
    nq, nc = len(q_len), len(c_len)
    if not nq or not nc:
        return []
    # Topic words of either text align everything: leave them out of both.
    common = np.union1d(_common(q_g, nq), _common(c_g, nc))
    qm, cm = ~np.isin(q_g, common), ~np.isin(c_g, common)
    q_sid, q_g, c_sid, c_g = q_sid[qm], q_g[qm], c_sid[cm], c_g[cm]
    q_size, c_size = np.bincount(q_sid, minlength=nq), np.bincount(c_sid, minlength=nc)
    # Join the (sentence, bigram) pairs on the bigram: both sides are sorted by it.
    left = np.searchsorted(c_g, q_g, "left")
    cnt = np.searchsorted(c_g, q_g, "right") - left
    total = int(cnt.sum())
    if not total:
        return []
    begins = np.cumsum(cnt) - cnt
    idx = np.arange(total) - np.repeat(begins, cnt) + np.repeat(left, cnt)
    # Count pairs per (copy sentence, original sentence) cell: bincount is far cheaper than np.add.at.
    cells = np.repeat(q_sid, cnt) * nc + c_sid[idx]
    shared = np.bincount(cells, minlength=nq * nc).reshape(nq, nc)
    dice = 2 * shared / np.maximum(1, q_size[:, None] + c_size[None, :])
    dice[(q_size < 3)[:, None] | (c_size < 3)[None, :]] = 0.0
    ii, jj = np.nonzero(dice >= SPUN_PAIR)
    vals = dice[ii, jj]
    used_q: set[int] = set()
    used_c: set[int] = set()
    q_anchors: dict[int, set[str]] = {}  # a sentence is tried against several partners: scan it once
    c_anchors: dict[int, set[str]] = {}
    out = []
    order = np.lexsort((-jj, -ii, -vals))
    # Plain Python ints: the greedy loop is sequential, and numpy scalars cost more than the loop body.
    for i, j, val in zip(ii[order].tolist(), jj[order].tolist(), vals[order].tolist(), strict=True):
        if i in used_q or j in used_c:
            continue
        qa = q_anchors[i] if i in q_anchors else q_anchors.setdefault(i, anchors(q_text[i]))
        ca = c_anchors[j] if j in c_anchors else c_anchors.setdefault(j, anchors(c_text[j]))
        if qa and ca and not qa & ca:  # both carry numbers and none agree: not the same sentence
            continue
        used_q.add(i)
        used_c.add(j)
        out.append((i, j, val))
        if len(out) == min(nq, nc):  # one side fully paired: no pair left can be taken
            break
    return out


def alignment_stats(copy: Doc, original: Doc) -> tuple[float, float]:
    """(share of the copy's characters in aligned sentences, their mean bigram Dice weighted by length).

    The mean Dice tells pasted text (about 1; 0.97 with a few typos) from rewritten text (0.75-0.88).
    """
    if bigram_jaccard(copy, original) < SPUN_BIGRAM_GATE:
        return 0.0, 0.0
    pairs = align(copy, original)
    lengths = copy.sentences[1]
    # Short texts have few sentences: two aligned pairs out of at most four is already most of the text.
    if len(pairs) < (SPUN_MIN_PAIRS if len(lengths) > 4 else 2):
        return 0.0, 0.0
    total = int(lengths.sum())
    covered = sum(int(lengths[i]) for i, _, _ in pairs)
    closeness = sum(int(lengths[i]) * dice for i, _, dice in pairs)
    return (covered / total if total else 0.0), (closeness / covered if covered else 0.0)


def without_shared_boilerplate(
    query: Doc, found: list[tuple[R, Doc, Verdict | None]]
) -> list[tuple[R, Verdict]]:
    """The verdicts, less the partial ones whose pasted sentences another candidate holds too.

    A sentence of the copy that two or more indexed documents hold is a site's disclaimer or a shared
    footer, not a story: without such sentences a partial copy must still show its evidence. Sentences a
    partial page takes from two different stories are different sentences, so it keeps both. The other
    candidates are aligned only when a partial verdict is at stake (rare), so a query pays nothing more.
    """
    partial = [v.pasted for _, _, v in found if v is not None and v.pasted is not None]
    if not partial or len(found) < 2:
        return [(r, v) for r, _, v in found if v is not None]
    seen: dict[int, int] = {}
    for _, doc, v in found:
        held = v.pasted if v is not None and v.pasted is not None else pasted_sentences(query, doc)
        for i in held.sentences():
            seen[i] = seen.get(i, 0) + 1
    shared = frozenset(i for i, n in seen.items() if n > 1)
    return [
        (row, v)
        for row, _, v in found
        if v is not None and (v.pasted is None or not shared or v.pasted.holds(shared))
    ]
