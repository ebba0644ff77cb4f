"""Literal prefilters (extract/literals.py) never hide a match; long-tag cutting matches its regex."""

from __future__ import annotations

import random
import re

import pytest

from cleanfeed.extract import dom
from cleanfeed.extract.literals import literals
from cleanfeed.extract.rules import RuleSet

# Pieces for random patterns and texts: CJK, ASCII letters of both cases, characters that fold
# onto ASCII letters under re.IGNORECASE (İ ı ſ K), and regex-free punctuation.
_ALPHABET = ["a", "b", "c", "A", "B", "k", "s", "i", "I", "中", "文", "版", "©", "-", " ", "İ", "ı", "ſ", "K"]


def _atom(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    if depth > 2 or roll < 0.45:
        return re.escape(rng.choice(_ALPHABET))
    if roll < 0.55:
        return rng.choice([".", r"\s", "[ab]", "[中文]", r"\d"])
    if roll < 0.7:
        return "(?:" + "|".join(_seq(rng, depth + 1) for _ in range(rng.randint(2, 3))) + ")"
    if roll < 0.8:
        return "(" + _seq(rng, depth + 1) + ")" + rng.choice(["", "?", "*", "+", "{1,2}", "{0,2}", "+?"])
    if roll < 0.87:
        return "(?i:" + _seq(rng, depth + 1) + ")"
    if roll < 0.93:
        return rng.choice(["(?<!a)", "(?=b)", "^", "$"])
    return "(?>" + _seq(rng, depth + 1) + ")"


def _seq(rng: random.Random, depth: int) -> str:
    return "".join(_atom(rng, depth) for _ in range(rng.randint(1, 4)))


def _texts(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 12))) for _ in range(n)]


def test_random_patterns_never_lose_a_match() -> None:
    rng = random.Random(20240611)
    texts = _texts(rng, 400)
    checked = 0
    for _ in range(400):
        raw = ("(?i)" if rng.random() < 0.3 else "") + _seq(rng, 0)
        pattern = re.compile(raw)
        lits = literals(pattern)
        if lits is None:
            continue
        for text in texts:
            if pattern.search(text) is not None:
                checked += 1
                assert lits.may_match(text), (raw, text)
    assert checked > 1000  # the generator does produce prefiltered patterns that match


@pytest.mark.parametrize(
    "rule", [r for r in RuleSet.default().rules if r.pattern is not None], ids=lambda r: str(r.name)
)
def test_rule_patterns_never_lose_a_match(rule: object) -> None:
    pattern = rule.pattern  # type: ignore[attr-defined]
    lits = literals(pattern)
    if lits is None:
        return
    rng = random.Random(rule.name)  # type: ignore[attr-defined]
    # The pattern's own literal pieces, spliced into text in random case, must get through.
    pieces = re.findall(r"[\u3400-\u9fffA-Za-z©]{1,6}", pattern.pattern) or ["x"]
    for _ in range(300):
        text = "".join(
            rng.choice([*pieces, "，", " ", "2012", "中", "İ", "K"]) for _ in range(rng.randint(1, 8))
        )
        text = text.upper() if rng.random() < 0.3 else text
        if pattern.search(text) is not None:
            assert lits.may_match(text), text


def test_prefilter_prunes_ordinary_text() -> None:
    disclaimer = next(r for r in RuleSet.default().rules if r.name == "disclaimer")
    lits = literals(disclaimer.pattern)
    assert lits is not None
    assert not lits.may_match("记者从国家统计局获悉，今年前三季度工业增加值同比增长。")
    assert lits.may_match("本文来自网友投稿，不代表本站观点。")


def test_case_insensitive_literals() -> None:
    lits = literals(re.compile(r"(?i)copyright|版权所有"))
    assert lits is not None
    assert lits.may_match("COPYRIGHT 2012") and lits.may_match("本站版权所有")
    assert lits.may_match("copyrıght")  # dotless i folds onto i: always handed to the pattern
    assert not lits.may_match("新闻正文")


def _reference_cut(html: str) -> str:
    return dom._LONG_TAG.sub(lambda m: f"<{m[1]}{m[2][: dom.MAX_TAG_CHARS]}>", html)


def test_cut_long_tags_matches_whole_page_regex() -> None:
    rng = random.Random(5)
    n = dom.MAX_TAG_CHARS
    pieces = [
        "<",
        ">",
        "a",
        " ",
        "/",
        "\n",
        "中文",
        "<a",
        "x" * 1000,
        "z" * (n + 1),
        "<b" + "c" * (n + 5) + ">",
    ]
    pieces += ["<e" + "f" * (n - 1) + ">", "<1" + "g" * (n + 1) + ">", '<input value="' + "v" * n + '">']
    for _ in range(150):
        # (few pieces: the reference regex itself backtracks badly on many long runs)
        html = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 7)))
        assert dom._has_long_run(html) == (max(map(len, html.split(">"))) > n)
        assert dom._cut_long_tags(html) == _reference_cut(html)
