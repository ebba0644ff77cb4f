"""Trim page furniture the main block still holds around the story: breadcrumbs above a repeated
headline, date/source header lines, far-off segments of little text, and the tail after the last
paragraph of running text (unless it is the story's own table or list)."""

from __future__ import annotations

from collections import Counter

from cleanfeed.extract.body import visible_len
from cleanfeed.extract.filters import TIMESTAMP, Para, is_content, is_texty
from cleanfeed.extract.rules import RuleSet, count_removed


def _key(text: str) -> str:
    return "".join(text.split())


EDGE_GAP = 4  # this many non-text paragraphs in a row separate the story from page furniture


def _mark(p: Para, rule: str, removed: Counter[str]) -> None:
    p.removed_by = rule
    count_removed(removed, rule, p.text)


def trim_edges(paras: list[Para], title: str | None, removed: Counter[str], rules: RuleSet) -> list[Para]:
    """Cut page furniture the main block still holds before and after the story.

    - everything up to a line repeating the headline (breadcrumbs, channel names above it);
    - date/source header lines before the first paragraph of running text;
    - segments separated from the story by EDGE_GAP+ non-text lines and carrying far less text.
    """
    if not paras:
        return paras
    tkey = _key(title) if title else ""
    if len(tkey) >= 4 and rules.enabled("leading_chrome"):
        for i, p in enumerate(paras[:12]):
            if _key(p.text) == tkey:
                for q in paras[:i]:
                    _mark(q, "leading_chrome", removed)
                _mark(p, "title_repeat", removed)
                paras = paras[i + 1 :]
                break
    first = next((i for i, p in enumerate(paras) if is_content(p)), len(paras))
    head: list[Para] = []
    for p in paras[:first]:
        if visible_len(p.text) <= 80 and TIMESTAMP.search(p.text) and rules.enabled("header_line"):
            _mark(p, "header_line", removed)
        else:
            head.append(p)
    paras = head + paras[first:]
    if first == len(paras) or not paras:
        return paras
    # Segments of running text separated by long gaps; keep those carrying real weight.
    segs: list[tuple[int, int, int]] = []  # (start, end, content chars)
    start, gap, mass, last_content = 0, 0, 0, -1
    for i, p in enumerate(paras):
        if is_texty(p):  # short sentences are text too: a Q&A is not furniture between paragraphs
            if gap >= EDGE_GAP and last_content >= 0:
                segs.append((start, last_content + 1, mass))
                start, mass = last_content + 1, 0
            gap = 0
            mass += visible_len(p.text)
            last_content = i
        elif not _row_like(p):  # a table's rows or a list's entries do not separate text
            gap += 1
    segs.append((start, len(paras), mass))
    if len(segs) > 1 and rules.enabled("trailing_chrome"):
        best = max(m for _, _, m in segs)
        keep = [k for k, (_, _, m) in enumerate(segs) if m >= 0.3 * best]
        lo, hi = segs[keep[0]][0], segs[keep[-1]][1]
        if keep[-1] == len(segs) - 1:
            hi = len(paras)
        for q in paras[:lo]:
            _mark(q, "leading_chrome", removed)
        for q in paras[hi:]:
            _mark(q, "trailing_chrome", removed)
        paras = paras[lo:hi]
    # The tail of the last kept segment: furniture after the last paragraph of running text.
    last = max((i for i, p in enumerate(paras) if is_texty(p)), default=len(paras) - 1)
    last += _data_rows(paras[last + 1 :])
    tail = paras[last + 1 :]
    if rules.enabled("trailing_chrome") and (
        len(tail) >= EDGE_GAP - 1 or any(p.text[-1] in ":：>»" for p in tail)
    ):
        for q in tail:
            _mark(q, "trailing_chrome", removed)
        paras = paras[: last + 1]
    return paras


DATA_ROW_MIN = 12  # a table row or list entry of the story's data is at least this long


def _row_like(p: Para) -> bool:
    return p.link_chars == 0 and visible_len(p.text) >= DATA_ROW_MIN


def _data_rows(tail: list[Para]) -> int:
    """How many lines of ``tail`` are the story's own data (a table or list of unlinked rows
    closing the article: 不合格产品名单, results, schedules), not furniture. 0 when it is not one."""
    rows = [_row_like(p) for p in tail]
    groups = Counter(p.group for p, r in zip(tail, rows, strict=True) if r)
    if not groups:
        return 0
    # One table or list: the rows share their container (a list of headlines does not).
    home = groups.most_common(1)[0][0]
    rows = [r and p.group == home for r, p in zip(rows, tail, strict=True)]
    end = max((i + 1 for i, r in enumerate(rows) if r), default=0)
    n = sum(rows[:end])
    # Enough rows, most lines up to the last one such rows (a caption or header row may lead).
    return end if n >= 3 and n >= 0.6 * end else 0


__all__ = ["trim_edges"]
