"""clean_html on hostile and odd input: only Drop escapes, with the right reason; nothing hangs."""

from __future__ import annotations

import pytest

import cleanfeed
from cleanfeed import Drop
from cleanfeed.extract.dom import MAX_DEPTH, sanitize

PARA = "记者从国家统计局获悉，今年前三季度全国规模以上工业增加值同比增长百分之五点二，经济运行总体平稳。"
PAGE = (
    "<html><head><title>统计局发布数据</title></head><body><h1>统计局发布数据</h1>"
    f"<p>{PARA}</p><p>{PARA}</p></body></html>"
)


def _reason(data: bytes | str) -> str:
    with pytest.raises(Drop) as info:
        cleanfeed.clean_html(data)
    return info.value.reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj" + b"\x00" * 100, "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 500, "binary"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 4, "binary"),
        (b"PK\x03\x04" + b"\x00" * 200, "binary"),
        ("<html><body></body></html>", "not_article"),
        ("<html><body><div>   </div><kbd date-time='x'></kbd></body></html>", "not_article"),
    ],
)
def test_non_html_and_empty_input_is_dropped_with_a_reason(data: bytes | str, reason: str) -> None:
    assert _reason(data) == reason


def test_oversized_input_is_dropped_before_any_work() -> None:
    big = b"<p>" + b"x" * (21 * 1024 * 1024) + b"</p>"
    assert _reason(big) == "too_large"
    assert _reason(big.decode("ascii")) == "too_large"


def test_deep_nesting_is_flattened_not_recursed() -> None:
    deep = "<div>" * 20_000 + f"<p>{PARA}</p>" + "</div>" * 20_000
    art = cleanfeed.clean_html(f"<html><body>{deep}</body></html>")
    assert PARA in art.text
    flat = sanitize("<span>" * 6000 + "x" + "</span>" * 6000)
    assert flat.count("<span>") == MAX_DEPTH and flat.count("</span>") == MAX_DEPTH


def test_tags_with_huge_attribute_lists_are_cut() -> None:
    attrs = " ".join(f"a{i}=x" for i in range(50_000))
    art = cleanfeed.clean_html(f"<html><body><p {attrs}>{PARA}</p></body></html>")
    assert PARA in art.text


def test_str_input_with_lone_surrogates_gives_a_writable_record() -> None:
    art = cleanfeed.clean_html(PAGE.replace("经济", "经\udc80济"))
    art.model_dump_json().encode("utf-8")


def test_bytes_in_a_legacy_encoding_are_decoded() -> None:
    data = PAGE.replace("<head>", "<head><meta charset='gbk'>").encode("gbk")
    assert PARA in cleanfeed.clean_html(data).text
    trad = "記者從國家統計局獲悉，今年前三季度全國規模以上工業增加值同比增長，經濟運行總體平穩。"
    data = f"<html><body><h1>統計局發布數據</h1><p>{trad}</p></body></html>".encode("big5")
    art = cleanfeed.clean_html(data, header_charset="big5")
    assert "记者从国家统计局获悉" in art.text and art.converted


def test_output_is_deterministic() -> None:
    first = cleanfeed.clean_html(PAGE, url="https://x.test/a").model_dump()
    for _ in range(3):
        assert cleanfeed.clean_html(PAGE, url="https://x.test/a").model_dump() == first
