"""decode_html: declared, undeclared and lying charsets; binary and empty input; big inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleanfeed.decode import decode_html
from cleanfeed.errors import Drop

FIX = Path(__file__).parent / "fixtures" / "encodings"
HANS = "国家数据局局长刘烈宏在发布会上回答第一财经记者提问时表示"
HANT = "國家數據局局長劉烈宏在發佈會上回答第一財經記者提問時表示"


@pytest.mark.parametrize(
    ("name", "encoding", "expected"),
    [
        ("gbk_declared.html", "gb18030", HANS),
        ("gbk_undeclared.html", "gb18030", HANS),
        ("gbk_lying_utf8.html", "gb18030", HANS),
        ("gb18030_declared.html", "gb18030", HANS + "，算法"),
        ("utf8_lying_gb2312.html", "utf-8", HANS),
        ("utf8_undeclared.html", "utf-8", HANS),
        ("big5_declared.html", "big5hkscs", HANT),
        ("big5_undeclared.html", "big5hkscs", HANT),
        ("big5_lying_utf8.html", "big5hkscs", HANT),
        ("gbk_short_undeclared.html", "gb18030", "记者"),
    ],
)
def test_fixture_pages_decode_to_the_right_text(name: str, encoding: str, expected: str) -> None:
    text, enc = decode_html((FIX / name).read_bytes())
    assert enc == encoding
    assert expected in text
    assert "\ufffd" not in text


def test_gb18030_only_characters_survive() -> None:
    text, _ = decode_html((FIX / "gb18030_declared.html").read_bytes())
    assert "㐀䶵" in text


def test_header_charset_is_used_when_there_is_no_meta() -> None:
    data = f"<p>{HANS}</p>".encode("gbk")
    assert decode_html(data, header_charset="GB2312") == (f"<p>{HANS}</p>", "gb18030")


def test_lying_header_charset_falls_through() -> None:
    data = f"<p>{HANS}</p>".encode()
    assert decode_html(data, header_charset="big5")[1] == "utf-8"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")],
)
def test_bom_wins(bom: bytes, codec: str) -> None:
    text, _ = decode_html(bom + f"<p>{HANS}</p>".encode(codec))
    assert text == f"<p>{HANS}</p>"


@pytest.mark.parametrize("data", [b"", b"   \n\t ", b"\r\n"])
def test_empty(data: bytes) -> None:
    with pytest.raises(Drop) as info:
        decode_html(data)
    assert info.value.reason == "empty"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"GIF89a\x01\x00",
        b"PK\x03\x04\x14\x00",
        b"<html>" + b"\x00" * 400 + b"</html>",
    ],
)
def test_binary(data: bytes) -> None:
    with pytest.raises(Drop) as info:
        decode_html(data)
    assert info.value.reason == "binary"


@pytest.mark.parametrize(
    "data",
    [
        b"<p>\xed\xa0\x80\xed\xb0\x80 lone surrogates</p>",
        b'<meta charset="x-no-such-charset"><p>abc</p>',
        b'<meta charset="utf-16"><p>abc</p>',
        bytes(range(1, 256)) * 4,
    ],
)
def test_odd_input_never_crashes(data: bytes) -> None:
    try:
        text, enc = decode_html(data)
    except Drop as exc:
        assert exc.reason in {"binary", "undecodable"}
    else:
        assert isinstance(text, str) and enc
        text.encode("utf-8")  # no lone surrogates leak out


def test_mostly_utf8_with_a_bad_byte_is_not_soup() -> None:
    data = (f"<p>{HANS}</p>" * 200).encode() + b"\xff" + f"<p>{HANS}</p>".encode()
    text, enc = decode_html(data)
    assert enc == "utf-8"
    assert text.count("\ufffd") == 1


def test_big_gbk_page_with_lying_meta() -> None:
    # size, not speed, is what this guards (speed is in bench/bench_normalize.py)
    data = ("<meta charset='utf-8'>" + f"<p>{HANS}。</p>" * 50_000).encode("gbk")
    text, enc = decode_html(data)
    assert enc == "gb18030"
    assert text.endswith(f"<p>{HANS}。</p>")
