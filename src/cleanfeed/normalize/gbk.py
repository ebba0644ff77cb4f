"""The reading search behind the mojibake repair: GBK pair tables over the language model's characters,
and a beam Viterbi over the bytes of a damaged run re-paired on the other alignment.

``repair`` decides where a damaged run starts and ends, which readings to accept and how sure they are;
this module only enumerates and ranks readings: each path is scored by the character bigram model
(weighted x2), a word-unigram segmentation score, a script prior (no Simplified-only characters inside
Traditional text), a vanished-pair prior and a clause-length prior (a reading that drops a 。 leaves an
overlong clause). The weights were tuned on seed 004 and checked for false repairs on clean text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import opencc

from cleanfeed.normalize.lm import CharLM, WordLM, load_lm

_VANISH_PENALTY = -4.0  # prior against assuming a pair silently vanished
# Per-character bonus: without it a path that restores a vanished character always loses,
# because every extra character costs its log-probability.
_CHAR_BONUS = 6.0
_BEAM = 12
# The char-bigram model sees context across words, the word model sees whole words; the
# former gets more weight (tuned on seed 004, checked for false repairs on clean text).
_CHAR_WEIGHT = 2.0
_SCRIPT_PENALTY = -3.0  # a Simplified-only character inside Traditional text, or the reverse
# Candidate classes for a lead byte we did not see.
_ANY, _HIGH, _LOW = -1, -2, -3
_VANISH_HIGH = set(range(0xAA, 0xB0)) | set(range(0xF8, 0xFF))  # then the 2nd byte is A1-FE
_VANISH_LOW = set(range(0xA1, 0xA8))  # A140-A7A0: then the 2nd byte is 40-A0


@dataclass
class _Index:
    by_pair: dict[tuple[int, int], str]
    by_trail: dict[int, list[tuple[int, str]]]  # trail -> [(lead, char)], most frequent first
    by_lead: dict[int, list[tuple[int, str]]]  # lead -> [(trail, char)]
    by_lead_vanish: dict[int, list[tuple[int, str]]]  # lead -> [(trail, char)] with a vanishing trail
    trad_only: frozenset[str]  # changed by T->S
    simp_only: frozenset[str]  # changed by S->T but not by T->S
    vanish_trail: list[tuple[int, str]]  # (trail, char) for chars whose trail can start a vanished pair


_LM_PUNCT = frozenset("，；：？！（）")
_EXTRA_CHARS = "。，、；：？！…—“”‘’《》（）「」『』·"


@lru_cache(maxsize=1)
def _index() -> _Index:
    lm = load_lm()
    chars = sorted(lm.chars, key=lambda c: -lm.chars[c][0]) + list(_EXTRA_CHARS)
    by_pair: dict[tuple[int, int], str] = {}
    by_trail: dict[int, list[tuple[int, str]]] = {}
    by_lead: dict[int, list[tuple[int, str]]] = {}
    by_lead_vanish: dict[int, list[tuple[int, str]]] = {}
    for ch in chars:
        try:
            b = ch.encode("gbk")
        except UnicodeEncodeError:
            continue
        if len(b) != 2 or (b[0], b[1]) in by_pair:
            continue
        by_pair[(b[0], b[1])] = ch
        by_trail.setdefault(b[1], []).append((b[0], ch))
        by_lead.setdefault(b[0], []).append((b[1], ch))
        if b[1] in _VANISH_HIGH or b[1] in _VANISH_LOW:
            by_lead_vanish.setdefault(b[0], []).append((b[1], ch))
    han = [c for c in by_pair.values() if c >= "\u3400"]
    to_s = opencc.OpenCC("t2s").convert("\n".join(han)).split("\n")
    to_t = opencc.OpenCC("s2t").convert("\n".join(han)).split("\n")
    trad = frozenset(c for c, s in zip(han, to_s, strict=True) if s != c)
    simp = frozenset(c for c, t in zip(han, to_t, strict=True) if t != c and c not in trad)
    vt = [(b, ch) for (_a, b), ch in by_pair.items() if b in _VANISH_HIGH or b in _VANISH_LOW]
    return _Index(by_pair, by_trail, by_lead, by_lead_vanish, trad, simp, vt)


def _lead_ok(lead: int, cls: int) -> bool:
    if cls == _ANY:
        return lead >= 0x81
    if cls == _HIGH:
        return lead >= 0xA1
    return 0x81 <= lead <= 0xA0  # _LOW


def _unit(ch: str) -> tuple[int, int] | None:
    """The GBK pair a character of the damaged run was decoded from (ASCII may be a folded form)."""
    if "!" <= ch <= "~":
        ch = chr(ord(ch) + 0xFEE0)  # full-width forms are often folded to ASCII afterwards
    elif ch < "\x80":
        return None
    try:
        # a user-defined pair read by a gb18030 decoder is a private-use character
        b = ch.encode("gb18030" if "\ue000" <= ch <= "\uf8ff" else "gbk")
    except UnicodeEncodeError:
        return None
    return (b[0], b[1]) if len(b) == 2 else None


def _plain(ch: str) -> str:
    """A character of the observed text as the LM should see it (ASCII punctuation full-width)."""
    if ch == "\ufffd" or "\uff10" <= ch <= "\uff5a":
        return "，"  # full-width digits and letters and a lone U+FFFD are neutral, like punctuation
    if "!" <= ch <= "~" and not ch.isalnum():
        wide = chr(ord(ch) + 0xFEE0)
        return wide if wide in _LM_PUNCT else "，"  # rare marks (／＃) are neutral, not noise
    return ch


class _Path:
    """One reading so far: char-LM score plus priors, text, and the word-segmentation tail."""

    __slots__ = ("aux", "rank", "run", "tail", "text")

    def __init__(self, aux: float, text: str, tail: tuple[float, ...], run: int) -> None:
        self.aux = aux
        self.text = text
        self.tail = tail
        self.run = run  # characters since the last punctuation mark (the open clause)
        self.rank = _CHAR_WEIGHT * aux + tail[-1]


# A Viterbi state: (pending lead byte or class, last char, open-clause bucket) -> best path.
# The bucket keeps readings that put a mark in different places from merging too early.
_States = dict[tuple[int, str, int], _Path]


def _push(states: _States, pend: int, path: _Path) -> None:
    key = (pend, path.text[-1:], path.run // 8)
    old = states.get(key)
    if old is None or path.rank > old.rank:
        states[key] = path


def _prune(states: _States) -> _States:
    if len(states) <= _BEAM:
        return states
    return dict(sorted(states.items(), key=lambda kv: -kv[1].rank)[:_BEAM])


class _OutOfBudget(Exception):
    """The document used up its search budget (hostile or hopeless input)."""


class _Search:
    """Viterbi over the re-paired characters of one run; ``wrong`` holds the off-script characters.

    Paths are ranked by char-bigram score + word-segmentation score + priors: the bigram model
    alone prefers readings made of frequent fragments (環保机炮 over 環。基于)."""

    def __init__(
        self, lm: CharLM, words: WordLM, ix: _Index, wrong: frozenset[str], budget: list[int]
    ) -> None:
        self.lm = lm
        self.words = words
        self.ix = ix
        self.wrong = wrong
        self.budget = budget  # emissions left for the whole document, shared by its searches

    def start(self, left: str, run: int) -> _Path:
        tail: tuple[float, ...] = (0.0,)
        for i in range(1, len(left) + 1):
            tail = self.words.extend(tail, left[:i])
        return _Path(0.0, left, tail, run)

    def emit(self, path: _Path, ch: str, prior: float = 0.0) -> _Path:
        self.budget[0] -= 1
        if self.budget[0] < 0:
            raise _OutOfBudget
        last = path.text[-1] if path.text else ""
        aux = path.aux + prior + _CHAR_BONUS + (_SCRIPT_PENALTY if ch in self.wrong else 0.0)
        aux += self.lm.cond(last, ch) if last else self.lm.unigram(ch)
        run = path.run + 1
        if ch in _CLAUSE_END:
            aux += _clause_penalty(path.run)
            run = 0
        text = path.text + ch
        return _Path(aux, text, self.words.extend(path.tail, text), run)

    def known(self, states: _States, a: int, b: int) -> _States:
        out: _States = {}
        ix = self.ix
        for (pend, _last, _run), path in states.items():
            if pend >= 0:
                ch = ix.by_pair.get((pend, a))
                if ch is not None:
                    _push(out, b, self.emit(path, ch))
            else:
                for lead, ch in ix.by_trail.get(a, ()):
                    if _lead_ok(lead, pend):
                        _push(out, b, self.emit(path, ch))
        return _prune(out)

    def vanish(self, states: _States) -> _States:
        out: _States = {}
        for (pend, _last, _run), path in states.items():
            if pend < 0:
                continue  # a character with both bytes unknown: too unconstrained to guess
            for trail, ch in self.ix.by_lead_vanish.get(pend, ()):
                nxt = _HIGH if trail in _VANISH_HIGH else _LOW
                _push(out, nxt, self.emit(path, ch, _VANISH_PENALTY))
        return _prune(out)

    def finish(
        self, states: _States, trail: int | None, right: str, right_run: int, *, eol: bool = False
    ) -> tuple[_Path | None, float]:
        """Best full reading when the run ends with ``trail`` (None: an unknown high byte), and
        its rank margin over the best reading with a different text (how sure the choice is)."""
        best: _Path | None = None
        second = float("-inf")
        ix = self.ix
        for (pend, _last, _run), path in states.items():
            if trail is not None:
                if pend >= 0:
                    one = ix.by_pair.get((pend, trail))
                    cands = [one] if one is not None else []
                else:
                    cands = [ch for lead, ch in ix.by_trail.get(trail, ()) if _lead_ok(lead, pend)]
            elif pend >= 0:
                cands = [ch for t, ch in ix.by_lead.get(pend, ()) if t >= 0x80]
            else:
                continue
            for ch in cands:
                done = self.emit(path, ch)
                if right:
                    done = self.emit(done, right, -_CHAR_BONUS)
                done.rank += _clause_penalty(done.run + right_run) + (_line_end(ch) if eol else 0.0)
                if best is None or done.rank > best.rank:
                    if best is not None and best.text != done.text:
                        second = max(second, best.rank)
                    best = done
                elif done.text != best.text:
                    second = max(second, done.rank)
        return best, (best.rank - second if best is not None else 0.0)


_CLAUSE_END = frozenset("。，、；：？！,.;:?!")
_CLAUSE_LONG = 20
_CLAUSE_SLOPE = -0.25


def _clause_penalty(length: int) -> float:
    """Clauses in news text rarely run past ~20 characters without a mark; a long one is a hint
    that a reading dropped its punctuation (關鍵一環保基于… versus 關鍵一環。基于…)."""
    return _CLAUSE_SLOPE * max(0, length - _CLAUSE_LONG)


def _line_end(ch: str) -> float:
    """A paragraph ends with a sentence mark far more often than with a comma or an opening mark (the
    character model scores all marks alike, so at a line end 。 and ， would tie)."""
    return _LINE_END.get(ch, 0.0 if ch.isalnum() else -6.0)


# log-odds against 。 of the marks that end news paragraphs (roughly: 。 most, then closing quotes)
_LINE_END = {"。": 0.0, "”": -2.0, "」": -2.0, "』": -2.0, "）": -2.5, "！": -2.5, "？": -2.5, "…": -3.0}
