"""Fingerprints: canonical text, character n-gram hashes, MinHash band keys, sampled keys and anchors.

Everything here is a pure function of the text. The hot path is vectorised with numpy: the text becomes
an array of code points, one table lookup canonicalises it (NFKC, lower case, punctuation and whitespace
dropped, sentence ends marked), and n-gram hashes are rolling products over shifted views. No per-char
Python loop runs per document.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import rensa

from cleanfeed.normalize import normalize_report

U64 = npt.NDArray[np.uint64]

SHINGLE = 5  # characters per shingle for exact/near/partial
_SENT_MARK = 1  # table value for a sentence end (U+0001 never survives as text)
_SENT_ENDS = "。！？；!?;\n…"
_KEEP_PUNCT = ".%"  # decimal points and percent signs carry numbers (8.7%)
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# Pinyin glosses such as 焦點(diǎn): parentheses holding only pinyin with at least one tone mark.
_PINYIN = re.compile(rf"[(（](?=[a-zü ]*[{_TONED}])[a-zü{_TONED} ]{{1,12}}[)）]")
_TONE_CHAR = re.compile(f"[{_TONED}]")
# Numbers with their unit (6800亿, 8.7%, 147家) or Latin words (deepseek): one pass over the text.
# The lookahead lets the regex engine skip the (mostly Han) positions that cannot start a token: 2x faster.
_ANCHOR = re.compile(r"(?=[\da-z])(?:\d+(?:\.\d+)?(?:%|[^\W\d_a-z.%])?|[a-z]{3,})")
_STRAY_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")

# Key tags (low 3 bits) keep the three kinds of posting in one table without collisions between kinds.
TAG_BAND, TAG_SHINGLE, TAG_ANCHOR = 1, 2, 3
_K1 = np.uint64(0x100000001B3)  # FNV-1a prime: rolling mix
_K2 = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64 finaliser constants
_K3 = np.uint64(0x94D049BB133111EB)
_S29, _S27, _S31 = np.uint64(29), np.uint64(27), np.uint64(31)
_TAG_MASK = np.uint64(0xFFFFFFFFFFFFFFF8)


@lru_cache(maxsize=1)
def _table() -> npt.NDArray[np.uint32]:
    """Code point -> canonical code point (0 = drop, 1 = sentence end), for the BMP."""
    table = np.zeros(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        ch = chr(cp)
        if ch in _SENT_ENDS:
            table[cp] = _SENT_MARK
            continue
        n = unicodedata.normalize("NFKC", ch) if not 0xD800 <= cp < 0xE000 else ""
        n = n.lower() if len(n) == 1 else ch
        if len(n) != 1:
            continue
        if n in _SENT_ENDS:
            table[cp] = _SENT_MARK
        elif n in _KEEP_PUNCT or unicodedata.category(n)[0] in "LN":
            table[cp] = ord(n)
    return table


def _mix(h: U64) -> U64:
    h = (h ^ (h >> _S29)) * _K2
    h = (h ^ (h >> _S27)) * _K3
    return h ^ (h >> _S31)


def ngram_hashes(codes: npt.NDArray[np.uint32], n: int) -> U64:
    """Hashes of every character n-gram (with repeats); a text shorter than n is one gram."""
    c = codes.astype(np.uint64)
    if len(c) < n:
        n = len(c)
        if n == 0:
            return np.zeros(0, dtype=np.uint64)
    m = len(c) - n + 1
    h = c[:m] * _K1
    for k in range(1, n):
        h = (h ^ c[k : k + m]) * _K1
    return _mix(h)


def unique_sorted(h: U64) -> U64:
    """Sorted distinct values (cheaper than np.unique for the sizes seen here)."""
    if len(h) == 0:
        return h
    s = np.sort(h)
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def canonical(text: str) -> str:
    """Canonical form used for every comparison: sentences joined by "\\n", no punctuation or spaces.

    Digits are NFKC-folded and thousands separators vanish with the punctuation (6,800亿元 == 6800亿元).
    """
    if _TONE_CHAR.search(text):
        text = _PINYIN.sub("", text)
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    bmp = cps < 0x10000
    mapped = _table()[np.where(bmp, cps, 0)]
    if not bmp.all():  # astral characters (CJK extension B, ...) are kept as they are
        mapped = np.where(bmp, mapped, cps)
    mapped = mapped[mapped != 0]
    mapped[mapped == _SENT_MARK] = 10
    out = mapped.astype("<u4").tobytes().decode("utf-32-le")
    if "." in out:  # kept for decimals (8.7%) only
        out = _STRAY_DOT.sub("", out)
    return "\n".join(s for s in out.split("\n") if s)


def codes_of(canon: str) -> npt.NDArray[np.uint32]:
    """Code points of the canonical text without sentence breaks."""
    return np.frombuffer(canon.replace("\n", "").encode("utf-32-le"), dtype=np.uint32)


def anchors(canon: str) -> set[str]:
    """Tokens spinners keep: numbers with their unit (6800亿, 8.7%, 147家) and Latin words (deepseek)."""
    # Single digits (3个) are too common to say anything.
    return {tok for tok in _ANCHOR.findall(canon) if len(tok) >= 3 or tok[:2].isdigit()}


@lru_cache(maxsize=1 << 16)  # anchors repeat across articles (years, 5%, brand names): hash each once
def _stable64(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def _tag(h: U64, tag: int) -> list[int]:
    """uint64 hashes -> signed 64-bit SQLite integers with the kind tag in the low bits."""
    tagged = (h & _TAG_MASK) | np.uint64(tag)
    out: list[int] = tagged.view(np.int64).tolist()
    return out


_M64 = (1 << 64) - 1


def _band_keys(sig: list[int], bands: int) -> list[int]:
    """Band keys of a MinHash signature, tagged. Plain integers (mod 2**64) beat numpy on 64 values: each
    numpy call on a 16-element array costs more than the arithmetic. Same values as ``_mix`` / ``_tag``."""
    k1, k2, k3 = int(_K1), int(_K2), int(_K3)
    per = len(sig) // bands
    out = []
    for b in range(bands):
        h = ((b + 1) * k2) & _M64
        for v in sig[b * per : (b + 1) * per]:
            h = ((h ^ v) * k1) & _M64
        h = ((h ^ (h >> 29)) * k2) & _M64
        h = ((h ^ (h >> 27)) * k3) & _M64
        h ^= h >> 31
        h = (h & ~7 & _M64) | TAG_BAND
        out.append(h - (1 << 64) if h >> 63 else h)  # signed, as SQLite stores it
    return out


@dataclass(frozen=True, slots=True)
class Params:
    """Index parameters; stored in the index so a reopened index keeps using the same ones."""

    num_perm: int = 64
    bands: int = 16  # 16 bands x 4 rows: candidate probability 0.5 at Jaccard 0.5, 0.99 at 0.7
    sample_bits: int = 5  # index one 5-gram in 2**5 (chosen by hash, so both copies pick the same ones)
    seed: int = 1


@dataclass(frozen=True, slots=True)
class Fingerprint:
    canon: str  # canonical sentences joined by "\n"
    digest: int  # signed 64-bit hash of the canonical text: equal digests are exact duplicates
    length: int  # canonical characters
    bands: list[int]  # MinHash LSH band keys (near duplicates)
    keys: list[int]  # sampled 5-gram keys and anchor keys (containment, partial and spun candidates)
    converted: bool  # the text was Traditional (converted by the pipeline or here)


def fingerprint(
    text: str, *, converted: bool = False, params: Params | None = None, normalized: bool = False
) -> Fingerprint:
    """Fingerprint an article's text.

    Raw text (any script) is normalized to Simplified first. ``normalized=True`` says the text is already
    the normalizer's output (``clean_html`` articles): re-running it would change nothing and is the
    largest cost of a fingerprint (its per-character Traditional check), so it is skipped.
    """
    p = params or Params()
    if not normalized:
        # The normalizer also repairs mojibake and punctuation: only its Traditional->Simplified step
        # makes a copy cross-script.
        text, report = normalize_report(text)
        converted = converted or report.converted
    canon = canonical(text)
    codes = codes_of(canon)
    digest = int.from_bytes(hashlib.blake2b(codes.tobytes(), digest_size=8).digest(), "little", signed=True)
    shingles = ngram_hashes(codes, SHINGLE)
    bands: list[int] = []
    keys: list[int] = []
    if len(shingles):
        sig = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            shingles, [0, len(shingles)], num_perm=p.num_perm, seed=p.seed
        ).to_rows()[0]
        bands = _band_keys(sig, p.bands)
        sampled = unique_sorted(shingles[(shingles >> np.uint64(64 - p.sample_bits)) == 0])
        keys = _tag(sampled, TAG_SHINGLE)
    anchor_keys = np.array([_stable64(a) for a in sorted(anchors(canon))], dtype=np.uint64)
    keys += _tag(anchor_keys, TAG_ANCHOR)
    return Fingerprint(canon, digest, len(codes), bands, keys, converted)
