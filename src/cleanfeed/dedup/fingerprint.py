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
import zlib
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

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
TAG_DIGEST, TAG_BAND, TAG_SHINGLE, TAG_ANCHOR = 0, 1, 2, 3
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
    return canonical_codes(text)[0]


_DOT, _NL = 46, 10


def canonical_codes(text: str) -> tuple[str, npt.NDArray[np.uint32]]:
    """(canonical text, its code points without sentence breaks): one array pass, no per-char Python.

    ``_canonical_many`` does the same for a batch; a single text (every article the pipeline matches)
    skips its separators and bookkeeping.
    """
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    if not len(cps):
        return "", cps
    # Pinyin tone letters live in U+00E0-U+01DC: only then is the (slower) gloss regex needed.
    if ((cps - 0xE0) < 0xFD).any() and _TONE_CHAR.search(text):
        cps = np.frombuffer(_PINYIN.sub("", text).encode("utf-32-le"), dtype=np.uint32)
    mapped = _drop_stray_dots(_mapped(cps))
    ends = mapped == _SENT_MARK
    # One break between sentences: none at the start, the end, or after another break.
    keep = ~ends
    keep[1:] |= ends[1:] & ~ends[:-1]
    mapped = mapped[keep]
    ends = ends[keep]
    if len(mapped) and ends[-1]:
        mapped, ends = mapped[:-1], ends[:-1]
    codes = mapped[~ends].astype(np.uint32)
    mapped[ends] = _NL
    return mapped.tobytes().decode("utf-32-le" if mapped.dtype == np.uint32 else "utf-16-le"), codes


def _mapped(cps: npt.NDArray[np.uint32]) -> npt.NDArray[Any]:
    """Canonical code points, 0 for dropped ones; 16 bits when the text has no astral characters."""
    if not len(cps) or int(cps.max()) < 0x10000:
        return _table16()[cps]
    bmp = cps < 0x10000  # astral characters (CJK extension B, ...) are kept as they are
    return np.where(bmp, _table()[np.where(bmp, cps, 0)], cps)


