"""cleanfeed's SQLite layer: the one way to open a database, and the one registry of named migrations.

The state tables and the dedup index can share one database file, so both go through here: one set of
pragmas, and schema changes as named steps per component (``state``, ``dedup``) recorded in the
``cleanfeed_migrations`` table of the database they changed (the sqlite-utils ``migrations`` shape). A step
is applied once; a database that records a step this cleanfeed does not know was changed by a newer one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

TABLE = "cleanfeed_migrations"


def connect(path: Path | str, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit ``BEGIN``/``COMMIT``), WAL journal."""
    if read_only:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, timeout=30)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL is durable across process crashes
    return conn


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[sqlite3.Connection], None]


def sql(name: str, script: str) -> Migration:
    """A step made of SQL statements, run one by one (``executescript`` would commit the transaction)."""

    def apply(conn: sqlite3.Connection) -> None:
        for stmt in script.split(";"):
            if stmt.strip():
                conn.execute(stmt)

    return Migration(name, apply)


class Migrations:
    """The ordered, named schema steps of one component. Append steps; never rename or edit one."""

    def __init__(self, component: str, steps: list[Migration]) -> None:
        self.component = component
        self.steps = steps
        self.names = [s.name for s in steps]

    def applied(self, conn: sqlite3.Connection) -> list[str]:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (TABLE,)).fetchone():
            return []
        rows = conn.execute(f"SELECT name FROM {TABLE} WHERE component = ? ORDER BY rowid", (self.component,))
        return [r[0] for r in rows]

    def pending(self, conn: sqlite3.Connection) -> list[str]:
        done = set(self.applied(conn))
        return [n for n in self.names if n not in done]

    def unknown(self, conn: sqlite3.Connection) -> list[str]:
        """Applied steps this cleanfeed does not have: the database was changed by a newer cleanfeed."""
        return [n for n in self.applied(conn) if n not in self.names]

    def adopt(self, conn: sqlite3.Connection, count: int) -> None:
        """Record the first ``count`` steps as applied (a database from before this registry, whose own
        version number said how far it was)."""
        self._table(conn)
        done = set(self.applied(conn))
        for name in self.names[:count]:
            if name not in done:
                self._mark(conn, name)

    def apply(self, conn: sqlite3.Connection, *, begin: bool = True) -> list[str]:
        """Apply the steps not applied yet, in order; returns their names. ``begin``: each step in its own
        transaction; else the caller's open transaction holds them all."""
        done = set(self.applied(conn))
        ran: list[str] = []
        for step in self.steps:
            if step.name in done:
                continue
            if begin:
                conn.execute("BEGIN IMMEDIATE")
            try:
                self._table(conn)
                step.apply(conn)
                self._mark(conn, step.name)
                if begin:
                    conn.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (disk full): a second ROLLBACK would raise and hide
                # the real error.
                if begin and conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            ran.append(step.name)
        return ran

    def _table(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (component TEXT NOT NULL, name TEXT NOT NULL, "
            "applied TEXT NOT NULL, PRIMARY KEY (component, name))"
        )

    def _mark(self, conn: sqlite3.Connection, name: str) -> None:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        conn.execute(
            f"INSERT INTO {TABLE} (component, name, applied) VALUES (?, ?, ?)", (self.component, name, now)
        )
