"""A small character bigram language model (built by ``tools/build_lm.py`` from jieba's MIT dict).

The data is a word list, so the model is word-aware: after character ``a`` a word ends with
probability ``e(a)``; then the next character starts a word (``s(b)``) or is punctuation;
otherwise it continues the word (``w(b|a)``, the within-word bigram table). Only the mojibake
repair uses it, so it is loaded lazily on the first suspicious span.
"""

from __future__ import annotations

import gzip
import math
from functools import lru_cache
from importlib import resources

_UNKNOWN = -16.0  # a character the model has never seen (rarer than any counted one)
_PUNCT = frozenset("。，、；：？！…—“”‘’《》（）「」『』·")
_LOG_PUNCT = math.log(0.12 / 8)  # P(punctuation | word boundary), spread over the common marks
_LOG_WORD = math.log(0.88)  # P(another word | word boundary)
_SMOOTH = 0.02  # share of the plain unigram, so no transition is impossible
# Tempering the within-word bigram: the dictionary counts are from older text and undercount
# newer words (海量 has frequency 48); a known word matters more than how frequent it is.
_INSIDE_TEMPER = 0.6


class CharLM:
    """Word-boundary-aware character bigram log-probabilities."""

    def __init__(self, chars: dict[str, tuple[float, float, float]], bigrams: dict[str, float]) -> None:
        self.chars = chars  # c -> (log P(c), log P(word ends | c), log P(word starts with c))
        self.bi = bigrams  # "ab" -> log P(b | a, inside a word)

    def __contains__(self, ch: str) -> bool:
        return ch in self.chars

    def unigram(self, ch: str) -> float:
        row = self.chars.get(ch)
        if row is not None:
            return row[0]
        return _LOG_PUNCT if ch in _PUNCT else _UNKNOWN

    def cond(self, prev: str, ch: str) -> float:
        """log P(ch | prev)."""
        a = self.chars.get(prev)
        b = self.chars.get(ch)
        if a is None:  # after punctuation or an unknown character: a word starts
            if b is None:
                return _LOG_PUNCT if ch in _PUNCT else _UNKNOWN
            return b[2]
        log_end = a[1]
        if b is None:
            return log_end + _LOG_PUNCT if ch in _PUNCT else _UNKNOWN
        p = math.exp(log_end + _LOG_WORD + b[2]) + _SMOOTH * math.exp(b[0])
        inside = self.bi.get(prev + ch)
        if inside is not None:
            p += (1.0 - math.exp(log_end)) * math.exp(inside * _INSIDE_TEMPER)
        return math.log(p)

    def score(self, text: str, left: str = "") -> float:
        """Log-probability of ``text`` after the context character ``left``."""
        total = 0.0
        prev = left
        for ch in text:
            total += self.cond(prev, ch) if prev else self.unigram(ch)
            prev = ch
        return total


def _sections(name: str) -> list[str]:
    raw = resources.files("cleanfeed.normalize").joinpath(f"data/{name}").read_bytes()
    text = gzip.decompress(raw).decode("utf-8")
    return text.split("\n", 1)[1].split("\n\n")  # drop the header line


@lru_cache(maxsize=1)
def load_lm() -> CharLM:
    chars_s, triples_s, bigrams_s, values_s = _sections("charlm.tsv.gz")
    nums = list(map(float, triples_s.split()))
    chars = {c: (nums[3 * i], nums[3 * i + 1], nums[3 * i + 2]) for i, c in enumerate(chars_s)}
    bi = dict(zip(bigrams_s.split(), map(float, values_s.split()), strict=True))
    return CharLM(chars, bi)


_WORD_MAX = 4
_LOG_UNSEEN_CHAR = -17.0  # a single character that is not even a one-character word
# Punctuation as a token: in news text 。and ，each come about once per ten to twenty words.
_PUNCT_WORD = {ch: (-2.5 if ch in "。，、" else -4.5) for ch in _PUNCT}


class WordLM:
    """Word unigram log-probabilities; texts are scored by their best segmentation."""

    def __init__(self, words: dict[str, float]) -> None:
        self.words = words

    def extend(self, tail: tuple[float, ...], text: str) -> tuple[float, ...]:
        """Append ``text[-1]``: ``tail`` holds the best segmentation scores of the last
        ``_WORD_MAX`` prefixes of ``text[:-1]`` (latest last); returns the updated tail."""
        n = len(text)
        best = float("-inf")
        for k in range(1, min(_WORD_MAX, len(tail)) + 1):
            piece = text[n - k :]
            lp = self.words.get(piece)
            if lp is None:
                if k > 1:
                    continue
                ch = piece
                lp = _PUNCT_WORD.get(ch, _LOG_UNSEEN_CHAR)
            best = max(best, tail[-k] + lp)
        return (*tail, best)[-_WORD_MAX:]

    def score(self, text: str) -> float:
        tail: tuple[float, ...] = (0.0,)
        for i in range(1, len(text) + 1):
            tail = self.extend(tail, text[:i])
        return tail[-1]


@lru_cache(maxsize=1)
def load_words() -> WordLM:
    words_s, values_s = _sections("words.tsv.gz")
    return WordLM(dict(zip(words_s.split(), map(float, values_s.split()), strict=True)))
