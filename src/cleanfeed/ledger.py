"""The Ledger: a run's commits in the one crash-safe order (records, URL outcomes, dedup index, run row).

Order of a run: the run row is committed as ``running`` (it names the folder) before any output; records
go to ``*.part`` streams while URL outcomes and the dedup index accumulate in open transactions; at the end
the streams are fsynced and renamed, then the dedup index and the state are committed (the run row turns
``committed`` and keeps the manifest), and only then is ``manifest.json`` written. So:

- a folder with ``manifest.json`` belongs to a committed run: it is complete and is never removed;
- a kill before the state commit leaves a folder without a manifest whose run row is still ``running``: the
  next run removes that folder (only that one, see ``recover``) and redoes its pages;
- a kill between the state commit and the manifest leaves a committed run without its manifest: the next
  run writes it from the copy in the state.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cleanfeed.errors import Drop
from cleanfeed.models import Article, record_id
from cleanfeed.pipeline import DedupHandle, Pipeline, Tally
from cleanfeed.siteprofile import SiteProfile
from cleanfeed.sources import Item
from cleanfeed.state import RunRow, State
from cleanfeed.write import OutputError, RunWriter, write_manifest

log = logging.getLogger(__name__)

# ``20261207T053542Z-run000001``: the only names recovery will ever remove, and only directly under
# output.dir, and only the folder of the unfinished run whose id it carries.
RUN_FOLDER = re.compile(r"\d{8}T\d{6}Z-run(\d{6,})")


def folder_name(run_id: int) -> str:
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-run{run_id:06d}"


def run_folder(out_dir: Path, row: RunRow) -> Path | None:
    """``out_dir / row.folder`` when it is a run folder of that run directly under ``out_dir``, else None."""
    m = RUN_FOLDER.fullmatch(row.folder or "")
    if m is None or int(m.group(1)) != row.id:
        return None
    path = out_dir / row.folder
    try:
        if path.is_symlink() or not path.is_dir() or path.resolve().parent != out_dir.resolve():
            return None
    except OSError:
        return None
    return path


def recover(state: State, out_dir: Path) -> list[str]:
    """Discard unfinished runs and finish a committed run's manifest; returns what was done (for the log).

    Nothing outside the rules of ``run_folder`` is removed: a folder value that escapes ``out_dir``, names
    another run, or is not a run-folder name is left alone (and said so).
    """
    notes: list[str] = []
    for stale in state.unfinished_runs():
        path = run_folder(out_dir, stale)
        if path is not None and (path / "manifest.json").exists():
            # Written by a cleanfeed that put the manifest before the state commit: complete, keep it.
            notes.append(f"kept {path.name} of unfinished run {stale.id}: it has a manifest")
        elif path is not None:
            shutil.rmtree(path, ignore_errors=True)
            notes.append(f"removed {path.name} of unfinished run {stale.id}; its pages are redone")
        elif stale.folder:
            notes.append(f"left {stale.folder!r} of unfinished run {stale.id} alone: not its run folder")
        state.mark_run(stale.id, "abandoned")
    last = state.last_committed_run()
    if last is not None and last.manifest:
        path = run_folder(out_dir, last)
        if path is not None and not (path / "manifest.json").exists():
            write_manifest(path, json.loads(last.manifest))
            notes.append(f"wrote the manifest of committed run {last.id} ({path.name})")
    for note in notes:
        log.warning("recovery: %s", note)
    return notes


class Ledger:
    """Where outcomes become records and state rows, in the one crash-safe order, and where the run is
    committed or aborted. Every story goes through ``stories`` (its id, its dedup decision, its record),
    every loss through ``reject``; the dedup stage is counted by ``pipeline``, outcomes by ``tally``."""

    def __init__(
        self,
        state: State,
        writer: RunWriter,
        dedup: DedupHandle,
        *,
        run_id: int | None,
        dry_run: bool,
        policy: str = "separate",
        pipeline: Pipeline | None = None,
        tally: Tally | None = None,
        profile: SiteProfile | None = None,
    ) -> None:
        self.state = state
        self.writer = writer
        self.dedup = dedup
        self.run_id = run_id
        self.dry_run = dry_run
        self.policy = policy
        self.pipeline = pipeline or Pipeline([dedup.stage] if dedup.stage is not None else [])
        self.tally = tally or Tally()
        # Per-host boilerplate (rule site_repeat): judged against the profile as committed before the run,
        # so page order never matters; this run's pages are learned at its commit.
        self.profile = profile

    def begin(self) -> None:
        self.state.begin()

    def record(self, key: str, source: str, status: str, **fields: Any) -> None:
        self.state.record(key, source, status, **fields)

    def link(self, record: dict[str, Any]) -> None:
        self.writer.link(record)
        self.tally.counts["links"] += 1

    def emit(self, art: Article, stream: str) -> None:
        with self.tally.timer("write_s"):
            self.writer.article(art, stream)
        self.tally.counts[stream] += 1
        self.tally.per_source[art.source or ""][stream] += 1

    def reject(
        self,
        item: Item,
        reason: str,
        status: str,
        error: str | None = None,
        marks: dict[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        """A reject record for ``item`` and its state row (``marks``: validators, sizes, hashes)."""
        self.tally.reasons[reason] += 1
        prev = self.state.get(item.ident)
        attempt = (prev.failures if prev is not None else 0) + 1  # a page failing in two runs: two records
        art = Article.rejected(
            reason,
            url=item.url,
            attempt=attempt,
            origin=item.ident,
            source=item.source,
            original=item.original,
            **fields,
        )
        art.path = str(item.path) if item.path is not None else None
        art.warc_offset = item.offset
        self.emit(art, "rejects")
        self.record(item.ident, item.source, status, error=error or reason, **(marks or {}))
        if status == "failed":  # cron reads its log: one line per page that failed, with the reason
            log.warning(
                "page failed: %s (%s)",
                item.url,
                error or reason,
                extra={"event": "page_failed", "url": item.url, "source": item.source, "reason": reason},
            )

    def stories(
        self, item: Item, arts: list[Article], marks: dict[str, Any], also: str | None = None
    ) -> None:
        """The stories of one cleaned page: each its id, its dedup decision and its record; then the page's
        outcome under its identity (and under ``also``, the final URL of a redirect, so a later listing of
        it is known as done)."""
        ident = also or item.ident
        for art in arts:
            art.original = item.original
            if self.profile is not None:
                # Judged against the profile committed before the run; this page is learned at commit.
                self.profile.observe(art)
                self.profile.apply(art)
            # The record id comes from the page's identity, not its canonical: pages sharing a canonical
            # stay distinct records, and dedup compares them like any other pair.
            art.id = record_id(ident, art.story_index)
            if item.path is not None:
                art.path = str(item.path)
                art.warc_offset = item.offset
            self._dedup_and_emit(art)
        for key in [item.ident, *([also] if also else [])]:
            self.record(key, item.source, "ok", content_hash=arts[0].content_hash, **marks)

    def _dedup_and_emit(self, art: Article) -> None:
        """One story: its own dedup decision and its own record."""
        stage = self.dedup.stage
        links: list[dict[str, Any]] = []
        if stage is not None:
            try:
                with self.tally.timer("dedup_s"), self.pipeline.step(stage.name):
                    art, links = stage.decide(art)
            except Exception as exc:  # a stage bug costs this story, not the run
                log.exception("stage %s failed on %s", stage.name, art.url)
                reason = exc.reason if isinstance(exc, Drop) else "internal_error"
                self.tally.reasons[reason] += 1
                art.reject_reason = reason
                self.emit(art, "rejects")
                return
        for link in links:
            self.link(link)
        dup = art.duplicate_of is not None and self.policy == "separate"
        self.emit(art, "duplicates" if dup else "articles")

    @property
    def written(self) -> int:
        return sum(self.writer.counts.values())

    def commit(self, manifest: dict[str, Any]) -> Path | None:
        """Publish and commit; returns the folder, or None when the run wrote nothing (no folder is kept:
        an empty folder a day is noise, and empty JSONL files trip dataset loaders). A dry run commits
        nothing."""
        if self.profile is not None:
            self.profile.commit()
            self.profile.save(self.state.conn)  # joins the run's transaction (rolled back on a dry run)
        if self.dry_run:
            self.writer.finish(manifest)
            self.state.rollback()
            return None
        assert self.run_id is not None
        if self.written == 0:
            self.writer.discard()
            manifest["folder"] = None
            self.dedup.commit()
            self.state.commit_run(self.run_id, manifest["counts"], manifest, folder="")
            return None
        self.writer.publish()
        self.dedup.commit()  # a no-op when the index shares the state DB (the default)
        self.state.commit_run(self.run_id, manifest["counts"], manifest)
        try:
            write_manifest(self.writer.folder, manifest)
        except OutputError as exc:  # committed already: the next run writes it from the state
            log.warning("the manifest of committed run %s is not written yet: %s", self.run_id, exc)
        return self.writer.folder

    def abort(self) -> None:
        self.writer.discard()
        self.state.rollback()
        if self.run_id is not None:
            self.state.mark_run(self.run_id, "failed")
