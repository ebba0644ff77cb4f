"""SQLite run state: what each URL came to, its validators (ETag/Last-Modified), and the runs.

One run is one write transaction: URL outcomes accumulate uncommitted and are committed only after the run's
output files are in place, so ``kill -9`` at any point leaves the state of the last finished run. The run row
itself is committed first (status ``running``): on the next start its folder is known to be unfinished and is
discarded, and its pages are redone.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from cleanfeed.errors import LockHeld

SCHEMA_VERSION = 1

# Each entry migrates user_version i -> i + 1; append, never edit.
_MIGRATIONS: list[str] = [
    """
    CREATE TABLE urls (
        url TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        status TEXT NOT NULL,            -- ok | rejected | failed | blocked | entry
        etag TEXT,
        last_modified TEXT,
        content_hash TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE INDEX urls_source_status ON urls(source, status);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        folder TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL,            -- running | committed | failed
        counts TEXT
    );
    """,
]

# Outcomes that end a URL's life: not fetched again (unless `fetch.revisit`).
DONE = frozenset({"ok", "rejected", "blocked"})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class UrlState:
    url: str
    source: str
    status: str
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    failures: int


@dataclass(frozen=True)
class RunRow:
    id: int
    folder: str
    status: str


class StateLock:
    """An exclusive ``flock`` on ``<state>.lock``; a second holder gets ``LockHeld`` at once."""

    def __init__(self, state_path: Path) -> None:
        self.path = state_path.with_name(state_path.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(f"another cleanfeed run holds {self.path}; try again when it finishes") from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock; the kernel also does this on kill -9
            self._fd = None

    def __enter__(self) -> StateLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode: transactions are explicit ``BEGIN``/``COMMIT``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL is durable across process crashes
    return conn


class State:
    """The state database. Use as a context manager or call ``close()``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.conn = connect(self.path)
        try:
            self._migrate()
        except BaseException:
            self.conn.close()
            raise

    def _migrate(self) -> None:
        version: int = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema {version}, newer than this cleanfeed ({SCHEMA_VERSION})"
            )
        for i in range(version, SCHEMA_VERSION):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for stmt in _MIGRATIONS[i].split(";"):
                    if stmt.strip():
                        self.conn.execute(stmt)
                self.conn.execute(f"PRAGMA user_version = {i + 1}")
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self.conn.close()

    def __enter__(self) -> State:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- runs ---------------------------------------------------------------------------------------
    def unfinished_runs(self) -> list[RunRow]:
        rows = self.conn.execute("SELECT id, folder, status FROM runs WHERE status = 'running'").fetchall()
        return [RunRow(*row) for row in rows]

    def mark_run(self, run_id: int, status: str) -> None:
        self.conn.execute("UPDATE runs SET status = ?, finished = ? WHERE id = ?", (status, _now(), run_id))

    def start_run(self, folder_for: Any) -> tuple[int, str]:
        """Record a pending run (committed at once) and return ``(run_id, folder name)``.

        ``folder_for(run_id) -> str`` names the folder from the id, never from page content.
        """
        started = _now()
        cur = self.conn.execute(
            "INSERT INTO runs(folder, started, status) VALUES ('', ?, 'running')", (started,)
        )
        run_id = int(cur.lastrowid or 0)
        folder = str(folder_for(run_id))
        self.conn.execute("UPDATE runs SET folder = ? WHERE id = ?", (folder, run_id))
        return run_id, folder

    def begin(self) -> None:
        """Open the run's write transaction (everything until ``commit_run``)."""
        self.conn.execute("BEGIN IMMEDIATE")

    def commit_run(self, run_id: int, counts: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE runs SET status = 'committed', finished = ?, counts = ? WHERE id = ?",
            (_now(), json.dumps(counts, ensure_ascii=False), run_id),
        )
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    # -- urls ---------------------------------------------------------------------------------------
    def get(self, url: str) -> UrlState | None:
        row = self.conn.execute(
            "SELECT url, source, status, etag, last_modified, content_hash, failures FROM urls WHERE url = ?",
            (url,),
        ).fetchone()
        return UrlState(*row) if row else None

    def failed_urls(self, source: str, max_failures: int) -> list[str]:
        """URLs of ``source`` whose last attempt failed, to retry this run."""
        rows = self.conn.execute(
            "SELECT url FROM urls WHERE source = ? AND status = 'failed' AND failures < ? ORDER BY url",
            (source, max_failures),
        ).fetchall()
        return [r[0] for r in rows]

    def record(
        self,
        url: str,
        source: str,
        status: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        content_hash: str | None = None,
        error: str | None = None,
    ) -> None:
        """Upsert one URL outcome (inside the run transaction). A failure bumps ``failures``."""
        now = _now()
        failed = 1 if status == "failed" else 0
        self.conn.execute(
            """
            INSERT INTO urls(url, source, status, etag, last_modified, content_hash, first_seen, last_seen,
                             failures, last_error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET
                source = excluded.source,
                status = excluded.status,
                etag = COALESCE(excluded.etag, urls.etag),
                last_modified = COALESCE(excluded.last_modified, urls.last_modified),
                content_hash = COALESCE(excluded.content_hash, urls.content_hash),
                last_seen = excluded.last_seen,
                failures = CASE WHEN excluded.failures = 1 THEN urls.failures + 1 ELSE 0 END,
                last_error = excluded.last_error
            """,
            (url, source, status, etag, last_modified, content_hash, now, now, failed, error),
        )

    def counts(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT status, COUNT(*) FROM urls GROUP BY status").fetchall()
        return dict(rows)
