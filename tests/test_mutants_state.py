"""State run rows and URL rows read back exactly as written: found by mutation testing (``make mutate``),
where the run-level tests only looked at a few fields."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cleanfeed.errors import LockHeld, StateError
from cleanfeed.state import SCHEMA_VERSION, State, StateLock


def _row(db: Path, sql: str) -> tuple[object, ...]:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(sql).fetchone()
    finally:
        conn.close()
    assert row is not None
    return tuple(row)


def test_a_committed_run_keeps_counts_manifest_and_folder_as_written(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with State(db) as st:
        run_id, folder = st.start_run(lambda i: f"run-{i:03d}")
        assert (run_id, folder) == (1, "run-001")
        st.begin()
        st.record("http://a/1", "src", "ok", content_hash="h")
        manifest = {
            "counts": {"articles": 1},
            "source": "新闻",
            "when": datetime(2026, 1, 2, tzinfo=timezone.utc),
        }
        st.commit_run(run_id, {"articles": 1, "来源": 2}, manifest=manifest, folder="run-001b")
        last = st.last_committed_run()
        assert last is not None and (last.id, last.folder, last.status) == (1, "run-001b", "committed")
        assert last.manifest is not None
        # UTF-8 text, not \\u escapes; values JSON cannot hold (a datetime) as their string
        assert json.loads(last.manifest) == {
            "counts": {"articles": 1},
            "source": "新闻",
            "when": "2026-01-02 00:00:00+00:00",
        }
        assert "新闻" in last.manifest
    status, counts, finished = _row(db, "SELECT status, counts, finished FROM runs WHERE id = 1")
    assert status == "committed"
    assert json.loads(str(counts)) == {"articles": 1, "来源": 2} and "来源" in str(counts)
    stamp = datetime.fromisoformat(str(finished))
    assert stamp.utcoffset() == timedelta(0)  # UTC, with the offset written out
    assert abs(datetime.now(timezone.utc) - stamp) < timedelta(hours=1)


def test_a_commit_without_manifest_or_folder_keeps_the_folder(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as st:
        run_id, _ = st.start_run(lambda i: f"f{i}")
        st.begin()
        st.commit_run(run_id, {})
        last = st.last_committed_run()
        assert last is not None and (last.folder, last.manifest) == ("f1", None)


def test_runs_are_numbered_and_the_last_committed_one_is_found(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as st:
        assert st.last_committed_run() is None
        ids = []
        for _ in range(3):
            run_id, _ = st.start_run(lambda i: f"f{i}")
            ids.append(run_id)
        assert ids == [1, 2, 3]
        for run_id in (1, 2):
            st.begin()
            st.commit_run(run_id, {})
        last = st.last_committed_run()
        assert last is not None and last.id == 2
        assert [r.id for r in st.unfinished_runs()] == [3]
        st.mark_run(3, "failed")
        assert st.unfinished_runs() == []


def test_rollback_discards_the_runs_url_outcomes(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as st:
        st.begin()
        st.record("http://a/1", "src", "ok")
        st.rollback()
        assert st.get("http://a/1") is None
        st.rollback()  # nothing open: a no-op, not an error
        st.begin()
        st.record("http://a/2", "src", "failed", error="timeout")
        run_id, _ = st.start_run(lambda i: f"f{i}")
        st.commit_run(run_id, {})
    with State(tmp_path / "s.db") as st:
        got = st.get("http://a/2")
        assert got is not None and (got.url, got.source, got.status, got.failures) == (
            "http://a/2",
            "src",
            "failed",
            1,
        )
        assert st.counts() == {"failed": 1}


def test_counts_group_urls_by_status(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as st:
        for i, status in enumerate(["ok", "ok", "rejected", "failed", "blocked", "entry"]):
            st.record(f"http://a/{i}", "src", status)
        assert st.counts() == {"ok": 2, "rejected": 1, "failed": 1, "blocked": 1, "entry": 1}


def test_failed_urls_are_per_source_and_ordered(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as st:
        for url in ("http://b/2", "http://a/1", "http://c/3"):
            st.record(url, "one", "failed")
        st.record("http://d/4", "two", "failed")
        st.record("http://e/5", "one", "ok")
        assert st.failed_urls("one", max_failures=5) == ["http://a/1", "http://b/2", "http://c/3"]
        assert st.failed_urls("two", max_failures=5) == ["http://d/4"]


# -- what is refused before any run starts (the CLI tests check the exit code in a subprocess; these check
# the same refusals in-process, where a mutation run can see them) ------------------------------------------
def _refused(path: Path) -> str:
    with pytest.raises(StateError) as info:
        State(path)
    return str(info.value)


def test_an_empty_state_file_is_refused_and_left_empty(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    db.write_bytes(b"")
    msg = _refused(db)
    assert str(db) in msg and "empty" in msg
    assert db.read_bytes() == b""


def test_a_folder_or_fifo_as_state_path_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    assert "folder" in _refused(tmp_path / "dir.db")
    os.mkfifo(tmp_path / "fifo.db")
    assert "regular file" in _refused(tmp_path / "fifo.db")


@pytest.mark.parametrize(
    "content", [b"not a database at all\n" * 10, b"SQLite", b"SQLite format 2\x00" + b"x" * 100]
)
def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "s.db"
    db.write_bytes(content)
    assert "not an SQLite file" in _refused(db)
    assert db.read_bytes() == content


def _sqlite(db: Path, version: int, tables: list[str]) -> None:
    conn = sqlite3.connect(db)
    for t in tables:
        conn.execute(f"CREATE TABLE {t} (id INTEGER)")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


def test_a_foreign_database_is_refused_naming_its_tables(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _sqlite(db, 0, ["invoices", "customers", "dedup_docs"])
    msg = _refused(db)
    assert "customers, invoices" in msg and "dedup_docs" not in msg


def test_a_database_holding_only_a_dedup_index_becomes_the_state(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _sqlite(db, 0, ["dedup_docs", "dedup_keys"])
    with State(db) as st:
        assert st.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert st.counts() == {}


def test_a_versioned_database_without_our_tables_is_refused_naming_them(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _sqlite(db, 1, ["urls"])
    msg = _refused(db)
    assert "runs" in msg and "urls" not in msg.split("lacks the tables", 1)[1]


def test_a_newer_schema_is_refused_naming_both_versions(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _sqlite(db, SCHEMA_VERSION + 1, ["urls", "runs"])
    msg = _refused(db)
    assert str(SCHEMA_VERSION + 1) in msg and str(SCHEMA_VERSION) in msg


def test_a_new_state_is_created_with_its_folder_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "er" / "s.db"
    with State(db) as st:
        run_id, _ = st.start_run(lambda n: f"run-{n}")
        st.begin()
        st.record("http://x.example/a", "src", "ok")
        st.commit_run(run_id, {"ok": 1})
    assert db.read_bytes()[:16] == b"SQLite format 3\x00"
    conn = sqlite3.connect(db)
    try:  # WAL: readers (cleanfeed explain, a report) never block the nightly run
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_closing_with_an_open_transaction_discards_it(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with State(db) as st:
        st.begin()
        st.record("http://x.example/a", "src", "ok")
    with State(db) as st:
        assert st.get("http://x.example/a") is None


def test_a_second_lock_holder_is_refused_until_the_first_releases(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    first = StateLock(db)
    first.acquire()
    try:
        assert first.path == tmp_path / "s.db.lock"
        with pytest.raises(LockHeld) as info, StateLock(db):
            pass
        assert str(first.path) in str(info.value)
    finally:
        first.release()
    with StateLock(db):  # released: the next run gets it
        pass
    first.release()  # releasing twice is harmless


def test_a_damaged_sqlite_file_is_refused_with_sqlite_s_own_error(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    db.write_bytes(b"SQLite format 3\x00" + b"\xa5" * 8192)  # the magic, then garbage
    msg = _refused(db)
    assert str(db) in msg and "not a database" in msg


def test_sqlite_s_own_tables_do_not_make_a_dedup_index_foreign(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE dedup_docs (id INTEGER PRIMARY KEY AUTOINCREMENT)")  # makes sqlite_sequence
    conn.commit()
    conn.close()
    with State(db) as st:
        assert st.counts() == {}


def test_a_versioned_database_without_any_of_our_tables_names_both(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _sqlite(db, 1, ["other"])
    assert "runs, urls" in _refused(db)


def test_an_unreadable_state_path_names_the_file_and_the_reason(tmp_path: Path) -> None:
    db = tmp_path / ("x" * 300) / "s.db"  # a name too long for the file system: stat fails
    with pytest.raises(StateError) as info:
        State(db)
    assert "File name too long" in str(info.value) and "xxxx" in str(info.value)


def test_a_lock_for_a_state_in_a_new_folder_creates_the_folder(tmp_path: Path) -> None:
    db = tmp_path / "a" / "b" / "s.db"
    with StateLock(db) as lock:
        assert lock.path.exists()
        assert lock.path.stat().st_mode & 0o111 == 0  # a plain file, not executable


def test_releasing_a_lock_never_taken_is_harmless(tmp_path: Path) -> None:
    StateLock(tmp_path / "s.db").release()


def test_a_busy_database_is_temporary_and_a_damaged_one_permanent(tmp_path: Path) -> None:
    """A rerun helps with busy or locked (exit 75 then), not with a damaged file (StateError, exit 78): the
    classification reads SQLite's own error codes, here from real SQLite errors."""
    from cleanfeed.state import _state_error

    db = tmp_path / "s.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(db, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError) as busy:
            other.execute("SELECT * FROM t")
    finally:
        other.close()
        holder.execute("ROLLBACK")
        holder.close()
    assert _state_error(db, busy.value) is busy.value  # passed through as it is: temporary

    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\xa5" * 8192)
    conn = sqlite3.connect(bad)
    try:
        with pytest.raises(sqlite3.DatabaseError) as damaged:
            conn.execute("SELECT * FROM sqlite_master")
    finally:
        conn.close()
    err = _state_error(bad, damaged.value)
    assert isinstance(err, StateError)
    assert str(bad) in str(err) and "SQLITE_NOTADB" in str(err)

    plain = _state_error(bad, sqlite3.DatabaseError("no code attached"))  # nothing to read: permanent
    assert isinstance(plain, StateError) and "DatabaseError" in str(plain)
