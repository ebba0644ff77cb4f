"""Sources that need no crawling: URL lists, local HTML files, WARC archives."""

from __future__ import annotations

import glob
import hashlib
import os
import re
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from cleanfeed.errors import Drop
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


@dataclass(frozen=True)
class LocalFile:
    """A file a glob matched: a regular file (``special`` None) or something that is not one."""

    path: Path
    size: int | None = None
    mtime_ns: int | None = None
    special: str | None = None  # why it cannot be read as a page: "fifo", "device", "unreadable: ..."


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def expand_globs(patterns: list[str], base: Path) -> list[LocalFile]:
    """What ``patterns`` (relative to ``base``) match, sorted, each file once (by its resolved path).

    Folders are passed over (``*`` matching a subfolder is normal); FIFOs, devices and broken links are
    returned with ``special`` set, so the run records them instead of losing them.
    """
    found: dict[str, LocalFile] = {}
    for pattern in patterns:
        full = Path(pattern).expanduser()
        full = full if full.is_absolute() else base / full
        for name in glob.glob(str(full), recursive=True):  # noqa: PTH207 - absolute patterns
            p = Path(name)
            try:
                st = p.stat()  # follows links: a link to /dev/zero is a device
            except OSError as exc:
                found.setdefault(
                    str(p.absolute()), LocalFile(p, special=f"unreadable: {exc.strerror or exc}")
                )
                continue
            if stat.S_ISDIR(st.st_mode):
                continue
            kind = _kind(st.st_mode)
            key = str(p.resolve())
            # A special file is reported as the glob matched it (a link page.html, not /dev/zero).
            where = p.absolute() if kind else Path(key)
            found.setdefault(key, LocalFile(where, st.st_size, st.st_mtime_ns, kind))
    return [found[k] for k in sorted(found)]


def read_capped(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, never more than ``max_bytes`` in memory: ``Drop("too_large")`` past that.

    Opened without blocking, so a file swapped for a FIFO after listing cannot hang the run.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise Drop("unreadable", f"{path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        kind = _kind(st.st_mode)
        if kind is not None:
            raise Drop("not_regular_file", f"{path} is {kind}")
        if st.st_size > max_bytes:
            raise Drop("too_large", f"{path}: {st.st_size} bytes, over {max_bytes}")
        try:
            data = fh.read(max_bytes + 1)  # /proc files say size 0: the read itself is capped
        except OSError as exc:
            raise Drop("unreadable", f"{path}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise Drop("too_large", f"{path}: over {max_bytes} bytes")
    return data


@dataclass(frozen=True)
class WarcRecord:
    """A page record of a WARC file, or (``reject`` set) a record or tail that could not be used."""

    url: str
    offset: int
    body: bytes | None = None
    charset: str | None = None
    date: datetime | None = None
    digest: str | None = None
    reject: str | None = None
    detail: str = ""


def _date(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return None


def _skip_reason(rec: ArcWarcRecord, url: str) -> str | None:
    """Why a record is not a page (counted in the manifest, not a reject: a request or image is no page)."""
    if rec.rec_type not in ("response", "resource"):
        return f"warc_{rec.rec_type}"
    ctype = rec.rec_headers.get_header("Content-Type")
    if rec.rec_type == "response":
        if rec.http_headers is None:
            return "warc_no_http_headers"
        status = rec.http_headers.get_statuscode()
        if status != "200":
            return f"warc_status_{status}"
        ctype = rec.http_headers.get_header("Content-Type")
    if not url.startswith(("http://", "https://")):
        return "warc_not_http"
    if not is_textual(ctype):
        return "warc_not_text"
    return None


def iter_warc(path: Path, max_bytes: int, skipped: Counter[str] | None = None) -> Iterator[WarcRecord]:
    """Each 200 textual response/resource record with its offset and payload digest; oversized records, a
    record cut short by the end of the file and an unreadable tail come as rejects. Other records are
    counted in ``skipped`` by reason."""
    skipped = Counter() if skipped is None else skipped
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise SourceError("unreadable", f"{path}: {exc.strerror or exc}") from None
    with fh:
        size = os.fstat(fh.fileno()).st_size
        it = ArchiveIterator(fh)
        offset = 0
        try:
            for rec in it:
                offset = it.offset
                url = rec.rec_headers.get_header("WARC-Target-URI") or ""
                why = _skip_reason(rec, url)
                if why is not None:
                    skipped[why] += 1
                    continue
                ctype = rec.rec_headers.get_header("Content-Type")
                if rec.rec_type == "response" and rec.http_headers is not None:
                    ctype = rec.http_headers.get_header("Content-Type")
                body = rec.content_stream().read(max_bytes + 1)
                offset = it.get_record_offset()  # reads the rest of the record (the documented order)
                if rec.raw_stream.limit:  # the file ended inside the record
                    yield WarcRecord(url, offset, reject="warc_truncated", detail=f"{path}: record cut short")
                    continue
                if len(body) > max_bytes:
                    yield WarcRecord(
                        url, offset, reject="too_large", detail=f"{path}: record over {max_bytes}"
                    )
                    continue
                digest = rec.rec_headers.get_header("WARC-Payload-Digest")
                if not digest:
                    digest = "blake2b:" + hashlib.blake2b(body, digest_size=16).hexdigest()
                date = _date(rec.rec_headers.get_header("WARC-Date"))
                yield WarcRecord(url, offset, body, header_charset(ctype), date, digest)
        except Exception as exc:  # warcio's ArchiveLoadFailed and friends: the rest of the file is unreadable
            yield WarcRecord(
                "", it.offset, reject="warc_unreadable", detail=f"{path}: {type(exc).__name__}: {exc}"
            )
            return
        if it.offset < size:
            # A gzip member cut short ends warcio's iteration without an error: what follows is lost.
            detail = f"{path}: {size - it.offset} bytes at offset {it.offset} could not be read"
            yield WarcRecord("", it.offset, reject="warc_truncated", detail=detail)
