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

from cleanfeed.models import Article
from cleanfeed.pipeline import DedupHandle
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
    """Where outcomes become records and state rows, and where the run is committed or aborted."""

    def __init__(
        self,
        state: State,
        writer: RunWriter,
        dedup: DedupHandle,
        *,
        run_id: int | None,
        dry_run: bool,
    ) -> None:
        self.state = state
        self.writer = writer
        self.dedup = dedup
        self.run_id = run_id
        self.dry_run = dry_run

    def begin(self) -> None:
        self.state.begin()

    def emit(self, art: Article, stream: str) -> None:
        self.writer.article(art, stream)

    def link(self, record: dict[str, Any]) -> None:
        self.writer.link(record)

    def record(self, key: str, source: str, status: str, **fields: Any) -> None:
        self.state.record(key, source, status, **fields)

    @property
    def written(self) -> int:
        return sum(self.writer.counts.values())

    def commit(self, manifest: dict[str, Any]) -> Path | None:
        """Publish and commit; returns the folder, or None when the run wrote nothing (no folder is kept:
        an empty folder a day is noise, and empty JSONL files trip dataset loaders). A dry run commits
        nothing."""
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
