"""Lost-byte runs without a marker: what cleanfeed's own gb18030 decode makes of a GBK page that lost a byte.

No ``?`` shows where the run starts; the pairs stay out of step until an ASCII byte, and when that byte
is not a letter the last trail byte cannot pair with it and shows as U+FFFD (user-defined pairs inside
the run show as private-use characters). The run's start is guessed where clean text turns into noise,
a marker is put there, and the marked-run search of ``repair`` does the rest, under the same margin.
"""

from __future__ import annotations

import re

from cleanfeed.normalize.gbk import _OutOfBudget, _plain
from cleanfeed.normalize.lm import CharLM
from cleanfeed.normalize.repair import Repair, _try_span

# Where a run ends: a U+FFFD (the last trail met an ASCII byte it cannot pair with), or a lone ASCII
# character between Han characters (the last character's trail byte, below 0x80, read on its own).
_END = re.compile("\ufffd|(?<=[\u3400-\u9fff])[@-~](?=[\u3400-\u9fff，。、；：！？])")
# A letter between Han characters is often just a letter (A股, T台): such an end counts only when the
# re-paired reading is far more probable than the text as it stands.
_LETTER_GAIN = 40.0
_RIVAL = 10.0  # gain (log-prob) within which another start's reading counts as a rival
_BACK = 40  # how far before its end a run may start (longer runs are left flagged)
_STARTS = 3  # candidate starts searched per run


def _cond(lm: CharLM, text: str, j: int) -> float:
    prev = _plain(text[j - 1]) if j > 0 and text[j - 1] > "\x7f" else ""
    ch = _plain(text[j])
    return lm.cond(prev, ch) if prev else lm.unigram(ch)


def _starts(lm: CharLM, text: str, end: int) -> list[int]:
    """Likely starts of the run ending at ``end``: clean just before, noise just after."""
    lo = end
    while lo > 0 and end - lo < _BACK and text[lo - 1] > "\x7f" and text[lo - 1] != "\ufffd":
        lo -= 1
    if end - lo < 2:
        return []
    cond = {j: _cond(lm, text, j) for j in range(max(0, lo - 3), end)}
    scored = []
    for j in range(lo, end - 1):
        before = [cond[k] for k in range(max(lo - 3, j - 3, 0), j) if k in cond]
        after = [cond[k] for k in range(j, min(end, j + 3))]
        clean = sum(before) / len(before) if before else -6.0
        scored.append((clean - sum(after) / len(after), j))
    return [j for _, j in sorted(scored, reverse=True)[:_STARTS]]


def find_unmarked(lm: CharLM, text: str, budget: list[int], taken: list[tuple[int, int]]) -> list[Repair]:
    """Repairs (sure or not) for unmarked runs ending outside the ``taken`` spans."""
    out: list[Repair] = []
    for m in _END.finditer(text):
        end = m.start()
        if any(a <= end < b for a, b in taken) or (out and end < out[-1].end):
            continue
        found: list[Repair] = []
        for s in _starts(lm, text, end):
            virtual = text[:s] + "?" + text[s:]
            try:
                rep, _ran = _try_span(lm, virtual, s, budget, marked=False)
            except _OutOfBudget:
                return out
            ends_here = rep is not None and rep.text and rep.end == end + 2
            if rep is not None and ends_here and (m.group() == "\ufffd" or rep.gain >= _LETTER_GAIN):
                found.append(rep)
        if not found:
            continue
        best = max(found, key=lambda r: r.gain)
        # Two starts that both read well but differently: the start itself is not sure. Nor is it when
        # a full-width form comes just before: that may be a re-paired unit the model reads as a mark.
        rivals = [r for r in found if r is not best and r.text != best.text and r.gain > best.gain - _RIVAL]
        sure = (
            best.confident and not rivals and not ("\uff01" <= text[best.start - 1 : best.start] <= "\uff5e")
        )
        start, stop = best.start, best.end - 1  # back to positions in ``text``
        out.append(
            Repair(
                start, stop, best.text, best.gain, sure, best.avg, text[start:stop], best.margin, best.units
            )
        )
    return out
