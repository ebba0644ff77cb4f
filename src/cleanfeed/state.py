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
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from cleanfeed.db import Migrations, connect, sql
from cleanfeed.errors import LockHeld, StateError

__all__ = ["SCHEMA_VERSION", "State", "StateLock", "UrlState", "connect"]

# The state's schema steps, in the one registry of named migrations (``db.Migrations``; the dedup index
# registers its own in the same table). Append, never edit. Each step also sets ``user_version``, the
# schema number cleanfeeds before the registry read.
MIGRATIONS = Migrations(
    "state",
    [
        sql(
            "urls and runs",
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
    PRAGMA user_version = 1
    """,
        ),
        # Change detection (local files: size + mtime, then a hash of the bytes; HTTP and WARC: the hash
        # of the body), and the manifest kept with the run row: the state commit is what makes a run
        # complete, so the manifest is written from here after the commit (and again by the next run if a
        # kill came between the two).
        sql(
            "change detection and run manifests",
            """
    ALTER TABLE urls ADD COLUMN size INTEGER;
    ALTER TABLE urls ADD COLUMN mtime_ns INTEGER;
    ALTER TABLE urls ADD COLUMN body_hash TEXT;
    ALTER TABLE runs ADD COLUMN manifest TEXT;
    PRAGMA user_version = 2
    """,
        ),
    ],
)
SCHEMA_VERSION = len(MIGRATIONS.steps)
SQLITE_MAGIC = b"SQLite format 3\x00"
_OURS = frozenset({"urls", "runs"})

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
    size: int | None = None
    mtime_ns: int | None = None
    body_hash: str | None = None


@dataclass(frozen=True)
class RunRow:
    id: int
    folder: str
    status: str
    manifest: str | None = None


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


def _state_error(path: Path, exc: sqlite3.Error) -> BaseException:
    """A permanent SQLite failure as ``StateError`` with SQLite's message; temporary ones stay as they are."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and (code & 0xFF) in (5, 6, 7, 13):  # busy, locked, out of memory, disk full
        return exc
    name = getattr(exc, "sqlite_errorname", type(exc).__name__)
    return StateError(f"cannot use the state database {path}: {exc} ({name})")


def check_file(path: Path) -> bool:
    """Refuse what cannot be a state database before SQLite touches it; True when the file exists.

    SQLite takes a zero-length file for a new database: a state emptied by a crash or a ``: > state.db``
    would start over and re-emit every page, so it is refused, as are folders, devices and non-SQLite files.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StateError(f"cannot read the state database {path}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise StateError(f"state.path {path} is a folder, not a state database file")
    if not stat.S_ISREG(st.st_mode):
        raise StateError(f"state.path {path} is not a regular file (a device, FIFO or socket)")
    if st.st_size == 0:
        raise StateError(
            f"the state database {path} is empty (0 bytes), so what earlier runs did is unknown; refusing to "
            "start over, which would emit every page again. Restore it from a backup, or delete it to "
            "start from nothing on purpose"
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StateError(f"cannot read the state database {path}: {exc.strerror or exc}") from exc
    if head != SQLITE_MAGIC:
        raise StateError(f"{path} is not a cleanfeed state database (not an SQLite file)")
    return True


class State:
    """The state database. Use as a context manager or call ``close()``.

    Raises ``StateError`` (permanent: a rerun does not help) for a file that is not a usable cleanfeed
    state database, naming the file and SQLite's own error; other ``sqlite3.Error``s (busy, disk full)
    pass through as they are.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        existed = check_file(self.path)
        try:
            self.conn = connect(self.path)
        except sqlite3.Error as exc:
            raise _state_error(self.path, exc) from exc
        try:
            if existed:
                self._check_ours()
            self._migrate()
        except sqlite3.Error as exc:
            self.conn.close()
            raise _state_error(self.path, exc) from exc
        except BaseException:
            self.conn.close()
            raise

    def _check_ours(self) -> None:
        version: int = self.conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        unknown = MIGRATIONS.unknown(self.conn)
        if version > SCHEMA_VERSION or unknown:
            raise StateError(
                f"{self.path} has state schema version {max(version, SCHEMA_VERSION + len(unknown))}, newer "
                f"than this cleanfeed's ({SCHEMA_VERSION}"
                + (f"; migrations it does not know: {', '.join(unknown)}" if unknown else "")
                + "): it was written by a newer cleanfeed; upgrade cleanfeed to use it"
            )
        if version == 0:
            # A database the dedup index was loaded into before any run is fine; anything else is not ours.
            foreign = sorted(t for t in tables if not t.startswith(("dedup_", "sqlite_", "cleanfeed_")))
            if foreign:
                raise StateError(
                    f"{self.path} is not a cleanfeed state database (it holds tables {', '.join(foreign)})"
                )
        elif not tables >= _OURS:
            raise StateError(
                f"{self.path} says state schema {version} but lacks the tables "
                f"{', '.join(sorted(_OURS - tables))}: not a cleanfeed state database, or damaged"
            )

    def _migrate(self) -> None:
        version: int = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StateError(
                f"{self.path} has state schema {version}, newer than this cleanfeed's {SCHEMA_VERSION}"
            )
        if version and not MIGRATIONS.applied(self.conn):
            # A state from before the registry: its schema number says which steps it has.
            self.conn.execute("BEGIN IMMEDIATE")
            MIGRATIONS.adopt(self.conn, version)
            self.conn.execute("COMMIT")
        MIGRATIONS.apply(self.conn)

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
        rows = self.conn.execute(
            "SELECT id, folder, status, manifest FROM runs WHERE status = 'running' ORDER BY id"
        ).fetchall()
        return [RunRow(*row) for row in rows]

    def last_committed_run(self) -> RunRow | None:
        row = self.conn.execute(
            "SELECT id, folder, status, manifest FROM runs WHERE status = 'committed' "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return RunRow(*row) if row else None

    def mark_run(self, run_id: int, status: str) -> None:
        self.conn.execute("UPDATE runs SET status = ?, finished = ? WHERE id = ?", (status, _now(), run_id))

    def start_run(self, folder_for: Any, *, after: int = 0) -> tuple[int, str]:
        """Record a pending run (committed at once) and return ``(run_id, folder name)``.

        ``folder_for(run_id) -> str`` names the folder from the id, never from page content. The id is
        above ``after`` (the highest run id already in the output folder): a state deleted and started
        again must not name a folder after an earlier run's.
        """
        started = _now()
        row = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'runs'").fetchone()
        run_id = max(int(row[0]) if row else 0, after) + 1
        self.conn.execute(
            "INSERT INTO runs(id, folder, started, status) VALUES (?, '', ?, 'running')", (run_id, started)
        )
        folder = str(folder_for(run_id))
        self.conn.execute("UPDATE runs SET folder = ? WHERE id = ?", (folder, run_id))
        return run_id, folder

    def begin(self) -> None:
        """Open the run's write transaction (everything until ``commit_run``)."""
        self.conn.execute("BEGIN IMMEDIATE")

    def commit_run(
        self,
        run_id: int,
        counts: dict[str, Any],
        manifest: dict[str, Any] | None = None,
        folder: str | None = None,
    ) -> None:
        """Commit the run: its URL outcomes and its row (with the manifest, and ``folder`` when it changed:
        ``''`` for a run that wrote no folder)."""
        body = json.dumps(manifest, ensure_ascii=False, default=str) if manifest is not None else None
        self.conn.execute(
            "UPDATE runs SET status = 'committed', finished = ?, counts = ?, manifest = ?, "
            "folder = COALESCE(?, folder) WHERE id = ?",
            (_now(), json.dumps(counts, ensure_ascii=False), body, folder, run_id),
        )
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    # -- urls ---------------------------------------------------------------------------------------
    def get(self, url: str) -> UrlState | None:
        row = self.conn.execute(
            "SELECT url, source, status, etag, last_modified, content_hash, failures, size, mtime_ns, "
            "body_hash FROM urls WHERE url = ?",
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
        size: int | None = None,
        mtime_ns: int | None = None,
        body_hash: str | None = None,
    ) -> None:
        """Upsert one outcome (inside the run transaction); ``url`` is the page's identity key (a URL, a
        ``file:`` URI, or a WARC record's ``file:...#offset``). A failure bumps ``failures``."""
        now = _now()
        failed = 1 if status == "failed" else 0
        self.conn.execute(
            """
            INSERT INTO urls(url, source, status, etag, last_modified, content_hash, first_seen, last_seen,
                             failures, last_error, size, mtime_ns, body_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET
                source = excluded.source,
                status = excluded.status,
                etag = COALESCE(excluded.etag, urls.etag),
                last_modified = COALESCE(excluded.last_modified, urls.last_modified),
                content_hash = COALESCE(excluded.content_hash, urls.content_hash),
                last_seen = excluded.last_seen,
                failures = CASE WHEN excluded.failures = 1 THEN urls.failures + 1 ELSE 0 END,
                last_error = excluded.last_error,
                size = COALESCE(excluded.size, urls.size),
                mtime_ns = COALESCE(excluded.mtime_ns, urls.mtime_ns),
                body_hash = COALESCE(excluded.body_hash, urls.body_hash)
            """,
            (
                url,
                source,
                status,
                etag,
                last_modified,
                content_hash,
                now,
                now,
                failed,
                error,
                size,
                mtime_ns,
                body_hash,
            ),
        )

    def counts(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT status, COUNT(*) FROM urls GROUP BY status").fetchall()
        return dict(rows)
