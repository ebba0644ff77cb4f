"""Every regex in the shipped rule table stays linear on adversarial lines.

A real page once made one rule backtrack for minutes (a nested ``(\\s*\\S{1,16}){0,8}``); this test
runs each pattern over long lines built from its own keywords, so a new ambiguous pattern fails here
instead of hanging a nightly run. The bound is a hang detector, far above the microseconds expected; as a
wall-clock check it runs in the slow suite (`make test-all`), not on the shared machine's fast suite.
"""

from __future__ import annotations

import re
import time

import pytest

from cleanfeed.extract.rules import RuleSet

HANG_BOUND_S = 10.0  # slow suite only (a wall-clock bound); a backtracking rule takes minutes


def _keywords(pattern: str) -> list[str]:
    # Literal Han runs in the pattern (its keywords) are the prefixes most likely to start a match.
    return sorted(set(re.findall(r"[\u4e00-\u9fff]{2,}", pattern)))[:12] or ["声明"]


def _adversarial(keyword: str) -> list[str]:
    return [
        keyword + "：" + "中" * 3000,
        keyword + " " + "中文 " * 1500,
        keyword + "：" + "中" * 15 + " " + "中" * 3000 + "!",
        (keyword + " 1 ") * 800,
        keyword + "：" + "a" * 3000 + "。",
    ]


RULES = [r for r in RuleSet.default().rules if r.pattern is not None]


@pytest.mark.slow
@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule_pattern_has_no_catastrophic_backtracking(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.pattern is not None
    for keyword in _keywords(rule.pattern.pattern):
        for line in _adversarial(keyword):
            t0 = time.perf_counter()
            rule.pattern.fullmatch(line)
            rule.pattern.search(line)
            elapsed = time.perf_counter() - t0
            assert elapsed < HANG_BOUND_S, f"{rule.name} took {elapsed:.1f}s on a {len(line)}-char line"


@pytest.mark.slow
def test_edge_peel_stays_linear_on_adversarial_lines() -> None:
    # Edge rules are joined into one end-anchored alternation and peeled with a bounded search:
    # long chains of clauses, and long lines almost made of them, must stay fast.
    from cleanfeed.extract.edges import matcher, peel

    em = matcher(RuleSet.default().of("edge"))
    assert em is not None
    lines = [
        "正文。" + "赞（1）" * 1000,
        "查看" * 1500,
        "1" * 3000 + "人支持",
        ("打开" * 3 + "APP") * 300,
        "打开" * 1500 + "APP",
        "。" + "打开" * 20 + "APP阅读全文",
        "点击查看全文 | " * 400,
        "中" * 3000 + "。展开全文",
    ]
    for line in lines:
        t0 = time.perf_counter()
        peel(line, em, tuple(line[i : i + 7] for i in range(0, 21, 7)))
        elapsed = time.perf_counter() - t0
        assert elapsed < HANG_BOUND_S, f"peel took {elapsed:.2f}s on a {len(line)}-char line"
