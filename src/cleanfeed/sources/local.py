"""Sources that need no crawling: URL lists, local HTML files, WARC archives."""

from __future__ import annotations

import glob
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from cleanfeed.fetch import header_charset, is_textual
from cleanfeed.sources.xml import SourceError

_TAG = re.compile(r"<(link|meta)\b([^>]*)>", re.I)
_ATTR = re.compile(r"""([\w:\-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
HEAD_BYTES = 200_000


def _attrs(raw: str) -> dict[str, str]:
    return {
        m.group(1).lower(): (m.group(2) or m.group(3) or m.group(4) or "").strip()
        for m in _ATTR.finditer(raw)
    }


def page_url(data: bytes) -> str | None:
    """``<link rel=canonical>`` or ``og:url`` of a page (absolute http(s) only), else None."""
    head = data[:HEAD_BYTES].decode("utf-8", "replace")
    canonical = og = None
    for m in _TAG.finditer(head):
        a = _attrs(m.group(2))
        if m.group(1).lower() == "link" and "canonical" in a.get("rel", "").lower().split():
            canonical = canonical or a.get("href")
        elif m.group(1).lower() == "meta" and a.get("property", a.get("name", "")).lower() == "og:url":
            og = og or a.get("content")
    for url in (canonical, og):
        if url and url.startswith(("http://", "https://")):
            return url
    return None


def read_url_list(path: Path) -> list[str]:
    """One URL a line; blank lines and ``#`` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SourceError("unreadable", f"{path}: {exc.strerror or exc}") from None
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def expand_globs(patterns: list[str], base: Path) -> list[Path]:
    """Files matching ``patterns`` (relative to ``base``), sorted, each once."""
    found: dict[str, Path] = {}
    for pattern in patterns:
        full = Path(pattern).expanduser()
        full = full if full.is_absolute() else base / full
        for name in glob.glob(str(full), recursive=True):  # noqa: PTH207 - absolute patterns
            p = Path(name)
            if p.is_file():
                found.setdefault(str(p.resolve()), p)
    return [found[k] for k in sorted(found)]


def iter_warc(path: Path, max_bytes: int) -> Iterator[tuple[str, bytes, str | None, datetime | None]]:
    """``(url, body, header charset, date)`` of each 200 textual response/resource record."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise SourceError("unreadable", f"{path}: {exc.strerror or exc}") from None
    with fh:
        for rec in ArchiveIterator(fh):
            if rec.rec_type not in ("response", "resource"):
                continue
            url = rec.rec_headers.get_header("WARC-Target-URI") or ""
            ctype = None
            if rec.rec_type == "response":
                if rec.http_headers is None or rec.http_headers.get_statuscode() != "200":
                    continue
                ctype = rec.http_headers.get_header("Content-Type")
            else:
                ctype = rec.rec_headers.get_header("Content-Type")
            if not url.startswith(("http://", "https://")) or not is_textual(ctype):
                continue
            body = rec.content_stream().read(max_bytes + 1)
            if len(body) > max_bytes:
                continue
            date = None
            raw_date = rec.rec_headers.get_header("WARC-Date")
            if raw_date:
                try:
                    date = datetime.fromisoformat(raw_date.replace("Z", "+00:00")).astimezone(timezone.utc)
                except ValueError:
                    date = None
            yield url, body, header_charset(ctype), date
