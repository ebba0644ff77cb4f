"""Apply the sure mojibake repairs and say where damage is left (``repair`` finds and scores the spans).

Damage left as it was: spans the repair found but was not sure of, U+FFFD and private-use runs, and
single characters whose trail byte shows as a lone letter. The normalizer holds these out of its
later stages and flags each with its position (``mojibake_unrepaired``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from cleanfeed.normalize.lm import load_lm
from cleanfeed.normalize.repair import _BUDGET, Repair, scan
from cleanfeed.normalize.unmarked import find_unmarked

# U+FFFD: bytes a decoder could not read; private-use characters: GBK's user-defined pairs, which a
# gb18030 decoder meets in text read out of step (real pages hardly use them).
_FFFD_RUN = re.compile("[\ufffd\ue000-\uf8ff]+")
# One character whose lead byte was lost, when its trail byte is ASCII (40-7E): a marker then a lone
# letter (seed 004's form), or the character before re-paired and a lone lowercase letter (Python's
# decoder, no marker), between Han characters. Clean news text has no lone lowercase letter there.
_LONE = re.compile(
    r"(?<=[\u3400-\u9fff])(?:\?[@-~]|[\u3400-\u9fff][a-z])(?=[\u3400-\u9fff，。、；：！？,.;:!]|$)", re.M
)


@lru_cache(maxsize=16)
def _spans(text: str) -> tuple[Repair, ...]:
    """Marked runs (``repair.scan``), then unmarked runs ending at a U+FFFD, in order."""
    marked = list(scan(text))
    if "\ufffd" not in text:
        return tuple(marked)
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
    for a, b in extra:
        if not any(a < y and x < b for x, y in damage):
            damage.append((a, b))
    damage.sort()
    return out, tuple(applied), damage


def unrepaired_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The damage ``repair_mojibake`` leaves in its output for ``text`` (positions in that output)."""
    return tuple(repair_mojibake(text)[2])
