"""Edge clauses: UI prompts and counters glued to the start or end of a paragraph.

Portals append 展开全文 / 打开APP，阅读全文 / 赞(186) inside the story's own ``<p>``, so the clause
arrives as part of a real paragraph. ``edge`` rules in ``rules.toml`` each describe ONE short UI
clause; here they are joined into one alternation and peeled off the paragraph's end, one clause
at a time (chains such as 下载客户端，看更多精彩内容点击查看全文 peel clause by clause).

What keeps story text safe is the boundary, not the phrase list: a tail peel is kept only when
what is left ends a sentence (。！？” …) or nothing is left, so 用户可以打开APP阅读全文 survives (the
text before the clauses is 用户可以), or when the clauses are inline elements of their own closing
the line (…标题<span>展开全文</span>: the markup says it is a widget). A head clause must be set off
by a separator or brackets.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cleanfeed.extract.rules import Rule

# What the text left before a tail clause must end with: a finished sentence or a closed bracket.
BOUNDARY = frozenset('。！？!?；;…”’"」』）)】]')
# A paragraph ending like this cannot end in a clause (no clause ends with them): the common case,
# skipped without running a regex.
_NO_TAIL = frozenset('。！？!?；;”’"」』')
_MID = frozenset("，,、：:；;【[（(")  # the sentence goes on after these (or a bracket opens)
WINDOW = 32  # a clause (brackets and separators included) is never longer; bounds every search
MAX_PEEL = 8  # clauses peeled from one paragraph end, at most
SEARCH_BUDGET = 48  # regex calls spent on one paragraph's tail, at most (a hostile line stays cheap)
_OPEN = r"(?:[（(【\[]\s?)?"
_CLOSE = r"\s?[）)】\]]"
# Between chained clauses and after the last one (打开APP，阅读全文 >>).
_SEP = r"[\s,，、|｜/·>»›…▼∨:：]*"
_HEAD_SEP = r"[\s|｜>»›:：]"
# What _SEP and _CLOSE may consume after a clause's last character.
_TRAILING = frozenset(" ,，、|｜/·>»›…▼∨:：）)】]")


@dataclass(frozen=True, slots=True)
class EdgeMatcher:
    tail: re.Pattern[str]
    head: re.Pattern[str]
    groups: tuple[str, ...]  # regex group name per rule, in rule order
    names: tuple[str, ...]  # the rule names
    # Every character a clause can end with (None: could not tell). Most lines end with none of
    # them, which saves the end-anchored search (it tries every start in the window).
    last: re.Pattern[str] | None


_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _last_class(raw: str) -> str | None:
    """The contents of a character class holding every character a match of ``raw`` can end with.

    Read off the regex parser's tree; None when the pattern uses something this does not model
    (case folding, negated sets, backreferences): the caller then searches without the shortcut.
    """
    try:
        parser: Any = importlib.import_module("re._parser")
        tree = parser.parse(raw)
    except (ImportError, re.error):  # pragma: no cover - CPython 3.11+ has re._parser
        return None
    if tree.state.flags & re.IGNORECASE:
        return None
    pieces: set[str] = set()

    def char_set(items: Iterable[tuple[Any, Any]]) -> bool:
        for op, av in items:
            name = str(op)
            if name == "LITERAL":
                pieces.add(re.escape(chr(av)))
            elif name == "RANGE":
                pieces.add(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
            elif name == "CATEGORY" and str(av) in _CATEGORIES:
                pieces.add(_CATEGORIES[str(av)])
            else:
                return False
        return True

    def seq(items: Iterable[tuple[Any, Any]]) -> bool | None:
        """Adds the possible last characters; True if the sequence can match empty, None: unknown."""
        for op, av in reversed(list(items)):
            nullable = item(str(op), av)
            if nullable is None or not nullable:
                return nullable
        return True

    def item(name: str, av: Any) -> bool | None:
        if name == "LITERAL":
            pieces.add(re.escape(chr(av)))
            return False
        if name == "IN":
            return False if char_set(av) else None
        if name == "BRANCH":
            results = [seq(branch) for branch in av[1]]
            return None if any(r is None for r in results) else any(results)
        if name == "SUBPATTERN":
            return None if av[1] & re.IGNORECASE else seq(av[3])
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            inner = seq(av[2])
            return None if inner is None else inner or av[0] == 0
        if name == "ATOMIC_GROUP":
            return seq(av)
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            return True  # zero width
        return None

    return "".join(sorted(pieces)) if seq(tree) is False else None


def matcher(rules: tuple[Rule, ...]) -> EdgeMatcher | None:
    """One matcher for a rule set's edge rules (cached: rule sets are immutable)."""
    pats = tuple((r.name, r.pattern.pattern) for r in rules if r.pattern is not None)
    return _compile(pats) if pats else None


