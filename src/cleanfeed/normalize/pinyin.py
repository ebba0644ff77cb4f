"""Strip pinyin reading annotations such as 焦點(diǎn) that some reposting sites inject.

An annotation is removed only when it follows a Han character, holds a single syllable that
is a reading of that character (pypinyin's table, precomputed into ``data/readings.tsv.gz``),
and the document has several such confirmed hits: a lone gloss in ordinary text survives, and
(完), (AI), (2025), (记者 张三), (Xinhua) or (a) never match. Below that gate (a title, a name, a
snippet) an annotation still goes when the pattern is unambiguous: a confirmed reading that splits a
word of the word list (發(fā)展: 發展 is a word; 读作行(háng)。 is a gloss and stays).
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from functools import lru_cache
from importlib import resources

from cleanfeed.normalize.lm import load_words  # the word list of the mojibake repair (loaded lazily)

GATE = 3  # confirmed annotations a document needs before any is removed

# Tone-marked letters appear precomposed (ā) or as a base letter + combining mark.
_SYL = r"[a-zA-Zü\u00e0-\u01dc\u0300-\u036f\u0251\u0261]{1,8}"
# Starts with the parenthesis (a fast scan); the Han character before it is checked in Python.
_ANNOT = re.compile(r"\((" + _SYL + r")\)|（(" + _SYL + r")）")
_TONED = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ]")


@lru_cache(maxsize=1)
def readings() -> dict[str, frozenset[str]]:
    raw = resources.files("cleanfeed.normalize").joinpath("data/readings.tsv.gz").read_bytes()
    out: dict[str, frozenset[str]] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            ch, _, rs = line.partition("\t")
            out[ch] = frozenset(rs.split(","))
    return out


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every tone-marked syllable pypinyin knows."""
    return frozenset(s for rs in readings().values() for s in rs)


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _canon(syl: str) -> str:
    syl = unicodedata.normalize("NFC", syl.lower())
    return syl.replace("\u0251", "a").replace("\u0261", "g").replace("v", "ü")


def _verdict(ch: str, syl: str) -> int:
    """2: a reading of ``ch``; 1: some tone-marked syllable; 0: not pinyin."""
    syl = _canon(syl)
    if syl in readings().get(ch, ()):
        return 2
    return 1 if _TONED.search(syl) and syl in syllables() else 0


def is_reading(ch: str, syl: str) -> bool:
    """Whether ``syl`` (tone-marked) is one of the readings of ``ch``."""
    return _verdict(ch, syl) == 2


def _splits_word(text: str, start: int, end: int) -> bool:
    """Do the characters around the annotation ``text[start:end]`` form a word (2 or 3 characters)?"""
    words = load_words().words
    left, right = text[max(0, start - 2) : start], text[end : end + 2]
    return any(
        left[-k:] + right[:j] in words for k in (1, 2) for j in (1, 2) if len(left) >= k and len(right) >= j
    )


def strip_pinyin(text: str) -> tuple[str, int, int]:
    """Remove annotations from ``text`` (a whole document, lines joined by newlines).

    Returns ``(text, removed, unverified)``; ``unverified`` counts removed syllables that are
    valid pinyin but not a reading our table lists for that character (worth a flag)."""
    if "(" not in text and "（" not in text:
        return text, 0, 0
    hits = [
        (m, _verdict(text[m.start() - 1], m.group(1) or m.group(2)))
        for m in _ANNOT.finditer(text)
        if m.start() and _is_han(text[m.start() - 1])
    ]
    if sum(1 for _, v in hits if v == 2) < GATE:
        hits = [(m, v) for m, v in hits if v == 2 and _splits_word(text, m.start(), m.end())]
        if not hits:
            return text, 0, 0
    parts: list[str] = []
    last = removed = unverified = 0
    for m, verdict in hits:
        if verdict == 0:
            continue
        parts.append(text[last : m.start()])
        last = m.end()
        removed += 1
        unverified += verdict == 1
    parts.append(text[last:])
    return "".join(parts), removed, unverified
