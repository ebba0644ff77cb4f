"""Short Traditional text (a headline word, a caption) comes out Simplified like a long page does.

Expected forms are written by hand, not produced by a converter.
"""

from __future__ import annotations

import pytest

import cleanfeed


@pytest.mark.parametrize(
    ("trad", "simp"),
    [
        ("經濟", "经济"),
        ("國際", "国际"),
        ("這個", "这个"),
        ("時間", "时间"),
        ("問題", "问题"),
        ("電話", "电话"),
        ("經濟新聞", "经济新闻"),
        ("為什麼", "为什么"),
        ("發展", "发展"),
        ("學生", "学生"),
        ("記者", "记者"),
        ("銀行", "银行"),
        ("新聞", "新闻"),
    ],
)
def test_short_traditional_words_come_out_simplified(trad: str, simp: str) -> None:
    assert cleanfeed.normalize_text(trad) == simp


@pytest.mark.parametrize("word", ["经济", "香港", "新闻", "记者"])
def test_short_simplified_or_shared_words_are_unchanged(word: str) -> None:
    assert cleanfeed.normalize_text(word) == word


@pytest.mark.parametrize("entity", ["&#10;", "&#13;", "&#x0A;", "&#x0d;", "&NewLine;", "&#13;&#10;"])
def test_an_entity_encoding_a_line_break_never_adds_a_line(entity: str) -> None:
    text = f"第一段的文字{entity}继续这一段\n第二段\n第三段"
    out = cleanfeed.normalize_text(text)
    assert out.count("\n") == 2 and "\r" not in out
    assert out.startswith("第一段的文字") and out.split("\n")[0].endswith("继续这一段")


def test_entities_are_decoded_and_lines_without_them_untouched() -> None:
    out = cleanfeed.normalize_text("这是&lt;测试&gt;&amp;结果\n没有实体的一行")
    assert out == "这是<测试>&结果\n没有实体的一行"


def test_the_report_counts_what_each_stage_changed() -> None:
    text, report = cleanfeed.normalize_report("這是測試&amp;內容...好的。。。真的…3．5%\u200d结束  了")
    assert text == "这是测试&内容……好的……真的……3.5%结束 了"
    assert report.converted
    # punctuation: ... -> ……, 。。。 -> ……, a lone … doubled, full-width decimal point, the joiner, the
    # doubled space: six rewrites. T->S: 這 測 試 內. Entities: the document had some.
    assert report.counts == {"entities": 1, "t2s_chars": 4, "punct": 6}


def test_a_plain_simplified_text_reports_nothing() -> None:
    text, report = cleanfeed.normalize_report("这是普通的简体中文句子。")
    assert (text, report.counts, report.converted, report.flags) == (
        "这是普通的简体中文句子。",
        {},
        False,
        [],
    )


def test_a_line_holding_its_own_line_break_stays_one_line() -> None:
    from cleanfeed.normalize import normalize_lines

    lines, _ = normalize_lines(["第一段文字\r后半句", "第二段文字\n后半句", "第三段"])
    assert len(lines) == 3 and all("\n" not in ln and "\r" not in ln for ln in lines)
    assert lines[0].startswith("第一段文字") and lines[0].endswith("后半句") and lines[2] == "第三段"
