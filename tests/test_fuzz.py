"""Property and fuzz tests (hypothesis) of the three pure entry points.

Asserted contracts:
- ``decode_html(bytes, header_charset)``: returns ``(str, encoding)`` whose text is UTF-8 encodable (no lone
  surrogates), or raises ``Drop`` with a documented reason; never anything else, whatever the bytes or label.
- ``clean_html(bytes | str)``: raises only ``Drop`` (documented reason, not ``internal_error``); a kept record
  serializes to UTF-8 JSON and has non-empty text.
- ``normalize_text(str)``: never raises on any ``str`` (lone surrogates included); the result is UTF-8
  encodable, contains no ``\\r`` and no empty line (its documented "one paragraph per line, no empty
  lines"), and is a fixed point: ``normalize_text(normalize_text(x)) == normalize_text(x)``.
- in the ``slow`` suite only: every call finishes within 2 s of CPU time (hang detection, not a speed
  test) and, for clean_html, the tracemalloc peak stays under a sanity bound.

The default run is derandomized (reproducible in CI) with a few hundred examples per property; the ``slow``
variants explore randomly with many more.
"""

from __future__ import annotations

import contextlib
import time
import tracemalloc
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cleanfeed
from cleanfeed.decode import decode_html
from helpers.hostile import documented_drop_reasons

DEADLINE_S = 2.0
FAST = settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
# derandomize=False: the long runs explore new examples each time (the conftest profile derandomizes the rest)
SLOW = settings(max_examples=3000, deadline=None, derandomize=False, suppress_health_check=list(HealthCheck))

CHARSET_LABELS = st.sampled_from(
    [None, "utf-8", "gbk", "gb2312", "gb18030", "big5", "utf-16", "utf-16-be", "utf-32", "latin-1",
     "shift_jis", "iso-2022-jp", "hz", "x-foo", "", " ", "zlib", "base64", "rot13", "hex", "uu", "undefined",
     "unicode_escape", "raw_unicode_escape", "idna", "punycode", "utf-7", "cp037", "utf_8_sig", "mbcs",
     "\x00", "utf-8\x00gbk"]
)  # fmt: skip
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
ANY_CHAR = st.characters(codec=None, categories=None)  # includes surrogates and controls
TEXT = st.text(
    st.one_of(CJK, ANY_CHAR, st.sampled_from("，。！？、\n\r\t \u3000\u200b\ufeff\x00")), max_size=300
)
TAGS = st.sampled_from(
    ["p", "div", "h1", "title", "script", "style", "a", "span", "br", "table", "td", "li", "meta", "noscript",
     "template", "svg", "math", "iframe", "textarea", "plaintext", "xmp", "!--", "![CDATA[", "?xml"]
)  # fmt: skip
ATTR = st.tuples(
    st.sampled_from(["class", "id", "charset", "content", "http-equiv", "style", "href", "hidden", "x"]),
    st.text(max_size=30),
)