def _drop_stray_dots(mapped: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Without dropped characters, and without dots that are not between two digits (kept: 8.7%)."""
    mapped = mapped[mapped != 0]
    dots = mapped == _DOT
    if dots.any():
        digit = (mapped - 48) < 10
        between = np.zeros(len(mapped), dtype=bool)
        between[1:-1] = digit[:-2] & digit[2:]
        mapped = mapped[~dots | between]
    return mapped


def codes_of(canon: str) -> npt.NDArray[np.uint32]:
    """Code points of the canonical text without sentence breaks."""
    return np.frombuffer(canon.replace("\n", "").encode("utf-32-le"), dtype=np.uint32)


def anchors(canon: str) -> set[str]:
    """Tokens spinners keep: numbers with their unit (6800亿, 8.7%, 147家) and Latin words (deepseek)."""
    # Single digits (3个) are too common to say anything.
    return {tok for tok in _ANCHOR.findall(canon) if len(tok) >= 3 or tok[:2].isdigit()}


def _anchor_hashes(tokens: list[str]) -> U64:
    """Stable 64-bit hashes of anchor tokens: two CRC-32s (C calls; a cryptographic hash per token cost
    more than the rest of the fingerprint), mixed so every bit depends on the whole token."""
    raw = [(zlib.crc32(b := t.encode()) << 32) | zlib.crc32(b, 0x9E3779B9) for t in tokens]
    return _mix(np.array(raw, dtype=np.uint64))


def digest_key(digest: int) -> int:
    """The posting key of a text digest (exact copies), as a signed 64-bit integer."""
    return digest & ~7 | TAG_DIGEST


def posting_keys(fp: Fingerprint, stop: Container[int] = ()) -> list[int]:
    """The keys an indexed text posts: its digest's key, its band keys, then its other keys not in ``stop``
    (bands are never filtered: a shared band is the strongest evidence)."""
    kept = [k for k in fp.keys if k not in stop] if stop else fp.keys
    return [digest_key(fp.digest), *fp.bands, *kept]


def _tag(h: U64, tag: int) -> list[int]:
    """uint64 hashes -> signed 64-bit SQLite integers with the kind tag in the low bits."""
    tagged = (h & _TAG_MASK) | np.uint64(tag)
    out: list[int] = tagged.view(np.int64).tolist()
    return out


# Odd 64-bit multipliers: a band key is a random linear form of its MinHash rows, then mixed.
_BAND_MUL = np.random.default_rng(0x5EED).integers(0, 1 << 63, 64, dtype=np.uint64) * np.uint64(
    2
) + np.uint64(1)


def _band_keys(rows: U64) -> list[int]:
    """Band keys of MinHash signatures ``rows`` (documents x bands x rows per band), tagged, flattened:
    each band's rows combined in one matrix step, plus the band number (equal rows in two bands differ)."""
    h = (rows * _BAND_MUL[: rows.shape[2]]).sum(axis=2, dtype=np.uint64)
    h += np.arange(1, rows.shape[1] + 1, dtype=np.uint64) * _K2
    return _tag(_mix(h.ravel()), TAG_BAND)


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
    # Kept for verification of the same text (no second pass over it); not part of the identity.
    codes: npt.NDArray[np.uint32] = field(default_factory=lambda: np.zeros(0, np.uint32), compare=False)
    shingles: U64 = field(default_factory=lambda: np.zeros(0, np.uint64), compare=False)


def fingerprint(
    text: str, *, converted: bool = False, params: Params | None = None, normalized: bool = False
) -> Fingerprint:
    """Fingerprint an article's text.

    Raw text (any script) is normalized to Simplified first. ``normalized=True`` says the text is already
    the normalizer's output (``clean_html`` articles): re-running it would change nothing and is the
    largest cost of a fingerprint (its per-character Traditional check), so it is skipped.
    """
    # The same steps as ``fingerprint_many`` without its batch bookkeeping, which a single text would pay
    # for in full (tests check that both give the same fingerprints).
    p = params or Params()
    if not normalized:
        # The normalizer also repairs mojibake and punctuation: only its Traditional->Simplified step
        # makes a copy cross-script.
        text, report = normalize_report(text)
        converted = converted or report.converted
    canon, codes = canonical_codes(text)
    shingles = ngram_hashes(codes, SHINGLE)
    bands: list[int] = []
    keys: list[int] = []
    if len(shingles):
        sig = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            shingles, [0, len(shingles)], num_perm=p.num_perm, seed=p.seed
        ).to_rows()
        bands = _band_keys(np.array(sig, dtype=np.uint64).reshape(1, p.bands, -1))
        keys = _tag(unique_sorted(shingles[(shingles >> np.uint64(64 - p.sample_bits)) == 0]), TAG_SHINGLE)
    keys += _tag(_anchor_hashes(sorted(anchors(canon))), TAG_ANCHOR)
    return Fingerprint(canon, _digest(codes), len(codes), bands, keys, converted, codes, shingles)


def _digest(codes: npt.NDArray[np.uint32]) -> int:
    return int.from_bytes(hashlib.blake2b(codes.tobytes(), digest_size=8).digest(), "little", signed=True)


