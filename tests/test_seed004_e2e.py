"""Issue target: seed 004's body after `clean_html` equals the hand-checked Simplified reference, exactly.

The page is the seed as a spam portal serves it (Traditional, pinyin after 525 characters, three GBK
mojibake spans, ASCII-folded punctuation, a copyright/ICP footer), in two layouts. The reference
(tests/fixtures/normalize/seed004_expected.txt) was checked line by line by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cleanfeed

FIX = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("page", ["seed004_trad.html", "seed004_trad_between.html"])
def test_seed004_clean_html_equals_the_reference(page: str) -> None:
    reference = (FIX / "normalize" / "seed004_expected.txt").read_text(encoding="utf-8").split("\n")
    art = cleanfeed.clean_html((FIX / "pages" / page).read_bytes(), url="https://m.hao-ang.com/news/a.html")
    assert art.text.split("\n") == [line for line in reference if line]
    assert art.converted
    assert art.normalized["mojibake_spans"] == 3
    assert len([f for f in art.flags if f.startswith("mojibake_")]) == 3  # each repair is reviewable
    for leftover in ("(", "版权", "ICP", "许可证", "Copyright"):
        assert leftover not in art.text
