"""bytes -> str for fetched pages: BOM, declared charset, HTTP header, then a detector.

Order: BOM -> valid UTF-8 (one strict decode; the common case, and a page whose ``<meta>`` says
gb2312 while its bytes are UTF-8 is common too) -> ``<meta charset>``/http-equiv/XML declaration
-> HTTP header charset -> charset-normalizer over the document. A declared charset is used only
if it decodes strictly or with a tiny error rate; a page whose meta says utf-8 but whose bytes are
GBK falls through to the detector. The detector's guess is checked for Chinese plausibility
(short GBK pages are sometimes guessed as a Cyrillic or Latin code page): gb18030, big5hkscs and
utf-8 compete with it on the share of common CJK characters. gb2312/gbk are decoded as gb18030
and big5 as big5hkscs, their supersets, because real pages use characters beyond the label.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from functools import lru_cache

from charset_normalizer import from_bytes

from cleanfeed.errors import Drop

_META = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{2,40})|<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]{2,40})""",
    re.I,
)
_SUPERSET = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030",
    "euc-cn": "gb18030", "hz": "gb18030", "big5": "big5hkscs", "x-x-big5": "big5hkscs", "cp950": "big5hkscs",
    "big5-hkscs": "big5hkscs", "ascii": "utf-8", "us-ascii": "utf-8",
}  # fmt: skip
_MAGIC = (
    b"%PDF", b"RIFF", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04", b"PK\x05\x06",
    b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"OggS", b"ID3", b"\x00\x00\x01\x00", b"wOFF", b"wOF2",
    b"BM", b"II*\x00", b"MM\x00*", b"\xd0\xcf\x11\xe0", b"fLaC", b"\x1aE\xdf\xa3", b"MZ", b"\x7fELF",
    b"BZh", b"\xfd7zXZ",
)  # fmt: skip
_SNIFF = 8192  # bytes inspected for magic numbers, NULs and the declaration
_DETECT = 1 << 20  # the detector sees at most this much: enough to guess, bounded time on 50 MB
_SCORE = 200_000  # characters scored for plausibility
_MAX_ERR = 0.001  # a declared charset may leave this share of bytes undecodable


# The encodings a page may name: those of the WHATWG Encoding Standard (what browsers accept), as Python
# codec names, plus the Chinese supersets. An allow-list, because Python knows many codecs that are not
# web encodings at all (unicode_escape, rot13, base64, UTF-7, which smuggles markup).
_WEB_CODECS = frozenset(
    [
        "utf-8",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "ascii",
        "iso8859-1",
        "iso8859-2",
        "iso8859-3",
        "iso8859-4",
        "iso8859-5",
        "iso8859-6",
        "iso8859-7",
        "iso8859-8",
        "iso8859-10",
        "iso8859-13",
        "iso8859-14",
        "iso8859-15",
        "iso8859-16",
        "cp866",
        "cp874",
        "cp1250",
        "cp1251",
        "cp1252",
        "cp1253",
        "cp1254",
        "cp1255",
        "cp1256",
        "cp1257",
        "cp1258",
        "koi8-r",
        "koi8-u",
        "mac-roman",
        "mac-cyrillic",
        "gb2312",
        "gbk",
        "gb18030",
        "hz",
        "big5",
        "big5hkscs",
        "cp950",
        "euc_jp",
        "iso2022_jp",
        "shift_jis",
        "euc_kr",
    ]
)


def _codec(name: str | None) -> str | None:
    """The codec to decode a charset label with (a superset for gb2312/gbk/big5), or None."""
    if not name:
        return None
    key = name.strip().lower()
    try:
        info = codecs.lookup(key)
    except (LookupError, ValueError):  # unknown label, or one holding a NUL
        return None
    if info.name not in _WEB_CODECS:
        return None
    return _SUPERSET.get(key, _SUPERSET.get(info.name, info.name))


