"""``cleanfeed explain``: why each piece of a page was kept or removed, as data and as offline HTML.

``explain(html, url)`` runs the normal cleaning with a ``Trace`` and turns it into an
``Explanation``: the page's text blocks in reading order, each kept or labelled with the rule that
removed it (or ``outside_main``: not in the chosen main block), the main block and its runner-up
with their scores, the stories, the metadata, the normalizer's edits and a per-rule legend.
``render_html`` writes it as one self-contained page (no script, no network): removed blocks carry
``data-rule="<rule>"``, kept ones ``data-kept``.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from cleanfeed.clean import clean_html_all
from cleanfeed.errors import Drop
from cleanfeed.extract import RuleSet, Trace
from cleanfeed.extract.body import Selection
from cleanfeed.extract.dom import Page as DomPage
from cleanfeed.extract.filters import Para
from cleanfeed.models import Article
from cleanfeed.normalize import normalize_lines

if TYPE_CHECKING:
    import jinja2

OUTSIDE = "outside_main"  # the label of text outside the chosen main block
TITLE_REPEAT = "title_repeat"  # a leading line repeating the headline (taken after the story split)
PREVIEW_CHARS = 160

# Record fields shown as the page's metadata (extraction_confidence once records carry it).
META_FIELDS = (
    "title",
    "original_title",
    "author",
    "editor",
    "agency",
    "dateline",
    "published_at",
    "canonical_url",
    "lang",
    "captions",
    "extraction_confidence",
)


def _visible(text: str) -> str:
    """Text as a reader compares it: width forms folded, whitespace ignored."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _chars(text: str) -> int:
    """Characters as ``Article.removed`` counts them (whitespace excluded)."""
    return len("".join(text.split()))


class Piece(BaseModel):
    """A run of a block's text: kept (``rule`` None) or taken by ``rule``."""

    text: str
    rule: str | None = None


class BlockView(BaseModel):
    """One text block of the page, in reading order."""

    index: int
    status: Literal["kept", "headline", "removed", "outside"]
    rule: str | None = None  # the rule that removed it (outside: "outside_main" or a DOM rule)
    text: str
    raw: str | None = None  # the page's own text, when normalization changed it
    pieces: list[Piece] = Field(default_factory=list)  # a kept block's parts cut by rules
    story: int | None = None  # kept and headline blocks: the story they belong to
    chars: int = 0
    in_main: bool = False


class Candidate(BaseModel):
    """A main-block candidate: an element and its score (the sum of its blocks' weights)."""

    element: int
    tag: str
    first_block: int
    end_block: int
    score: float
    chars: int
    preview: str


class StoryView(BaseModel):
    index: int
    title: str | None
    text: str
    chars: int


class Normalization(BaseModel):
    converted: bool = False  # Traditional -> Simplified applied
    counts: dict[str, int] = Field(default_factory=dict)  # edits by kind (t2s_chars, pinyin_removed...)
    flags: list[str] = Field(default_factory=list)
    repairs: list[tuple[str, str]] = Field(default_factory=list)  # mojibake: (before, after)


class LegendRow(BaseModel):
    rule: str
    chars: int
    blocks: int
    description: str = ""


class Explanation(BaseModel):
    """Why each part of one page was kept or removed (``cleanfeed explain --json``)."""

    url: str | None
    verdict: str  # "kept: N stories" or "dropped: <reason>"
    drop_reason: str | None = None
    drop_detail: str | None = None
    rules_version: int
    main: Candidate | None = None
    runner_up: Candidate | None = None
    stories: list[StoryView] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    normalization: Normalization = Field(default_factory=Normalization)
    removed: dict[str, int] = Field(default_factory=dict)  # the record's per-rule counts
    legend: list[LegendRow] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    blocks: list[BlockView] = Field(default_factory=list)


@lru_cache(maxsize=1)
def _descriptions() -> dict[str, str]:
    return {r.name: r.description for r in RuleSet.default().rules if r.description}


def _candidate(page: DomPage, sel: Selection | None) -> Candidate | None:
    if sel is None or sel.end <= sel.first:
        return None
    texts = [b.text for b in page.blocks[sel.first : sel.end]]
    joined = " ".join(texts)
    return Candidate(
        element=sel.elem,
        tag=page.elems[sel.elem].tag if sel.elem < len(page.elems) else "?",
        first_block=sel.first,
        end_block=sel.end,
        score=round(sel.score, 1),
        chars=sum(_chars(t) for t in texts),
        preview=joined[:PREVIEW_CHARS] + ("…" if len(joined) > PREVIEW_CHARS else ""),
    )


