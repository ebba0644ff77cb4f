"""Site-wide boilerplate no rule can know, learned per host: the rule ``site_repeat``.

A site may print the same promo sentence, URL line or section label inside the article container of
every page, as ordinary punctuated text. ``SiteProfile`` keeps, per host, how many distinct pages
(by content) carried each line (a 64-bit fingerprint of the line without whitespace). A line found
on at least ``min_pages`` distinct pages *and* on at least ``min_share`` of the host's pages is that
site's boilerplate: ``apply`` removes it from an article and counts it under ``site_repeat``.

Decisions never depend on page order: ``apply`` reads the profile as it was when the batch started
(``observe`` only collects, ``commit`` folds a batch in), so reruns and sharded runs give the same
text. A line seen on one page only is never removed (``min_pages`` is at least 2), and no more than
``max_cut`` of a page's text goes (a host whose pages are copies of one story is not boilerplate).

Library use::

    profile = SiteProfile()                       # or SiteProfile.load("state.db")
    arts = [clean_html(html, url=url) for url, html in pages]
    arts = profile.clean_batch(arts)              # observe all, commit, then apply to all
    profile.save("state.db")

In ``cleanfeed run`` the profile lives in the state database (tables ``site_profile_pages`` and
``site_profile_lines``): loaded before the run, applied to the run's pages, updated in the run's
commit. ``SiteProfile.reset(conn)`` (or ``cleanfeed run --reset-site-profile``) forgets it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from cleanfeed.models import Article, content_hash

RULE = "site_repeat"
# Measured on daniel-zh-dev (several pages per host; docs/benchmarks.md "site_repeat"): below 5
# pages a news site's short recurring lines are still story text (the same agency credit line).
MIN_PAGES = 5
MIN_SHARE = 0.5
MAX_CUT = 0.3  # never remove more than this share of a page's characters
MIN_LINE_CHARS = 4  # shorter lines carry no site signature (and rules handle labels)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS site_profile_pages (host TEXT NOT NULL, page INTEGER NOT NULL,
    PRIMARY KEY (host, page)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS site_profile_lines (host TEXT NOT NULL, line INTEGER NOT NULL,
    pages INTEGER NOT NULL, PRIMARY KEY (host, line)) WITHOUT ROWID;
"""


def _fp(text: str) -> int:
    """Signed 64-bit fingerprint (SQLite INTEGER) of a text without its whitespace."""
    key = "".join(text.split()).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big", signed=True)


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def _lines(art: Article) -> list[str]:
    return [p for p in art.paragraphs if len("".join(p.split())) >= MIN_LINE_CHARS]


