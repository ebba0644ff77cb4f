"""Charset lies in a legacy codec and stray NUL bytes: cases a mutation check found untested.

The GBK pages below are not valid UTF-8, so the strict UTF-8 fast path cannot answer for them: the declared
or header charset is really tried, and must be refused when its text is implausible (Latin mojibake).
"""

from __future__ import annotations

import codecs

import pytest

from cleanfeed.decode import decode_html
from cleanfeed.errors import Drop

HANS = "国家数据局局长刘烈宏在发布会上回答第一财经记者提问时表示"
BODY = f"<p>{HANS}。记者从国家统计局获悉，今年前三季度全国规模以上工业增加值同比增长。</p>"
LATIN_LABELS = ["iso-8859-1", "windows-1252", "latin1"]


def _page(head: str = "", body: str = BODY, title: str = "统计局") -> str:
    return f"<html><head>{head}<title>{title}</title></head><body>{body}</body></html>"


def _assert_chinese(text: str, enc: str) -> None:
    assert HANS in text, f"decoded as {enc}: {text[:80]!r}"
    assert "\ufffd" not in text
    assert enc == "gb18030"


@pytest.mark.parametrize("label", LATIN_LABELS)
def test_gbk_page_declaring_a_latin_charset_in_meta_decodes_as_chinese(label: str) -> None:
    data = _page(f'<meta charset="{label}">').encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the premise: the UTF-8 fast path cannot take this page
    _assert_chinese(*decode_html(data))


@pytest.mark.parametrize("label", LATIN_LABELS)
def test_gbk_page_with_a_lying_latin_header_charset_decodes_as_chinese(label: str) -> None:
    data = _page().encode("gbk")
    _assert_chinese(*decode_html(data, header_charset=label))


def test_gbk_page_where_meta_and_header_both_lie() -> None:
    data = _page('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">').encode("gbk")
    _assert_chinese(*decode_html(data, header_charset="windows-1252"))


def test_a_truthful_latin_declaration_is_still_used() -> None:
    # The plausibility check refuses mojibake, not Latin text: a real Latin-1 page keeps its codec.
    text = "Caf\xe9 cr\xe8me br\xfbl\xe9e: r\xe9sum\xe9 na\xefve fa\xe7ade \xe0 la carte. " * 20
    data = _page('<meta charset="iso-8859-1">', f"<p>{text}</p>", "Menu").encode("latin-1")
    got, enc = decode_html(data)
    assert text in got
    assert codecs.lookup(enc).name in ("iso8859-1", "cp1252")


# -- NUL bytes ---------------------------------------------------------------------------------------------
# Text pages hold no NULs: a handful inside an otherwise normal, large page still marks it binary
# (only a flood of NULs, a tenth of the bytes or more, was ever tested).
@pytest.mark.parametrize("nuls", [9, 50, 400])
def test_a_large_page_with_a_few_nul_bytes_is_binary(nuls: int) -> None:
    filler = BODY * 60  # ~12 KB of text: the NULs are far below a tenth of the page
    data = _page(body="\x00" * nuls + filler).encode()
    assert data.count(0) * 10 < len(data)
    with pytest.raises(Drop) as info:
        decode_html(data)
    assert info.value.reason == "binary"


@pytest.mark.parametrize("nuls", [9, 50, 400])
def test_nul_bytes_in_a_legacy_encoded_page_are_binary_too(nuls: int) -> None:
    data = _page(body="\x00" * nuls + BODY * 60).encode("gbk")
    with pytest.raises(Drop) as info:
        decode_html(data, header_charset="gbk")
    assert info.value.reason == "binary"


def test_a_page_without_nul_bytes_is_text() -> None:
    text, enc = decode_html(_page(body=BODY * 60).encode())
    assert HANS in text and enc == "utf-8"
