"""What ``extract_all`` decided for one page, for ``cleanfeed explain``.

Filled only when a ``Trace`` is passed to ``extract_all(..., trace=Trace())``: without one the
extraction does no extra work. The fields are the extraction's own objects (not copies), filled
stage by stage, so a page the extraction drops still shows how far it got.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cleanfeed.extract.body import Selection
from cleanfeed.extract.dom import Page
from cleanfeed.extract.filters import Cut, Para
from cleanfeed.extract.stories import Story
from cleanfeed.normalize import NormalizeReport


@dataclass
class Trace:
    """The extraction's decisions on one page.

    - ``page``: the linearized page (all blocks in reading order, elements, and ``page.dropped`` /
      ``page.dropped_text``: what the DOM cleaning dropped, e.g. hidden elements and navs);
    - ``selection`` / ``runner_up``: the chosen main block and the best-scoring element outside it;
    - ``paras``: the main block's paragraphs (normalized), each with ``removed_by`` once the rules
      ran, ``before_rules`` their text before the rules, ``cuts`` the parts rules cut off them
      (and the clauses of paragraphs removed clause by clause);
    - ``stories``: what was kept, story by story (a kept paragraph is one in a story);
    - ``title``, ``normalize``, ``removed`` (characters per rule, as in the record), ``flags``.
    """

    page: Page | None = None
    selection: Selection | None = None
    runner_up: Selection | None = None
    paras: list[Para] = field(default_factory=list)
    before_rules: list[str] = field(default_factory=list)
    cuts: list[Cut] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    title: str | None = None
    normalize: NormalizeReport | None = None
    removed: Counter[str] = field(default_factory=Counter)
    flags: list[str] = field(default_factory=list)


__all__ = ["Trace"]
