"""Targeted punctuation and whitespace normalization (never blanket NFKC).

NFKC would fold ，：；？！（） to ASCII and turn ① into 1. Instead: full-width Latin letters and
digits become ASCII; ASCII , ; : ? ! ( ) touching Han text become full-width (some sites fold
them); 「」『』 become “”‘’; ... and 。。。 become ……; invisible controls go, NBSP and U+3000
become spaces; spaces between Han characters and paragraph indents are removed. Every rule keeps
URLs, numbers (1,000, 3.5), times (18:39:01) and English sentences intact because it needs Han
on one side. Patterns never match a newline, so a document keeps its line count.
"""

from __future__ import annotations

import re

_HAN = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"，。、；：？！…—“”‘’《》〈〉（）【】「」『』·"

# Full-width digits and Latin letters -> ASCII (a plain translate table: fast, no regex).
_WIDE = {cp: cp - 0xFEE0 for cp in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_QUOTES = {ord("「"): "“", ord("」"): "”", ord("『"): "‘", ord("』"): "’"}
_SPACES = {0x00A0: " ", 0x3000: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x202F: " "}
# Zero-width and bidi controls; ZWJ (U+200D) is handled apart because emoji need it.
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x00AD]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
)
_TABLE = str.maketrans({**_WIDE, **_QUOTES, **_SPACES, **_INVISIBLE})

_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
# ASCII mark right after Han / CJK punctuation, or right before Han (but not between digits).
_ASCII_MARK = re.compile(rf"(?<=[{_HAN}{_CJK_PUNCT}])[,;:?!]|[,;:?!](?=[{_HAN}“‘《（])")
# A parenthesised aside touching Han outside or holding Han inside; no nesting, no newline.
_PAREN = re.compile(rf"(?<=[{_HAN}{_CJK_PUNCT}])\(([^()\n]*)\)|\(([^()\n]*)\)(?=[{_HAN}])|\(([^()\n]*[{_HAN}][^()\n]*)\)")
_ELLIPSIS = re.compile(r"\.{3,}|。{3,}|(?<!…)…(?!…)")
_ZWJ = re.compile(r"(?<![\u2600-\u27bf\U0001f000-\U0001faff])\u200d|\u200d(?![\u2600-\u27bf\U0001f000-\U0001faff])")
_HAN_SPACE = re.compile(rf"(?<=[{_HAN}{_CJK_PUNCT}])[ \t]+(?=[{_HAN}{_CJK_PUNCT}])")
_MULTI_SPACE = re.compile(r"[ \t]{2,}")
_EDGE_SPACE = re.compile(r"^[ \t]+|[ \t]+$", re.M)
_COPYRIGHT = re.compile(r"(?i)(copyright)\s*\?")
_DECIMAL = re.compile(r"(?<=\d)．(?=\d)")


def _paren(m: re.Match[str]) -> str:
    inner = m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
    return f"（{inner}）"


def normalize_punct(text: str) -> tuple[str, int]:
    """Returns ``(text, edits)``; ``edits`` counts rule applications (translate-table changes
    are counted as one per changed character class, cheaply, by comparing lengths and equality)."""
    edits = 0
    out = text.translate(_TABLE)
    if out != text:
        edits += 1
    if "\u200d" in out:
        out, n = _ZWJ.subn("", out)
        edits += n
    if "?" in out:
        out, n = _COPYRIGHT.subn(r"\1 ©", out)
        edits += n
    out, n = _PAREN.subn(_paren, out)
    edits += n
    out, n = _ASCII_MARK.subn(lambda m: _FULL[m.group(0)], out)
    edits += n
    if "." in out or "。" in out or "…" in out:
        out, n = _ELLIPSIS.subn("……", out)
        edits += n
    if "．" in out:
        out, n = _DECIMAL.subn(".", out)
        edits += n
    out, n = _HAN_SPACE.subn("", out)
    edits += n
    out = _MULTI_SPACE.sub(" ", out)
    out = _EDGE_SPACE.sub("", out)
    return out, edits