def fingerprint_many(
    texts: Sequence[str],
    *,
    converted: Sequence[bool] | None = None,
    params: Params | None = None,
    normalized: bool = False,
) -> list[Fingerprint]:
    """``fingerprint`` of each text, the same values, with the array work done once for the whole batch.

    Each numpy call costs about a microsecond whatever its size: per document, the 5-gram hashes, MinHash
    signatures, band keys, sampling and anchor hashes are ~40 calls on arrays of a few hundred elements.
    On the concatenated texts they are the same ~40 calls for the batch.
    """
    p = params or Params()
    flags = list(converted) if converted is not None else [False] * len(texts)
    if not normalized:
        # The normalizer also repairs mojibake and punctuation: only its Traditional->Simplified step
        # makes a copy cross-script.
        reports = [normalize_report(t) for t in texts]
        texts = [t for t, _ in reports]
        flags = [f or r.converted for f, (_, r) in zip(flags, reports, strict=True)]
    canons, codes_all, lens = _canonical_many(texts)
    starts = np.cumsum(lens) - lens
    pairs = [
        (c, codes_all[a : a + n]) for c, a, n in zip(canons, starts.tolist(), lens.tolist(), strict=True)
    ]
    # 5-grams of the concatenation; windows that cross into the next text are dropped.
    grams = ngram_hashes(codes_all, SHINGLE) if len(codes_all) >= SHINGLE else np.zeros(0, np.uint64)
    n_sh = np.maximum(lens - (SHINGLE - 1), 0)
    take = np.repeat(starts - (np.cumsum(n_sh) - n_sh), n_sh) + np.arange(int(n_sh.sum()))
    shingles = grams[take]
    sh_start = np.cumsum(n_sh) - n_sh
    per_doc = [shingles[a : a + n] for a, n in zip(sh_start.tolist(), n_sh.tolist(), strict=True)]
    for i, (n, length) in enumerate(zip(n_sh.tolist(), lens.tolist(), strict=True)):
        if not n and length:  # shorter than a shingle: the whole text is one gram
            per_doc[i] = ngram_hashes(pairs[i][1], SHINGLE)
    bands = _bands_many(per_doc, p)
    sampled = _sampled_many(per_doc, p)
    tokens = _anchors_many(canons)
    anchor_keys = _tag(_anchor_hashes([t for ts in tokens for t in ts]), TAG_ANCHOR)
    out = []
    at = 0
    for i, (canon, codes) in enumerate(pairs):
        keys = sampled[i] + anchor_keys[at : at + len(tokens[i])]
        at += len(tokens[i])
        out.append(
            Fingerprint(canon, _digest(codes), len(codes), bands[i], keys, flags[i], codes, per_doc[i])
        )
    return out


_SEP = 2  # between two texts of a batch; the table never yields it (U+0002 is dropped)


@lru_cache(maxsize=1)
def _table16() -> npt.NDArray[np.uint16]:
    return _table().astype(np.uint16)