@st.composite
def html_soup(draw: st.DrawFn) -> str:
    """Tag soup: random open/close tags, attributes, entities and text, with real paragraphs mixed in."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 5))
        tag = draw(TAGS)
        if kind == 0:
            attrs = " ".join(f'{k}="{v}"' for k, v in draw(st.lists(ATTR, max_size=3)))
            parts.append(f"<{tag} {attrs}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(draw(TEXT))
        elif kind == 3:
            parts.append(
                draw(st.sampled_from(["&amp;", "&#0;", "&#xD800;", "&#x110000;", "&nbsp", "&bogus;", "&#"]))
            )
        elif kind == 4:
            parts.append("<p>" + draw(st.text(CJK, min_size=10, max_size=80)) + "。</p>")
        else:
            parts.append(draw(st.sampled_from(["<", ">", "<!", "</", "<?", "]]>", "-->", "'", '"', "="])))
    return "".join(parts)


def _timed(fn: Callable[[], object], timed: bool) -> object:
    # CPU time of this process: a busy machine (other test runs on the 2 cores) cannot fail the deadline.
    # Checked in the slow variants only: the fast suite asserts no time.
    t0 = time.process_time()
    try:
        return fn()
    finally:
        elapsed = time.process_time() - t0
        assert not timed or elapsed < DEADLINE_S, f"call took {elapsed:.1f} s CPU"


def _check_decode(data: bytes, label: str | None, timed: bool = False) -> None:
    try:
        result = _timed(lambda: decode_html(data, header_charset=label), timed)
    except cleanfeed.Drop as drop:
        assert drop.reason in documented_drop_reasons(), drop.reason
        return
    assert isinstance(result, tuple)
    text, enc = result
    assert isinstance(text, str) and isinstance(enc, str)
    text.encode("utf-8")  # raises on lone surrogates: they would break the JSONL writer


def _check_clean(data: bytes | str, timed: bool = False) -> None:
    try:
        art = _timed(lambda: cleanfeed.clean_html(data, url="https://fuzz.test/a"), timed)
    except cleanfeed.Drop as drop:
        assert drop.reason in documented_drop_reasons(), drop.reason
        assert drop.reason != "internal_error", f"a stage crashed: {drop.detail}"
        return
    assert isinstance(art, cleanfeed.Article)
    assert art.text, "a kept record has text"
    art.model_dump_json().encode("utf-8")


def _check_normalize(text: str, timed: bool = False) -> None:
    once = _timed(lambda: cleanfeed.normalize_text(text), timed)
    assert isinstance(once, str)
    once.encode("utf-8")
    assert "\r" not in once
    assert "" not in once.split("\n") or once == "", f"empty line in {once!r}"
    assert cleanfeed.normalize_text(once) == once, "not a fixed point"


BYTES = st.one_of(
    st.binary(max_size=2000),
    html_soup().map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.tuples(
        html_soup(), st.sampled_from(["gbk", "big5", "utf-16", "utf-16-be", "utf-32", "shift_jis"])
    ).map(lambda t: t[0].encode(t[1], "replace")),
)


@FAST
@given(BYTES, CHARSET_LABELS)
def test_decode_html_contract(data: bytes, label: str | None) -> None:
    _check_decode(data, label)


@FAST
@given(st.one_of(BYTES, html_soup()))
def test_clean_html_contract(data: bytes | str) -> None:
    _check_clean(data)


@FAST
@given(TEXT)
def test_normalize_text_contract(text: str) -> None:
    _check_normalize(text)


@pytest.mark.parametrize(
    "text",
    ["\ud800", "正文\udfff内容", "a\r\nb", "\r", "\x00", "\u2028", "\ufeff", " \n \n ", "臺灣", "台灣",
     "儼\x00\n槨", "儼\x00\x1c槨"],  # the last two: found by atheris (a NUL inside a line)
)  # fmt: skip
def test_normalize_text_examples(text: str) -> None:
    _check_normalize(text)


@pytest.mark.parametrize(
    ("data", "label"), [(b"\\\x80", "unicode_escape"), (b"\\N{x}", "raw_unicode_escape")]
)
def test_decode_examples(data: bytes, label: str) -> None:
    """Found by the long fuzz run: escape codecs warn (an error under pytest) on invalid escapes."""
    _check_decode(data, label)


@pytest.mark.slow  # a memory bound: not in the fast suite
@FAST
@given(html_soup())
def test_clean_html_memory_sanity(html: str) -> None:
    tracemalloc.start()
    try:
        with contextlib.suppress(cleanfeed.Drop):
            cleanfeed.clean_html(html)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    bound = (16 << 20) + 200 * len(html)
    assert peak < bound, f"tracemalloc peak {peak >> 20} MB for a {len(html)}-char page"


@pytest.mark.slow
@SLOW
@given(BYTES, CHARSET_LABELS)
def test_decode_html_contract_long(data: bytes, label: str | None) -> None:
    _check_decode(data, label, timed=True)


@pytest.mark.slow
@SLOW
@given(st.one_of(BYTES, html_soup()))
def test_clean_html_contract_long(data: bytes | str) -> None:
    _check_clean(data, timed=True)


@pytest.mark.slow
@SLOW
@given(st.text(ANY_CHAR, max_size=2000))
def test_normalize_text_contract_long(text: str) -> None:
    _check_normalize(text, timed=True)
