"""Literal prefilters for rule patterns: strings of which every match must contain one.

``re`` scans a paragraph position by position, trying the whole pattern at each; for the phrase,
tail and caption rules (long alternations, lazy ``.{0,120}?`` prefixes) that is most of the cost of
applying the rule table, and almost every paragraph matches none of them. ``str.__contains__`` on a
few literals is a fast C search: when a paragraph holds none of a pattern's required literals,
the pattern cannot match and is not run. When it holds one, the pattern decides as before, so a
prefilter never changes a result.

The literals are read off the regex parser's tree: a literal run must occur in every match of its
sequence, a branch needs one of its alternatives', a repeat of at least one needs its body's.
Case-insensitive parts are checked against the lower-cased text (ASCII letters only; other cased
characters give no literal).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Characters that fold onto an ASCII letter under re.IGNORECASE without lower-casing to it (İ ı ſ K):
# a text holding one is always handed to the pattern.
_CASE_TRAPS = re.compile("[\u0130\u0131\u017f\u212a]")
# A literal test is ~0.1 us, a search of a paragraph by one of these patterns ~10 us: more
# literals than this are not worth it.
MAX_LITERALS = 40

_Factor = tuple[str, bool]  # (literal, compared case-insensitively)


@dataclass(frozen=True, slots=True)
class Literals:
    """Every match of the pattern contains one of ``exact``, or (case-folded) one of ``folded``."""

    exact: tuple[str, ...]
    folded: tuple[str, ...]  # lower-case: looked for in text.lower()

    def may_match(self, text: str) -> bool:
        for lit in self.exact:
            if lit in text:
                return True
        if self.folded:
            if _CASE_TRAPS.search(text):
                return True
            low = text.lower()
            for lit in self.folded:
                if lit in low:
                    return True
        return False


def _caseless(ch: str) -> bool:
    """No other character matches ``ch`` under re.IGNORECASE (checked over all of Unicode for
    CPython's case tables: nothing lower-cases onto a character without case mappings)."""
    return ch.lower() == ch and ch.upper() == ch


def _factors(items: Iterable[tuple[Any, Any]], fold: bool) -> frozenset[_Factor] | None:
    """Literals one of which every match of the sequence ``items`` contains (None: unknown)."""
    candidates: list[frozenset[_Factor]] = []
    run: list[str] = []
    run_folded = False  # the run holds a letter matched case-insensitively

    def end_run() -> None:
        nonlocal run_folded
        if run:
            candidates.append(frozenset({("".join(run), run_folded)}))
            run.clear()
        run_folded = False

    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            ch = chr(av)
            if not fold or _caseless(ch):
                run.append(ch)
            elif ch.isascii():
                run.append(ch.lower())
                run_folded = True
            else:
                end_run()
            continue
        end_run()
        found: frozenset[_Factor] | None = None
        if name == "SUBPATTERN":
            _group, add_flags, del_flags, sub = av
            sub_fold = (fold or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
            found = _factors(sub, sub_fold)
        elif name == "BRANCH":
            alts = [_factors(alt, fold) for alt in av[1]]
            if alts and all(a is not None for a in alts):
                found = frozenset().union(*(a for a in alts if a is not None))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if av[0] >= 1:
                found = _factors(av[2], fold)
        elif name == "ATOMIC_GROUP":
            found = _factors(av, fold)
        if found:
            candidates.append(found)
    end_run()
    if not candidates:
        return None
    # The rarest-looking requirement: longest shortest literal, then fewest literals.
    return max(candidates, key=lambda c: (min(len(s) for s, _ in c), -len(c)))


def _minimal(lits: Iterable[str]) -> tuple[str, ...]:
    """Drop literals that contain another one (finding the shorter is enough)."""
    out: list[str] = []
    for lit in sorted(set(lits), key=len):
        if not any(o in lit for o in out):
            out.append(lit)
    return tuple(out)


@lru_cache(maxsize=512)
def _literals(pattern: str, flags: int) -> Literals | None:
    try:
        parser: Any = importlib.import_module("re._parser")
        tree = parser.parse(pattern, flags)
    except (ImportError, re.error):  # pragma: no cover - CPython 3.11+ has re._parser
        return None
    if tree.state.flags & re.LOCALE:
        return None
    found = _factors(tree, bool(tree.state.flags & re.IGNORECASE))
    if not found or any(not s for s, _ in found):
        return None
    exact = _minimal(s for s, folded in found if not folded)
    folded = _minimal(s for s, folded in found if folded)
    if len(exact) + len(folded) > MAX_LITERALS:
        return None
    return Literals(exact, folded)


def literals(pattern: re.Pattern[str] | None) -> Literals | None:
    """The prefilter of a compiled pattern, or None when it has none worth checking."""
    if pattern is None:
        return None
    return _literals(pattern.pattern, pattern.flags)