@lru_cache(maxsize=64)
def _compile(pats: tuple[tuple[str, str], ...]) -> EdgeMatcher:
    groups = tuple(f"e{i}" for i in range(len(pats)))
    alts = "|".join(f"(?P<{g}>{raw})" for g, (_, raw) in zip(groups, pats, strict=True))
    clause = f"{_OPEN}(?:{alts})"
    classes = [_last_class(raw) for _, raw in pats]
    last = None if any(c is None for c in classes) else re.compile(f"[{''.join(c or '' for c in classes)}]")
    return EdgeMatcher(
        tail=re.compile(f"{clause}(?:{_CLOSE})?{_SEP}\\Z"),
        # At the head the clause must be closed by a bracket or followed by a separator.
        head=re.compile(f"{clause}(?:{_CLOSE}|(?={_HEAD_SEP}))"),
        groups=groups,
        names=tuple(name for name, _ in pats),
        last=last,
    )


def _rule_of(m: re.Match[str], em: EdgeMatcher) -> str:
    for g, name in zip(em.groups, em.names, strict=True):
        if m.group(g) is not None:
            return name
    return em.names[0]  # pragma: no cover - one group always matched


def _visible(text: str) -> int:
    return len(text) - sum(1 for ch in text if ch.isspace())


def _element_starts(chunks: tuple[str, ...]) -> frozenset[int]:
    """Distances (in visible characters, from the line's end) of its last inner tag boundaries."""
    out: set[int] = set()
    n = 0
    for chunk in reversed(chunks):
        n += _visible(chunk)
        out.add(n)
    return frozenset(out)


def _tail(text: str, em: EdgeMatcher, chunks: tuple[str, ...]) -> tuple[int, list[tuple[str, str]]]:
    """Where the kept text ends after peeling tail clauses (the earliest sentence boundary reachable),
    and the clauses cut, last first. Nothing reachable: ``(len(text), [])``.

    A clause can start at several places (9人已收藏 vs 收藏; 打开打开APP… vs 打开APP…), so the peel is
    a small search over the possible starts, bounded by ``SEARCH_BUDGET`` regex calls.
    """
    budget = SEARCH_BUDGET
    starts: frozenset[int] | None = None  # computed only when a clause lacks a sentence boundary

    def at_element(s: int) -> bool:
        nonlocal starts
        if starts is None:
            starts = _element_starts(chunks)
        return _visible(text[s:]) in starts

    def may_end(end: int) -> bool:
        if em.last is None:
            return True
        k, stop = end, max(0, end - WINDOW)
        while k > stop and (text[k - 1] in _TRAILING or text[k - 1].isspace()):
            k -= 1
        # The clause's last character is just before the trailing separators, or one of them.
        return any(em.last.match(ch) for ch in text[max(0, k - 1) : end])

    def best(end: int, depth: int) -> tuple[int, list[tuple[str, str]]] | None:
        nonlocal budget
        found: tuple[int, list[tuple[str, str]]] | None = None
        if not may_end(end):
            return None
        pos = max(0, end - WINDOW)
        while budget > 0 and depth < MAX_PEEL:
            budget -= 1
            m = em.tail.search(text, pos, end)
            if m is None or m.start() == end:
                break
            s = m.start()
            cut = (_rule_of(m, em), text[s:end])
            rest = text[:s].rstrip()
            # Kept when the text before ends a sentence, or when the clauses are an element of their
            # own at the end of the line (…禁喝茅台酒<span>打开APP阅读更多精彩内容</span>).
            # (Not after a comma: 据统计，<b>共3000人参与</b> is the sentence's own emphasis.)
            ok = not rest or rest[-1] in BOUNDARY or (rest[-1] not in _MID and bool(chunks) and at_element(s))
            if ok and (found is None or len(rest) < found[0]):
                found = (len(rest), [cut])
            deeper = best(s, depth + 1)
            if deeper is not None and (found is None or deeper[0] < found[0]):
                found = (deeper[0], [cut, *deeper[1]])
            pos = s + 1  # a shorter clause ending here
        return found

    return best(len(text), 0) or (len(text), [])


def peel(text: str, em: EdgeMatcher, chunks: tuple[str, ...] = ()) -> tuple[str, list[tuple[str, str]]]:
    """``text`` without its edge clauses, and the clauses cut as (rule name, clause text).

    ``chunks``: the line's last text nodes (``Block.tail_chunks``); clauses that are exactly these
    nodes are cut even without a sentence end before them. All clauses cut means the whole
    paragraph is widget text: ``("", cuts)``.
    """
    # Most paragraphs end a sentence: no clause can end there, skip the search machinery.
    end, cuts = (len(text), []) if not text or text[-1] in _NO_TAIL else _tail(text, em, chunks)
    text = text[:end]
    start = 0
    for _ in range(MAX_PEEL):
        m = em.head.match(text, start, min(len(text), start + WINDOW))
        if m is None or m.end() == start:
            break
        if m.end() < len(text) and text[m.end()].isspace() and m.end() - m.start() < 4:
            break  # 分享 经济…: a short word before a space is as likely the story's own first word
        cuts.append((_rule_of(m, em), text[m.start() : m.end()]))
        start = m.end()
        while start < len(text) and text[start] in " |｜>»›:：":
            start += 1
    return text[start:].strip(), cuts