def _main_blocks(trace: Trace, sel: Selection) -> dict[int, BlockView]:
    """The main block's paragraphs as views, by page block index."""
    assert trace.page is not None
    story_of: dict[int, tuple[int, bool]] = {}
    for k, s in enumerate(trace.stories):
        story_of.update({id(p): (k, True) for p in s.heads})
        story_of.update({id(p): (k, False) for p in s.paras})
    cuts: dict[int, list[Piece]] = {}
    whole: set[int] = set()
    for c in trace.cuts:
        cuts.setdefault(id(c.para), []).append(Piece(text=c.text, rule=c.rule))
        if c.whole:
            whole.add(id(c.para))
    out: dict[int, BlockView] = {}
    judged = bool(trace.stories)  # (stories are set once the rules ran)
    for p, before in zip(trace.paras, trace.before_rules, strict=True):
        at = sel.first + p.block
        raw = trace.page.blocks[at].text
        story = story_of.get(id(p)) if judged else (0, False) if p.removed_by is None else None
        view = _para_view(p, before, cuts=cuts.get(id(p), []), whole=id(p) in whole, story=story, at=at)
        view.raw = raw if _visible(raw) != _visible(before) else None
        out[at] = view
    return out


def _para_view(
    p: Para, before: str, *, cuts: list[Piece], whole: bool, story: tuple[int, bool] | None, at: int
) -> BlockView:
    if story is not None:
        k, head = story
        pieces = _split(before, p.text, cuts) if cuts else []
        status: Literal["kept", "headline"] = "headline" if head else "kept"
        return BlockView(
            index=at, status=status, text=p.text, pieces=pieces, story=k, chars=_chars(p.text), in_main=True
        )
    rule = p.removed_by or TITLE_REPEAT
    # (clauses are peeled off the ends: put them back in reading order)
    pieces = (
        sorted(cuts, key=lambda c: before.find(c.text))
        if whole
        else _split(before, p.text, cuts)
        if cuts
        else []
    )
    if pieces and not whole:
        pieces = [Piece(text=x.text, rule=x.rule or rule) for x in pieces]
    return BlockView(
        index=at, status="removed", rule=rule, text=before, pieces=pieces, chars=_chars(before), in_main=True
    )


def _split(before: str, after: str, cuts: list[Piece]) -> list[Piece]:
    """``before`` as pieces: the kept text ``after`` and the cut parts around it, in order."""
    at = before.find(after) if after else -1
    if at < 0:  # (the cut text was not a clean prefix/suffix: show kept text, then the cuts)
        return [Piece(text=after), *cuts] if after else list(cuts)
    head = before[:at]
    lead = [c for c in cuts if c.text and c.text.strip() in head]
    rest = [c for c in cuts if c not in lead]
    return [*lead, Piece(text=after), *rest]


def _outside(trace: Trace, sel: Selection | None) -> dict[int, BlockView]:
    """Blocks outside the main block, normalized like the story (readable next to it), with the
    page's own text beside when that changed it."""
    assert trace.page is not None
    at = [i for i in range(len(trace.page.blocks)) if sel is None or not sel.first <= i < sel.end]
    raws = [trace.page.blocks[i].text for i in at]
    normed = normalize_lines(raws)[0] if raws else []
    out: dict[int, BlockView] = {}
    for i, raw, line in zip(at, raws, normed, strict=True):
        text = " ".join(line.split()) or raw
        view = BlockView(index=i, status="outside", rule=OUTSIDE, text=text, chars=_chars(raw))
        view.raw = raw if _visible(raw) != _visible(text) else None
        out[i] = view
    return out


def _blocks(trace: Trace) -> list[BlockView]:
    """Every block in reading order, DOM drops (hidden, navs...) where they stood."""
    page, sel = trace.page, trace.selection
    if page is None:
        return []
    views = _outside(trace, sel)
    if sel is not None and trace.paras:
        views.update(_main_blocks(trace, sel))
    drops: dict[int, list[BlockView]] = {}
    texts = page.dropped_text or [""] * len(page.dropped)
    for (pos, rule, n), text in zip(page.dropped, texts, strict=True):
        inside = sel is not None and sel.first <= pos <= sel.end
        view = BlockView(index=-1, status="removed" if inside else "outside", rule=rule, text=text, chars=n)
        view.in_main = inside
        drops.setdefault(pos, []).append(view)
    out: list[BlockView] = []
    for i in range(len(page.blocks) + 1):
        out.extend(drops.get(i, []))
        if i in views:
            out.append(views[i])
    for k, v in enumerate(out):
        v.index = k
    return out


