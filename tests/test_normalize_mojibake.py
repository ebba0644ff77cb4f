"""Mojibake: sure repairs are applied, unsure ones are left as they were and flagged with their position.

Damage is made here from sentences written for this test: GBK bytes with one byte lost, decoded the two ways
it happens (Python's own decoder, and seed 004's marked form). The expected text is the sentence itself.
"""

from __future__ import annotations

import pytest

from cleanfeed.normalize import normalize_lines, normalize_report, normalize_text
from cleanfeed.normalize.damage import repair_mojibake, unrepaired_spans
from cleanfeed.normalize.repair import find_repairs, scan

SENTENCES = [
    "今年以来，全市共新建充电桩三千多个，基本实现了城区全覆盖。",
    "这项政策将于明年一月起正式实施，预计惠及全省两百万户家庭。",
]


def _python_form(text: str, lost: int) -> str:
    """``text`` in GBK with byte ``lost`` missing, decoded as our decode step does (gb18030, replace)."""
    data = text.encode("gbk")
    return (data[:lost] + data[lost + 1 :]).decode("gb18030", "replace")


def test_unsure_damage_is_left_as_it_was_and_flagged_with_its_position() -> None:
    # 發 lost its lead byte: only its trail is left, shown as "l"; 發 or another character with that trail?
    damaged = "本質上是因地制宜發展新質生產力" + _python_form("。可以充分發揮我國超大市場規模", 0)
    out, report = normalize_report(damaged)
    assert "mojibake_spans" not in report.counts
    assert len(report.unrepaired) == 1
    line, start, end, span = report.unrepaired[0]
    assert out.split("\n")[line][start:end] == span  # where it is in the output
    assert span in damaged  # exactly as it came in: no stage rewrote it
    assert report.flags == [f"mojibake_unrepaired:{line}:{start}-{end}:{span}"]


def test_replacement_characters_are_flagged_never_guessed() -> None:
    out, report = normalize_report("杨\ufffd菁以及随男篮获得冠军的队员")
    assert out == "杨\ufffd菁以及随男篮获得冠军的队员"
    [(line, start, end, span)] = report.unrepaired
    assert "\ufffd" in span
    assert out.split("\n")[line][start:end] == span


def test_marked_letter_is_flagged() -> None:
    # 貿 lost its lead: the orphan shows as "?", its trail as "Q" (seed 004's form)
    damaged = "國的經" + ("貿".encode("gbk")[1:]).decode("ascii").join(["?", ""]) + "合作注"
    assert damaged == "國的經?Q合作注"
    _, report = normalize_report(damaged)
    assert [u[3] for u in report.unrepaired] == ["?Q"]


def test_seed004_spans_are_confirmed_by_their_annotations() -> None:
    # all three runs end where an annotation reads the run's last character (數 shù, 訓 xùn, 發 fā)
    found = scan("\n".join(normalize_lines_input()))
    assert [r.text[-2:] for r in found] == ["數(", "訓(", "充分發"[-2:]]
    assert all(r.confident for r in found)


def normalize_lines_input() -> list[str]:
    from pathlib import Path

    path = Path(__file__).parent / "fixtures" / "normalize" / "seed004_input.txt"
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


def test_every_lost_byte_is_repaired_exactly_or_left_and_flagged() -> None:
    # every byte of both sentences lost in turn (as our decode step reads the bytes): nothing is rewritten
    # into other words, and whatever is left is flagged
    total = 0
    for sentence in SENTENCES:
        data = sentence.encode("gbk")
        for lost in range(len(data) - 6):
            damaged = _python_form(sentence, lost)
            fixed, _reps, damage = repair_mojibake(damaged)
            total += 1
            assert fixed in (sentence, damaged), (lost, fixed)
            assert fixed == sentence or damage, (lost, damaged)
    assert total > 100


