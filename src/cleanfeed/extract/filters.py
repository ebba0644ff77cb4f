"""Apply a ``RuleSet`` to the candidate paragraphs of the main block.

Paragraphs arrive normalized (Simplified, pinyin annotations gone), so the Simplified phrase table
matches Traditional and annotated pages too. Every paragraph that goes is counted under the rule
that took it. Structure is used as well as phrases: a 《…》 line followed by 发布时间 opens an injected
block anywhere; a heading such as 热点推荐 takes the list under it; lines after a copyright footer
must look like story text to stay; furniture around the story is trimmed by ``trim.trim_edges``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from cleanfeed.extract.body import PUNCT, TERMINAL, punct_count, visible_len
from cleanfeed.extract.edges import EdgeMatcher, matcher, peel
from cleanfeed.extract.literals import Literals, literals
from cleanfeed.extract.rules import Rule, RuleSet, count_removed


@dataclass(slots=True)
class Para:
    """A candidate paragraph: normalized text plus the DOM facts the rules use."""

    text: str
    link_chars: int = 0
    in_list: bool = False
    heading: bool = False
    after_img: bool = False
    caption_next: bool = False  # a photo caption followed it (set after filtering)
    caption_hint: bool = False  # the DOM marks it as a caption (figcaption, class="pictext")
    group: int = -1  # the DOM element holding this paragraph's element (its "container")
    elem: int = -1  # the DOM element owning this line (lines split by <br> share it)
    indent: bool = False  # typeset with a leading ideographic-space indent
    tail_chunks: tuple[str, ...] = ()  # text nodes after the line's last inner tags (Block.tail_chunks)
    content: bool = False  # is_content() cache, valid while content_key is text
    content_key: str | None = None
    removed_by: str | None = None
    block: int = -1  # position of its block in the main block (for a trace)

    @property
    def link_ratio(self) -> float:
        n = visible_len(self.text)
        return self.link_chars / n if n else 0.0


class Cut(NamedTuple):
    """Text a rule took from a paragraph: a part cut off it (``whole`` False; the paragraph's
    text is what is left), or one clause of a paragraph made only of clauses (``whole``)."""

    para: Para
    rule: str
    text: str
    whole: bool = False


@dataclass
class Filtered:
    paras: list[Para]
    removed: Counter[str] = field(default_factory=Counter)
    meta: dict[str, str] = field(default_factory=dict)
    captions: list[str] = field(default_factory=list)
    caption_paras: list[Para] = field(default_factory=list)  # where each caption stood, in order
    cuts: list[Cut] | None = None  # for a trace only: the text rules took out of paragraphs, piece by piece


TIMESTAMP = re.compile(
    r"[(（\[]?\d{2,4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(\s+\d{1,2}:\d{2}(:\d{2})?)?[)）\]]?"
)
_TRAILING_DATE = re.compile(r"[\s(（\[]\d{2,4}[-/.]\d{1,2}[-/.]\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?[)）\]]?$")
_SPAM_TITLE = re.compile(r"《[^》]{1,60}》")
_PUBLISHED_LINE = re.compile(r"(发布时间|发表时间|发布于|时间)\s*[:：]\s*\d{4}")
_SPAM_PUBLISHED = re.compile(
    r"(发布时间|发表时间)\s*[:：]\s*\d{4}[-/]\d{1,2}[-/]\d{1,2}.{0,60}来自\s*\S{2,6}$"
)
_END_MARK = re.compile(
    r"[(（]\s*(完|全文完|终)\s*[)）]\s*$|[(（][^()（）]{0,20}(社|网|报)[^()（）]{0,20}电[^()（）]{0,30}[)）]$"
)
# The injected header on one line (inline markup): 《clickbait》发布时间：2026-01-17 …, anywhere in a line.
_SPAM_HEADER_INLINE = re.compile(
    r"《[^》]{1,60}》\s*(发布时间|发表时间|发布于)\s*[:：]?\s*\d{4}[-/年]\d{1,2}[-/月]\d{1,2}"
)
# Escaped markup in the visible text (&lt;kbd id=…&gt;&lt;/kbd&gt;): empty element pairs, and lines
# made of nothing but tags.
_MARKUP_PAIR = re.compile(r"<([A-Za-z][A-Za-z0-9]{0,9})(\s[^<>]{0,200})?>\s*</\1\s*>")
_MARKUP_LINE = re.compile(r"(\s*</?[A-Za-z][A-Za-z0-9]{0,9}(\s[^<>]{0,200})?/?>)+\s*")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


# Salad lifted from unrelated news shares ~5% of its character bigrams with the story; the story's
# own paragraphs mostly share 20-50%. The last resort when neither the DOM (a box around the
# injected block) nor typesetting (the story's paragraphs are indented, the salad is not) tells.
SALAD_COHERENCE = 0.06


def is_content(p: Para) -> bool:
    """Looks like a sentence of running text (not a label, link or list item)."""
    if p.content_key != p.text:  # cached per text: the rules ask this of every line many times
        n = visible_len(p.text)
        p.content = p.link_ratio <= 0.5 and (
            (n >= 40 and punct_count(p.text) >= 2) or (n >= 15 and p.text[-1] in TERMINAL and "，" in p.text)
        )
        p.content_key = p.text
    return p.content


def is_texty(p: Para) -> bool:
    """Running text, or a short sentence of it (an interview's question or answer: 持有。 会有崩盘吗？)."""
    if is_content(p):
        return True
    n = visible_len(p.text)
    if p.link_ratio > 0.5 or p.in_list or n < 4:
        return False
    end = p.text[-1]
    # A clause of an enumeration (（二）…的人员；) or a lead-in (…进行监察：) is text as well.
    return end in "。！？!?；;" or (end in "：:" and n >= 12)


def _list_like(p: Para) -> bool:
    """A recommendation-list line: a link, a list item, a timestamp or a short unpunctuated title."""
    if p.link_ratio > 0.5 or TIMESTAMP.fullmatch(p.text):
        return True
    n = visible_len(p.text)
    if p.in_list and n <= 80 and not is_content(p):
        return True
    return n <= 50 and p.text[-1] not in "。！？!?" and not is_content(p)


def _bigrams(text: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for run in _CJK_RUN.findall(text):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


def coherence(text: str, story: Counter[str]) -> float:
    """Share of a paragraph's character bigrams that the rest of the story also uses."""
    own = _bigrams(text)
    total = sum(own.values())
    if not total:
        return 0.0
    hit = sum(min(c, story.get(g, 0)) for g, c in own.items())
    return hit / total


def coherence_with_rest(own: Counter[str], story: Counter[str]) -> float:
    """``coherence(text, story - own)`` where ``own`` is the text's bigrams, without building
    ``story - own`` (a copy of the whole story per paragraph judged)."""
    total = sum(own.values())
    return sum(min(c, max(0, story[g] - c)) for g, c in own.items()) / total if total else 0.0


def _drop(p: Para, rule: str, out: Filtered) -> None:
    if p.removed_by is None:
        p.removed_by = rule
        count_removed(out.removed, rule, p.text)


def _alive(paras: list[Para]) -> list[int]:
    return [i for i, p in enumerate(paras) if p.removed_by is None]


def _headings(paras: list[Para], rules: RuleSet, out: Filtered) -> None:
    pats = [(r.name, r.pattern) for r in rules.of("heading") if r.pattern]
    if not pats:
        return
    i = 0
    while i < len(paras):
        p = paras[i]
        # A heading another rule already took (相关推荐 is also a prompt) still opens its list.
        name = next((nm for nm, pat in pats if len(p.text) <= 40 and pat.fullmatch(p.text)), None)
        if name is None:
            i += 1
            continue
        _drop(p, name, out)
        j = i + 1
        while j < len(paras) and (paras[j].removed_by is not None or _list_like(paras[j])):
            _drop(paras[j], name, out)
            j += 1
        i = j


SALAD_ON_HEADER = 40  # characters after the date: the meta line's site name, or the salad itself


def _spam_header(text: str) -> bool:
    return bool(
        _SPAM_HEADER_INLINE.search(text) or _SPAM_TITLE.fullmatch(text) or _SPAM_PUBLISHED.match(text)
    )


def _spam_blocks(paras: list[Para], out: Filtered) -> None:
    """Injected word salad: 《clickbait》 + 发布时间 … 来自X, then unrelated sentences."""
    idx = _alive(paras)
    for k, i in enumerate(idx):
        p = paras[i]
        if p.removed_by is not None:
            continue
        header: list[int] = []
        kept_header = -1  # a story paragraph the header was cut off (it stays)
        nxt = idx[k + 1] if k + 1 < len(idx) else None
        inline = _SPAM_HEADER_INLINE.search(p.text)
        # The salad may sit on the header's own line; then the next paragraph is judged like the rest.
        salad_on_header = inline is not None and len(p.text) - inline.end() > SALAD_ON_HEADER
        if _SPAM_TITLE.fullmatch(p.text) and nxt is not None and _PUBLISHED_LINE.match(paras[nxt].text):
            header = [i, nxt]
        elif _SPAM_PUBLISHED.match(p.text) and any(is_content(paras[j]) for j in idx[:k]):
            header = [i]
        elif inline is not None and inline.start() == 0:
            header = [i]  # title and 发布时间 on one line (the salad may follow on it, too)
        elif inline is not None:
            # Glued to the end of a story paragraph: the story's part stays, the rest goes.
            cut = p.text[inline.start() :]
            count_removed(out.removed, "spam_block", cut)
            if out.cuts is not None:
                out.cuts.append(Cut(p, "spam_block", cut))
            p.text = p.text[: inline.start()].rstrip()
            header = [i]
            kept_header = i
        if not header:
            continue
        start = idx.index(header[-1]) + 1
        body = idx[start:]
        # The story's vocabulary: every paragraph of running text but the header and the first
        # salad paragraph (a candidate's own bigrams are subtracted when it is judged).
        salad0 = body[0] if body and not salad_on_header else -1
        mine = [j for j in header if j != kept_header]  # (a story paragraph the header was cut off is story)
        story: Counter[str] = Counter()
        for j in idx:
            if j not in mine and j != salad0 and is_content(paras[j]):
                story.update(_bigrams(paras[j].text))
        for j in header:
            if j != kept_header:
                _drop(paras[j], "spam_block", out)
        # Does the injected block sit in its own container? Then the container tells where it ends.
        home = paras[header[-1]].group
        groups = Counter(paras[j].group for j in idx if j not in header and is_content(paras[j]))
        own_box = home >= 0 and groups.most_common(1)[0][0] != home if groups else False
        story_paras = [paras[j] for j in idx if j not in mine and j != salad0 and is_content(paras[j])]
        indented = sum(1 for q in story_paras if q.indent)
        for n, j in enumerate(body):
            q = paras[j]
            if q.removed_by is not None:
                continue
            if _spam_header(q.text):
                break  # the next injected block: its own header opens it
            if n == 0 and not salad_on_header:
                _drop(q, "spam_block", out)  # the salad paragraph itself
                continue
            if not is_content(q):
                break
            if own_box:
                if q.group != home:
                    break
            elif indented * 2 > len(story_paras):
                if q.indent:
                    break  # typeset like the story's own paragraphs
            elif coherence_with_rest(_bigrams(q.text), story) >= SALAD_COHERENCE:
                break  # the story's own vocabulary resumes
            _drop(q, "spam_block", out)


def _markup_text(paras: list[Para], out: Filtered) -> None:
    """Escaped tags shown as text (spam pages inject ``&lt;kbd id=x&gt;&lt;/kbd&gt;``)."""
    for p in paras:
        if p.removed_by is not None or "<" not in p.text:
            continue
        if _MARKUP_LINE.fullmatch(p.text):
            _drop(p, "markup_text", out)
            continue
        rest = " ".join(_MARKUP_PAIR.sub(" ", p.text).split())
        if rest != p.text:
            cut = "".join(m.group(0) for m in _MARKUP_PAIR.finditer(p.text))
            count_removed(out.removed, "markup_text", cut)
            if out.cuts is not None:
                out.cuts.append(Cut(p, "markup_text", cut))
            p.text = rest


def _timestamp_lists(paras: list[Para], out: Filtered) -> None:
    idx = _alive(paras)
    stamps = [k for k, i in enumerate(idx) if TIMESTAMP.fullmatch(paras[i].text)]
    if len(stamps) < 2:
        return
    # Group stamps that are at most two lines apart; a group of 2+ with short items between is a list.
    groups: list[list[int]] = [[stamps[0]]]
    for k in stamps[1:]:
        if k - groups[-1][-1] <= 2:
            groups[-1].append(k)
        else:
            groups.append([k])
    for g in groups:
        if len(g) < 2:
            continue
        lo, hi = max(0, g[0] - 1), g[-1]
        span = [idx[k] for k in range(lo, hi + 1)]
        if all(_list_like(paras[i]) or visible_len(paras[i].text) <= 60 for i in span):
            for i in span:
                _drop(paras[i], "timestamp_list", out)
    # Items that end with their own date (title 2026-01-17), three or more in a row.
    run: list[int] = []
    for i in [*_alive(paras), -1]:
        if i >= 0 and _TRAILING_DATE.search(paras[i].text) and visible_len(paras[i].text) <= 80:
            run.append(i)
            continue
        if len(run) >= 3:
            for j in run:
                _drop(paras[j], "timestamp_list", out)
        run = []


@dataclass(frozen=True, slots=True)
class _TextRules:
    metas: tuple[Rule, ...]
    lines: tuple[Rule, ...]
    # Rules that search the whole paragraph, with the literals a match needs (None: no prefilter).
    phrases: tuple[tuple[Rule, Literals | None], ...]
    captions: tuple[tuple[Rule, Literals | None], ...]
    tails: tuple[tuple[Rule, Literals | None], ...]
    edges: EdgeMatcher | None


GLUED_MIN = 30  # running text before a glued phrase that makes the paragraph a story's own


def _sentences_before(text: str, pos: int) -> str:
    """The whole sentences of ``text`` before ``pos`` when they are running text, else ''."""
    end = max(text.rfind(ch, 0, pos + 1) for ch in "。！？!?")
    head = text[: end + 1] if end >= 0 else ""
    return head if visible_len(head) >= GLUED_MIN and punct_count(head) >= 2 else ""


def _whole_rules(p: Para, tr: _TextRules, out: Filtered) -> bool:
    """Rules that take the whole paragraph (meta, line, phrase, caption); True if one did."""
    text = p.text
    n = len(text)
    for r in tr.metas:
        assert r.pattern is not None
        m = r.pattern.fullmatch(text) if n <= 120 else None
        if m and r.field:
            value = (m.group("value") or "").strip()
            if value:
                out.meta.setdefault(r.field, value)
            _drop(p, r.name, out)
            return True
    for r in tr.lines:
        assert r.pattern is not None
        if n <= 200 and r.pattern.fullmatch(text):
            _drop(p, r.name, out)
            return True
    for r, lits in tr.phrases:
        assert r.pattern is not None
        m = r.pattern.search(text) if n <= r.max_len and (lits is None or lits.may_match(text)) else None
        if m is None:
            continue
        head = _sentences_before(text, m.start())
        if head:
            # A disclaimer glued to the end of a real paragraph: the paragraph's sentences stay.
            cut = text[len(head) :]
            count_removed(out.removed, r.name, cut)
            if out.cuts is not None:
                out.cuts.append(Cut(p, r.name, cut))
            p.text = text = head
            n = len(text)
            continue
        _drop(p, r.name, out)
        return True
    for r, lits in tr.captions:
        assert r.pattern is not None
        if (
            n <= 150
            and not p.heading
            and (
                ((lits is None or lits.may_match(text)) and r.pattern.fullmatch(text))
                or (p.caption_hint and n >= 4)
            )
        ):
            out.captions.append(text)
            out.caption_paras.append(p)
            _drop(p, r.name, out)
            return True
    return False


def _tail_rules(p: Para, tr: _TextRules, out: Filtered) -> None:
    text = p.text
    for r, lits in tr.tails:
        assert r.pattern is not None
        m = r.pattern.search(text) if lits is None or lits.may_match(text) else None
        if m and m.start() > 0:
            cut = text[m.start() :]
            if r.name.startswith("editor"):
                em = re.search(r"[:：]\s*([\u3400-\u9fff\U00020000-\U0003134f·A-Za-z]{2,8})", cut)
                if em:
                    out.meta.setdefault("editor", em.group(1))
            count_removed(out.removed, r.name, cut)
            if out.cuts is not None:
                out.cuts.append(Cut(p, r.name, cut))
            text = p.text = text[: m.start()].rstrip()
        elif m:
            _drop(p, r.name, out)
            break


def _text_rules(paras: list[Para], rules: RuleSet, out: Filtered) -> None:
    def of(kind: str) -> tuple[Rule, ...]:
        return tuple(r for r in rules.of(kind) if r.pattern)

    def searched(kind: str) -> tuple[tuple[Rule, Literals | None], ...]:
        return tuple((r, literals(r.pattern)) for r in of(kind))

    tr = _TextRules(
        of("meta"), of("line"), searched("phrase"), searched("caption"), searched("tail"), matcher(of("edge"))
    )
    for p in paras:
        if p.removed_by is not None:
            continue
        whole: list[tuple[str, str]] = []  # the paragraph is nothing but UI clauses
        if tr.edges is not None:
            rest, cuts = peel(p.text, tr.edges, p.tail_chunks)
            if cuts and rest:
                # Prompts glued to a real paragraph: cut them, judge what is left.
                for name, cut in cuts:
                    count_removed(out.removed, name, cut)
                    if out.cuts is not None:
                        out.cuts.append(Cut(p, name, cut))
                p.text = rest
            elif cuts:
                whole = cuts
        if _whole_rules(p, tr, out):
            continue
        if whole:
            # Only clauses, and no line rule claimed the line: each clause is counted by its rule.
            p.removed_by = whole[0][0]
            for name, cut in whole:
                count_removed(out.removed, name, cut)
                if out.cuts is not None and len(whole) > 1:
                    out.cuts.append(Cut(p, name, cut, whole=True))
            continue
        _tail_rules(p, tr, out)


_TOKEN_SPLIT = re.compile(r"[\s|｜/·]+")


def _widget_lines(paras: list[Para], rules: RuleSet, out: Filtered) -> None:
    """Lines made only of widget tokens: 710人支持 浏览量：8680652 阅读原文 阅读 3498257 举报."""
    pats = [
        r.pattern for r in rules.of("line") if r.pattern and r.name in ("prompt", "counter", "end_marker")
    ]
    for p in paras:
        if p.removed_by is not None or len(p.text) > 120:
            continue
        tokens = [t for t in _TOKEN_SPLIT.split(p.text) if t]
        if len(tokens) >= 2 and all(t.isdigit() or any(pat.fullmatch(t) for pat in pats) for t in tokens):
            _drop(p, "widget_line", out)


def _structure(paras: list[Para], rules: RuleSet, out: Filtered) -> None:
    if rules.enabled("link_dense"):
        for p in paras:
            if p.removed_by is None and p.link_chars and p.link_ratio > 0.5 and not is_content(p):
                _drop(p, "link_dense", out)
    if rules.enabled("footer_group"):
        for i, p in enumerate(paras):
            if p.removed_by != "copyright_footer" or p.elem <= 0:
                continue
            # The lines of one footer box share its element (关于我们<br>联系方式<br>Copyright …).
            j = i - 1
            while j >= 0 and paras[j].elem == p.elem:
                q = paras[j]
                if q.removed_by is None and (is_content(q) or visible_len(q.text) > 40):
                    break
                _drop(q, "footer_group", out)
                j -= 1
    if rules.enabled("after_footer"):
        footer_at = next((i for i, p in enumerate(paras) if p.removed_by == "copyright_footer"), None)
        if footer_at is not None:
            for p in paras[footer_at + 1 :]:
                if p.removed_by is None and not is_content(p) and visible_len(p.text) <= 80:
                    _drop(p, "after_footer", out)


def apply_rules(paras: list[Para], rules: RuleSet, cuts: list[Cut] | None = None) -> Filtered:
    """Mark what goes (``Para.removed_by``) and return the kept paragraphs with metadata and captions
    (``cuts``: a list to record the parts rules cut off paragraphs that stay, for a trace)."""
    out = Filtered(paras, cuts=cuts)
    if rules.enabled("markup_text"):
        _markup_text(paras, out)
    if rules.enabled("spam_block"):
        _spam_blocks(paras, out)  # first: a list heading above it must not swallow its header lines
    _text_rules(paras, rules, out)  # before lists, so footers and prompts keep their own names
    _headings(paras, rules, out)
    if rules.enabled("timestamp_list"):
        _timestamp_lists(paras, out)
    if rules.enabled("widget_line"):
        _widget_lines(paras, rules, out)
    if rules.enabled("poll"):
        from cleanfeed.extract.widgets import polls  # noqa: PLC0415  (widgets imports this module)

        polls(paras, out)
    _structure(paras, rules, out)
    story_chars = sum(visible_len(p.text) for p in paras if p.removed_by is None and is_content(p))
    if out.captions and story_chars < 80:
        # A photo story: the caption IS the story, so it stays in the text.
        for p in paras:
            if p.removed_by == "caption":
                p.removed_by = None
        out.removed.pop("caption", None)
        out.captions.clear()
        out.caption_paras.clear()
    kept: list[Para] = []
    for p in paras:
        if p.removed_by is None and p.text:
            kept.append(p)
        elif p.removed_by == "caption" and kept:
            kept[-1].caption_next = True
    out.paras = kept
    return out


def scan_meta(lines: list[str], rules: RuleSet) -> dict[str, str]:
    """Metadata from credit lines outside the main block (an editor line under the article)."""
    found: dict[str, str] = {}
    for line in lines:
        if len(line) > 120:
            continue
        for r in rules.of("meta"):
            m = r.pattern.fullmatch(line) if r.pattern else None
            if m and r.field and r.field not in found and (m.group("value") or "").strip():
                found[r.field] = m.group("value").strip()
    return found


def ends_story(text: str) -> bool:
    """An end marker: (完), a closing (新华社…电) line."""
    return bool(_END_MARK.search(text))


__all__ = [
    "PUNCT",
    "Cut",
    "Filtered",
    "Para",
    "apply_rules",
    "coherence",
    "ends_story",
    "is_content",
    "is_texty",
]
