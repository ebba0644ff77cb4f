"""One batch run (``cleanfeed run``): lock, recover, crawl, write, commit.

Crash safety: the run row is committed as ``running`` before any output; URL outcomes and the dedup index
accumulate in open transactions; the output files are fsynced and renamed, then the index and the state are
committed. A run killed at any point leaves a folder whose run is not ``committed``: the next run deletes it
and redoes its pages, so the committed folders together hold every record exactly once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import os
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import httpx

from cleanfeed.crawl import HostQueues
from cleanfeed.errors import CleanfeedError, ConfigError, Drop, FetchError, NetworkDown
from cleanfeed.extract import RuleSet
from cleanfeed.fetch import Fetcher
from cleanfeed.frontier import Frontier, Verdict
from cleanfeed.ledger import RUN_FOLDER, Ledger, folder_name, recover
from cleanfeed.models import Article, Page, stable_id
from cleanfeed.pipeline import CleanResult, Pipeline, Stage, clean_job, open_dedup, worker_init
from cleanfeed.settings import FeedSource, Settings, SitemapSource, Source
from cleanfeed.siteprofile import SiteProfile
from cleanfeed.sources import Item, describe, iter_source, page_url, read_capped
from cleanfeed.state import DONE, State, StateLock
from cleanfeed.write import OutputError, RunWriter

log = logging.getLogger(__name__)


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


_DEFERRED = frozenset({"deadline", "host_budget"})  # not tried: left for the next run, nothing recorded


class _Run:
    """The mutable state of one run; ``crawl()`` is the async part. Admission is the ``Frontier``'s, commits
    the ``Ledger``'s; this class fetches, cleans and turns each outcome into records."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        *,
        sources: list[Source],
        limit: int | None,
        transport: httpx.AsyncBaseTransport | None,
        progress: Progress | None,
        deadline_at: float | None = None,
    ) -> None:
        self.s = settings
        self.ledger = ledger
        self.state = ledger.state
        self.dedup = dedup = ledger.dedup
        self.sources = sources
        self.transport = transport
        self.progress = progress
        self.frontier = Frontier(settings.fetch, limit=limit, deadline_at=deadline_at)
        stages: list[Stage] = [dedup.stage] if dedup.stage is not None else []
        self.pipeline = Pipeline(stages)
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.per_source: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for src in sources:
            self.per_source[src.name] = Counter()
        self.source_errors: dict[str, list[str]] = {s.name: [] for s in sources}
        self.timings: dict[str, float] = {}
        self.failed_pages = 0
        self.pool: ProcessPoolExecutor | None = None
        self.fetch_stats: dict[str, int] = {}
        self._entries: list[tuple[str, str, str | None, str | None]] = []  # source, entry URL, validators
        self._rules: dict[str, RuleSet | None] = {s.name: s.ruleset() for s in sources}
        # Per-host boilerplate (rule site_repeat): judged against the profile as committed before
        # the run, so page order never matters; this run's pages are learned at its commit.
        self.profile: SiteProfile | None = None
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
        marks: dict[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        """A reject record for ``item`` and its state row (``marks``: validators, sizes, hashes)."""
        self.reasons[reason] += 1
        art = Article.rejected(reason, url=item.url, source=item.source, original=item.original, **fields)
        if item.key is not None:
            art.id = stable_id(item.key)
        art.path = str(item.path) if item.path is not None else None
        art.warc_offset = item.offset
        self._emit(art, "rejects")
        self.ledger.record(item.ident, item.source, status, error=error or reason, **(marks or {}))

    def _tick(self) -> None:
        if self.progress is not None:
            done = self.counts["articles"] + self.counts["duplicates"] + self.counts["rejects"]
            self.progress.update(done, self.frontier.enqueued)

    # -- one item -----------------------------------------------------------------------------------------
    async def handle(self, item: Item, verdict: Verdict) -> None:
        try:
            await self._handle(item, verdict)
        except OutputError:
            raise
        except Exception as exc:  # our bug must cost one page, not the run
            log.exception("internal error on %s", item.url)
            self._reject(item, "internal_error", "failed", f"{type(exc).__name__}: {exc}")
        self._tick()

    async def _handle(self, item: Item, verdict: Verdict) -> None:
        if item.reject is not None:  # lost while listing: said in a record, not dropped unseen
            self.failed_pages += item.reject in ("warc_truncated", "warc_unreadable")
            detail = f"{item.reject}: {item.detail}" if item.detail else item.reject
            self._reject(item, item.reject, "rejected", detail)
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
            self._reject(item, drop.reason, "rejected", str(drop), marks)
            return
        marks["body_hash"] = body_hash = _hash(body)
        prev = self.state.get(item.ident)
        if prev is not None and prev.body_hash == body_hash and prev.status in DONE:
            self.counts["unchanged"] += 1  # touched, not edited: nothing new to say
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
        t0 = time.perf_counter()
        conditional = verdict == "revisit" and prev is not None
        try:
            with self.pipeline.step("fetch"):
                res = await self.fetcher.fetch(
                    item.url,
                    etag=prev.etag if conditional and prev else None,
                    last_modified=prev.last_modified if conditional and prev else None,
                )
        except FetchError as exc:
            if exc.reason in _DEFERRED:
                self.counts["deferred"] += 1
                return
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
        if res.page is None:  # 304: nothing new, nothing written
            self.counts["not_modified"] += 1
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
            self.counts["same_page"] += 1
            self.ledger.record(item.url, item.source, "ok", error=f"same page as {final}", **marks)
            return
        if prev is not None and prev.status in DONE and prev.body_hash == marks["body_hash"]:
            self.counts["unchanged"] += 1  # revisited, same bytes: no record again (rejects included)
            self.ledger.record(item.url, item.source, prev.status, **marks)
            return
        await self._clean(item, page, marks, also=final if final != item.url else None)

    def _done_before(self, final: str) -> bool:
        prev = self.state.get(final)
        return prev is not None and prev.status in DONE and not self.s.fetch.revisit

    async def _clean(self, item: Item, page: Page, marks: dict[str, Any], also: str | None = None) -> None:
        """Clean ``page`` into its stories and write each; record the outcome under the item's identity
        (and under ``also``, the final URL of a redirect, so a later listing of it is known as done)."""
        self.counts["processed"] += 1
        t0 = time.perf_counter()
        try:
            with self.pipeline.step("clean"):
                out = await self._clean_job(item, page)
                if isinstance(out, Drop):
                    raise out
        except Drop as drop:
            self._reject(
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
        finally:
            self._time("clean_s", t0)
        keys = [item.ident, *([also] if also else [])]
        for art in out:
            art.original = item.original
            if self.profile is not None:
                # Judged against the profile committed before the run; this page is learned at commit.
                self.profile.observe(art)
                self.profile.apply(art)
            # The record id comes from the page's identity, not its canonical: pages sharing a canonical
            # stay distinct records, and dedup compares them like any other pair.
            ident = also or item.ident
            art.id = stable_id(ident if art.story_index in (None, 0) else f"{ident}#{art.story_index}")
            if item.path is not None:
                art.path = str(item.path)
                art.warc_offset = item.offset
            self._dedup_and_emit(art)
        for key in keys:
            self.ledger.record(key, item.source, "ok", content_hash=out[0].content_hash, **marks)

    async def _clean_job(self, item: Item, page: Page) -> CleanResult:
        src_rules = self._rules.get(item.source)
        if self.pool is None:
            return clean_job(page, src_rules)
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, clean_job, page, src_rules)
        except BrokenProcessPool:
            # A worker died (a crash in a C extension on a hostile page): that page is rejected, the
            # pool is replaced, the run goes on.
            log.error("cleaning worker died on %s; restarting the pool", item.url)
            self._restart_pool()
            return Drop("worker_crashed", "the cleaning process died on this page")

    def _dedup_and_emit(self, art: Article) -> None:
        """One story: its own dedup decision and its own record."""
        stage = self.dedup.stage
        links: list[dict[str, Any]] = []
        if stage is not None:
            t0 = time.perf_counter()
            try:
                with self.pipeline.step(stage.name):
                    art, links = stage.decide(art)
            except Exception as exc:  # a stage bug costs this story, not the run
                log.exception("stage %s failed on %s", stage.name, art.url)
                reason = exc.reason if isinstance(exc, Drop) else "internal_error"
                self.reasons[reason] += 1
                art.reject_reason = reason
                self._emit(art, "rejects")
                return
            finally:
                self._time("dedup_s", t0)
        for link in links:
            self.ledger.link(link)
            self.counts["links"] += 1
        dup = art.duplicate_of is not None and self.s.dedup.policy == "separate"
        self._emit(art, "duplicates" if dup else "articles")

    # -- sources ------------------------------------------------------------------------------------------
    async def _produce(self, src: Source, queues: HostQueues) -> None:
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
        except FetchError as exc:
            if exc.reason in _DEFERRED:  # the entry point itself was not tried: not a failure
                self.counts["deferred"] += 1
                return
            log.warning("source %s failed: %s", src.name, exc)
            self.source_errors[src.name].append(f"{exc.reason}: {exc}")
            return
        except CleanfeedError as exc:
            reason = getattr(exc, "reason", type(exc).__name__)
            log.warning("source %s failed: %s", src.name, exc)
            self.source_errors[src.name].append(f"{reason}: {exc}")
            return
        finally:
            for key, n in found.items():
                if key.startswith("warc_"):
                    self.per_source[src.name][f"skipped_{key}"] += n
            self.per_source[src.name]["found"] += found["found"]
        if not found["found"] and not found["unchanged"] and not self.source_errors[src.name]:
            # A glob matching nothing or an empty feed is most often a typo: a run that silently does
            # nothing forever is worse than one that says so every time.
            where = describe(src, self.s).split("\t")[-1]
            msg = f"empty: source {src.name!r} ({where}) yielded no pages"
            log.warning("source %s failed: %s", src.name, msg)
            self.source_errors[src.name].append(msg)
        self._entries += [(src.name, *e) for e in entries]

    async def _offer(self, item: Item, queues: HostQueues) -> bool:
        """Queue ``item`` if the Frontier admits it; False once the run takes no more (limit, deadline)."""
        verdict = self.frontier.offer(item, self.state.get(item.ident))
        if verdict is None:
            return not self.frontier.stopped
        if item.local:
            await self.handle(item, verdict)  # already in hand: no host to be polite to
        else:
            await queues.put(item, verdict)
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
                fetcher.stop_at = self.frontier.deadline_at
                queues = HostQueues(self.s.fetch.per_host_concurrency, self._queued)
                producers = [asyncio.create_task(self._produce(src, queues)) for src in self.sources]
                try:
                    await asyncio.gather(*producers)
                    await queues.join()
                    # Validators of feeds/sitemaps are kept only when every entry was done (none cut by
                    # --limit or left by the deadline), else a 304 next run would hide the entries not done.
                    if not self.frontier.stopped and not self.counts["deferred"]:
                        for name, url, etag, last_modified in self._entries:
                            self.ledger.record(url, name, "entry", etag=etag, last_modified=last_modified)
                except BaseException:
                    for t in [*producers, *queues.tasks]:
                        t.cancel()
                    await asyncio.gather(*producers, *queues.tasks, return_exceptions=True)
                    raise
                self.fetch_stats = dict(fetcher.stats)
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)

    async def _queued(self, item: Item, verdict: Verdict) -> None:
        if self.frontier.past_deadline():  # queued before the deadline, not started: the next run's
            self.counts["deferred"] += 1
            return
        await self.handle(item, verdict)

    def check_network(self) -> None:
        """Raise ``NetworkDown`` when the run fetched, no server ever answered, and nothing else was done."""
        stats = self.fetch_stats
        if stats.get("requests", 0) and not stats.get("responses", 0) and not self.counts["processed"]:
            failed = self.pipeline.count("fetch").dropped
            raise NetworkDown(
                f"no HTTP response at all ({stats['requests']} requests: "
                + ", ".join(f"{n} {r}" for r, n in sorted(failed.items()))
                + "); nothing committed, nothing counted as failed"
            )

    def manifest(self, run_id: int | None, folder: str, started: datetime, t_start: float) -> dict[str, Any]:
        counts = self.counts + self.frontier.counts
        return {
            "run_id": run_id,
            "folder": folder,
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "counts": dict(sorted(counts.items())),
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
            "limited": self.frontier.limited,
            # run.deadline: what was left for the next run (pages not started, and any not listed yet)
            "deadline": {"reached": self.frontier.deadline_reached, "deferred": counts["deferred"]},
            "dedup": {"status": self.dedup.status, "policy": self.s.dedup.policy},
            "fetch": self.fetch_stats,
            "timings": {k: round(v, 3) for k, v in sorted(self.timings.items())}
            | {"total_s": round(time.perf_counter() - t_start, 3)},
        }


