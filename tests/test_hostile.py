"""Hostile pages: every page of a corpus generated at test time goes through ``clean_html``.

What is asserted, per page (each in a forked child that is killed if it hangs):
- only ``cleanfeed.Drop`` escapes, with a reason documented in ``Drop``'s docstring and never
  ``internal_error`` (that reason is the batch's safety net; reaching it on a known hostile page is a bug);
- a kept page serializes to JSON that encodes as UTF-8 (no lone surrogates reach the JSONL writer);
- pages that carry real text under a lying or bogus charset label decode to that text;
- (slow suite only) CPU time under a generous deadline (2 s; 5 s for the 50 MB page): CPU rather than wall
  time, so other processes competing for the two cores cannot fail the test;
- a hang = still running after 20 s wall (hang detection, the child is killed);
- peak RSS growth bounded (sanity: 256 MB + 12 x input size).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import cleanfeed
from cleanfeed.decode import decode_html
from helpers.hostile import CORPUS, LYING_CHARSETS, PARA, documented_drop_reasons, labelled
from helpers.isolate import run_isolated

HARD_LIMIT_S = 20.0  # wall clock: past this the page is reported as a hang
MB = 1 << 20


def _input_size(data: bytes | str) -> int:
    return len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))


def _clean_case(case_id: str) -> dict[str, Any]:
    case = CORPUS[case_id]
    data = case.make()
    res: dict[str, Any] = {"size": _input_size(data)}
    t0, c0 = time.monotonic(), time.process_time()  # around clean_html only, not the page generation
    try:
        art = cleanfeed.clean_html(data, url="https://hostile.test/a")
    except cleanfeed.Drop as drop:
        res |= {"kind": "drop", "reason": drop.reason, "detail": drop.detail[:300]}
        art = None
    except BaseException as exc:  # the point of the test: report anything else that escapes
        res |= {"kind": "escaped", "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        art = None
    res |= {"wall": time.monotonic() - t0, "cpu": time.process_time() - c0}
    if art is None:
        return res
    problems = []
    try:
        art.model_dump_json().encode("utf-8")
    except Exception as exc:
        problems.append(f"record not writable as UTF-8 JSON: {type(exc).__name__}: {str(exc)[:200]}")
    found = None if case.must_contain is None else case.must_contain in art.text
    return res | {"kind": "ok", "problems": problems, "found": found, "text": art.text[:120]}


@pytest.mark.parametrize("case_id", sorted(CORPUS))
def test_hostile_page(case_id: str) -> None:
    _check_case(case_id, timed=False)


@pytest.mark.slow  # a CPU bound is a performance check: not in the fast suite on a shared machine
@pytest.mark.parametrize("case_id", sorted(CORPUS))
def test_hostile_page_cpu_bound(case_id: str) -> None:
    _check_case(case_id, timed=True)


def _check_case(case_id: str, *, timed: bool) -> None:
    case = CORPUS[case_id]
    out = run_isolated(lambda: _clean_case(case_id), HARD_LIMIT_S)
    assert not out.hung, f"{case_id}: clean_html still running after {HARD_LIMIT_S:.0f} s (hang)"
    assert out.value is not None, f"{case_id}: worker died (exit code {out.exitcode}): a crash in C code?"
    res = out.value
    assert res["kind"] != "escaped", f"{case_id}: non-Drop exception escaped clean_html: {res['error']}"
    if res["kind"] == "drop":
        assert res["reason"] in documented_drop_reasons(), (
            f"{case_id}: undocumented Drop reason {res['reason']!r}"
        )
        assert res["reason"] != "internal_error", f"{case_id}: a stage crashed: {res['detail']}"
        if case.drop_ok is not None:
            assert res["reason"] in case.drop_ok, f"{case_id}: dropped as {res['reason']!r}"
        assert case.must_contain is None, f"{case_id}: real text was dropped as {res['reason']!r}"
    else:
        assert not res["problems"], f"{case_id}: {res['problems']}"
        assert res["found"] is not False, f"{case_id}: expected text missing; got {res['text']!r}"
    assert not timed or res["cpu"] < case.deadline_s, (
        f"{case_id}: clean_html took {res['cpu']:.1f} s CPU, {res['wall']:.1f} s wall"
        f" (deadline {case.deadline_s} s)"
    )
    bound = 256 * MB + 12 * res["size"]
    assert out.rss_growth < bound, (
        f"{case_id}: peak RSS grew {out.rss_growth / MB:.0f} MB (bound {bound / MB:.0f})"
    )


# -- decode_html directly: the charset label, from <meta> or from the HTTP header, is untrusted input.


@pytest.mark.parametrize("charset", LYING_CHARSETS)
def test_decode_ignores_bogus_meta_charset(charset: str) -> None:
    text, enc = decode_html(labelled(charset))
    assert PARA in text, f"meta charset={charset!r} decoded as {enc!r} into mojibake"
    assert isinstance(enc, str) and enc


@pytest.mark.parametrize("charset", LYING_CHARSETS)
def test_decode_ignores_bogus_header_charset(charset: str) -> None:
    data = f"<html><body><p>{PARA}</p></body></html>".encode()
    text, enc = decode_html(data, header_charset=charset)
    assert PARA in text, f"header charset={charset!r} decoded as {enc!r} into mojibake"


def test_decode_gbk_bytes_labelled_utf8() -> None:
    data = f'<meta charset="utf-8"><p>{PARA}</p>'.encode("gbk")
    text, _ = decode_html(data, header_charset="utf-8")
    assert PARA in text


# UTF-8 bytes of this text happen to be valid GB18030 too, so a strict decode with the lying label
# "succeeds" with mojibake: only a decoder that prefers valid multi-byte UTF-8 gets it right.
GB_VALID = "中文新闻正文内容" * 20


@pytest.mark.parametrize("where", ["meta", "header"])
def test_decode_utf8_bytes_labelled_gbk(where: str) -> None:
    head = '<meta charset="gbk">' if where == "meta" else ""
    data = f"<html><head>{head}</head><body><p>{GB_VALID}</p></body></html>".encode()
    text, enc = decode_html(data, header_charset="gbk" if where == "header" else None)
    assert GB_VALID in text, f"UTF-8 bytes labelled gbk ({where}) decoded as {enc!r} into mojibake"


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe\x00\xd8" * 100,
        b"\xfe\xff\xd8\x00",
        b"\xff\xfe" + b"\x00" * 3,
        b"\xef\xbb\xbf\xff\xfe\xfd",
        b"\x00" * 10,
    ],
    ids=["utf16le_lone_surrogates", "utf16be_lone_surrogate", "utf16_odd_length", "utf8_bom_invalid", "nuls"],
)
def test_decode_bom_bodies_never_raise_non_drop(data: bytes) -> None:
    try:
        text, _ = decode_html(data)
    except cleanfeed.Drop as drop:
        assert drop.reason in documented_drop_reasons()
        return
    # Whatever comes out must be writable: no lone surrogates smuggled through a UTF-16 BOM.
    text.encode("utf-8")


def test_clean_html_str_with_lone_surrogates_is_writable() -> None:
    art = cleanfeed.clean_html(f"<h1>标\ud800题</h1><p>{PARA}\udfff</p>" * 2, url="https://hostile.test/s")
    art.model_dump_json().encode("utf-8")
    assert "\ud800" not in (art.title or "") and "\udfff" not in art.text
