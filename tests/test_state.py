"""State: schema migrations, URL outcomes, runs, and the flock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cleanfeed.errors import LockHeld, StateError
from cleanfeed.state import SCHEMA_VERSION, State, StateLock


def test_schema_version_and_wal(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as st:
        assert st.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert st.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with State(tmp_path / "s.db") as st:  # reopening migrates nothing
        assert st.counts() == {}


def test_newer_schema_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StateError, match="newer") as err:
        State(tmp_path / "s.db")
    assert f"schema version {SCHEMA_VERSION + 1}" in str(err.value) and f"({SCHEMA_VERSION})" in str(
        err.value
    )


def test_record_upserts_and_counts_failures(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as st:
        st.record("http://a/1", "src", "failed", error="timeout")
        st.record("http://a/1", "src", "failed", error="timeout")
        got = st.get("http://a/1")
        assert got is not None and got.failures == 2 and got.status == "failed"
        assert st.failed_urls("src", max_failures=3) == ["http://a/1"]
        assert st.failed_urls("src", max_failures=2) == []
        st.record("http://a/1", "src", "ok", etag='"e"', content_hash="h")
        got = st.get("http://a/1")
        assert got is not None and (got.status, got.failures, got.etag) == ("ok", 0, '"e"')
        st.record("http://a/1", "src", "ok")  # a 304 keeps the validators
        got = st.get("http://a/1")
        assert got is not None and got.etag == '"e"' and got.content_hash == "h"


def test_run_transaction_rolls_back_unless_committed(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as st:
        run_id, folder = st.start_run(lambda i: f"run{i}")
        assert folder == f"run{run_id}"
        st.begin()
        st.record("http://a/1", "src", "ok")
    with State(tmp_path / "s.db") as st:  # closed without commit: the URL is not recorded
        assert st.get("http://a/1") is None
        assert [r.folder for r in st.unfinished_runs()] == ["run1"]
        st.mark_run(1, "abandoned")
        run_id, _ = st.start_run(lambda i: f"run{i}")
        st.begin()
        st.record("http://a/1", "src", "ok")
        st.commit_run(run_id, {"articles": 1})
    with State(tmp_path / "s.db") as st:
        assert st.get("http://a/1") is not None and st.unfinished_runs() == []


def test_lock_is_exclusive_across_processes(tmp_path: Path) -> None:
    state = tmp_path / "s.db"
    code = (
        "import sys; from pathlib import Path\n"
        "from cleanfeed.state import StateLock; from cleanfeed.errors import LockHeld, StateError\n"
        "try:\n    StateLock(Path(sys.argv[1])).acquire()\nexcept LockHeld:\n    sys.exit(75)\n"
    )
    with StateLock(state) as lock:
        assert lock.path == tmp_path / "s.db.lock"
        with pytest.raises(LockHeld):
            StateLock(state).acquire()
        held = subprocess.run([sys.executable, "-c", code, str(state)], check=False)
        assert held.returncode == 75
    free = subprocess.run([sys.executable, "-c", code, str(state)], check=False)
    assert free.returncode == 0


# The state schema 1 as cleanfeed wrote it before the migration registry (user_version only): written out
# here, not taken from the code, so a change to the shipped steps cannot hide a broken upgrade.
_SCHEMA_1 = """
CREATE TABLE urls (url TEXT PRIMARY KEY, source TEXT NOT NULL, status TEXT NOT NULL, etag TEXT,
    last_modified TEXT, content_hash TEXT, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0, last_error TEXT);
CREATE INDEX urls_source_status ON urls(source, status);
CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, folder TEXT NOT NULL, started TEXT NOT NULL,
    finished TEXT, status TEXT NOT NULL, counts TEXT);
INSERT INTO urls VALUES ('http://a/x', 's', 'ok', '"e1"', NULL, 'h', '2026-01-01', '2026-01-01', 0, NULL);
PRAGMA user_version = 1;
"""


def test_a_state_from_before_the_registry_is_adopted_and_migrated(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.db")
    conn.executescript(_SCHEMA_1)
    conn.close()
    with State(tmp_path / "s.db") as st:
        row = st.get("http://a/x")
        assert row is not None and row.etag == '"e1"' and row.body_hash is None  # kept, column added
        steps = st.conn.execute("SELECT component, name FROM cleanfeed_migrations ORDER BY rowid").fetchall()
        assert [c for c, _ in steps] == ["state", "state"] and len({n for _, n in steps}) == 2
        assert st.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        st.record("http://a/y", "s", "ok", size=3)
    with State(tmp_path / "s.db") as st:  # reopening applies nothing again
        assert st.conn.execute("SELECT COUNT(*) FROM cleanfeed_migrations").fetchone()[0] == 2


def test_a_migration_this_cleanfeed_does_not_know_is_refused_by_name(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as st:
        st.conn.execute(
            "INSERT INTO cleanfeed_migrations (component, name, applied) VALUES ('state', 'from 2027', '')"
        )
    with pytest.raises(StateError, match="newer") as err:
        State(tmp_path / "s.db")
    assert "from 2027" in str(err.value) and f"({SCHEMA_VERSION};" in str(err.value)


def test_the_state_and_the_dedup_index_share_one_registry(tmp_path: Path) -> None:
    """One database, one table of named steps: the index's steps beside the state's, and a step of either
    that this cleanfeed does not know is refused."""
    from cleanfeed.dedup import DedupIndex
    from cleanfeed.errors import ConfigError

    with State(tmp_path / "s.db") as st:
        DedupIndex(st.conn).close()
        rows = st.conn.execute("SELECT component, COUNT(*) FROM cleanfeed_migrations GROUP BY component")
        assert dict(rows.fetchall()) == {"dedup": 3, "state": SCHEMA_VERSION}
        DedupIndex(st.conn).close()  # reopening applies nothing again
        assert (
            st.conn.execute("SELECT COUNT(*) FROM cleanfeed_migrations").fetchone()[0] == 3 + SCHEMA_VERSION
        )
        st.conn.execute("INSERT INTO cleanfeed_migrations VALUES ('dedup', 'from 2027', '')")
        with pytest.raises(ConfigError, match="from 2027"):
            DedupIndex(st.conn)
