"""Text normalization: entities -> mojibake repair -> pinyin strip -> T->S -> punctuation.

The order matters: the repair needs the raw characters (T->S would turn 覈 into 核 and destroy
the byte evidence), the pinyin strip needs Traditional characters to check readings against
(and repaired spans expose more annotations), and the punctuation rules run last.

Stages live in their own modules: ``repair`` (GBK lost-byte mojibake, with the character
language model in ``lm``; ``damage`` applies the sure repairs and lists the damage left, which is
held out of the later stages and flagged), ``pinyin``, ``script`` (OpenCC with a cleanfeed config)
and ``punct``. Everything here works on the whole document at once (lines joined by newlines, no
rule crosses a newline) so regexes run in C over one string instead of once per line.
"""

from __future__ import annotations

import html
import operator
import re
from dataclasses import dataclass, field

from cleanfeed.normalize.damage import repair_mojibake
from cleanfeed.normalize.pinyin import strip_pinyin
from cleanfeed.normalize.punct import normalize_punct
from cleanfeed.normalize.script import is_traditional, to_simplified

__all__ = ["NormalizeReport", "normalize_lines", "normalize_report", "normalize_text"]


@dataclass
class NormalizeReport:
    """What the normalizer changed: counts by kind, low-confidence flags, whether T->S ran.

    ``counts`` keys: ``entities``, ``mojibake_spans``, ``pinyin_removed``, ``t2s_chars``,
    ``punct``. ``flags`` name what a reviewer may want to check: ``mojibake_repaired:BEFORE->AFTER``
    for each repair, ``mojibake_unrepaired:LINE:START-END:TEXT`` for damage the repair was not sure
    enough to undo (left exactly as it was, position in the normalized lines) and
    ``pinyin_unverified:N``. ``repairs`` lists each mojibake repair as (before, after).
    """

    counts: dict[str, int] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    converted: bool = False
    repairs: list[tuple[str, str]] = field(default_factory=list)
    # damage left as it was: (line, start, end, text) in the normalized lines
    unrepaired: list[tuple[int, int, int, str]] = field(default_factory=list)

    def add(self, kind: str, n: int) -> None:
        if n:
            self.counts[kind] = self.counts.get(kind, 0) + n


_SURROGATE = re.compile(r"[\ud800-\udfff]")
# C0/C1 controls carry no text. NUL must go before OpenCC, whose C++ core stops at it and would silently
# drop the rest of the document; vertical tab and form feed separate words, so they become spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_SPACE_CONTROL = re.compile(r"[\x0b\x0c]")


def _unescape(line: str) -> str:
    out = html.unescape(line)
    return out.replace("\r", " ").replace("\n", " ") if "\n" in out or "\r" in out else out


def _normalize_doc(text: str, report: NormalizeReport) -> str:
    if "&" in text:
        # per line: an entity may encode a line break, which must not change the line count
        lines = [_unescape(line) if "&" in line else line for line in text.split("\n")]
        unescaped = "\n".join(lines)
        if unescaped != text:
            report.add("entities", 1)
            text = unescaped
    text, reps, damage = repair_mojibake(text)
    for r in reps:
        report.add("mojibake_spans", 1)
        report.repairs.append((r.before, r.text))
        report.flags.append(f"mojibake_repaired:{r.before}->{r.text}")  # every rewrite stays reviewable
    held, kept, base = _hold(text, damage)
    if damage and not kept:
        _unheld(text, damage, report)  # (positions before the later stages: they may move a little)
    text = _later_stages(held, report)
    if kept:
        text = _give_back(text, kept, base, report)
    return text


# Damage left unrepaired is held out of the later stages as one private-use character per span (plane
# 15, or 16 when the text already uses 15), so T->S, pinyin and punctuation rules leave the evidence of
# its bytes as it was, and its position in the output is exact.
_PLANES = (0xF0000, 0x100000)


