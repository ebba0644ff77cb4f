"""Apply the sure mojibake repairs and say where damage is left (``repair`` finds and scores the spans).

Damage left as it was: spans the repair found but was not sure of, U+FFFD and private-use runs, and
single characters whose trail byte shows as a lone letter. The normalizer holds these out of its
later stages and flags each with its position (``mojibake_unrepaired``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from cleanfeed.normalize.gbk import _index
from cleanfeed.normalize.lm import load_lm, load_words
from cleanfeed.normalize.repair import _BUDGET, _NOISE_AVG, Repair, scan
from cleanfeed.normalize.unmarked import find_unmarked

# U+FFFD: bytes a decoder could not read; private-use characters: GBK's user-defined pairs, which a
# gb18030 decoder meets in text read out of step (real pages hardly use them).
_FFFD_RUN = re.compile("[\ufffd\ue000-\uf8ff]+")
# One character whose lead byte was lost, when its trail byte is ASCII (40-7E): a marker then a lone
# letter (seed 004's form), or the character before re-paired and a lone lowercase letter (Python's
# decoder, no marker), between Han characters. Clean news text has no lone lowercase letter there.
# Also a marker whose first pair met an ASCII byte (both bytes shown as one more "?", the byte eaten):
# "?比?012年", "召??012年", "5??天", "徒??年" (a doubled question mark inside Han text, not after a
# question word); and a lone ASCII bracket or symbol between Han characters, which text does not put
# there (| ~ [ ] do: 快讯|图, [图]), with the re-paired character before it ("調" without its lead is "{").
_LONE = re.compile(
    r"(?<=[\u3400-\u9fff])(?:\?[@-~]|[\u3400-\u9fff][a-z])(?=[\u3400-\u9fff，。、；：！？,.;:!\d]|$)"
    r"|\?[\u3400-\u9fff]?\?(?=[\d.])|(?<=\d)\?\?(?=[\u3400-\u9fff])"
    r"|(?<=[\u3400-\u9fff])\?(?:\?|[\u3400-\u9fff])(?:[a-z@\\^_`{}]|[A-Z](?=\d))(?=[\u3400-\u9fff，。,.\d])"
    r"|(?<=[\u3400-\u9fff])(?<![吗呢么吧啊嗎麼呀])\?\?(?=[\u3400-\u9fff]|$)"
    r"|(?<=[\u3400-\u9fff，。、])[\u3400-\u9fff]?[\\^_`{}](?=[\u3400-\u9fff，。、；：\d]|$)",
    re.M,
)


# A capital letter between Han characters is often just a letter (A股, T台); it is a character that lost
# its lead byte when a character with that trail byte makes a word with a neighbour (圈B大熊貓: 養).
_CAPITAL = re.compile(r"(?<=[\u3400-\u9fff])[A-Z](?=[\u3400-\u9fff，。、；：])")
# A marked run of one to three characters cut by the line end: kept only when it reads as noise.
_SHORT_TAIL = re.compile(r"(?<=[\u3400-\u9fff])\?([^\x00-\x7f\n]{1,3})[!-/:;]?\?$", re.M)
_WORD_LP = -15.0  # log P(word) of a two-character word that is not rare


def _lost_lead(text: str, i: int) -> bool:
    words = load_words().words
    ix = _index()
    # most characters with such a trail are Traditional: they count only in Traditional text (会T台 is not 會)
    near = text[max(0, i - 30) : i + 30]
    trad = sum(c in ix.trad_only for c in near) >= 2
    for _lead, ch in ix.by_trail.get(ord(text[i]), ()):
        if ch in ix.trad_only and not trad:
            continue
        for w in (text[i - 1] + ch, ch + text[i + 1]):
            if words.get(w, -99.0) >= _WORD_LP:
                return True
    return False


def _noise(run: str) -> bool:
    lm = load_lm()
    total = lm.unigram(run[0]) + sum(lm.cond(a, b) for a, b in pairwise(run))
    return total / len(run) < _NOISE_AVG


@lru_cache(maxsize=16)
def _spans(text: str) -> tuple[Repair, ...]:
    """Marked runs (``repair.scan``), then unmarked runs ending at a U+FFFD, in order."""
    marked = list(scan(text))

    taken = [(r.start, r.end) for r in marked]
    found = [
        r
        for r in find_unmarked(load_lm(), text, [_BUDGET], taken)
        if not any(r.start < b and a < r.end for a, b in taken)
    ]
    return tuple(sorted(marked + found, key=lambda r: r.start))


def repair_mojibake(text: str) -> tuple[str, tuple[Repair, ...], list[tuple[int, int]]]:
    """Apply the sure repairs; return the text, the repairs and the spans of damage left in the new
    text (unsure spans, and U+FFFD runs a decoder left: the bytes under them are gone)."""
    parts: list[str] = []
    damage: list[tuple[int, int]] = []
    applied: list[Repair] = []
    last = 0
    size = 0
    for r in _spans(text):
        parts.append(text[last : r.start])
        size += r.start - last
        if r.confident:
            parts.append(r.text)
            applied.append(r)
            size += len(r.text)
        else:
            parts.append(r.before)
            damage.append((size, size + len(r.before)))
            size += len(r.before)
        last = r.end
    parts.append(text[last:])
    out = "".join(parts)
    extra = [m.span() for m in _FFFD_RUN.finditer(out)]
    extra += [m.span() for m in _LONE.finditer(out)]
    extra += [m.span() for m in _CAPITAL.finditer(out) if _lost_lead(out, m.start())]
    extra += [m.span() for m in _SHORT_TAIL.finditer(out) if _noise(m.group(1))]
    for a, b in extra:
        if not any(a < y and x < b for x, y in damage):
            damage.append((a, b))
    damage.sort()
    return out, tuple(applied), damage


def unrepaired_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The damage ``repair_mojibake`` leaves in its output for ``text`` (positions in that output)."""
    return tuple(repair_mojibake(text)[2])
