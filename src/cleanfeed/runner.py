"""One batch run (``cleanfeed run``): lock, recover, crawl, write, commit.

Crash safety: the run row is committed as ``running`` before any output; URL outcomes and the dedup index
accumulate in open transactions; the output files are fsynced and renamed, then the index and the state are
committed. A run killed at any point leaves a folder whose run is not ``committed``: the next run deletes it
and redoes its pages, so the committed folders together hold every record exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import shutil
import sqlite3
import tempfile
import time
from collections import Counter, defaultdict, deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from cleanfeed.errors import CleanfeedError, ConfigError, Drop, FetchError
from cleanfeed.extract import RuleSet
from cleanfeed.fetch import Fetcher
from cleanfeed.ledger import RUN_FOLDER, Ledger, folder_name, recover
from cleanfeed.models import Article, Page
from cleanfeed.pipeline import Pipeline, Stage, clean_job, open_dedup, worker_init
from cleanfeed.settings import FeedSource, Settings, SitemapSource, Source
from cleanfeed.sources import Item, describe, iter_source
from cleanfeed.state import DONE, State, StateLock
from cleanfeed.write import OutputError, RunWriter

log = logging.getLogger(__name__)

MAX_PENDING = 5000  # queued URLs across hosts: bounds memory on 100k-URL sitemaps


class Progress(Protocol):
    def update(self, done: int, queued: int) -> None: ...


@dataclass
class RunResult:
    run_id: int | None
    folder: Path | None
    counts: dict[str, int]
    failed_pages: int
    failed_sources: list[str]
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed_pages and not self.failed_sources

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


class _HostQueues:
    """Per-host queues drained by at most ``per_host`` workers each: one slow host cannot block the others."""

    def __init__(self, per_host: int, handle: Any) -> None:
        self.per_host = per_host
        self.handle = handle
        self.queues: dict[str, deque[Item]] = {}
        self.active: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[None]] = set()
        self.pending = 0
        self.space = asyncio.Event()
        self.space.set()

    async def put(self, item: Item) -> None:
        while self.pending >= MAX_PENDING:
            self.space.clear()
            await self.space.wait()
        host = urlsplit(item.url).netloc.lower()
        self.queues.setdefault(host, deque()).append(item)
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
                item = q.popleft()
                self.pending -= 1
                self.space.set()
                await self.handle(item)
        finally:
            self.active[host] -= 1

    async def join(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks))


class _Run:
    """The mutable state of one run; ``crawl()`` is the async part."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        *,
        sources: list[Source],
        limit: int | None,
        transport: httpx.AsyncBaseTransport | None,
        progress: Progress | None,
    ) -> None:
        self.s = settings
        self.ledger = ledger
        self.state = ledger.state
        self.dedup = dedup = ledger.dedup
        self.sources = sources
        self.limit = limit
        self.transport = transport
        self.progress = progress
        stages: list[Stage] = [dedup.stage] if dedup.stage is not None else []
        self.pipeline = Pipeline(stages)
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.per_source: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for src in sources:
            self.per_source[src.name] = Counter()
        self.source_errors: dict[str, list[str]] = {s.name: [] for s in sources}
        self.timings: dict[str, float] = {}
        self.claimed: set[str] = set()
        self.emitted: set[str] = set()  # record ids written this run
        self.enqueued = 0
        self.limited = False
        self.failed_pages = 0
        self.pool: ProcessPoolExecutor | None = None
        self.fetch_stats: dict[str, int] = {}
        self._rules: dict[str, RuleSet | None] = {s.name: s.ruleset() for s in sources}
        self.fetcher: Fetcher  # set by crawl()

    def _time(self, key: str, t0: float) -> None:
        self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - t0

    # -- records ------------------------------------------------------------------------------------------
    def _emit(self, art: Article, stream: str) -> None:
        t0 = time.perf_counter()
        self.ledger.emit(art, stream)
        self._time("write_s", t0)
        self.counts[stream] += 1
        self.per_source[art.source or ""][stream] += 1

    def _reject(
        self,
        item: Item,
        reason: str,
        status: str,
        error: str | None = None,
        validators: dict[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        self.reasons[reason] += 1
        art = Article.rejected(reason, url=item.url, source=item.source, original=item.original, **fields)
        self._emit(art, "rejects")
        self.state.record(item.url, item.source, status, error=error or reason, **(validators or {}))

    def _tick(self) -> None:
        if self.progress is not None:
            done = self.counts["articles"] + self.counts["duplicates"] + self.counts["rejects"]
            self.progress.update(done, self.enqueued)

    # -- one item -----------------------------------------------------------------------------------------
    async def handle(self, item: Item) -> None:
        try:
            await self._handle(item)
        except OutputError:
            raise
        except Exception as exc:  # our bug must cost one page, not the run
            log.exception("internal error on %s", item.url)
            self._reject(item, "internal_error", "failed", f"{type(exc).__name__}: {exc}")
        self._tick()

    async def _handle(self, item: Item) -> None:
        prev = self.state.get(item.url)
        if item.local:
            page = Page(
                url=item.url,
                source=item.source,
                body=item.body or b"",
                charset=item.charset,
                fetched_at=item.fetched_at or datetime.now(timezone.utc),
            )
        else:
            fetch = self.pipeline.count("fetch")
            fetch.seen += 1
            t0 = time.perf_counter()
            try:
                revisit = prev is not None and prev.status == "ok"
                res = await self.fetcher.fetch(
                    item.url,
                    etag=prev.etag if revisit and prev else None,
                    last_modified=prev.last_modified if revisit and prev else None,
                )
            except FetchError as exc:
                fetch.dropped[exc.reason] += 1
                blocked = exc.reason in ("robots_disallowed", "blocked_address")
                if not blocked:
                    self.failed_pages += 1
                self._reject(
                    item,
                    f"fetch:{exc.reason}",
                    "blocked" if blocked else "failed",
                    f"{exc.reason}: {exc.detail}" if exc.detail else exc.reason,
                    fetched_at=datetime.now(timezone.utc),
                )
                return
            finally:
                self._time("fetch_s", t0)
            fetch.kept += 1
            if res.page is None:  # 304: nothing new, nothing written
                self.counts["not_modified"] += 1
                self.state.record(item.url, item.source, "ok")
                return
            page = res.page
            page.source = item.source
        self.counts["processed"] += 1
        src_rules = self._rules.get(item.source)
        clean = self.pipeline.count("clean")
        clean.seen += 1
        t0 = time.perf_counter()
        if self.pool is not None:
            try:
                out = await asyncio.get_running_loop().run_in_executor(self.pool, clean_job, page, src_rules)
            except BrokenProcessPool:
                # A worker died (a crash in a C extension on a hostile page): that page is rejected, the
                # pool is replaced, the run goes on.
                log.error("cleaning worker died on %s; restarting the pool", item.url)
                self._restart_pool()
                out = ("worker_crashed", "the cleaning process died on this page")
        else:
            out = clean_job(page, src_rules)
        self._time("clean_s", t0)
        validators: dict[str, Any] = {
            "etag": page.headers.get("etag"),
            "last_modified": page.headers.get("last-modified"),
        }
        if isinstance(out, tuple):
            clean.dropped[out[0]] += 1
            self._reject(
                item,
                out[0],
                "rejected",
                f"{out[0]}: {out[1]}" if out[1] else out[0],
                validators,
                fetched_at=page.fetched_at,
            )
            return
        clean.kept += 1
        art = out
        art.original = item.original
        if art.id in self.emitted:
            # Another URL of this run had the same canonical URL (hence id): the same story, said once.
            art.duplicate_of, art.dup_kind, art.similarity = art.canonical_url or art.url, "exact", 1.0
            self._emit(art, "duplicates")
            self.state.record(item.url, item.source, "ok", content_hash=art.content_hash, **validators)
            return
        if art.id:
            self.emitted.add(art.id)
        t0 = time.perf_counter()
        try:
            art = self.pipeline.process(art)
        except Drop as drop:
            self.reasons[drop.reason] += 1
            art.reject_reason = drop.reason
            self._emit(art, "rejects")
            self.state.record(item.url, item.source, "rejected", error=drop.reason, **validators)
            return
        finally:
            self._time("dedup_s", t0)
        stage = self.dedup.stage
        if stage is not None and stage.links:
            for link in stage.links:
                self.ledger.link(link)
                self.counts["links"] += 1
            stage.links.clear()
        dup = art.duplicate_of is not None and self.s.dedup.policy == "separate"
        self._emit(art, "duplicates" if dup else "articles")
        self.state.record(item.url, item.source, "ok", content_hash=art.content_hash, **validators)

    # -- sources ------------------------------------------------------------------------------------------
    async def _produce(self, src: Source, queues: _HostQueues) -> None:
        entries: list[tuple[str, str | None, str | None]] = []

        async def fetch_entry(url: str) -> bytes | None:
            prev = self.state.get(url)
            res = await self.fetcher.fetch(
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
            self.source_errors[src.name].append(f"{where}: {exc}")

        found: Counter[str] = Counter()
        try:
            if isinstance(src, FeedSource | SitemapSource) or src.kind == "urls":
                for url in self.state.failed_urls(src.name, self.s.fetch.max_failures):
                    if not await self._offer(Item(url, src.name, src.original), queues):
                        return
            async for item in iter_source(src, self.s, fetch_entry, on_error, found):
                if not await self._offer(item, queues):
                    return
        except CleanfeedError as exc:
            reason = getattr(exc, "reason", type(exc).__name__)
            log.warning("source %s failed: %s", src.name, exc)
            self.source_errors[src.name].append(f"{reason}: {exc}")
            return
        self.per_source[src.name]["found"] += found["found"]
        if not found["found"] and not found["unchanged"] and not self.source_errors[src.name]:
            # A glob matching nothing or an empty feed is most often a typo: a run that silently does
            # nothing forever is worse than one that says so every time.
            msg = f"empty: source {src.name!r} ({describe(src, self.s).split(chr(9))[-1]}) yielded no pages"
            log.warning("source %s failed: %s", src.name, msg)
            self.source_errors[src.name].append(msg)
        # Validators of feeds/sitemaps are kept only when every entry was taken (not cut by --limit),
        # else a 304 next run would hide the entries not yet done.
        if not self.limited:
            for url, etag, last_modified in entries:
                self.state.record(url, src.name, "entry", etag=etag, last_modified=last_modified)

    async def _offer(self, item: Item, queues: _HostQueues) -> bool:
        """Queue ``item`` unless already claimed or done; False once ``--limit`` is reached."""
        if self.limit is not None and self.enqueued >= self.limit:
            self.limited = True
            return False
        if item.url in self.claimed:
            return True
        self.claimed.add(item.url)
        prev = self.state.get(item.url)
        if prev is not None and not self.s.fetch.revisit and (prev.status in DONE or prev.status == "entry"):
            self.counts["skipped"] += 1
            return True
        if prev is not None and prev.status == "failed" and prev.failures >= self.s.fetch.max_failures:
            self.counts["given_up"] += 1
            return True
        self.enqueued += 1
        if item.local:
            await self.handle(item)  # already in hand: no host to be polite to
        else:
            await queues.put(item)
        return True

    def _restart_pool(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        # spawn, not fork: forking a process that runs an event loop and sqlite connections is unsafe
        ctx = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(
            self.s.fetch.workers, mp_context=ctx, initializer=worker_init, initargs=(os.getpid(),)
        )

    async def crawl(self) -> None:
        if self.s.fetch.workers:
            self._restart_pool()
        try:
            async with Fetcher(self.s.fetch, transport=self.transport) as fetcher:
                self.fetcher = fetcher
                queues = _HostQueues(self.s.fetch.per_host_concurrency, self.handle)
                producers = [asyncio.create_task(self._produce(src, queues)) for src in self.sources]
                try:
                    await asyncio.gather(*producers)
                    await queues.join()
                except BaseException:
                    for t in [*producers, *queues.tasks]:
                        t.cancel()
                    await asyncio.gather(*producers, *queues.tasks, return_exceptions=True)
                    raise
                self.fetch_stats = dict(fetcher.stats)
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)

    def manifest(self, run_id: int | None, folder: str, started: datetime, t_start: float) -> dict[str, Any]:
        return {
            "run_id": run_id,
            "folder": folder,
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "counts": dict(sorted(self.counts.items())),
            "reject_reasons": dict(sorted(self.reasons.items())),
            "stages": {
                name: self.pipeline.count(name).as_dict()
                for name in ["fetch", "clean", *(s.name for s in self.pipeline.stages)]
            },
            "sources": {
                name: {"counts": dict(c), "errors": self.source_errors[name]}
                for name, c in self.per_source.items()
            },
            "failed_pages": self.failed_pages,
            "failed_sources": sorted(n for n, e in self.source_errors.items() if e),
            "limited": self.limited,
            "dedup": {"status": self.dedup.status, "policy": self.s.dedup.policy},
            "fetch": self.fetch_stats,
            "timings": {k: round(v, 3) for k, v in sorted(self.timings.items())}
            | {"total_s": round(time.perf_counter() - t_start, 3)},
        }


def run(
    settings: Settings,
    *,
    limit: int | None = None,
    source: str | None = None,
    dry_run: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run every source (or only ``source``) once.

    Raises ``ConfigError`` (no sources), ``LockHeld``, ``StateError`` (an unusable state database),
    ``OutputError``. ``dry_run`` does all the work but writes no output and leaves the state as it was.
    """
    sources = [settings.source(source)] if source else list(settings.sources)
    if not sources:
        raise ConfigError("sources", "the config has no [[sources]]: a run would do nothing")
    t_start = time.perf_counter()
    started = datetime.now(timezone.utc)
    lock = StateLock(settings.state_path)
    lock.acquire()
    try:
        new_state = not settings.state_path.exists()
        with State(settings.state_path) as state:
            out_dir = settings.output_dir
            notes = [] if dry_run else recover(state, out_dir)
            if new_state and _has_run_folders(out_dir):
                notes.append(
                    f"new state database, but {out_dir} already holds run folders: pages are emitted again"
                )
                log.warning("recovery: %s", notes[-1])
            scratch = Path(tempfile.mkdtemp(prefix="cleanfeed-dry-")) if dry_run else None
            run_id: int | None = None
            if scratch is not None:
                folder = scratch / "run"
            else:
                run_id, name = state.start_run(folder_name)
                folder = out_dir / name
            try:
                writer = RunWriter(folder, compress=settings.output.gzip)
            except OutputError:
                if run_id is not None:
                    state.mark_run(run_id, "failed")
                raise
            shared = state.conn if settings.index_shares_state else None
            dedup = open_dedup(settings.dedup.enabled, settings.index_path, shared=shared)
            ledger = Ledger(state, writer, dedup, run_id=run_id, dry_run=dry_run)
            job = _Run(
                settings,
                ledger,
                sources=sources,
                limit=limit,
                transport=transport,
                progress=progress,
            )
            log.info(
                "run started",
                extra={
                    "event": "run_started",
                    "run_id": run_id,
                    "folder": str(folder),
                    "dry_run": dry_run,
                    "sources": [s.name for s in sources],
                    "dedup": dedup.status,
                },
            )
            try:
                ledger.begin()
                asyncio.run(job.crawl())
                manifest = job.manifest(run_id, folder.name, started, t_start)
                manifest["recovery"] = notes
                written = ledger.commit(manifest)
            except BaseException:
                ledger.abort()
                raise
            finally:
                dedup.close()
                if scratch is not None:
                    shutil.rmtree(scratch, ignore_errors=True)
            if not dry_run and settings.output.report:
                from cleanfeed.report import report_after_run  # noqa: PLC0415  (templates, charts: only here)

                report_after_run(folder, settings)
            log.info(
                "run finished",
                extra={"event": "run_finished", "folder": str(written or ""), "counts": manifest["counts"]},
            )
            return RunResult(
                run_id=run_id,
                folder=written,
                counts=manifest["counts"],
                failed_pages=job.failed_pages,
                failed_sources=manifest["failed_sources"],
                manifest=manifest,
            )
    finally:
        lock.release()


def _has_run_folders(out_dir: Path) -> bool:
    try:
        return any(RUN_FOLDER.fullmatch(p.name) for p in out_dir.iterdir())
    except OSError:
        return False


def preview(
    settings: Settings, *, source: str | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> list[tuple[str, str, str]]:
    """``(source, url, what a run would do)`` for every item: ``fetch``, ``retry``, ``skip (done)`` ...

    Feeds and sitemaps are fetched (pages are not); the state is only read.
    """
    sources = [settings.source(source)] if source else list(settings.sources)
    known: dict[str, tuple[str, int]] = {}
    if settings.state_path.exists():
        conn = sqlite3.connect(f"file:{settings.state_path}?mode=ro", uri=True)
        try:
            known = {u: (st, f) for u, st, f in conn.execute("SELECT url, status, failures FROM urls")}
        except sqlite3.Error:
            known = {}
        finally:
            conn.close()

    def what(url: str, local: bool) -> str:
        st, failures = known.get(url, ("", 0))
        if st in DONE or st == "entry":
            return "revisit" if settings.fetch.revisit and st == "ok" else f"skip ({st})"
        if st == "failed":
            return "retry" if failures < settings.fetch.max_failures else "skip (gave up)"
        return "read" if local else "fetch"

    async def go() -> list[tuple[str, str, str]]:
        rows: list[tuple[str, str, str]] = []
        async with Fetcher(settings.fetch, transport=transport) as fetcher:

            async def fetch_entry(url: str) -> bytes | None:
                res = await fetcher.fetch(url, any_type=True)
                return res.page.body if res.page else None

            for src in sources:
                try:
                    async for item in iter_source(src, settings, fetch_entry):
                        rows.append((src.name, item.url, what(item.url, item.local)))
                except CleanfeedError as exc:
                    rows.append((src.name, getattr(src, "url", ""), f"error ({exc})"))
        return rows

    return asyncio.run(go())
