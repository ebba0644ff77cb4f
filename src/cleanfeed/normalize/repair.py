"""Repair GBK "lost byte" mojibake: text decoded one byte out of step until ASCII re-synchronised.

How the damage arises: a GBK page loses one byte (or one byte is decoded on its own). The orphan
becomes ``?`` and every following pair is read one byte late: ``(trail_k, lead_k+1)``. Those
pairs decode to rare characters (``。可以充分發揮`` -> ``？梢猿浞职l``), pairs that land in the
user-defined area vanish, full-width forms may later be folded to ASCII (``？`` -> ``?``), and
the run ends at the next ASCII byte: either that byte is the last character's trail (it shows as
a letter, ``l`` above) or a high trail byte eats it and shows as ``?``.

Repair: from a ``?``/U+FFFD followed by non-ASCII text, re-encode the observed characters to
their GBK pairs and re-pair them on the other alignment. Unknown bytes (the orphan lead, the last
trail, the bytes of a pair that vanished) are enumerated over the characters of the language
model, and a beam Viterbi search (``gbk``) picks the best reading, ranked by the character bigram model
(weighted x2), a word-unigram segmentation score, a script prior (no Simplified-only characters
inside Traditional text) and a clause-length prior (a reading that drops a 。 leaves an overlong
clause). The weights were tuned on seed 004 and checked for false repairs on clean text.

A repair is applied only when the original looks like noise, the repaired text is far more probable,
and the reading beats every other reading the bytes allow by a calibrated margin (``_local_margin``:
each character the bytes leave open, and a vanished pair in front); otherwise the span is returned as
damage to flag and leave as it was (``damage.repair_mojibake``). On the mojibake benchmark most spans
end that way: the character model cannot tell 張漢暉 from 張春暉, and a wrong rewrite is worse than
a flag. Clean text is never touched: nothing here runs unless a ``?`` sits right before non-ASCII
text, and then the LM has to call the original implausible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cleanfeed.normalize.gbk import (
    _ANY,
    _CHAR_BONUS,
    _CLAUSE_END,
    _HIGH,
    _LOW,
    _VANISH_HIGH,
    _VANISH_LOW,
    _VANISH_PENALTY,
    _clause_penalty,
    _Index,
    _index,
    _lead_ok,
    _line_end,
    _OutOfBudget,
    _plain,
    _prune,
    _push,
    _Search,
    _States,
    _unit,
)
from cleanfeed.normalize.lm import CharLM, load_lm, load_words
from cleanfeed.normalize.pinyin import is_reading

# An orphan marker followed by non-ASCII text, or by a pinyin tail whose "(" the orphan ate.
_START = re.compile(r"[?\ufffd](?=[!-~]?[^\x00-\x7f]|[a-zü\u00e0-\u01dc]+\)[^\x00-\x7f])")
_PINYIN_TAIL = re.compile(r"[a-zü\u00e0-\u01dc]{1,7}\)")
_RUN = re.compile(r"(?:[^\x00-\x7f]|[!-~](?=[^\x00-\x7f])){1,6}")
_ANNOT_ANY = re.compile(r"\([a-zü\u00e0-\u01dc]{1,7}\)")
_TAIL_NON_ASCII = re.compile(r"[^\x00-\x7f]{1,4}$")

MAX_UNITS = 60  # a longer run is left alone: the search cost grows with it
_MAX_STARTS = 50  # more candidate starts than this, at >1% of the text, is soup, not one lost byte
_MAX_SEARCHES = 12  # full searches per document that found nothing
# Candidate readings scored per document (seed 004's three spans need ~17k; ~0.5 s CPU in all).
_BUDGET = 40_000
# Acceptance: the original must look like noise, the repair must look like language.
_NOISE_AVG = -9.0  # mean log-prob per observed character above which text is left alone
_SURE_GAIN, _SURE_AVG = 30.0, -7.0
# Lead of the chosen reading over the best reading the bytes also allow (``_local_margin``) needed to
# apply a repair; below it the span is left as it was and flagged. Calibrated on the mojibake bench
# (bench/bench_normalize_mojibake.py, cases of another seed than the reported ones): above 6 no
# reading was wrong. A run confirmed by a pinyin annotation of its last character (seed 004) needs
# less: the annotation fixes the run's end and alignment, and that form has no benchmark of its own.
_SURE_MARGIN = 6.0
_ANNOTATED_MARGIN = 0.5


@dataclass(frozen=True)  # cached results are shared between callers
class Repair:
    start: int
    end: int  # exclusive, in the original string
    text: str  # replacement
    gain: float
    confident: bool
    avg: float = 0.0  # mean log-prob per character of the repair
    before: str = ""  # the damaged text that was replaced
    margin: float = 0.0  # rank lead over the best different reading
    units: int = 0  # observed characters re-paired


def _clause_runs(text: str, start: int, end: int) -> tuple[int, int]:
    """Length of the open clause before ``start`` and of the clause part after ``end``."""
    head = _ANNOT_ANY.sub("", text[max(0, start - 80) : start])
    tail = _ANNOT_ANY.sub("", text[end : end + 80])
    left = len(head) - max((head.rfind(c) for c in _CLAUSE_END), default=-1) - 1
    cut = [i for i in (tail.find(c) for c in _CLAUSE_END | {"\n"}) if i >= 0]
    return left, min(cut, default=len(tail))


def _off_script(ix: _Index, text: str, start: int) -> frozenset[str]:
    """The characters of the other script than the text around ``start`` (empty when unclear)."""
    window = text[max(0, start - 300) : start + 300]
    trad = sum(1 for c in window if c in ix.trad_only)
    simp = sum(1 for c in window if c in ix.simp_only)
    if trad >= 3 and trad > 2 * simp:
        return ix.simp_only
    if simp >= 3 and simp > 2 * trad:
        return ix.trad_only
    return frozenset()


def _context_left(text: str, pos: int) -> str:
    """Up to four characters before ``pos`` (annotations skipped): the word model needs them to
    see that 一環 is a word before it is tempted by 環保."""
    head = _ANNOT_ANY.sub("", text[max(0, pos - 40) : pos])
    m = _TAIL_NON_ASCII.search(head)
    return m.group(0) if m else ""


def _context_right(text: str, pos: int) -> tuple[str, bool]:
    """Next character after ``pos`` skipping an annotation tail; and whether a tail follows."""
    m = _PINYIN_TAIL.match(text, pos)
    if m:
        pos = m.end()
    ch = text[pos] if pos < len(text) else ""
    return (ch if ch > "\x7f" else ""), m is not None


def _looks_clean(lm: CharLM, text: str, pos: int, left: str) -> bool:
    """Cheap pre-check before any search: do the next few characters read like language?"""
    m = _RUN.match(text, pos)
    window = m.group(0) if m else ""
    if len(window) < 2:
        return True  # too short to be a shifted run (it needs two re-paired units)
    total = 0.0
    prev = left
    for ch in window:
        plain = _plain(ch)
        total += lm.cond(prev, plain) if prev else lm.unigram(plain)
        prev = plain
    return total / max(1, len(window)) > _NOISE_AVG + 1.0


def _full_rank(
    search: _Search, left: str, reading: str, right: str, runs: tuple[int, int], *, eol: bool = False
) -> float:
    path = search.start(left, runs[0])
    for ch in reading:
        path = search.emit(path, ch)
    if right:
        path = search.emit(path, right, -_CHAR_BONUS)
    return (
        path.rank + _clause_penalty(path.run + runs[1]) + (_line_end(reading[-1]) if eol and reading else 0.0)
    )


def _slots(ix: _Index, pairs: list[bytes], open_end: bool, *, marked: bool) -> list[tuple[int, list[str]]]:
    """The characters of a reading that the bytes do not fix, with the alternatives the bytes allow:
    the first (its lead byte was lost), both sides of each vanished pair, the last when its trail
    was lost too."""
    out: list[tuple[int, list[str]]] = [
        (0, [ch for lead, ch in ix.by_trail.get(pairs[0][1], ()) if lead >= 0x81])
    ]
    for j in range(len(pairs) - 1 if marked else 0):  # (nothing vanishes in the unmarked form)
        t, nxt = pairs[j][1], pairs[j + 1][0]
        high = t in _VANISH_HIGH and nxt >= 0xA1
        if high or (t in _VANISH_LOW and nxt <= 0xA0):
            ok = _VANISH_HIGH if high else _VANISH_LOW
            out.append((j, [ch for tr, ch in ix.by_lead_vanish.get(pairs[j][0], ()) if tr in ok]))
            cls = _HIGH if high else _LOW
            out.append(
                (j + 1, [ch for lead, ch in ix.by_trail.get(pairs[j + 1][1], ()) if _lead_ok(lead, cls)])
            )
    if open_end:
        last = len(pairs) - 1
        out.append((last, [ch for tr, ch in ix.by_lead.get(pairs[last][0], ()) if tr >= 0x80]))
    return out


_ALT_WINDOW = 12.0  # an alternative this much worse on its two bigrams cannot win the full score
_ALT_MAX = 24


def _local_margin(
    search: _Search,
    left: str,
    reading: str,
    right: str,
    runs: tuple[int, int],
    *,
    open_end: bool,
    marked: bool = True,
    eol: bool = False,
) -> float:
    """How much better the chosen reading scores than the best reading that differs from it in one
    character the bytes leave open. The beam's own runner-up is no measure: readings that differ
    early merge into one state as soon as they share a last character."""
    try:
        pairs = [ch.encode("gbk") for ch in reading]
    except UnicodeEncodeError:
        return 0.0
    if not pairs or any(len(p) != 2 for p in pairs):
        return 0.0
    lm = search.lm
    rescore = _Search(lm, search.words, search.ix, search.wrong, [_BUDGET])
    best = _full_rank(rescore, left, reading, right, runs, eol=eol)
    ctx = left[-1:] + reading + right
    off = len(left[-1:])
    top = float("-inf")
    for k, alts in _slots(search.ix, pairs, open_end, marked=marked):
        i = k + off
        prev, nxt = ctx[i - 1] if i > 0 else "", ctx[i + 1] if i + 1 < len(ctx) else ""

        def local(ch: str, prev: str = prev, nxt: str = nxt) -> float:
            return (lm.cond(prev, ch) if prev else lm.unigram(ch)) + (lm.cond(ch, nxt) if nxt else 0.0)

        base = local(reading[k])
        near = sorted((c for c in alts if c != reading[k]), key=lambda c: -local(c))[:_ALT_MAX]
        for ch in near:
            if local(ch) < base - _ALT_WINDOW:
                break
            alt = reading[:k] + ch + reading[k + 1 :]
            top = max(top, _full_rank(rescore, left, alt, right, runs, eol=eol))
    # the pair after the lost lead byte may itself have vanished: one more character in front
    first = pairs[0][0]
    if not marked:
        return best - top
    front = [
        ch
        for tr, ch in search.ix.vanish_trail
        if (tr in _VANISH_HIGH and first >= 0xA1) or (tr in _VANISH_LOW and 0x81 <= first <= 0xA0)
    ]
    prev = left[-1:]

    def at_front(ch: str) -> float:
        return (lm.cond(prev, ch) if prev else lm.unigram(ch)) + lm.cond(ch, reading[0])

    for ch in sorted(front, key=lambda c: -at_front(c))[:_ALT_MAX]:
        top = max(top, _full_rank(rescore, left, ch + reading, right, runs, eol=eol) + _VANISH_PENALTY)
    return best - top


_ANNOT_AT = re.compile(r"\(?([a-zü\u00e0-\u01dc]{1,7})\)")


def _confirmed(text: str, end: int, reading: str) -> bool:
    """Whether a pinyin annotation right after the run reads its last character (seed 004's form:
    the annotation survives the damage, its "(" eaten or not), which confirms where the run ends."""
    m = _ANNOT_AT.match(text, end)
    return bool(m and reading and is_reading(reading[-1], m.group(1)))


def _try_span(
    lm: CharLM, text: str, start: int, budget: list[int], *, marked: bool = True
) -> tuple[Repair | None, bool]:
    """The repair starting at ``start`` if any, and whether a full search ran. ``marked``: seed 004's
    form, where user-defined pairs vanish and a run cut by a high trail byte ate the ASCII byte after
    it; a gb18030 decoder (``unmarked``) shows the pairs as private-use characters and eats nothing."""
    pos = start + 1
    tail = _PINYIN_TAIL.match(text, pos)  # the orphan ate "(" of an annotation: drop the rest
    if tail:
        pos = tail.end()
    left = _context_left(text, start)
    if _looks_clean(lm, text, pos, left[-1:]):
        return None, False
    ix = _index()
    search = _Search(lm, load_words(), ix, _off_script(ix, text, start), budget)
    origin = search.start(left, _clause_runs(text, start, start)[0])
    states: _States = {(_ANY, left[-1:], 0): origin}
    orig = 0.0  # LM score of the observed text, on the same footing
    prev_obs = left[-1:]
    best: tuple[float, float, int, str, float] | None = None  # (gain, score, end, repaired, margin)
    best_ctx = ("", False)  # its right context character, and whether its last trail was lost
    units = 0
    i = pos
    while i < len(text) and units <= MAX_UNITS:
        ch = text[i]
        # 1. the run may end here: a trail byte shown as ASCII, or a high trail that ate "("
        # (one re-paired unit is enough when its trail shows as a small letter or a symbol, ``?募w`` is
        # 的集; not as a capital: ``吗?是A股`` is a question and a share class)
        one = units == 1 and "@" <= ch <= "~" and not "A" <= ch <= "Z"
        if (units >= 2 or one) and ("@" <= ch <= "~" or ch in "?\ufffd"):
            trail = ord(ch) if ch not in "?\ufffd" else None
            end = i + 1
            right, has_tail = _context_right(text, end)
            eol = end >= len(text) or text[end] == "\n"
            done, margin = search.finish(states, trail, right, _clause_runs(text, end, end)[1], eol=eol)
            o = orig + lm.cond(prev_obs, _plain(ch)) + (lm.cond(_plain(ch), right) if right else 0.0)
            noisy = o / (end - pos) < _NOISE_AVG
            o += _CHAR_BONUS * (units + 1)
            if done is None or not noisy:
                pass
            else:
                repaired = done.text[len(left) : len(done.text) - len(right)]
                score = done.aux - origin.aux
                if best is None or score - o > best[0]:
                    if trail is None and has_tail:
                        repaired += "("  # give the annotation back its eaten parenthesis
                    best = (score - o, score, end, repaired, margin)
                    best_ctx = (right, trail is None)
        # an ASCII character is a folded full-width form only inside the run, never at its edge
        nxt = text[i + 1] if i + 1 < len(text) else ""
        unit = _unit(ch) if ch > "\x7f" or nxt > "\x7f" else None
        if unit is None:
            break
        # 2. or go on: one pair may have vanished before this one
        merged = search.known(states, *unit)
        if units > 0 and marked:  # at most one pair vanished in each gap (never before the first unit)
            for key, val in search.known(search.vanish(states), *unit).items():
                _push(merged, key[0], val)
        states = _prune(merged)
        if not states:
            break
        plain = _plain(ch)
        orig += lm.cond(prev_obs, plain) if prev_obs else lm.unigram(plain)
        prev_obs = plain
        units += 1
        i += 1
        if units == 4 and orig / 4 > _NOISE_AVG + 2:
            return None, True  # reads like language: not a shifted run
    if best is None:
        # noise, and no reading fits (a letter inside is more likely a letter: 吗?是A股)
        all_wide = all(c > "\x7f" for c in text[pos:i])
        if units >= 2 and all_wide and orig / units < _NOISE_AVG:
            return Repair(start, i, "", 0.0, False, 0.0, text[start:i], 0.0, units), True
        return None, True
    gain, score, end, repaired, _beam_margin = best
    avg = score / max(1, len(repaired)) - _CHAR_BONUS  # mean log-prob, bonus taken out
    reading = repaired.removesuffix("(") if best_ctx[1] else repaired
    runs = (_clause_runs(text, start, start)[0], _clause_runs(text, end, end)[1])
    eol = end >= len(text) or text[end] == "\n"
    margin = _local_margin(
        search, left, reading, best_ctx[0], runs, open_end=best_ctx[1], marked=marked, eol=eol
    )
    # A run cut by a high trail byte ate the ASCII character after it; only an annotation's "(" (or
    # the end of the line, where nothing follows) tells which character that was.
    known_end = (
        not (marked and best_ctx[1]) or repaired.endswith("(") or end >= len(text) or text[end] == "\n"
    )
    need = _ANNOTATED_MARGIN if _confirmed(text, end, reading) else _SURE_MARGIN
    sure = gain >= _SURE_GAIN and avg >= _SURE_AVG and margin >= need and known_end
    return Repair(start, end, repaired, gain, sure, avg, text[start:end], margin, units), True


@lru_cache(maxsize=16)
def scan(text: str) -> tuple[Repair, ...]:
    """Every damaged span found in ``text``, in order: ``confident`` ones are repairs to apply, the
    others are damage to flag and leave as it was (cheap when no ``?`` precedes non-ASCII text).

    Cached: a page's text is normalized more than once (extraction, then dedup fingerprints)."""
    return tuple(_find_repairs(text))


