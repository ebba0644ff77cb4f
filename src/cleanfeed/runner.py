"""One batch run (``cleanfeed run``): lock, recover, crawl, commit. The parts, each in its own module:

- ``frontier``: admission (sources -> pages to do: each page once, change detection, limit, deadline);
- ``crawl``: fetching and the cleaning pool, per-host queues; fetch and clean counted as pipeline stages;
- ``ledger``: records, state rows, dedup decisions and the commit, in the one crash-safe order;
- ``pipeline``: the stages (clean, dedup) and their counts; ``state``: the SQLite state.

Crash safety: the run row is committed as ``running`` before any output; URL outcomes and the dedup index
accumulate in open transactions; the output files are fsynced and renamed, then the index and the state are
committed. A run killed at any point leaves a folder whose run is not ``committed``: the next run deletes it
and redoes its pages, so the committed folders together hold every record exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from cleanfeed.crawl import Cleaned, Crawl, Progress
from cleanfeed.errors import ConfigError
from cleanfeed.frontier import Frontier
from cleanfeed.ledger import RUN_FOLDER, Ledger, folder_name, recover
from cleanfeed.pipeline import Tally, open_dedup
from cleanfeed.settings import Settings
from cleanfeed.siteprofile import SiteProfile
from cleanfeed.state import State, StateLock
from cleanfeed.write import OutputError, RunWriter, manifest_header

__all__ = ["Progress", "RunResult", "run"]

log = logging.getLogger(__name__)


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


def manifest(
    crawl: Crawl, run_id: int | None, folder: str, started: datetime, t_start: float
) -> dict[str, Any]:
    """The run's manifest: counts of the frontier, the stages and the ledger, per source, and timings."""
    tally, frontier, pipeline, ledger = crawl.tally, crawl.frontier, crawl.pipeline, crawl.ledger
    counts = tally.counts + frontier.counts
    return {
        **manifest_header(crawl.s, ledger.writer),
        "run_id": run_id,
        "folder": folder,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "counts": dict(sorted(counts.items())),
        "reject_reasons": dict(sorted(tally.reasons.items())),
        "stages": {
            name: pipeline.count(name).as_dict()
            for name in ["fetch", "clean", *(s.name for s in pipeline.stages)]
        },
        "sources": {
            name: {"counts": dict(c), "errors": tally.source_errors[name]}
            for name, c in tally.per_source.items()
        },
        "failed_pages": tally.failed_pages,
        "failed_sources": sorted(n for n, e in tally.source_errors.items() if e),
        "limited": frontier.limited,
        # run.deadline: what was left for the next run (pages not started, and any not listed yet)
        "deadline": {"reached": frontier.deadline_reached, "deferred": counts["deferred"]},
        "dedup": {"status": ledger.dedup.status, "policy": ledger.policy},
        "fetch": crawl.fetch_stats,
        "timings": {k: round(v, 3) for k, v in sorted(tally.timings.items())}
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
    reset_site_profile: bool = False,
    cleaned: Cleaned | None = None,
) -> RunResult:
    """Run every source (or only ``source``) once.

    ``reset_site_profile``: forget the learned per-host boilerplate (rule site_repeat) first.
    ``cleaned``: pages already cleaned elsewhere (``cleanfeed.scale``); every other step is this run's.
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
                writer = RunWriter(folder, compress=settings.output.gzip, fmt=settings.output.format)
            except OutputError:
                if run_id is not None:
                    state.mark_run(run_id, "failed")
                raise
            shared = state.conn if settings.index_shares_state else None
            dedup = open_dedup(settings.dedup.enabled, settings.index_path, shared=shared)
            profile: SiteProfile | None = None
            if settings.state.site_profile:
                profile = SiteProfile() if reset_site_profile else SiteProfile.load(state.conn)
            ledger = Ledger(
                state,
                writer,
                dedup,
                run_id=run_id,
                dry_run=dry_run,
                policy=settings.dedup.policy,
                tally=Tally.for_sources([s.name for s in sources]),
                profile=profile,
            )
            deadline = settings.run.deadline
            deadline_at = time.monotonic() - (time.perf_counter() - t_start) + deadline if deadline else None
            frontier = Frontier(settings.fetch, limit=limit, deadline_at=deadline_at)
            job = Crawl(settings, frontier, ledger, sources=sources, transport=transport, progress=progress)
            job.cleaned = cleaned
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
                if profile is not None and reset_site_profile:
                    SiteProfile.reset(state.conn)  # in the run's transaction: forgotten as it commits
                asyncio.run(job.drive())
                job.check_network()
                summary = manifest(job, run_id, folder.name, started, t_start)
                summary["recovery"] = notes
                written = ledger.commit(summary)
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
                extra={"event": "run_finished", "folder": str(written or ""), "counts": summary["counts"]},
            )
            return RunResult(
                run_id=run_id,
                folder=written,
                counts=summary["counts"],
                failed_pages=ledger.tally.failed_pages,
                failed_sources=summary["failed_sources"],
                manifest=summary,
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