def _legend(blocks: list[BlockView], removed: dict[str, int]) -> list[LegendRow]:
    """Characters per rule: the record's counts for the main block, then what lay outside it."""
    desc = _descriptions()
    n_blocks: Counter[str] = Counter()
    for b in blocks:
        rules = {p.rule for p in b.pieces if p.rule} | ({b.rule} if b.rule and b.in_main else set())
        for r in rules:
            n_blocks[r] += 1
    rows = [
        LegendRow(rule=r, chars=n, blocks=n_blocks[r], description=desc.get(r, ""))
        for r, n in sorted(removed.items(), key=lambda kv: -kv[1])
    ]
    outside: Counter[str] = Counter()
    count: Counter[str] = Counter()
    for b in blocks:
        if b.status == "outside" and b.rule:
            outside[b.rule] += b.chars
            count[b.rule] += 1
    for r, n in sorted(outside.items(), key=lambda kv: -kv[1]):
        label = "text outside the chosen main block" if r == OUTSIDE else desc.get(r, "")
        rows.append(LegendRow(rule=r if r == OUTSIDE else f"{r} ({OUTSIDE})", chars=n, blocks=count[r]))
        rows[-1].description = label
    return rows


def explain(
    html: bytes | str,
    url: str | None = None,
    *,
    rules: RuleSet | None = None,
    header_charset: str | None = None,
) -> Explanation:
    """Clean ``html`` as ``clean_html_all`` does and explain every decision (never raises ``Drop``:
    a dropped page is explained as far as the extraction got, with the reason)."""
    trace = Trace()
    articles: list[Article] = []
    drop: Drop | None = None
    try:
        articles = clean_html_all(html, url, rules=rules, header_charset=header_charset, trace=trace)
    except Drop as exc:
        drop = exc
    blocks = _blocks(trace)
    if articles:
        removed = dict(articles[0].removed)
        lead = articles[0].model_dump(mode="json")
        metadata = {k: lead.get(k) for k in META_FIELDS if lead.get(k) not in (None, [], "")}
    else:
        removed = {r: n for r, n in trace.removed.items() if n}
        if trace.page is not None and trace.selection is not None:
            for pos, rule, n in trace.page.dropped:
                if trace.selection.first <= pos <= trace.selection.end:
                    removed[rule] = removed.get(rule, 0) + n
        metadata = {"title": trace.title} if trace.title else {}
    norm = trace.normalize
    return Explanation(
        url=url,
        verdict=(
            f"dropped: {drop.reason}"
            if drop is not None
            else f"kept: {len(articles)} {'story' if len(articles) == 1 else 'stories'}"
        ),
        drop_reason=drop.reason if drop is not None else None,
        drop_detail=drop.detail or None if drop is not None else None,
        rules_version=(rules or RuleSet.default()).version,
        main=_candidate(trace.page, trace.selection) if trace.page is not None else None,
        runner_up=_candidate(trace.page, trace.runner_up) if trace.page is not None else None,
        stories=[
            StoryView(index=k, title=a.title, text=a.text, chars=_chars(a.text))
            for k, a in enumerate(articles)
        ],
        metadata=metadata,
        normalization=Normalization(
            converted=norm.converted,
            counts=dict(norm.counts),
            flags=list(norm.flags),
            repairs=list(norm.repairs),
        )
        if norm is not None
        else Normalization(),
        removed=removed,
        legend=_legend(blocks, removed),
        flags=list(articles[0].flags) if articles else list(trace.flags),
        blocks=blocks,
    )


def hue(rule: str | None) -> int:
    """A stable colour hue per rule name (the same rule looks the same on every page)."""
    if not rule:
        return 140
    h = int.from_bytes(hashlib.blake2b(rule.encode(), digest_size=2).digest(), "big") % 250
    return h if h < 70 else h + 110  # never green (70-180): green means kept


@lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    """The HTML templates (``cleanfeed/templates``), autoescaped: page text is never markup."""
    import jinja2  # noqa: PLC0415  (only pages need it; ``import cleanfeed`` stays light)

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("cleanfeed", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,  # a template naming a missing field fails, never renders blank
    )
    env.filters["hue"] = hue
    return env


COLLAPSE_RUN = 3  # this many outside-main blocks in a row fold into one summary line


def _groups(blocks: list[BlockView]) -> list[dict[str, Any]]:
    """Consecutive blocks, with long runs outside the main block folded."""
    out: list[dict[str, Any]] = []
    for b in blocks:
        outside = b.status == "outside"
        if out and out[-1]["outside"] == outside:
            out[-1]["blocks"].append(b)
        else:
            out.append({"outside": outside, "blocks": [b]})
    for g in out:
        g["collapsed"] = g["outside"] and len(g["blocks"]) >= COLLAPSE_RUN
        g["chars"] = sum(b.chars for b in g["blocks"])
    return out


def render_html(e: Explanation, *, back: str | None = None) -> str:
    """The explanation as one self-contained HTML page (``back``: a link to the run report)."""
    kept = [b for b in e.blocks if b.status in ("kept", "headline")]
    return (
        templates()
        .get_template("explain.html.j2")
        .render(
            e=e,
            back=back,
            groups=_groups(e.blocks),
            kept_chars=sum(s.chars for s in e.stories),
            kept_blocks=len(kept),
        )
    )


__all__ = ["OUTSIDE", "BlockView", "Candidate", "Explanation", "LegendRow", "Piece", "explain", "render_html"]
