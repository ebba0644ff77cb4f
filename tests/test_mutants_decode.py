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


def test_a_few_stray_nul_bytes_do_not_drop_a_page() -> None:
    # Up to 8 NULs in the head are tolerated (a stray byte in a template); the 9th makes it binary.
    text, _ = decode_html(_page(body="\x00" * 8 + BODY * 60).encode())
    assert HANS in text


@pytest.mark.parametrize(("size", "nuls", "binary"), [(40, 5, True), (200, 1, False)])
def test_on_a_short_page_a_tenth_of_nul_bytes_is_binary(size: int, nuls: int, binary: bool) -> None:
    data = b"\x00" * nuls + b"<p>" + b"a" * (size - nuls - 7) + b"</p>"
    assert len(data) == size
    if binary:
        with pytest.raises(Drop, match="binary"):
            decode_html(data)
    else:
        assert decode_html(data)[0].endswith("</p>")


# -- BOMs, magic numbers, whitespace -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bom", "codec", "label"),
    [
        (codecs.BOM_UTF8, "utf-8", "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
    ],
)
def test_a_bom_names_the_codec_and_is_not_part_of_the_text(bom: bytes, codec: str, label: str) -> None:
    text, enc = decode_html(bom + f"<p>{HANS}</p>".encode(codec))
    assert (text, enc) == (f"<p>{HANS}</p>", label)


def test_bad_bytes_after_a_bom_are_replaced_not_fatal() -> None:
    text, enc = decode_html(codecs.BOM_UTF8 + f"<p>{HANS}".encode() + b"\xff</p>")
    assert (text, enc) == (f"<p>{HANS}\ufffd</p>", "utf-8")


def test_leading_whitespace_longer_than_the_sniffed_head_is_not_an_empty_page() -> None:
    text, _ = decode_html(b" " * 9000 + f"<p>{HANS}</p>".encode())
    assert text.strip() == f"<p>{HANS}</p>"


@pytest.mark.parametrize("box", [b"\x00\x00\x00\x18", b"\x00\x00\x00\x1c", b"\x00\x00\x00\x20"])
def test_mp4_and_heic_files_are_binary(box: bytes) -> None:
    data = box + b"ftypisom\x00\x00\x02\x00isomiso2mp41" + b"\x01\x02moov" * 10
    with pytest.raises(Drop) as info:
        decode_html(data)
    assert info.value.reason == "binary"


def test_magic_number_after_leading_whitespace_is_binary() -> None:
    with pytest.raises(Drop) as info:
        decode_html(b"\r\n  %PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    assert info.value.reason == "binary"
    assert info.value.detail  # the reject says why it is binary


def test_a_text_page_mentioning_ftyp_is_text() -> None:
    text, _ = decode_html(f"<p>ftyp {HANS}</p>".encode())
    assert HANS in text


@pytest.mark.parametrize("label", ["ms936", "936", "GBK", " gb2312 ", "CP936"])
def test_gbk_aliases_decode_with_the_gb18030_superset(label: str) -> None:
    # 㐀 is in GB18030 only: a page labelled GBK that uses it still decodes without loss.
    data = f"<p>{HANS}㐀</p>".encode("gb18030")
    text, enc = decode_html(data, header_charset=label)
    assert (text, enc) == (f"<p>{HANS}㐀</p>", "gb18030")


def test_random_high_bytes_are_undecodable() -> None:
    data = bytes(range(0x80, 0x100)) * 3
    with pytest.raises(Drop) as info:
        decode_html(data)
    assert info.value.reason == "undecodable"


# -- the plausibility score (documented: share of non-ASCII characters that are common CJK, minus 3x junk)
@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("plain ASCII \x7f", 0.5),  # no character above U+007F: any ASCII-compatible codec will do
        ("经济", 1.0),
        ("\u3000", 1.0),  # CJK punctuation block, both ends
        ("\u303f", 1.0),
        ("\uff00", 1.0),  # full-width forms, both ends
        ("\uffef", 1.0),
        ("é", 0.0),  # neither common CJK nor junk
        ("\ufffd", -3.0),  # junk: replacement character, private use area, C1 controls (both ends)
        ("\ue000", -3.0),
        ("\uf8ff", -3.0),
        ("\x80", -3.0),
        ("\x9f", -3.0),
        ("经济\ufffd\ufffd", (2 - 6) / 4),
    ],
)
def test_plausibility_score(text: str, score: float) -> None:
    from cleanfeed.decode import _plausibility

    assert _plausibility(text) == pytest.approx(score)


