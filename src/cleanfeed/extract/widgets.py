"""Widgets that sit inside the article container on modern templates and read like short text:
polls and surveys (a question, then its answer options). Rules here mark paragraphs like those
in ``filters`` (each removal counted under the rule's name).
"""

from __future__ import annotations

from cleanfeed.extract.body import visible_len
from cleanfeed.extract.filters import Filtered, Para, is_content

MAX_QUESTION = 60
MAX_OPTION = 40
_LABEL_MAX = 8  # a poll's own label line above it (调查, 网友投票)


def _question(p: Para) -> bool:
    n = visible_len(p.text)
    return 4 <= n <= MAX_QUESTION and p.text[-1] in "？?"


def _option(p: Para) -> bool:
    n = visible_len(p.text)
    return 1 <= n <= MAX_OPTION and p.text[-1] not in "。！？!?：:" and not is_content(p)


def _drop(p: Para, out: Filtered) -> None:
    if p.removed_by is None:
        p.removed_by = "poll"
        out.removed["poll"] += visible_len(p.text)


def polls(paras: list[Para], out: Filtered) -> None:
    """A survey: questions each followed by 2+ answer options (short lines without a sentence end).
    Two such questions, or one with 3+ options under a short label, are a poll, not the story."""
    idx = [i for i, p in enumerate(paras) if p.removed_by is None]
    found: list[tuple[int, int, int]] = []  # (position of the question in idx, end position, options)
    k = 0
    while k < len(idx):
        if not _question(paras[idx[k]]):
            k += 1
            continue
        j = k + 1
        while j < len(idx) and _option(paras[idx[j]]):
            j += 1
        if j - k - 1 >= 2:
            found.append((k, j, j - k - 1))
        k = max(j, k + 1)
    if not found:
        return
    # Questions of one poll follow each other directly (a question may stand alone between them).
    runs: list[list[tuple[int, int, int]]] = [[found[0]]]
    for q in found[1:]:
        if q[0] - runs[-1][-1][1] <= 1:
            runs[-1].append(q)
        else:
            runs.append([q])
    for run in runs:
        start, end = run[0][0], run[-1][1]
        label = start > 0 and visible_len(paras[idx[start - 1]].text) <= _LABEL_MAX
        if len(run) < 2 and not (label and run[0][2] >= 3):
            continue
        if start > 0 and (label or _question(paras[idx[start - 1]])):
            start -= 1  # the poll's label, or its title question
            if start > 0 and label and _question(paras[idx[start - 1]]):
                start -= 1
        for pos in range(start, end):
            _drop(paras[idx[pos]], out)