@lru_cache(maxsize=1)
def _common_cjk() -> frozenset[str]:
    """Common Chinese characters: GB2312 level 1 (3,755) and Big5 level 1 (5,401)."""
    chars: set[str] = set()
    for lo, hi, enc, trails in (
        (0xB0, 0xD7, "gb2312", range(0xA1, 0xFF)),
        (0xA4, 0xC6, "big5", [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
    ):
        for lead in range(lo, hi + 1):
            for trail in trails:
                with contextlib.suppress(UnicodeDecodeError):
                    chars.add(bytes((lead, trail)).decode(enc))
    return frozenset(chars)


# A declared Korean or Japanese charset is judged on its own script too: Korean text is all Hangul
# syllables, which are not Chinese, so a truthful euc-kr page would be refused and the detector would
# read its bytes as (valid, common) GB18030 hanzi. Only declared charsets get this: undeclared pages
# stay judged as Chinese, since GBK bytes also decode as EUC-KR Hangul.
_CJK_PUNCT = ("\u3000", "\u303f")
_NATIVE = {
    "euc_kr": ("\uac00", "\ud7a3"),
    "euc_jp": ("\u3040", "\u30ff"),
    "iso2022_jp": ("\u3040", "\u30ff"),
    "shift_jis": ("\u3040", "\u30ff"),
}


def _plausibility(text: str, native: tuple[str, str] = _CJK_PUNCT) -> float:
    """Share of non-ASCII characters that are common CJK (or of the declared charset's ``native``
    script), minus junk (U+FFFD, PUA, C1 controls)."""
    sample = text[:_SCORE]
    wide = [c for c in sample if c > "\x7f"]
    if not wide:
        return 0.5  # pure ASCII: any ASCII-compatible codec is as good as another
    common = _common_cjk()
    lo, hi = native
    good = sum(
        1
        for c in wide
        if c in common or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef" or lo <= c <= hi
    )
    bad = sum(1 for c in wide if c == "\ufffd" or "\ue000" <= c <= "\uf8ff" or "\x80" <= c <= "\x9f")
    return (good - 3 * bad) / len(wide)


def _try(data: bytes, enc: str) -> str | None:
    """Decode strictly, or with at most ``_MAX_ERR`` of the bytes replaced."""
    try:
        return data.decode(enc)
    except UnicodeDecodeError:
        pass
    except (UnicodeError, LookupError, ValueError):
        return None
    try:
        text = data.decode(enc, errors="replace")
    except (UnicodeError, LookupError, ValueError):  # a codec that cannot even replace
        return None
    return text if text.count("\ufffd") <= _MAX_ERR * len(data) + 1 else None


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _clean(text: str) -> str:
    """No lone surrogates may leave this module (UTF-16/32 codecs can produce them)."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _is_binary(head: bytes) -> bool:
    lead = head[:1024].lstrip()
    if lead.startswith(_MAGIC):
        return True
    if lead[:4] in (b"\x00\x00\x00\x18", b"\x00\x00\x00\x1c", b"\x00\x00\x00\x20") and b"ftyp" in lead[:12]:
        return True  # MP4 / HEIC
    # Text pages hold no NULs (UTF-16/32 ones carry a BOM, handled before this); UTF-16 without a BOM
    # counts as binary too.
    nuls = head[:4096].count(0)
    return nuls > 8 or head.count(0) > len(head) // 10


def decode_html(data: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes; returns ``(text, encoding)``. Raises ``Drop`` (empty, binary, undecodable)."""
    if not data or (not data[:_SNIFF].strip() and not data.strip()):
        raise Drop("empty")
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _clean(data.decode(enc, errors="replace")), enc.replace("-sig", "")
    head = data[:_SNIFF]
    if _is_binary(head):
        raise Drop("binary", "magic number or NUL bytes")
    with contextlib.suppress(UnicodeDecodeError):  # fast path: one strict decode
        return data.decode("utf-8"), "utf-8"
    m = _META.search(head)
    declared = _codec((m.group(1) or m.group(2)).decode("ascii", "ignore")) if m else None
    for enc in dict.fromkeys(e for e in (declared, _codec(header_charset)) if e and e != "utf-8"):
        text = _try(data, enc)
        if text is not None and _plausibility(text, _NATIVE.get(enc, _CJK_PUNCT)) > 0.3:
            return _clean(text), enc
    return _detect(data)


def _sample(data: bytes, enc: str) -> str | None:
    """Decode the first ``_DETECT`` bytes (a character cut at the end is not an error)."""
    try:
        dec = codecs.getincrementaldecoder(enc)(errors="replace")
        text: str = dec.decode(data[:_DETECT], final=len(data) <= _DETECT)
    except (UnicodeError, LookupError, ValueError):
        return None
    return text if text.count("\ufffd") <= _MAX_ERR * min(len(data), _DETECT) + 1 else None


def _detect(data: bytes) -> tuple[str, str]:
    """Pick a codec on a sample (bounded time on huge inputs), then decode everything once."""
    guess = None
    best = from_bytes(data[:_DETECT]).best()
    if best is not None and best.encoding:
        guess = _codec(best.encoding)
    scored: list[tuple[float, str]] = []
    for enc in dict.fromkeys(e for e in ("gb18030", "big5hkscs", "utf-8", guess) if e):
        text = _sample(data, enc)
        if text is not None:
            # the detector's own guess wins ties; the Chinese codecs must beat it on plausibility
            scored.append((_plausibility(text) + (0.01 if enc == guess else 0.0), enc))
    if scored:
        score, enc = max(scored)
        if score >= 0 or enc == guess:
            return _clean(data.decode(enc, errors="replace")), enc
    if guess is None:
        guess = "utf-8"  # no guess at all: the web's default, kept only if few characters are lost
    try:
        text = _clean(data.decode(guess, errors="replace"))
    except (UnicodeError, LookupError, ValueError) as exc:
        raise Drop("undecodable", f"best guess {guess}") from exc
    if text.count("\ufffd") > 0.05 * len(text):
        raise Drop("undecodable", f"best guess {guess}")
    return text, guess
