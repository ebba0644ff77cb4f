"""A hostile corpus generated at test time (nothing big is committed).

Each entry is a zero-argument generator so the bytes are built inside the isolated worker process
(a 50 MB page is never pickled across a pipe). ``CORPUS`` maps a stable case id to a ``Case``.
"""

from __future__ import annotations

import codecs
import gzip
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from cleanfeed.errors import Drop

# A realistic paragraph: long enough to survive a "too_short" filter on its own.
PARA = "记者从国家统计局获悉，今年前三季度全国规模以上工业增加值同比增长百分之五点二，经济运行总体平稳。"
HTML_OK = (
    "<html><head><title>新闻标题</title></head><body><h1>新闻标题</h1>"
    + "".join(f"<p>{PARA}第{i}段。</p>" for i in range(6))
    + "</body></html>"
)


def documented_drop_reasons() -> frozenset[str]:
    """Drop reasons documented in ``Drop``'s docstring (``code`` literals): the contract under test."""
    return frozenset(re.findall(r"``([a-z_]+)``", Drop.__doc__ or ""))


@dataclass(frozen=True)
class Case:
    make: Callable[[], bytes | str]
    # Text that must appear in the result when the page is kept (a lying charset must still decode right).
    must_contain: str | None = None
    # Reasons accepted if the page is dropped; None = any documented reason except internal_error.
    drop_ok: frozenset[str] | None = None
    deadline_s: float = 2.0


def _page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def _nested(depth: int, tag: str = "div") -> bytes:
    return _page(f"<{tag}>" * depth + f"<p>{PARA}</p>" + f"</{tag}>" * depth).encode()


def _p_many(n: int) -> bytes:
    return _page("<h1>标题</h1>" + f"<p>{PARA}</p>" * n).encode()