def _canonical_many(texts: Sequence[str]) -> tuple[list[str], npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """``canonical_codes`` of each text as (canonical texts, their code points concatenated, lengths).

    The same steps on the concatenation with a separator after each text, which no neighbour test lets
    through (a separator is neither a digit nor text). Texts without astral characters go through in 16
    bits: half the memory traffic for every pass.
    """
    if not texts:
        return [], np.zeros(0, np.uint32), np.zeros(0, np.int64)
    arrays = [np.frombuffer(t.encode("utf-32-le"), dtype=np.uint32) for t in texts]
    cps = np.concatenate(arrays)
    toned = (cps - 0xE0) < 0xFD  # pinyin tone letters: only those texts need the gloss regex
    if toned.any():
        # reduceat over each text's span; an empty span reads its neighbour: a false alarm the regex clears.
        first = np.minimum(np.cumsum([0] + [len(a) for a in arrays[:-1]]), len(cps) - 1)
        per_text = np.add.reduceat(toned, first)
        for i in np.flatnonzero(per_text).tolist():
            if len(arrays[i]) and _TONE_CHAR.search(texts[i]):
                arrays[i] = np.frombuffer(_PINYIN.sub("", texts[i]).encode("utf-32-le"), dtype=np.uint32)
        cps = np.concatenate(arrays)
    # A separator is neither a digit nor text: no neighbour test reaches across it.
    mapped = _drop_stray_dots(np.insert(_mapped(cps), np.cumsum([len(a) for a in arrays]), _SEP))
    # One break between sentences: none at a text's start, its end, or after another break.
    ends = mapped == _SENT_MARK
    keep = ~ends
    keep[1:] |= ends[1:] & (mapped[:-1] > _SEP)
    mapped = mapped[keep]
    ends = mapped == _SENT_MARK
    ends[:-1] &= mapped[1:] == _SEP  # a break that ends its text (every text ends with a separator)
    ends[-1] = False
    mapped = mapped[~ends]
    is_code = mapped > _SEP
    seps = np.flatnonzero(mapped == _SEP)
    counted = np.cumsum(is_code)[seps]
    lens = np.diff(counted, prepend=0).astype(np.int64)
    codes = mapped[is_code].astype(np.uint32)
    mapped[mapped == _SENT_MARK] = _NL
    wide = mapped.dtype == np.uint32
    text = mapped.tobytes().decode("utf-32-le" if wide else "utf-16-le")  # one unit per character
    return text.split("\x02")[:-1], codes, lens


@lru_cache(maxsize=1)
def _token_chars() -> npt.NDArray[np.bool_]:
    """BMP code point -> can it be part of an anchor token before its unit (``[\\da-z.%]``)."""
    ok = re.compile(r"[\da-z.%]")
    return np.array([bool(ok.fullmatch(chr(cp))) for cp in range(0x10000)], dtype=bool)


def _anchors_many(canons: list[str]) -> list[list[str]]:
    """``sorted(anchors(canon))`` of each text, with the regex run on the token-bearing stretches only.

    A token starts with a digit or a Latin letter and runs through ``[\\da-z.%]`` characters plus at most
    one following unit character, so it lies inside one maximal run of such characters and the character
    after it. The regex is run on those stretches (a few dozen characters per article) instead of the
    whole text: the same tokens, a fraction of the scanning.
    """
    joined = "\x00".join(canons)
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    if not len(cps):
        return [[] for _ in canons]
    bmp = cps < 0x10000
    inside = _token_chars()[np.where(bmp, cps, 0)]
    if not bmp.all():  # astral digits (Nd) match \d too
        for i in np.flatnonzero(~bmp).tolist():
            inside[i] = chr(int(cps[i])).isdecimal()
    edges = np.flatnonzero(np.diff(inside.astype(np.int8), prepend=0, append=0))
    starts, ends = edges[::2], edges[1::2]
    doc_start = np.cumsum([0] + [len(c) + 1 for c in canons[:-1]])
    owner = np.searchsorted(doc_start, starts, "right") - 1
    limit = (doc_start + np.array([len(c) for c in canons]))[owner]
    stop = np.minimum(ends + 1, limit)  # the unit character, never past the text's end
    pieces: list[list[str]] = [[] for _ in canons]
    for i, a, b in zip(owner.tolist(), starts.tolist(), stop.tolist(), strict=True):
        pieces[i].append(joined[a:b])
    return [sorted(anchors("\n".join(p))) if p else [] for p in pieces]


def _bands_many(per_doc: list[U64], p: Params) -> list[list[int]]:
    """Band keys of each document's MinHash signature (no bands for a document without shingles)."""
    have = [i for i, sh in enumerate(per_doc) if len(sh)]
    out: list[list[int]] = [[] for _ in per_doc]
    if not have:
        return out
    bounds = np.cumsum([0] + [len(per_doc[i]) for i in have]).tolist()
    flat = np.concatenate([per_doc[i] for i in have])
    sigs = rensa.RMinHash.digest_matrix_from_flat_token_hashes(flat, bounds, num_perm=p.num_perm, seed=p.seed)
    keys = _band_keys(np.array(sigs.to_rows(), dtype=np.uint64).reshape(len(have), p.bands, -1))
    for n, i in enumerate(have):
        out[i] = keys[n * p.bands : (n + 1) * p.bands]
    return out


def _sampled_many(per_doc: list[U64], p: Params) -> list[list[int]]:
    """Each document's distinct 5-grams whose hash falls in the sample (one in ``2**sample_bits``), sorted."""
    if not per_doc:
        return []
    counts = np.array([len(sh) for sh in per_doc], dtype=np.int64)
    flat = np.concatenate(per_doc) if counts.sum() else np.zeros(0, np.uint64)
    doc = np.repeat(np.arange(len(per_doc)), counts)
    pick = (flat >> np.uint64(64 - p.sample_bits)) == 0
    vals, doc = flat[pick], doc[pick]
    order = np.lexsort((vals, doc))
    vals, doc = vals[order], doc[order]
    keep = np.ones(len(vals), dtype=bool)
    keep[1:] = (vals[1:] != vals[:-1]) | (doc[1:] != doc[:-1])
    vals, doc = vals[keep], doc[keep]
    tagged = _tag(vals, TAG_SHINGLE)
    bounds = np.cumsum(np.bincount(doc, minlength=len(per_doc))).tolist()
    return [tagged[a:b] for a, b in zip([0, *bounds[:-1]], bounds, strict=True)]