def test_normalizing_damaged_text_twice_changes_nothing_more() -> None:
    for sentence in SENTENCES:
        for lost in (3, 11, 20):
            once = normalize_text(_python_form(sentence, lost))
            assert normalize_text(once) == once


@pytest.mark.parametrize(
    "text", ["中国A股市场", "我在B站看视频", "他问：真的吗?真的。", "食品是否安全?1月12日"]
)
def test_ordinary_letters_and_question_marks_are_neither_repaired_nor_flagged(text: str) -> None:
    assert find_repairs(text) == ()
    assert unrepaired_spans(text) == ()


def test_a_page_holding_the_placeholder_characters_still_gets_its_damage_flagged() -> None:
    # held-out spans become plane-15 private-use characters during the later stages; a page that already
    # holds one uses plane 16, and one holding both is flagged where the damage was found
    for other in ("\U000f0001", "\U000f0001\U00100001"):
        out, report = normalize_lines([f"前{other}后", "杨\ufffd菁"])
        assert out == [f"前{other}后", "杨\ufffd菁"]
        assert [u[:3] for u in report.unrepaired] == [(1, 1, 2)]


def test_positions_count_only_the_lines_normalize_report_returns() -> None:
    out, report = normalize_report("第一段。\n\n杨\ufffd菁以及队员")
    [(line, start, end, span)] = report.unrepaired
    assert (line, start, end, span) == (1, 1, 2, "\ufffd")
    assert out.split("\n")[line][start:end] == span


@pytest.mark.parametrize("text", ["合同签于??013年三月", "共计5??天假期", "约?有?013年的数据"])
def test_a_marker_that_ate_a_digit_is_flagged(text: str) -> None:
    # the orphan "?", then the lost character's trail paired with an ASCII digit: one more "?", the digit gone
    out, report = normalize_report(text)
    assert out.count("?") == text.count("?")  # left as it was (no full-width question mark)
    assert len(report.unrepaired) == 1 and report.unrepaired[0][3].count("?") == 2


@pytest.mark.parametrize(
    "text",
    [
        "真的吗??我不信",
        "是否安全?1月12日起检查",
        "年会T台秀",
        "中国A股市场",
        "真的吗?是A股",
        "[快讯]北京|上海",
    ],
)
def test_ordinary_question_marks_and_letters_are_not_flagged(text: str) -> None:
    _, report = normalize_report(text)
    assert report.unrepaired == []


def _marked_form(text: str, lead: int) -> str:
    """Seed 004's form: the lead byte at ``lead`` became "?", the rest read out of step as code page 936
    reads it (a user-defined pair shows as nothing, a lead byte before an ASCII byte is one "?")."""
    data = text.encode("gbk")
    data = data[:lead] + b"?" + data[lead + 1 :]
    out, i = [], 0
    while i < len(data):
        if data[i] < 0x80:
            out.append(chr(data[i]))
            i += 1
            continue
        try:
            ch = data[i : i + 2].decode("gb18030")
        except UnicodeDecodeError:
            ch = "?"
        out.append("" if "\ue000" <= ch <= "\uf8ff" else ch)
        i += 2
    return "".join(out).replace("，", ",").replace("。", ".")  # and full-width forms folded


@pytest.mark.parametrize(
    "sentence", ["据统计，2013年全市共新建充电桩三千多个。", "这项政策将于明年一月起正式实施。"]
)
def test_every_marked_lost_byte_is_repaired_exactly_or_left_and_flagged(sentence: str) -> None:
    want = normalize_text(sentence)
    data = sentence.encode("gbk")
    leads, i = [], 0
    while i < len(data):
        if data[i] >= 0x81:
            leads.append(i)
        i += 2 if data[i] >= 0x81 else 1
    for lead in leads:
        damaged = _marked_form(sentence, lead)
        out, report = normalize_report(damaged)
        # exact, or left as it was (no repair applied) and flagged: never other words
        assert out == want or (report.unrepaired and "mojibake_spans" not in report.counts), (
            lead,
            damaged,
            out,
        )