class SiteProfile:
    """Per-host line fingerprints; see the module docstring."""

    def __init__(self, *, min_pages: int = MIN_PAGES, min_share: float = MIN_SHARE, max_cut: float = MAX_CUT):
        if min_pages < 2:
            raise ValueError("min_pages must be at least 2: a line seen on one page is never boilerplate")
        self.min_pages, self.min_share, self.max_cut = min_pages, min_share, max_cut
        self._pages: defaultdict[str, set[int]] = defaultdict(set)  # host -> page fingerprints
        self._lines: defaultdict[str, Counter[int]] = defaultdict(Counter)  # host -> line -> pages
        # Observed since the last commit: not yet used by apply (order independence).
        self._new_pages: defaultdict[str, set[int]] = defaultdict(set)
        self._new_lines: defaultdict[str, Counter[int]] = defaultdict(Counter)
        # Committed but not yet saved: new pages and the lines whose counts changed, per host.
        self._unsaved_pages: defaultdict[str, set[int]] = defaultdict(set)
        self._unsaved_lines: defaultdict[str, set[int]] = defaultdict(set)

    # -- learning ---------------------------------------------------------------------------------
    def observe(self, art: Article, url: str | None = None) -> None:
        """Remember the article's lines for its host (once per distinct page text)."""
        host = host_of(url or art.url)
        lines = _lines(art)
        if host is None or not lines:
            return
        page = _fp("\n".join(lines))
        if page in self._pages[host] or page in self._new_pages[host]:
            return  # the same page text again (a refetch, another URL of it): counted once
        self._new_pages[host].add(page)
        self._new_lines[host].update({_fp(t) for t in lines})

    def commit(self) -> None:
        """Fold what was observed into the profile that ``apply`` uses."""
        for host, pages in self._new_pages.items():
            self._pages[host] |= pages
            self._lines[host].update(self._new_lines[host])
            self._unsaved_pages[host] |= pages
            self._unsaved_lines[host] |= set(self._new_lines[host])
        self._new_pages.clear()
        self._new_lines.clear()

    # -- using ------------------------------------------------------------------------------------
    def pages(self, host: str) -> int:
        return len(self._pages.get(host, ()))

    def is_boilerplate(self, host: str, line: str) -> bool:
        n = self._lines[host].get(_fp(line), 0) if host in self._lines else 0
        return n >= self.min_pages and n >= self.min_share * self.pages(host)

    def apply(self, art: Article, url: str | None = None) -> Article:
        """Remove the host's boilerplate lines from ``art`` (in place; returned for chaining)."""
        host = host_of(url or art.url)
        if host is None or self.pages(host) < self.min_pages or not art.text:
            return art
        paras = art.paragraphs
        drop = [len("".join(p.split())) >= MIN_LINE_CHARS and self.is_boilerplate(host, p) for p in paras]
        if not any(drop):
            return art
        total = sum(len("".join(p.split())) for p in paras)
        cut = sum(len("".join(p.split())) for p, d in zip(paras, drop, strict=True) if d)
        if cut >= self.max_cut * total:
            art.flags.append(f"{RULE}:skipped")  # most of the page recurs: copies of one story, not chrome
            return art
        art.text = "\n".join(p for p, d in zip(paras, drop, strict=True) if not d)
        art.removed[RULE] = art.removed.get(RULE, 0) + cut
        if art.content_hash is not None:
            art.content_hash = content_hash(art.text)
        return art

    def clean_batch(self, arts: Iterable[Article]) -> list[Article]:
        """Observe every article, commit, then apply to every article (order does not matter)."""
        out = list(arts)
        for art in out:
            self.observe(art)
        self.commit()
        return [self.apply(art) for art in out]

    # -- persistence ------------------------------------------------------------------------------
    @staticmethod
    def _conn(where: sqlite3.Connection | str | Path) -> tuple[sqlite3.Connection, bool]:
        if isinstance(where, sqlite3.Connection):
            return where, False
        return sqlite3.connect(str(where)), True

    @classmethod
    def load(
        cls,
        where: sqlite3.Connection | str | Path,
        *,
        min_pages: int = MIN_PAGES,
        min_share: float = MIN_SHARE,
        max_cut: float = MAX_CUT,
    ) -> SiteProfile:
        """The profile stored in a SQLite database (a connection, or a path; empty if none)."""
        prof = cls(min_pages=min_pages, min_share=min_share, max_cut=max_cut)
        conn, own = cls._conn(where)
        try:
            have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "site_profile_lines" not in have:
                return prof  # nothing learned yet (and a read creates no tables)
            for host, page in conn.execute("SELECT host, page FROM site_profile_pages"):
                prof._pages[host].add(page)
            for host, line, n in conn.execute("SELECT host, line, pages FROM site_profile_lines"):
                prof._lines[host][line] = n
        finally:
            if own:
                conn.close()
        return prof

    def save(self, where: sqlite3.Connection | str | Path) -> None:
        """Write the committed profile of the hosts that changed. Given a connection, the writes join
        its open transaction (the caller commits, e.g. with the run); given a path, they commit."""
        conn, own = self._conn(where)
        try:
            _create(conn)
            for host in sorted(self._unsaved_pages):
                conn.executemany(
                    "INSERT OR IGNORE INTO site_profile_pages (host, page) VALUES (?, ?)",
                    ((host, p) for p in sorted(self._unsaved_pages[host])),
                )
                counts = self._lines[host]
                conn.executemany(
                    "INSERT INTO site_profile_lines (host, line, pages) VALUES (?, ?, ?) "
                    "ON CONFLICT (host, line) DO UPDATE SET pages = excluded.pages",
                    ((host, line, counts[line]) for line in sorted(self._unsaved_lines[host])),
                )
            if own:
                conn.commit()
            self._unsaved_pages.clear()
            self._unsaved_lines.clear()
        finally:
            if own:
                conn.close()

    @staticmethod
    def reset(where: sqlite3.Connection | str | Path, host: str | None = None) -> None:
        """Forget the stored profile (of one host, or of all)."""
        conn, own = SiteProfile._conn(where)
        try:
            _create(conn)
            for table in ("site_profile_pages", "site_profile_lines"):
                if host is None:
                    conn.execute(f"DELETE FROM {table}")
                else:
                    conn.execute(f"DELETE FROM {table} WHERE host = ?", (host,))
            if own:
                conn.commit()
        finally:
            if own:
                conn.close()


def _create(conn: sqlite3.Connection) -> None:
    # executescript would commit the caller's open transaction: one statement at a time instead.
    for stmt in _SCHEMA.split(";"):
        if stmt.strip():
            conn.execute(stmt)


__all__ = ["MIN_PAGES", "MIN_SHARE", "RULE", "SiteProfile"]
