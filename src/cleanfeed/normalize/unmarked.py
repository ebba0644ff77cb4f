"""Lost-byte runs without a marker: what cleanfeed's own gb18030 decode makes of a GBK page that lost a byte.

No ``?`` shows where the run starts; the pairs stay out of step until an ASCII byte, and when that byte
is not a letter the last trail byte cannot pair with it and shows as U+FFFD (user-defined pairs inside
the run show as private-use characters). The run's start is guessed where clean text turns into noise,
a marker is put there, and the marked-run search of ``repair`` does the rest, under the same margin.
"""

from __future__ import annotations

import re

from cleanfeed.normalize.lm import CharLM
from cleanfeed.normalize.repair import Repair, _OutOfBudget, _plain, _try_span

_END = re.compile("\ufffd")
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
    """Repairs (sure or not) for unmarked runs ending at a U+FFFD outside the ``taken`` spans."""
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
            if rep is not None and rep.text and rep.end == end + 2:  # the run must end at this U+FFFD
                found.append(rep)
        if not found:
            continue
        best = max(found, key=lambda r: r.gain)
        # two starts that both read well but differently: the start itself is not sure
        rivals = [r for r in found if r is not best and r.text != best.text and r.confident]
        sure = best.confident and not rivals
        start, stop = best.start, best.end - 1  # back to positions in ``text``
        out.append(
            Repair(
                start, stop, best.text, best.gain, sure, best.avg, text[start:stop], best.margin, best.units
            )
        )
    return out