def find_repairs(text: str) -> tuple[Repair, ...]:
    """The repairs sure enough to apply (see ``scan``)."""
    return tuple(r for r in scan(text) if r.confident)


def _find_repairs(text: str) -> list[Repair]:
    if "?" not in text and "\ufffd" not in text:
        return []
    starts = [m.start() for m in _START.finditer(text)]
    if not starts or (len(starts) > _MAX_STARTS and len(starts) > 0.01 * len(text)):
        return []  # nothing to do, or replacement-character soup: no single lost byte to undo
    lm = load_lm()
    out: list[Repair] = []
    searched = 0
    budget = [_BUDGET]
    for s in starts:
        if out and s < out[-1].end:
            continue
        rep: Repair | None = None
        ran = False
        if searched < _MAX_SEARCHES and budget[0] > 0:
            try:
                rep, ran = _try_span(lm, text, s, budget)
            except _OutOfBudget:
                rep, ran = None, True
            searched += ran and rep is None
        if rep is None and (ran or searched >= _MAX_SEARCHES or budget[0] <= 0):
            # no reading found, or out of search budget: still say where the damage is
            rep = _noise_only(lm, text, s)
        if rep is not None:
            out.append(rep)
    return out


def _noise_only(lm: CharLM, text: str, start: int) -> Repair | None:
    """The marker and the run after it, as damage to flag, when the run reads as noise."""
    m = _RUN_LONG.match(text, start + 1)
    run = m.group(0) if m else ""
    if len(run) < 2 or run[0] < "\x80" or any(c.isascii() and c.isalpha() for c in run[:8]):
        return None  # (a letter inside is more likely a letter: 吗?是A股)
    prev = ""
    total = 0.0
    for ch in run[:8]:
        plain = _plain(ch)
        total += lm.cond(prev, plain) if prev else lm.unigram(plain)
        prev = plain
    if total / min(8, len(run)) >= _NOISE_AVG:
        return None
    end = start + 1 + len(run)
    return Repair(start, end, "", 0.0, False, 0.0, text[start:end], 0.0, len(run))


_RUN_LONG = re.compile(r"(?:[^\x00-\x7f\n]|[!-~](?=[^\x00-\x7f]))+")
