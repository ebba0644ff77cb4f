"""State run rows and URL rows read back exactly as written: found by mutation testing (``make mutate``),
where the run-level tests only looked at a few fields."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cleanfeed.state import State


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