def _big_page(size: int) -> bytes:
    # Real-looking content repeated to `size` bytes: the size itself is the attack.
    unit = f"<p>{PARA}</p>\n".encode()
    return b"<html><body><h1>\xe6\xa0\x87\xe9\xa2\x98</h1>" + unit * (size // len(unit)) + b"</body></html>"


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(200_000)


def _pdf() -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 99999 >>\nstream\n" + os.urandom(200_000)


def _gzip_as_html() -> bytes:
    # A compressed body whose Content-Encoding was lost: the page bytes are gzip.
    return gzip.compress(HTML_OK.encode() * 100)


def _random_bytes() -> bytes:
    return os.urandom(1 << 20)


def _lying_meta_utf8_gbk_bytes() -> bytes:
    return _page(f"<p>{PARA}</p>" * 4, '<meta charset="utf-8">').encode("gbk")


def _lying_meta_gbk_utf8_bytes() -> bytes:
    return _page(f"<p>{PARA}</p>" * 4, '<meta charset="gbk">').encode("utf-8")


def _lying_meta_big5_utf8_bytes() -> bytes:
    return _page(
        f"<p>{PARA}</p>" * 4, '<meta http-equiv="Content-Type" content="text/html; charset=big5">'
    ).encode()


def _unknown_charset() -> bytes:
    return _page(f"<p>{PARA}</p>" * 4, '<meta charset="x-foo">').encode("utf-8")


def _unknown_charset_gbk_bytes() -> bytes:
    return _page(f"<p>{PARA}</p>" * 4, '<meta charset="x-foo">').encode("gb18030")


def _charset_utf7() -> bytes:
    return _page(f"<p>{PARA}</p>" * 4, '<meta charset="utf-7">').encode("utf-8")


def _charset_utf16_meta_ascii_bytes() -> bytes:
    return _page(f"<p>{PARA}</p>" * 4, '<meta charset="utf-16">').encode("utf-8")


def _script_only() -> bytes:
    return _page("<script>" + "var a = '新闻正文';" * 20_000 + "</script><style>p{}</style>").encode()


def _nul_bytes() -> bytes:
    return _page("<h1>标\x00题</h1>" + f"<p>{PARA}\x00</p>" * 4).encode()


def _nul_flood() -> bytes:
    return b"\x00" * (1 << 20)


def _lone_surrogates_str() -> str:
    return _page("<h1>标\ud800题</h1>" + f"<p>{PARA}\udfff</p>" * 4)


def _utf16_bom_odd_length() -> bytes:
    return codecs.BOM_UTF16_LE + HTML_OK.encode("utf-16-le") + b"\x00"


def _utf16_bom_lone_surrogates() -> bytes:
    return codecs.BOM_UTF16_LE + b"\x00\xd8" * 5000 + "<p>正文</p>".encode("utf-16-le")


def _utf16_bom_be_garbage() -> bytes:
    return codecs.BOM_UTF16_BE + os.urandom(100_001)


def _utf8_bom_then_gbk() -> bytes:
    return codecs.BOM_UTF8 + HTML_OK.encode("gbk")


def _utf32_bom() -> bytes:
    return codecs.BOM_UTF32_LE + HTML_OK.encode("utf-32-le")


def _big_attribute() -> bytes:
    return _page(f'<p title="{"a" * (1 << 20)}" data-x="{"中" * (1 << 19)}">{PARA}</p>' * 2).encode()


def _many_attributes() -> bytes:
    attrs = " ".join(f"a{i}=x" for i in range(100_000))
    return _page(f"<p {attrs}>{PARA}</p>").encode()


def _big_text_node_no_punct() -> bytes:
    return _page("<h1>标题</h1><p>" + "中文新闻正文内容" * (1 << 17) + "</p>").encode()


def _big_text_node_ascii() -> bytes:
    return _page("<p>" + "a" * (1 << 20) + "</p>").encode()


def _unclosed_tags() -> bytes:
    return ("<html><body>" + "<p><b><i><span>" * 20_000 + PARA).encode()


def _unclosed_comment() -> bytes:
    return (_page(f"<p>{PARA}</p>") + "<!--" + "x" * (1 << 20)).encode()


def _many_comments() -> bytes:
    return _page(f"<p>{PARA}</p>" + "<!-- -->" * 100_000).encode()


def _table_nesting() -> bytes:
    return _page("<table><tr><td>" * 5000 + PARA + "</td></tr></table>" * 5000).encode()


def _entity_flood() -> bytes:
    return _page("<p>" + "&amp;&#x4e2d;&#20013;&nbsp;&#0;&#xD800;&#x110000;" * 50_000 + "</p>").encode()


def _many_links() -> bytes:
    return _page("".join(f'<a href="/x/{i}">链接{i}</a>' for i in range(50_000)) + f"<p>{PARA}</p>").encode()


def _malformed_markup() -> bytes:
    return b"<<<>>></p></div><p<p<p>>" * 50_000 + HTML_OK.encode()


def _svg_math_soup() -> bytes:
    return _page("<svg><math><foreignObject><p>" * 2000 + PARA).encode()


def _control_chars() -> bytes:
    ctl = "".join(chr(c) for c in range(1, 32)) + "\x7f\u200b\u202e\ufeff\ufffe"
    return _page(f"<h1>{ctl}标题</h1>" + f"<p>{ctl}{PARA}{ctl}</p>" * 4).encode()


def _whitespace_flood() -> bytes:
    return _page(" \n\t\u3000" * (1 << 18) + f"<p>{PARA}</p>").encode()


# Found by atheris: '?'/U+FFFD next to runs of one CJK character look like lost GBK bytes to the mojibake
# repair, whose search then runs to its per-document cap (~4.5 s CPU for 2 KB of text).
REPAIR_BAIT = (
    "@照照照照照照照照照照照照照照照照照&照照照照照照\ufffd?照照照照照照照照?照照照照照照照照照照照A照照照照照照1"
    "照照照照照照照照照照照照照照照説tml"
)


def _repair_bait() -> bytes:
    return _page("".join(f"<p>{REPAIR_BAIT}{i}</p>" for i in range(15))).encode()


def _template_and_noscript() -> bytes:
    return _page("<template>" * 5000 + "<noscript>" * 5000 + PARA).encode()


CORPUS: dict[str, Case] = {
    "png_as_html": Case(_png, drop_ok=frozenset({"binary", "undecodable", "not_article", "too_short"})),
    "pdf_as_html": Case(_pdf, drop_ok=frozenset({"binary", "undecodable", "not_article", "too_short"})),
    "gzip_as_html": Case(
        _gzip_as_html, drop_ok=frozenset({"binary", "undecodable", "not_article", "too_short"})
    ),
    "random_1mb": Case(
        _random_bytes, drop_ok=frozenset({"binary", "undecodable", "not_article", "too_short"})
    ),
    "page_50mb": Case(lambda: _big_page(50 << 20), deadline_s=5.0),
    "nesting_10k": Case(lambda: _nested(10_000), must_contain=PARA),
    "nesting_100k": Case(lambda: _nested(100_000)),
    "nesting_100k_inline": Case(lambda: _nested(100_000, "b")),
    "p_100k": Case(lambda: _p_many(100_000)),
    "attribute_1mb": Case(_big_attribute),
    "attributes_100k": Case(_many_attributes),
    "text_node_1mb_no_punct": Case(_big_text_node_no_punct),
    "text_node_1mb_ascii": Case(_big_text_node_ascii),
    "meta_utf8_gbk_bytes": Case(_lying_meta_utf8_gbk_bytes, must_contain=PARA),
    "meta_gbk_utf8_bytes": Case(_lying_meta_gbk_utf8_bytes, must_contain=PARA),
    "meta_big5_utf8_bytes": Case(_lying_meta_big5_utf8_bytes, must_contain=PARA),
    "meta_unknown_charset": Case(_unknown_charset, must_contain=PARA),
    "meta_unknown_charset_gb18030_bytes": Case(_unknown_charset_gbk_bytes, must_contain=PARA),
    "meta_utf7": Case(_charset_utf7, must_contain=PARA),
    "meta_utf16_ascii_bytes": Case(_charset_utf16_meta_ascii_bytes, must_contain=PARA),
    "script_only": Case(_script_only, drop_ok=frozenset({"not_article", "too_short", "empty"})),
    "nul_bytes": Case(_nul_bytes),
    "nul_flood": Case(_nul_flood),
    "lone_surrogates_str": Case(_lone_surrogates_str),
    "utf16_bom_odd_length": Case(_utf16_bom_odd_length),
    "utf16_bom_lone_surrogates": Case(_utf16_bom_lone_surrogates),
    "utf16_bom_be_garbage": Case(_utf16_bom_be_garbage),
    "utf8_bom_then_gbk": Case(_utf8_bom_then_gbk),
    "utf32_bom": Case(_utf32_bom),
    "unclosed_tags_20k": Case(_unclosed_tags),
    "unclosed_comment_1mb": Case(_unclosed_comment),
    "comments_100k": Case(_many_comments),
    "table_nesting_5k": Case(_table_nesting),
    "entity_flood": Case(_entity_flood),
    "links_50k": Case(_many_links),
    "malformed_markup": Case(_malformed_markup),
    "svg_math_soup": Case(_svg_math_soup),
    "control_chars": Case(_control_chars),
    "whitespace_flood": Case(_whitespace_flood),
    "template_noscript_5k": Case(_template_and_noscript),
    "repair_bait_2kb": Case(_repair_bait),
}

# Charset labels Python's codecs module knows but that are not web text encodings (bytes-to-bytes and
# str-to-str codecs, escapes, EBCDIC) or that lie about UTF-8 bytes. A page labelled with any of them
# must still decode to the right text: the label is untrusted input, not an instruction.
LYING_CHARSETS = (
    "zlib", "hex", "uu", "bz2", "base64", "quopri", "rot13", "undefined", "unicode_escape",
    "raw_unicode_escape", "idna", "punycode", "cp037", "latin-1", "utf-16", "utf-32", "x-foo", "",
)  # fmt: skip


def labelled(charset: str) -> bytes:
    return _page(f"<p>{PARA}</p>" * 4, f'<meta charset="{charset}">').encode("utf-8")


for _cs in LYING_CHARSETS:
    CORPUS[f"meta_charset_{_cs or 'empty'}_utf8_bytes"] = Case(lambda cs=_cs: labelled(cs), must_contain=PARA)
