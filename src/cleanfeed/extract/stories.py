"""Split a multi-story page (an e-paper page, a news digest) into its stories.

A story starts at a short headline line that is preceded by an end marker of the previous story
((新华社…电 记者X), 新华社发, (完)), or followed by a dateline (新华社北京1月30日电…) or a photo, or
that is a heading (h1-h6) opening a new DOM container. Subheadings inside one article
(推进高质量数据供给) sit in the same container as the paragraphs around them and have no marker,
so ordinary articles stay whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from cleanfeed.extract.body import visible_len
from cleanfeed.extract.filters import Para, ends_story, is_content

_DATELINE_START = re.compile(
    r"^(据)?[\u3400-\u9fff]{2,6}?(社|网|报|台)[\u3400-\u9fff]{0,10}?[0-9０-９]{1,2}月[0-9０-９]{1,2}日(电|讯)"
)
_PHOTO_CREDIT = re.compile(r"(新华社|记者|通讯员|图).{0,10}(发|摄)$")
MAX_HEADLINE_LINES = 4  # e-paper headlines are often broken over several lines
# An editor's afterword or note belongs to the story it follows or precedes, never opens one.
_AFTERWORD = re.compile(r"^[【\[(（]?(编后|编者按|编者的话|编后语|编辑手记|记者手记|后记|附[:：])")


@dataclass
class Story:
    title: str | None
    paras: list[Para]
    heads: list[Para] = field(default_factory=list)  # the headline lines that became the title


def _headline_like(p: Para) -> bool:
    t = p.text
    n = visible_len(t)
    if n < 2 or n > 40 or p.link_ratio > 0.5 or _AFTERWORD.match(t):
        return False
    return p.heading or t[-1] not in "。！？!?；;：:，,—…）)”"


def _head_run(paras: list[Para], i: int) -> int:
    """End index of the run of headline lines starting at ``i``."""
    j = i
    while j < len(paras) and j - i < MAX_HEADLINE_LINES and _headline_like(paras[j]):
        if j > i and not (paras[j].heading and paras[i].heading):
            break  # a multi-line headline is one heading element broken by <br>
        j += 1
    return j


def _boundaries(paras: list[Para]) -> list[int]:
    out: list[int] = []
    structural_only: list[int] = []
    photo_only: list[int] = []
    i = 0
    while i < len(paras) - 1:
        p = paras[i]
        if not _headline_like(p):
            i += 1
            continue
        end = _head_run(paras, i)
        if end >= len(paras):
            break
        if i == 0:  # the page's own headline run: never a cut, and never cut inside it
            i = end
            continue
        prev, nxt = paras[i - 1], paras[end]
        textual = ends_story(prev.text) or bool(_DATELINE_START.match(nxt.text))
        structural = p.heading and prev.group not in (p.group, nxt.group) and is_content(nxt)
        # A photo (or its credit line, 新华社发 / 记者X摄) next to a short line: as often an
        # article's subhead between its pictures as a new story.
        photo = nxt.after_img or paras[end - 1].caption_next or bool(_PHOTO_CREDIT.search(prev.text))
        if textual:
            out.append(i)
        elif structural:
            structural_only.append(i)
        elif photo:
            photo_only.append(i)
        i = end
    # A heading opening a new container is weak evidence alone (an article's boxed subsection
    # looks the same): trust it on pages that show other story boundaries, or several such
    # headings over substantial pieces. A short line over a photo is a subhead in most single
    # articles: only a page with textual boundaries (end markers, datelines) is split there.
    if out or (len(structural_only) >= 2 and _substantial(paras, structural_only)):
        out = sorted(out + structural_only)
    if out:
        out = sorted(out + photo_only)
    # What comes before the first cut must be a story itself: a headline/deck block or a widget
    # line ("loading, please wait") above a single article is part of it.
    while out and sum(1 for p in paras[: out[0]] if is_content(p)) < 2:
        out.pop(0)
    return out


def _substantial(paras: list[Para], cuts: list[int]) -> bool:
    """Every piece holds at least two paragraphs of running text (a story, not a boxed tip)."""
    bounds = [0, *cuts, len(paras)]
    return all(sum(1 for p in paras[a:b] if is_content(p)) >= 2 for a, b in pairwise(bounds))


def split_stories(paras: list[Para]) -> list[Story]:
    """One ``Story`` per story, lead first. Pages without a clear second story come back whole.

    On a multi-story page every story's leading headline line(s) become its title (joined by
    spaces) and leave its text.
    """
    cuts = _boundaries(paras)
    if not cuts:
        return [Story(None, paras)]
    pieces: list[list[Para]] = []
    start = 0
    for cut in cuts:
        if cut > start:
            pieces.append(paras[start:cut])
        start = cut
    pieces.append(paras[start:])
    out: list[Story] = []
    for k, piece in enumerate(pieces):
        end = _head_run(piece, 0)
        if k == 0 and not (piece and piece[0].heading):
            end = 0  # the lead keeps the page headline unless its own heading opens it
        title = " ".join(p.text for p in piece[:end]) or None
        rest = piece[end:]
        if rest:
            out.append(Story(title, rest, piece[:end]))
    return out