# -- truthful declarations the detector alone gets wrong ----------------------------------------------------
# On EUC-JP bytes the detector's best pick is a Chinese codec (Japanese kana decode as plausible GB18030
# characters), so only the page's own declaration gets it right: this is what the declared-charset step
# is for, beyond speed.
JA = "東京都は十七日、新型コロナウイルスの感染者が新たに確認されたと発表した。政府は対策を強化する方針です。"


def _ja_page(head: str) -> bytes:
    return _page(head, f"<p>{JA}</p>", "ニュース").encode("euc-jp")


@pytest.mark.parametrize(
    "head",
    [
        '<meta charset="euc-jp">',
        '<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP">',
        "",  # the header names it (below)
    ],
)
def test_a_truthful_japanese_declaration_is_used(head: str) -> None:
    text, enc = decode_html(_ja_page(head), header_charset=None if head else "euc-jp")
    assert JA in text and codecs.lookup(enc).name == "euc_jp"


def test_an_xml_declaration_names_the_charset() -> None:
    data = b'<?xml version="1.0" encoding="euc-jp"?>\n' + _ja_page("")
    text, enc = decode_html(data)
    assert JA in text and codecs.lookup(enc).name == "euc_jp"


def test_a_declared_page_with_one_corrupt_byte_keeps_its_codec() -> None:
    # a truncated or bit-flipped byte must not throw the whole page to the detector
    data = _ja_page('<meta charset="euc-jp">').replace(b"<p>", b"<p>\x80", 1)
    text, enc = decode_html(data)
    assert codecs.lookup(enc).name == "euc_jp"
    assert "東京都は十七日" in text and text.count("\ufffd") == 1


def test_a_truthful_korean_declaration_is_used() -> None:
    ko = "서울시는 17일 신종 코로나바이러스 감염자가 새로 확인됐다고 밝혔다. 정부는 대책을 강화할 방침이다."
    text, _ = decode_html(_page('<meta charset="euc-kr">', f"<p>{ko}</p>", "뉴스").encode("euc-kr"))
    assert ko in text


@pytest.mark.parametrize("label", ["csgb2312", "chinese", "gb2312-1980", "euccn"])
def test_every_alias_of_gb2312_gets_the_gb18030_superset(label: str) -> None:
    # 镕 (朱镕基) is GBK, not GB2312: a page labelled with any GB2312 alias still decodes it
    data = f"<p>{HANS}，朱镕基</p>".encode("gb18030")
    text, enc = decode_html(data, header_charset=label)
    assert (text, enc) == (f"<p>{HANS}，朱镕基</p>", "gb18030")


@pytest.mark.parametrize(("size", "nuls", "binary"), [(79, 8, True), (80, 8, False), (90, 8, False)])
def test_more_than_a_tenth_of_nul_bytes_is_binary(size: int, nuls: int, binary: bool) -> None:
    # at most 8 NULs, so only the share decides: over a tenth of the bytes is binary, a tenth is not
    data = b"<p>" + b"\x00" * nuls + b"a" * (size - nuls - 7) + b"</p>"
    assert len(data) == size
    if binary:
        with pytest.raises(Drop, match="binary"):
            decode_html(data)
    else:
        assert decode_html(data)[0].endswith("</p>")


def test_a_utf8_page_with_a_few_broken_characters_is_kept() -> None:
    news = f"{HANS}，今年前三季度全国规模以上工业增加值同比增长。"
    page = _page(body=f"<p>{news}</p>" * 30).encode()
    broken = bytearray()
    i = cut = 0
    while i < len(page):  # drop the last byte of one 3-byte character every 400 bytes
        if i % 400 == 0 and page[i] >= 0xE0:
            broken += page[i : i + 2]
            i, cut = i + 3, cut + 1
            continue
        broken.append(page[i])
        i += 1
    assert cut >= 5
    text, enc = decode_html(bytes(broken))
    assert enc == "utf-8" and text.count("\ufffd") <= 2 * cut and news in text
