"""Targeted punctuation and whitespace normalization (never blanket NFKC).

NFKC would fold ，：；？！（） to ASCII and turn ① into 1. Instead: full-width Latin letters and
digits become ASCII; ASCII , ; : ? ! ( ) touching Han text become full-width (some sites fold
them); 「」『』 become “”‘’; ... and 。。。 become ……; invisible controls go, NBSP and U+3000
become spaces; paragraph indents and runs of whitespace go. A space between Han characters stays when
it separates names, list items or clauses (``王逸飞 鲍梦妮``, ``张三 李四``, a headline's clause break) and
goes when it splits a word (letter-spaced ``中 文 字``, ``中 文字``) or sits next to CJK punctuation,
which carries its own spacing. Every rule keeps
URLs, numbers (1,000, 3.5), times (18:39:01) and English sentences intact because it needs Han
on one side. Patterns never match a newline, so a document keeps its line count.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cleanfeed.normalize.lm import load_words  # the repair's word list: does a space cut a word?

_HAN = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"，。、；：？！…—“”‘’《》〈〉（）【】「」『』·"

# Full-width digits and Latin letters -> ASCII.
_WIDE = {
    cp: chr(cp - 0xFEE0) for cp in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
}
_QUOTES = {ord("「"): "“", ord("」"): "”", ord("『"): "‘", ord("』"): "’"}
_SPACES = {0x00A0: " ", 0x3000: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x202F: " "}
# Zero-width and bidi controls; ZWJ (U+200D) is handled apart because emoji need it.
_INVISIBLE = dict.fromkeys(
    [
        0x200B,
        0x200C,
        0x200E,
        0x200F,
        0x2060,
        0x2061,
        0x2062,
        0x2063,
        0x2064,
        0xFEFF,
        0x00AD,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
_MAP = {chr(k): v or "" for k, v in {**_WIDE, **_QUOTES, **_SPACES, **_INVISIBLE}.items()}
# str.translate with a dict walks every character in Python-level lookups (~3M chars/s); a regex
# class scan is C-speed and these characters are rare, so substitute only where they occur.
_SPECIAL = re.compile("[" + re.escape("".join(_MAP)) + "]")

_FULL_TABLE = str.maketrans({",": "，", ";": "；", ":": "：", "?": "？", "!": "！"})
# Each pattern starts with a literal class so the regex engine scans for it quickly; whether
# Han touches the match is decided in the callback (a lookbehind first would test every offset).
_ASCII_MARK = re.compile(r"[,;:?!]+")
_PAREN = re.compile(r"\(([^()\n]*)\)")
# Spaces between Han characters or CJK punctuation: the pattern finds them, ``_han_space`` decides.
_HAN_SPACE_RUN = re.compile(rf"(?<=[{_HAN}{_CJK_PUNCT}])[ \t]+(?=[{_HAN}{_CJK_PUNCT}])")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_HAN_AFTER_MARK = re.compile(rf"[{_HAN}{_CJK_PUNCT}]")
_HAN_BEFORE_MARK = re.compile(rf"[{_HAN}“‘《（]")
_HAN_ONLY = re.compile(rf"[{_HAN}]")
_DOTS = re.compile(r"\.{3,}|。{3,}")
_LONE_ELLIPSIS = re.compile(r"(?<!…)…(?!…)")
_EMOJI = r"\u2600-\u27bf\U0001f000-\U0001faff"
_ZWJ = re.compile(rf"(?<![{_EMOJI}])\u200d|\u200d(?![{_EMOJI}])")
_MULTI_SPACE = re.compile(r"[ \t]{2,}")
_EDGE_SPACE = re.compile(r"^[ \t]+|[ \t]+$", re.M)
_COPYRIGHT = re.compile(r"(?i)(copyright)\s*\?")
_DECIMAL = re.compile(r"(?<=\d)．(?=\d)")


def _before(m: re.Match[str]) -> str:
    i = m.start()
    return m.string[i - 1] if i else ""


def _after(m: re.Match[str]) -> str:
    j = m.end()
    return m.string[j] if j < len(m.string) else ""


def _mark(m: re.Match[str]) -> str:
    """ASCII , ; : ? ! after Han / CJK punctuation or before Han (so never inside 1,000 or 18:39)."""
    if _HAN_AFTER_MARK.match(_before(m)) or _HAN_BEFORE_MARK.match(_after(m)):
        return m.group(0).translate(_FULL_TABLE)
    return m.group(0)


def _paren(m: re.Match[str]) -> str:
    """A parenthesised aside touching Han outside, or holding Han inside, gets （）."""
    if _HAN_AFTER_MARK.match(_before(m)) or _HAN_ONLY.match(_after(m)) or _HAN_ONLY.search(m.group(1)):
        return f"（{m.group(1)}）"
    return m.group(0)


def _han_space(m: re.Match[str]) -> str:
    """Keep one space between two Han words (names, list items, clauses); drop it next to CJK
    punctuation, and where a single character stands alone (letter spacing) or the space cuts a word
    of the word list in two (中 文字, 经济发 展很快)."""
    text, i, j = m.string, m.start(), m.end()
    left, right = text[i - 1], text[j]
    if not (_HAN_CHAR.match(left) and _HAN_CHAR.match(right)):
        return ""
    left_single = i < 2 or not _HAN_CHAR.match(text[i - 2])
    right_single = j + 1 >= len(text) or not _HAN_CHAR.match(text[j + 1])
    if left_single and right_single:
        return ""
    words = load_words().words
    if left + right not in words:
        return " "
    if left_single or right_single:
        return ""
    # both sides longer: a cut word leaves fragments that are no words at its edges (经济发 展很快)
    return " " if text[i - 2 : i] in words or text[j : j + 2] in words else ""


def _sub(pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], text: str) -> tuple[str, int]:
    """``pattern.sub`` with a callback, counting only the matches the callback changed."""
    changed = 0

    def wrapped(m: re.Match[str]) -> str:
        nonlocal changed
        out = repl(m)
        changed += out != m.group(0)
        return out

    return pattern.sub(wrapped, text), changed


def normalize_punct(text: str) -> tuple[str, int]:
    """Returns ``(text, edits)``; ``edits`` counts the substitutions made."""
    edits = 0
    out, edits = _SPECIAL.subn(lambda m: _MAP[m.group(0)], text)
    if "\u200d" in out:
        out, n = _ZWJ.subn("", out)
        edits += n
    if "?" in out:
        out, n = _COPYRIGHT.subn(r"\1 ©", out)
        edits += n
    if "(" in out:
        out, n = _sub(_PAREN, _paren, out)
        edits += n
    out, n = _sub(_ASCII_MARK, _mark, out)
    edits += n
    if "..." in out or "。。。" in out:
        out, n = _DOTS.subn("……", out)
        edits += n
    if "…" in out:
        out, n = _LONE_ELLIPSIS.subn("……", out)
        edits += n
    if "．" in out:
        out, n = _DECIMAL.subn(".", out)
        edits += n
    if " " in out or "\t" in out:
        out, n = _sub(_HAN_SPACE_RUN, _han_space, out)
        edits += n
    out = _MULTI_SPACE.sub(" ", out)
    out = _EDGE_SPACE.sub("", out)
    return out, edits