def _hash(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def run(
    settings: Settings,
    *,
    limit: int | None = None,
    source: str | None = None,
    dry_run: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
    reset_site_profile: bool = False,
) -> RunResult:
    """Run every source (or only ``source``) once.

    ``reset_site_profile``: forget the learned per-host boilerplate (rule site_repeat) first.
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
            last_folder_id = _last_run_folder_id(out_dir)
            if new_state and last_folder_id:
                notes.append(
                    f"new state database, but {out_dir} already holds run folders: pages are emitted again"
                )
                log.warning("recovery: %s", notes[-1])
            scratch = Path(tempfile.mkdtemp(prefix="cleanfeed-dry-")) if dry_run else None
            run_id: int | None = None
            if scratch is not None:
                folder = scratch / "run"
            else:
                run_id, name = state.start_run(folder_name, after=last_folder_id)
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
            deadline = settings.run.deadline
            job = _Run(
                settings,
                ledger,
                sources=sources,
                limit=limit,
                transport=transport,
                progress=progress,
                deadline_at=time.monotonic() - (time.perf_counter() - t_start) + deadline
                if deadline
                else None,
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
            if settings.state.site_profile:
                job.profile = SiteProfile() if reset_site_profile else SiteProfile.load(state.conn)
            try:
                ledger.begin()
                if job.profile is not None and reset_site_profile:
                    SiteProfile.reset(state.conn)  # in the run's transaction: forgotten as it commits
                asyncio.run(job.crawl())
                job.check_network()
                manifest = job.manifest(run_id, folder.name, started, t_start)
                manifest["recovery"] = notes
                if job.profile is not None:
                    job.profile.commit()
                    job.profile.save(state.conn)  # joins the run's transaction (rolled back on a dry run)
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


def _last_run_folder_id(out_dir: Path) -> int:
    """The highest run id among the run folders in ``out_dir`` (0 for none)."""
    try:
        ids = [int(m.group(1)) for p in out_dir.iterdir() if (m := RUN_FOLDER.fullmatch(p.name))]
    except OSError:
        return 0
    return max(ids, default=0)
