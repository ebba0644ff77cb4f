"""The Frontier: what a run does with each item a source lists (admission), in one rule for ``run`` and
``sources --urls``.

Pages are identified by origin (``Item.ident``: URL, file, WARC record), never by their canonical URL.
Within a run each identity, and each final URL after redirects, is taken once; across runs the state says
what is done, and change detection decides what is worth redoing: a local file whose size and mtime are
unchanged is not read again (if they changed, the bytes' hash decides), a WARC record whose payload digest is
unchanged is skipped, and HTTP pages are revisited only with ``fetch.revisit`` (conditional GET, then the
body's hash).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Literal

import httpx

from cleanfeed.db import connect
from cleanfeed.errors import CleanfeedError, FetchError
from cleanfeed.fetch import Fetcher
from cleanfeed.pipeline import Tally
from cleanfeed.settings import FetchSettings, Settings, Source
from cleanfeed.sources import Item, describe, iter_source
from cleanfeed.state import DONE, State, UrlState

log = logging.getLogger(__name__)

Verdict = Literal["new", "retry", "revisit", "changed", "reject", "skip", "given_up"]


def decide(prev: UrlState | None, item: Item, fetch: FetchSettings) -> tuple[Verdict, str]:
    """``(verdict, why)`` for ``item`` given its state row: the single admission rule."""
    if item.reject is not None:
        return ("skip", "rejected") if prev is not None else ("reject", item.reject)
    if prev is None:
        return "new", "read" if item.local else "fetch"
    if prev.status == "failed":
        return ("retry", "retry") if prev.failures < fetch.max_failures else ("given_up", "gave up")
    if prev.status not in DONE and prev.status != "entry":
        return "new", prev.status
    if item.size is not None or item.mtime_ns is not None:  # a local file
        if (prev.size, prev.mtime_ns) == (item.size, item.mtime_ns):
            return "skip", "unchanged"
        return "changed", "size or mtime changed"
    if item.digest is not None:  # a WARC record
        return ("skip", "unchanged") if prev.body_hash == item.digest else ("changed", "payload changed")
    if fetch.revisit and prev.status in DONE:
        return "revisit", "revisit"
    return "skip", prev.status


def describe_verdict(verdict: Verdict, why: str) -> str:
    """What ``sources --urls`` prints: ``fetch``, ``read``, ``retry``, ``revisit``, ``skip (ok)`` ..."""
    if verdict == "skip":
        return f"skip ({why})"
    if verdict == "given_up":
        return "skip (gave up)"
    if verdict == "new":
        return why if why in ("read", "fetch") else "fetch"
    if verdict == "reject":
        return f"reject ({why})"
    return verdict


class Frontier:
    """Admission for one run: each identity and final URL once, ``--limit``, and ``run.deadline``."""

    def __init__(self, fetch: FetchSettings, *, limit: int | None, deadline_at: float | None) -> None:
        self.fetch = fetch
        self.limit = limit
        self.deadline_at = deadline_at  # time.monotonic() after which no new work starts
        self.claimed: set[str] = set()
        self.enqueued = 0
        self.limited = False
        self.deadline_reached = False
        self.counts: Counter[str] = Counter()
        self.entries: list[tuple[str, str, str | None, str | None]] = []  # source, entry URL, validators

    @property
    def stopped(self) -> bool:
        """No more items will be taken (limit or deadline): entry-point validators must not be stored."""
        return self.limited or self.deadline_reached

    def defer(self, reason: str, counts: Counter[str]) -> None:
        """A fetch the fetcher refused to start, left for the next run (counted as ``deferred``); at the
        deadline, it counts as reached (the manifest says so) even when no new page was offered after it,
        e.g. the feed itself came too late."""
        counts["deferred"] += 1
        if reason == "deadline":
            self.deadline_reached = True

    def past_deadline(self) -> bool:
        if self.deadline_at is not None and time.monotonic() >= self.deadline_at:
            self.deadline_reached = True
        return self.deadline_reached

    def offer(self, item: Item, prev: UrlState | None) -> Verdict | None:
        """The verdict for an admitted item, None when it is not taken (claimed, done, or stopped).

        Check ``stopped`` after a None: then the source should stop listing.
        """
        if self.limit is not None and self.enqueued >= self.limit:
            self.limited = True
            return None
        if self.past_deadline():
            return None
        if item.ident in self.claimed or item.url in self.claimed:
            self.counts["same_page"] += 1
            return None
        self.claimed.add(item.ident)
        if item.key is None:
            self.claimed.add(item.url)
        verdict, _ = decide(prev, item, self.fetch)
        if verdict == "skip":
            self.counts["skipped"] += 1
            return None
        if verdict == "given_up":
            self.counts["given_up"] += 1
            return None
        self.enqueued += 1
        return verdict

    def claim_final(self, requested: str, final: str) -> bool:
        """A fetch of ``requested`` ended at ``final``: False when another item of this run has that page."""
        if final == requested:
            return True
        if final in self.claimed:
            return False
        self.claimed.add(final)
        return True


# Fetch failures that mean "not tried" (the run's deadline, a host's budget): left for the next run.
DEFERRED = frozenset({"deadline", "host_budget"})

Take = Callable[[Item, Verdict], Awaitable[None]]


async def list_source(
    frontier: Frontier,
    src: Source,
    *,
    settings: Settings,
    state: State,
    fetcher: Fetcher,
    tally: Tally,
    take: Take,
) -> None:
    """List ``src`` (feed, sitemap, URLs, files, WARC) into ``take`` through the frontier's admission: first
    this source's URLs that failed in earlier runs, then what it lists now. A source that cannot be read,
    or that yields nothing, is an error of that source in ``tally``; the entry points' validators go to
    ``frontier.entries`` (stored only if the run does every page)."""
    entries: list[tuple[str, str | None, str | None]] = []
    errors = tally.source_errors[src.name]

    async def fetch_entry(url: str) -> bytes | None:
        prev = state.get(url)
        res = await fetcher.fetch(
            url,
            etag=prev.etag if prev else None,
            last_modified=prev.last_modified if prev else None,
            any_type=True,
        )
        if res.page is None:
            return None
        entries.append((url, res.etag, res.last_modified))
        return res.page.body

    def on_error(where: str, exc: Exception) -> None:
        errors.append(f"{where}: {exc}")
        log.warning(
            "source %s: %s failed: %s",
            src.name,
            where,
            exc,
            extra={"event": "source_error", "source": src.name, "url": where, "reason": str(exc)},
        )

    def failed(exc: object, reason: str, url: str | None = None) -> None:
        where = url if url is not None else str(getattr(src, "url", None) or getattr(src, "path", None) or "")
        log.warning(
            "source %s failed: %s",
            src.name,
            exc,
            extra={"event": "source_failed", "source": src.name, "url": where, "reason": reason},
        )

    async def admit(item: Item) -> bool:
        """Take ``item`` if admitted; False once the run takes no more (limit, deadline)."""
        verdict = frontier.offer(item, state.get(item.ident))
        if verdict is None:
            return not frontier.stopped
        await take(item, verdict)
        return True

    found: Counter[str] = Counter()
    try:
        if src.kind in ("feed", "sitemap", "urls"):
            for url in state.failed_urls(src.name, settings.fetch.max_failures):
                if not await admit(Item(url, src.name, src.original)):
                    return
        async for item in iter_source(src, settings, fetch_entry, on_error, found):
            if not await admit(item):
                return
    except FetchError as exc:
        if exc.reason in DEFERRED:  # the entry point itself was not tried: not a failure
            frontier.defer(exc.reason, tally.counts)
            return
        failed(exc, exc.reason)
        errors.append(f"{exc.reason}: {exc}")
        return
    except CleanfeedError as exc:
        reason = getattr(exc, "reason", type(exc).__name__)
        failed(exc, str(reason))
        errors.append(f"{reason}: {exc}")
        return
    finally:
        for key, n in found.items():
            if key.startswith("warc_"):
                tally.per_source[src.name][f"skipped_{key}"] += n
        tally.per_source[src.name]["found"] += found["found"]
    if not found["found"] and not found["unchanged"] and not errors:
        # A glob matching nothing or an empty feed is most often a typo: a run that silently does
        # nothing forever is worse than one that says so every time.
        where = describe(src, settings).split("\t")[-1]
        msg = f"empty: source {src.name!r} ({where}) yielded no pages"
        failed(msg, "empty", where)
        errors.append(msg)
    frontier.entries += [(src.name, *e) for e in entries]


def preview(
    settings: Settings, *, source: str | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> list[tuple[str, str, str]]:
    """``(source, url, what a run would do)`` for every item: ``fetch``, ``retry``, ``skip (done)`` ...

    Feeds and sitemaps are fetched (pages are not); the state is only read.
    """
    sources = [settings.source(source)] if source else list(settings.sources)
    known: dict[str, UrlState] = {}
    if settings.state_path.exists():
        conn = connect(settings.state_path, read_only=True)
        try:
            cols = {r[1] for r in conn.execute("PRAGMA table_info(urls)")}
            extra = ", ".join(c if c in cols else "NULL" for c in ("size", "mtime_ns", "body_hash"))
            rows = conn.execute(
                "SELECT url, source, status, etag, last_modified, content_hash, failures, "
                + extra
                + " FROM urls"
            )
            known = {r[0]: UrlState(*r) for r in rows}
        except sqlite3.Error:
            known = {}
        finally:
            conn.close()

    def what(item: Item) -> str:
        return describe_verdict(*decide(known.get(item.ident), item, settings.fetch))

    async def go() -> list[tuple[str, str, str]]:
        rows: list[tuple[str, str, str]] = []
        async with Fetcher(settings.fetch, transport=transport) as fetcher:

            async def fetch_entry(url: str) -> bytes | None:
                res = await fetcher.fetch(url, any_type=True)
                return res.page.body if res.page else None

            for src in sources:
                try:
                    async for item in iter_source(src, settings, fetch_entry):
                        rows.append((src.name, item.url, what(item)))
                except CleanfeedError as exc:
                    rows.append((src.name, getattr(src, "url", ""), f"error ({exc})"))
        return rows

    return asyncio.run(go())
