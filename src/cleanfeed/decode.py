"""bytes -> str. (Initial version; owned and extended by the normalize/decode work.)"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from cleanfeed.errors import Drop

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# Legacy Chinese encodings are decoded with their supersets: real pages labelled gb2312/gbk
# routinely contain GBK/GB18030-only characters, and big5 pages HKSCS ones.
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
             "big5": "big5hkscs", "x-x-big5": "big5hkscs", "cp950": "big5hkscs"}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        canonical = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSET.get(name.strip().lower(), _SUPERSET.get(canonical, canonical))


def decode_html(data: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes; returns ``(text, encoding)``. Raises ``Drop`` if it cannot."""
    if not data.strip():
        raise Drop("empty")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace").lstrip("\ufeff"), enc
    m = _META.search(data[:4096])
    for enc in (_codec(m.group(1).decode("ascii", "ignore")) if m else None, _codec(header_charset)):
        if enc:
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise Drop("undecodable")
    enc = _codec(best.encoding) or best.encoding
    return data.decode(enc, errors="replace"), enc
