"""Crawl: the async part of a run. Sources are listed through the Frontier into per-host queues; each page
is fetched (HTTP), read (files) or taken from its WARC record, cleaned (in line or in the cleaning processes
of ``fetch.workers``), and its outcome handed to the Ledger. Fetch and clean are counted as pipeline stages.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import hashlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timezone
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from cleanfeed.errors import Drop, FetchError, NetworkDown
from cleanfeed.extract import RuleSet
from cleanfeed.fetch import Fetcher
from cleanfeed.frontier import DEFERRED, Frontier, Verdict, list_source
from cleanfeed.ledger import Ledger
from cleanfeed.models import Page
from cleanfeed.pipeline import CleanResult, Pipeline, Tally, clean_job
from cleanfeed.settings import Settings, Source
from cleanfeed.sources import Item, page_url, read_capped
from cleanfeed.state import DONE
from cleanfeed.write import OutputError

log = logging.getLogger(__name__)


class Progress(Protocol):
    def update(self, done: int, queued: int, **info: Any) -> None: ...


MAX_PENDING = 5000  # queued URLs across hosts: bounds memory on 100k-URL sitemaps

Handle = Callable[[Item, Verdict], Awaitable[None]]


class HostQueues:
    """Per-host queues drained by at most ``per_host`` workers each: one slow host cannot block the others."""

    def __init__(self, per_host: int, handle: Handle) -> None:
        self.per_host = per_host
        self.handle = handle
        self.queues: dict[str, deque[tuple[Item, Verdict]]] = {}
        self.active: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[None]] = set()
        self.pending = 0
        self.space = asyncio.Event()
        self.space.set()

    async def put(self, item: Item, verdict: Verdict) -> None:
        while self.pending >= MAX_PENDING:
            self.space.clear()
            await self.space.wait()
        host = urlsplit(item.url).netloc.lower()
        self.queues.setdefault(host, deque()).append((item, verdict))
        self.pending += 1
        if self.active[host] < self.per_host:
            self.active[host] += 1
            task = asyncio.create_task(self._worker(host))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _worker(self, host: str) -> None:
        q = self.queues[host]
        try:
            while q:
                item, verdict = q.popleft()
                self.pending -= 1
                self.space.set()
                await self.handle(item, verdict)
        finally:
            self.active[host] -= 1

    async def join(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks))


# -- the cleaning processes -------------------------------------------------------------------------------
def worker_init(parent_pid: int) -> None:
    """Cleaning-process initializer: die with the parent, so ``kill -9`` of a run leaves no orphans.

    Linux: ``PR_SET_PDEATHSIG``; elsewhere (and as a backstop) a thread that notices the parent is gone.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    if os.getppid() != parent_pid:  # the parent died before we got here
        os._exit(1)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class CleanPool:
    """``fetch.workers`` cleaning processes (none: pages are cleaned in the event loop's thread). A worker
    that dies (a crash in a C extension on a hostile page) costs that page: the pool is replaced."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        if workers:
            self._start()

    def _start(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        # spawn, not fork: forking a process that runs an event loop and sqlite connections is unsafe
        ctx = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(
            self.workers, mp_context=ctx, initializer=worker_init, initargs=(os.getpid(),)
        )

    async def clean(self, page: Page, rules: RuleSet | None) -> CleanResult:
        if self.pool is None:
            return clean_job(page, rules)
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, clean_job, page, rules)
        except BrokenProcessPool:
            log.error("cleaning worker died on %s; restarting the pool", page.url)
            self._start()
            return Drop("worker_crashed", "the cleaning process died on this page")

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


# -- the crawl --------------------------------------------------------------------------------------------
# A page's cleaning done elsewhere (``cleanfeed.scale``: by datatrove tasks); None: clean it here.
Cleaned = Callable[[Item, Page], CleanResult | None]


class Crawl:
    """One run's fetching and cleaning: ``drive()`` lists every source and handles every admitted page."""

    def __init__(
        self,
        settings: Settings,
        frontier: Frontier,
        ledger: Ledger,
        *,
        sources: list[Source],
        transport: httpx.AsyncBaseTransport | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.s = settings
        self.frontier = frontier
        self.ledger = ledger
        self.state = ledger.state
        self.pipeline: Pipeline = ledger.pipeline
        self.tally: Tally = ledger.tally
        self.sources = sources
        self.transport = transport
        self.progress = progress
        self.listed = False  # every source listed (the progress total is final)
        self.rules: dict[str, RuleSet | None] = {s.name: s.ruleset() for s in sources}
        self.fetch_stats: dict[str, int] = {}
        self.fetcher: Fetcher  # set by drive()
        self.cleaner: CleanPool  # set by drive()
        self.cleaned: Cleaned | None = None

    async def drive(self) -> None:
        self.cleaner = CleanPool(self.s.fetch.workers)
        try:
            async with Fetcher(self.s.fetch, transport=self.transport) as fetcher:
                self.fetcher = fetcher
                fetcher.stop_at = self.frontier.deadline_at
                queues = HostQueues(self.s.fetch.per_host_concurrency, self._queued)

                async def take(item: Item, verdict: Verdict) -> None:
                    if item.local:
                        await self.handle(item, verdict)  # already in hand: no host to be polite to
                    else:
                        await queues.put(item, verdict)

                producers = [
                    asyncio.create_task(
                        list_source(
                            self.frontier,
                            src,
                            settings=self.s,
                            state=self.state,
                            fetcher=fetcher,
                            tally=self.tally,
                            take=take,
                        )
                    )
                    for src in self.sources
                ]
                try:
                    await asyncio.gather(*producers)
                    self.listed = True  # every source listed: the total is known from here on (ETA)
                    self.tick()
                    await queues.join()
                    # Validators of feeds/sitemaps are kept only when every entry was done (none cut by
                    # --limit or left by the deadline), else a 304 next run would hide the entries not done.
                    if not self.frontier.stopped and not self.tally.counts["deferred"]:
                        for name, url, etag, last_modified in self.frontier.entries:
                            self.ledger.record(url, name, "entry", etag=etag, last_modified=last_modified)
                except BaseException:
                    for t in [*producers, *queues.tasks]:
                        t.cancel()
                    await asyncio.gather(*producers, *queues.tasks, return_exceptions=True)
                    raise
                self.fetch_stats = dict(fetcher.stats)
        finally:
            self.cleaner.close()

    async def _queued(self, item: Item, verdict: Verdict) -> None:
        if self.frontier.past_deadline():  # queued before the deadline, not started: the next run's
            self.tally.counts["deferred"] += 1
            return
        await self.handle(item, verdict)

    def check_network(self) -> None:
        """Raise ``NetworkDown`` when the run fetched, no server ever answered, and nothing else was done."""
        stats = self.fetch_stats
        if stats.get("requests", 0) and not stats.get("responses", 0) and not self.tally.counts["processed"]:
            failed = self.pipeline.count("fetch").dropped
            raise NetworkDown(
                f"no HTTP response at all ({stats['requests']} requests: "
                + ", ".join(f"{n} {r}" for r, n in sorted(failed.items()))
                + "); nothing committed, nothing counted as failed"
            )

    # -- one item -----------------------------------------------------------------------------------------
    async def handle(self, item: Item, verdict: Verdict) -> None:
        try:
            await self._handle(item, verdict)
        except OutputError:
            raise
        except Exception as exc:  # our bug must cost one page, not the run
            log.exception("internal error on %s", item.url)
            self.ledger.reject(item, "internal_error", "failed", f"{type(exc).__name__}: {exc}")
        self.tick()

    def tick(self) -> None:
        """Tell the progress display (a terminal bar, or a log event every few seconds) where the run is."""
        if self.progress is None:
            return
        c, t = self.tally.counts, self.tally
        self.progress.update(
            c["articles"] + c["duplicates"] + c["rejects"],
            self.frontier.enqueued,
            listed=self.listed,
            # skipped pages are counted at admission, by the Frontier
            counts={
                **{k: c[k] for k in ("articles", "duplicates", "rejects")},
                "skipped": self.frontier.counts["skipped"],
            },
            errors=t.failed_pages + sum(len(e) for e in t.source_errors.values()),
            sources={name: dict(n) for name, n in t.per_source.items()},
        )

    async def _handle(self, item: Item, verdict: Verdict) -> None:
        if item.reject is not None:  # lost while listing: said in a record, not dropped unseen
            self.tally.failed_pages += item.reject in ("warc_truncated", "warc_unreadable")
            detail = f"{item.reject}: {item.detail}" if item.detail else item.reject
            self.ledger.reject(item, item.reject, "rejected", detail)
            return
        if item.path is not None and item.body is None:
            await self._handle_file(item)
            return
        if item.local:  # a WARC record
            page = Page(
                url=item.url,
                source=item.source,
                body=item.body or b"",
                charset=item.charset,
                fetched_at=item.fetched_at or datetime.now(timezone.utc),
            )
            await self._clean(item, page, {"body_hash": item.digest})
            return
        await self._handle_http(item, verdict)

    async def _handle_file(self, item: Item) -> None:
        assert item.path is not None
        marks: dict[str, Any] = {"size": item.size, "mtime_ns": item.mtime_ns}
        try:
            body = read_capped(item.path, self.s.fetch.max_bytes)
        except Drop as drop:
            self.ledger.reject(item, drop.reason, "rejected", str(drop), marks)
            return
        marks["body_hash"] = body_hash = _hash(body)
        prev = self.state.get(item.ident)
        if prev is not None and prev.body_hash == body_hash and prev.status in DONE:
            self.tally.counts["unchanged"] += 1  # touched, not edited: nothing new to say
            self.ledger.record(item.ident, item.source, prev.status, **marks)
            return
        # The page's own URL claim (canonical, og:url) is what the extractor sees and the record's ``url``
        # (host rules, relative links); the file is the identity and the record's ``path``.
        page = Page(
            url=page_url(body) or item.url,
            source=item.source,
            body=body,
            fetched_at=datetime.fromtimestamp((item.mtime_ns or 0) / 1e9, timezone.utc),
        )
        await self._clean(item, page, marks)

    async def _handle_http(self, item: Item, verdict: Verdict) -> None:
        prev = self.state.get(item.url)
        conditional = verdict == "revisit" and prev is not None
        try:
            with self.tally.timer("fetch_s"), self.pipeline.step("fetch"):
                res = await self.fetcher.fetch(
                    item.url,
                    etag=prev.etag if conditional and prev else None,
                    last_modified=prev.last_modified if conditional and prev else None,
                )
        except FetchError as exc:
            if exc.reason in DEFERRED:
                self.frontier.defer(exc.reason, self.tally.counts)
                return
            blocked = exc.reason in ("robots_disallowed", "blocked_address")
            if not blocked:
                self.tally.failed_pages += 1
            self.ledger.reject(
                item,
                f"fetch:{exc.reason}",
                "blocked" if blocked else "failed",
                f"{exc.reason}: {exc.detail}" if exc.detail else exc.reason,
                fetched_at=datetime.now(timezone.utc),
            )
            return
        if res.page is None:  # 304: nothing new, nothing written
            self.tally.counts["not_modified"] += 1
            self.ledger.record(item.url, item.source, prev.status if prev else "ok")
            return
        page = res.page
        page.source = item.source
        final = page.final_url or item.url
        marks: dict[str, Any] = {
            "etag": page.headers.get("etag"),
            "last_modified": page.headers.get("last-modified"),
            "body_hash": _hash(page.body),
        }
        if not self.frontier.claim_final(item.url, final) or self._done_before(final):
            # Another URL of this run (or of an earlier run) reached the same page: one record per page.
            self.tally.counts["same_page"] += 1
            self.ledger.record(item.url, item.source, "ok", error=f"same page as {final}", **marks)
            return
        if prev is not None and prev.status in DONE and prev.body_hash == marks["body_hash"]:
            self.tally.counts["unchanged"] += 1  # revisited, same bytes: no record again (rejects included)
            self.ledger.record(item.url, item.source, prev.status, **marks)
            return
        await self._clean(item, page, marks, also=final if final != item.url else None)

    def _done_before(self, final: str) -> bool:
        prev = self.state.get(final)
        return prev is not None and prev.status in DONE and not self.s.fetch.revisit

    async def _clean(self, item: Item, page: Page, marks: dict[str, Any], also: str | None = None) -> None:
        """Clean ``page`` into its stories for the Ledger, or reject it (under ``also`` too: the final URL
        of a redirect, so a later listing of it is known as done)."""
        self.tally.counts["processed"] += 1
        try:
            with self.tally.timer("clean_s"), self.pipeline.step("clean"):
                out = self.cleaned(item, page) if self.cleaned is not None else None
                if out is None:
                    out = await self.cleaner.clean(page, self.rules.get(item.source))
                if isinstance(out, Drop):
                    raise out
        except Drop as drop:
            self.ledger.reject(
                item,
                drop.reason,
                "rejected",
                str(drop),
                marks,
                fetched_at=page.fetched_at,
                final_url=page.final_url,
            )
            if also:
                self.ledger.record(also, item.source, "rejected", error=drop.reason, **marks)
            return
        self.ledger.stories(item, out, marks, also)


def _hash(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()