def _hold(text: str, damage: list[tuple[int, int]]) -> tuple[str, list[str], int]:
    if not damage:  # the common case: no scan of the text for a free plane
        return text, [], 0
    base = next(
        (b for b in _PLANES if not any(b <= ord(c) < b + 0xFFFE for c in text if c >= "\U000f0000")), 0
    )
    if not damage or not base:
        return text, [], base
    parts: list[str] = []
    kept: list[str] = []
    last = 0
    for a, b in damage:
        parts.append(text[last:a])
        parts.append(chr(base + len(kept)))
        kept.append(text[a:b])
        last = b
    parts.append(text[last:])
    return "".join(parts), kept, base


def _give_back(text: str, kept: list[str], base: int, report: NormalizeReport) -> str:
    lines = text.split("\n")
    for n, line in enumerate(lines):
        parts: list[str] = []
        last = 0
        col = 0
        for i, ch in enumerate(line):
            k = ord(ch) - base
            if not 0 <= k < len(kept):
                continue
            parts.append(line[last:i])
            col += i - last
            span = kept[k]
            report.unrepaired.append((n, col, col + len(span), span))
            report.flags.append(f"mojibake_unrepaired:{n}:{col}-{col + len(span)}:{span}")
            parts.append(span)
            col += len(span)
            last = i + 1
        if parts:
            parts.append(line[last:])
            lines[n] = "".join(parts)
    return "\n".join(lines)


def _unheld(text: str, damage: list[tuple[int, int]], report: NormalizeReport) -> None:
    """Damage that could not be held out (a text using both planes): flagged where it was found."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    for a, b in damage:
        n = max(i for i, s in enumerate(starts) if s <= a)
        report.unrepaired.append((n, a - starts[n], b - starts[n], text[a:b]))
        report.flags.append(f"mojibake_unrepaired:{n}:{a - starts[n]}-{b - starts[n]}:{text[a:b]}")


def _later_stages(text: str, report: NormalizeReport) -> str:
    text, removed, unverified = strip_pinyin(text)
    report.add("pinyin_removed", removed)
    if unverified:
        report.flags.append(f"pinyin_unverified:{unverified}")
    if is_traditional(text):
        simplified = to_simplified(text)
        if len(simplified) == len(text):
            report.add("t2s_chars", sum(map(operator.ne, text, simplified)))
        else:
            report.add("t2s_chars", abs(len(simplified) - len(text)) or 1)
        report.converted = simplified != text
        text = simplified
    text, edits = normalize_punct(text)
    report.add("punct", edits)
    return text


def normalize_lines(lines: list[str]) -> tuple[list[str], NormalizeReport]:
    """Normalize a document given as lines; returns the same number of lines (some may be empty).

    Document-level decisions (the pinyin gate, whether the text is Traditional) look at all lines.
    """
    report = NormalizeReport()
    if not lines:
        return [], report
    # a line must not smuggle in a line break of its own: it would shift every later line
    safe = [
        line.replace("\r", " ").replace("\n", " ") if "\n" in line or "\r" in line else line for line in lines
    ]
    doc = "\n".join(safe)
    if _SURROGATE.search(doc):  # lone surrogates cannot be encoded (OpenCC, JSONL): mark them
        doc = _SURROGATE.sub("\ufffd", doc)
    doc = _SPACE_CONTROL.sub(" ", _CONTROL.sub("", doc))
    out = _normalize_doc(doc, report).split("\n")
    if len(out) != len(lines):  # defensive: never break the caller's line mapping
        raise AssertionError(f"normalize changed the line count: {len(lines)} -> {len(out)}")
    return out, report


def normalize_report(text: str) -> tuple[str, NormalizeReport]:
    """Normalize text and say what changed: one paragraph per line, no empty lines."""
    lines, report = normalize_lines(text.splitlines())
    if report.unrepaired:  # positions refer to the returned text, whose empty lines are dropped
        kept = {n: i for i, n in enumerate(n for n, line in enumerate(lines) if line)}
        report.unrepaired = [(kept[n], a, b, span) for n, a, b, span in report.unrepaired]
        others = [f for f in report.flags if not f.startswith("mojibake_unrepaired:")]
        report.flags = others + [
            f"mojibake_unrepaired:{n}:{a}-{b}:{span}" for n, a, b, span in report.unrepaired
        ]
    return "\n".join(line for line in lines if line), report


def normalize_text(text: str) -> str:
    """Normalize text: one paragraph per line, no empty lines."""
    return normalize_report(text)[0]
