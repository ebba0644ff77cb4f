"""Build the normalizer's shipped data files (run by hand; the outputs are committed).

    .venv/bin/pip install jieba pypinyin   # build-time only, never runtime dependencies
    .venv/bin/python tools/build_lm.py

Outputs, under ``src/cleanfeed/normalize/data/``:

``charlm.tsv.gz`` -- a character language model (unigram + interpolated bigram log-probs) that
the mojibake repair uses to score candidate re-pairings. Counts come from **jieba's dict.txt**
(jieba 0.42.1, MIT licence): each word's frequency is added to the unigram count of each of its
characters and to the bigram count of each adjacent pair inside the word. Every word is also
converted with OpenCC (Apache-2.0; the ``opencc`` wheel's s2t/s2tw/s2hk dictionaries) and counted
again in its Traditional forms, because the repair runs before Traditional -> Simplified.

``words.tsv.gz`` -- log P(word) for the jieba words with frequency >= 20 (and their Traditional
forms); the repair ranks candidate readings by their best word segmentation.

(The script check's tables, ``opencc_script.txt``, come from ``tools/build_script_tables.py``.)

``readings.tsv.gz`` -- tone-marked pinyin readings per character from **pypinyin**'s
``pinyin_dict`` (pypinyin 0.55, MIT licence); used to strip "(fā)"-style annotations only when
the syllable is a reading of the character it follows.
"""

from __future__ import annotations

import argparse
import gzip
import math
import unicodedata
from collections import Counter
from itertools import pairwise
from pathlib import Path

import jieba  # build-time only, like pypinyin: neither is a runtime dependency
import opencc
from pypinyin.pinyin_dict import pinyin_dict

OUT = Path(__file__).resolve().parent.parent / "src" / "cleanfeed" / "normalize" / "data"


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _words() -> list[tuple[str, int]]:
    path = Path(jieba.__file__).parent / "dict.txt"
    words: list[tuple[str, int]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) >= 2 and parts[1].isdigit() and all(_is_han(c) for c in parts[0]):
            words.append((parts[0], int(parts[1])))
    return words


def _traditional_forms(words: list[str]) -> list[list[str]]:
    forms: list[list[str]] = [[] for _ in words]
    blob = "\n".join(words)
    for cfg in ("s2t", "s2tw", "s2hk"):
        for i, conv in enumerate(opencc.OpenCC(cfg).convert(blob).split("\n")):
            if conv != words[i] and conv not in forms[i]:
                forms[i].append(conv)
    return forms


def build_lm(top_bigrams: int) -> tuple[dict[str, tuple[float, float, float]], dict[str, float]]:
    """Per character: (log P(c), log P(word ends | c), log P(word starts with c)); per bigram:
    log P(b | a, inside a word). The runtime mixes them into P(b | a) across word boundaries."""
    words = _words()
    uni: Counter[str] = Counter()
    final: Counter[str] = Counter()
    initial: Counter[str] = Counter()
    bi: Counter[str] = Counter()
    forms = _traditional_forms([w for w, _ in words])
    tokens = 0
    for (word, freq), extra in zip(words, forms, strict=True):
        for w in (word, *extra):
            tokens += freq
            initial[w[0]] += freq
            final[w[-1]] += freq
            for ch in w:
                uni[ch] += freq
            for a, b in pairwise(w):
                bi[a + b] += freq
    total = sum(uni.values())
    chars: dict[str, tuple[float, float, float]] = {}
    for c, n in uni.items():
        chars[c] = (
            math.log((n + 0.5) / total),
            math.log((final[c] + 0.5) / (n + 1.0)),
            math.log((initial[c] + 0.5) / tokens),
        )
    bi_lp: dict[str, float] = {}
    for ab, n in bi.most_common(top_bigrams):
        bi_lp[ab] = math.log(n / (uni[ab[0]] - final[ab[0]] + 1.0))
    return chars, bi_lp


def build_words(min_freq: int) -> dict[str, float]:
    """log P(word) for jieba words (and their Traditional forms) with a frequency >= min_freq."""
    words = _words()
    forms = _traditional_forms([w for w, _ in words])
    counts: Counter[str] = Counter()
    for (word, freq), extra in zip(words, forms, strict=True):
        if freq >= min_freq or len(word) == 1:
            for w in (word, *extra):
                counts[w] += freq
    total = sum(counts.values())
    return {w: math.log(n / total) for w, n in counts.items() if len(w) <= 4}


def build_readings() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for cp, readings in pinyin_dict.items():
        ch = chr(cp)
        if _is_han(ch):
            out[ch] = [unicodedata.normalize("NFC", r) for r in readings.split(",") if r]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--top-bigrams", type=int, default=120_000)
    ap.add_argument("--min-word-freq", type=int, default=20)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    uni, bi = build_lm(args.top_bigrams)
    # Layout (fast to parse: four str.split calls): header, then sections separated by blank
    # lines -- characters, their "logP logEnd logStart" triples, bigrams, their log-probs.
    cs = sorted(uni)
    bs = sorted(bi)
    lines = [
        "#charlm v3 source=jieba-0.42.1-dict.txt(MIT)+opencc-s2t(Apache-2.0)",
        "".join(cs),
        "",
        " ".join(f"{uni[c][0]:.2f} {uni[c][1]:.2f} {uni[c][2]:.2f}" for c in cs),
        "",
        " ".join(bs),
        "",
        " ".join(f"{bi[b]:.2f}" for b in bs),
    ]
    # mtime=0 keeps the gzip bytes reproducible, so a rebuild with the same inputs is a no-op diff
    with gzip.GzipFile(OUT / "charlm.tsv.gz", "wb", compresslevel=9, mtime=0) as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    words = build_words(args.min_word_freq)
    ws = sorted(words)
    wlines = ["#words v2 source=jieba-0.42.1-dict.txt(MIT)+opencc-s2t(Apache-2.0)", " ".join(ws), ""]
    wlines.append(" ".join(f"{words[w]:.2f}" for w in ws))
    with gzip.GzipFile(OUT / "words.tsv.gz", "wb", compresslevel=9, mtime=0) as fh:
        fh.write(("\n".join(wlines) + "\n").encode("utf-8"))
    readings = build_readings()
    rlines = ["#readings source=pypinyin-0.55-pinyin_dict(MIT)"]
    rlines += [f"{c}\t{','.join(r)}" for c, r in sorted(readings.items())]
    with gzip.GzipFile(OUT / "readings.tsv.gz", "wb", compresslevel=9, mtime=0) as fh:
        fh.write(("\n".join(rlines) + "\n").encode("utf-8"))
    print(f"unigrams={len(uni)} bigrams={len(bi)} words={len(words)} readings={len(readings)} -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
