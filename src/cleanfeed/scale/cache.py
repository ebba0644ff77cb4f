"""Cleaning done by datatrove tasks, kept for the run's final step.

Each task writes what cleaning its pages gave to its own SQLite file, under a temporary name renamed into
place when the task ends: a task killed midway leaves nothing half-written, and datatrove's completion
marker comes only after the rename. The key of a page is a hash of everything ``clean_job`` sees (the
item's identity, the page's URL, charset, time and bytes): the final step takes a result only for the very
page it would clean itself, so a file edited between the two phases is cleaned again, never mismatched.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sqlite3
from pathlib import Path
from typing import Any

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from cleanfeed.datatrove import owner, page_of
from cleanfeed.errors import Drop
from cleanfeed.extract import RuleSet
from cleanfeed.models import Page
from cleanfeed.pipeline import CleanResult, clean_job
from cleanfeed.settings import Settings
from cleanfeed.sources import Item

log = logging.getLogger(__name__)


def page_key(item: Item, page: Page) -> str:
    h = hashlib.blake2b(digest_size=20)
    when = page.fetched_at.isoformat() if page.fetched_at else ""
    for part in (item.ident, page.url, page.final_url or "", page.charset or "", when):
        h.update(part.encode("utf-8") + b"\0")
    h.update(page.body)
    return h.hexdigest()


def shard_path(folder: Path, rank: int) -> Path:
    return folder / f"{rank:05d}.db"


class CleanCache(PipelineStep):  # type: ignore[misc]  # datatrove ships no type information
    """Last step of a task: cleans each ``PageReader`` page and keeps the result for the final step."""

    name = "cleanfeed clean (kept for the run)"
    type = "💽 - WRITER"

    def __init__(self, folder: Path, settings: Settings) -> None:
        super().__init__()
        self.folder = folder
        self.settings = settings

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        rules: dict[str, RuleSet | None] = {s.name: s.ruleset() for s in self.settings.sources}
        final = shard_path(self.folder, rank)
        tmp = final.with_suffix(".part")  # one task per rank at a time: the driver holds the tasks lock
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=OFF")  # a scratch file: renamed only once complete
            conn.execute("CREATE TABLE cleaned (key TEXT PRIMARY KEY, result BLOB NOT NULL)")
            conn.execute("BEGIN")
            for doc in data or ():
                if doc.metadata.get("reject") is not None:
                    continue  # a loss the run itself records
                with self.track_time():
                    item = doc.metadata["item"]
                    page = page_of(item, doc.metadata["body"])  # built once: cleaned, and its key
                    out = clean_job(page, rules.get(doc.metadata["source"]))
                    key = page_key(item, page)
                    blob = pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
                    conn.execute("INSERT OR REPLACE INTO cleaned VALUES (?, ?)", (key, blob))
                self.stat_update("rejected" if isinstance(out, Drop) else "cleaned")
            conn.execute("COMMIT")
        finally:
            conn.close()
        with tmp.open("rb") as fh:  # on disk before it is named as done
            os.fsync(fh.fileno())
        tmp.replace(final)
        return
        yield  # a generator that yields nothing: the last step of the pipeline


class Cleaned:
    """The final step's ``cleaner``: a page's result from the task that owns it, None when not there."""

    def __init__(self, folder: Path, world_size: int) -> None:
        self.folder = folder
        self.world_size = world_size
        self.hits = 0
        self.misses = 0
        self._conns: dict[int, sqlite3.Connection | None] = {}

    def _conn(self, rank: int) -> sqlite3.Connection | None:
        if rank not in self._conns:
            path = shard_path(self.folder, rank)
            self._conns[rank] = (
                sqlite3.connect(f"file:{path.absolute()}?mode=ro", uri=True) if path.exists() else None
            )
        return self._conns[rank]

    def __call__(self, item: Item, page: Page) -> CleanResult | None:
        conn = self._conn(owner(item.ident, self.world_size))
        row = None
        if conn is not None:
            row = conn.execute("SELECT result FROM cleaned WHERE key = ?", (page_key(item, page),)).fetchone()
        if row is None:
            self.misses += 1
            log.debug("not cleaned by a task, cleaning here: %s", item.ident)
            return None
        self.hits += 1
        out: Any = pickle.loads(row[0])  # written by this job's own tasks
        return out  # type: ignore[no-any-return]

    def close(self) -> None:
        for conn in self._conns.values():
            if conn is not None:
                conn.close()
        self._conns.clear()
