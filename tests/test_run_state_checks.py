"""The state database is checked before any work, exit codes say whether a rerun can help, and recovery
only ever removes the unfinished run's own folder.

Real SQLite files (truncated, garbled, emptied, from a newer schema), real run folders, ``cleanfeed run``
through ``cli.main``. Exit codes: 75 = temporary (rerun later), 78 = permanent (a person must act).
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cleanfeed.cli import main
from cleanfeed.errors import is_temporary
from cleanfeed.state import SCHEMA_VERSION
from conftest import generated_page

BASE = "https://news.example.cn"


def _setup(tmp: Path, pages: int = 6, *, sources: str | None = None) -> Path:
    pages_dir = tmp / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    for n in range(pages):
        (pages_dir / f"p{n}.html").write_text(generated_page(n, BASE), encoding="utf-8")
    if sources is None:
        sources = '[[sources]]\nname = "local"\nkind = "files"\npaths = ["pages/*.html"]\n'
    cfg = tmp / "cfg.toml"
    cfg.write_text(f'[output]\ndir = "out"\n[state]\npath = "state/state.db"\n{sources}', encoding="utf-8")
    return cfg


def _run(cfg: Path, *extra: str) -> int:
    return main(["run", "--config", str(cfg), "--log-format", "json", *extra])


def _folders(tmp: Path) -> list[Path]:
    out = tmp / "out"
    return sorted(p for p in out.iterdir() if p.is_dir()) if out.exists() else []


def _records(tmp: Path) -> list[dict[str, object]]:
    recs = []
    for folder in _folders(tmp):
        for stream in ("articles", "duplicates", "rejects"):
            path = folder / f"{stream}.jsonl"  # a stream with no record writes no file
            recs += (
                [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
                if path.exists()
                else []
            )
    return recs


def _cli(cfg: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command, so an uncaught exception would show as a traceback and exit 1."""
    return subprocess.run(
        [sys.executable, "-m", "cleanfeed", "run", "--config", str(cfg), "--log-format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


# -- an unusable state database: refused before work, exit 78, the real reason in the message ----------


def test_zero_length_state_is_refused_not_started_over(tmp_path: Path) -> None:
    cfg = _setup(tmp_path)
    assert _run(cfg) == 0
    assert len(_records(tmp_path)) == 6
    db = tmp_path / "state/state.db"
    for side in ("state.db-wal", "state.db-shm"):
        (db.parent / side).unlink(missing_ok=True)
    db.write_bytes(b"")  # a crash of the filesystem, or `: > state.db`
    proc = _cli(cfg)
    assert proc.returncode == 78, proc.stderr
    assert "empty" in proc.stderr and str(db) in proc.stderr and "Traceback" not in proc.stderr
    assert len(_records(tmp_path)) == 6, "a refused state must not re-emit the pages"
    assert db.stat().st_size == 0, "the evidence is left as it was"


def test_garbled_and_truncated_state_exit_78_with_sqlite_s_own_error(tmp_path: Path) -> None:
    cfg = _setup(tmp_path, pages=30)
    assert _run(cfg) == 0
    db = tmp_path / "state/state.db"
    good = db.read_bytes()
    assert len(good) > 8192

    db.write_bytes(b"this is not sqlite" + good[18:])  # a garbled header
    proc = _cli(cfg)
    assert proc.returncode == 78, proc.stderr
    assert "not a cleanfeed state database" in proc.stderr

    db.write_bytes(good[:100] + os.urandom(4096) + good[4196:])  # garbled pages past the header
    proc = _cli(cfg)
    assert proc.returncode == 78, proc.stderr
    assert "malformed" in proc.stderr or "not a database" in proc.stderr, proc.stderr
    assert "cannot rollback" not in proc.stderr and "Traceback" not in proc.stderr
    proc = _cli(cfg)  # and again: a permanent condition stays 78, it does not turn into "retry later"
    assert proc.returncode == 78
    assert len(_folders(tmp_path)) == 1


def test_newer_schema_names_both_versions_no_traceback(tmp_path: Path) -> None:
    cfg = _setup(tmp_path)
    assert _run(cfg) == 0
    conn = sqlite3.connect(tmp_path / "state/state.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 7}")
    conn.commit()
    conn.close()
    proc = _cli(cfg)
    assert proc.returncode == 78, proc.stderr
    assert f"{SCHEMA_VERSION + 7}" in proc.stderr and f"({SCHEMA_VERSION})" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_foreign_sqlite_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    cfg = _setup(tmp_path)
    db = tmp_path / "state/state.db"
    db.parent.mkdir()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    conn.commit()
    conn.close()
    proc = _cli(cfg)
    assert proc.returncode == 78 and "invoices" in proc.stderr, proc.stderr
    conn = sqlite3.connect(db)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert tables == {"invoices"}, "nothing was added to somebody else's database"


def test_folder_device_and_empty_state_path(tmp_path: Path) -> None:
    cfg = _setup(tmp_path)
    (tmp_path / "state/state.db").mkdir(parents=True)
    proc = _cli(cfg)
    assert proc.returncode == 78 and "folder" in proc.stderr, proc.stderr

    proc = _cli(cfg, {"CLEANFEED_STATE__PATH": "/dev/full"})
    assert proc.returncode == 78, proc.stderr
    assert "not a regular file" in proc.stderr and "cannot rollback" not in proc.stderr

    proc = _cli(cfg, {"CLEANFEED_STATE__PATH": ""})
    assert proc.returncode == 2 and "state.path" in proc.stderr, proc.stderr
    assert not _folders(tmp_path)


def test_temporary_and_permanent_os_errors_are_told_apart() -> None:
    with pytest.raises(OSError) as full, Path("/dev/full").open("wb", buffering=0) as fh:
        fh.write(b"x")  # the kernel's own ENOSPC
    assert full.value.errno == errno.ENOSPC and is_temporary(full.value)
    with pytest.raises(OSError) as notdir:
        Path("/dev/null/x").mkdir()
    assert not is_temporary(notdir.value)
    conn = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.Error) as bad:
        conn.execute("SELECT * FROM nowhere")
    conn.close()
    assert not is_temporary(bad.value)


# -- empty input is an error; a run with nothing new writes no folder ----------------------------------------


def test_no_sources_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _setup(tmp_path, sources="")
    assert _run(cfg) == 2
    assert "sources" in capsys.readouterr().err
    assert not _folders(tmp_path)


def test_a_glob_matching_nothing_fails_its_source_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = (
        '[[sources]]\nname = "typo"\nkind = "files"\npaths = ["pagse/*.html"]\n'
        '[[sources]]\nname = "good"\nkind = "files"\npaths = ["pages/*.html"]\n'
    )
    cfg = _setup(tmp_path, sources=sources)
    assert _run(cfg) == 1
    err = capsys.readouterr().err
    assert "failed sources: typo" in err
    manifest = json.loads((_folders(tmp_path)[0] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["failed_sources"] == ["typo"]
    assert "pagse" in manifest["sources"]["typo"]["errors"][0]
    assert _run(cfg) == 1, "still failing on the next run: a typo never becomes a quiet success"


def test_a_run_with_nothing_new_writes_no_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _setup(tmp_path)
    assert _run(cfg) == 0
    assert _run(cfg) == 0
    assert "nothing new" in capsys.readouterr().err
    assert len(_folders(tmp_path)) == 1
    conn = sqlite3.connect(tmp_path / "state/state.db")
    rows = conn.execute("SELECT status, folder, manifest FROM runs ORDER BY id").fetchall()
    conn.close()
    assert [(s, f == "") for s, f, _ in rows] == [("committed", False), ("committed", True)]
    assert json.loads(rows[1][2])["counts"]["skipped"] == 6  # what the empty run did is still on record


# -- recovery is confined to the unfinished run's own folder ----------------------------------------------


def _add_running_row(db: Path, folder: str, run_id: int | None = None) -> int:
    conn = sqlite3.connect(db)
    cur = conn.execute(
        "INSERT INTO runs(id, folder, started, status) VALUES (?, ?, '2026-01-01', 'running')",
        (run_id, folder),
    )
    conn.commit()
    rid = int(cur.lastrowid or 0)
    conn.close()
    return rid


def test_recovery_removes_only_the_unfinished_run_s_own_folder(tmp_path: Path) -> None:
    cfg = _setup(tmp_path)
    assert _run(cfg) == 0
    db = tmp_path / "state/state.db"
    out = tmp_path / "out"
    committed = _folders(tmp_path)[0]
    victims = {
        "../victim": tmp_path / "victim",
        str(tmp_path / "abs-victim"): tmp_path / "abs-victim",
        "not-a-run-folder": out / "not-a-run-folder",
        committed.name: committed,  # a committed run's folder named by another row
    }
    for path in victims.values():
        path.mkdir(exist_ok=True)
        (path / "keep.txt").write_text("x")
    for folder in victims:
        _add_running_row(db, folder)
    # A symlink with a run-folder name that points outside: not followed, not removed.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    rid = _add_running_row(db, "")
    link_name = f"20260101T000000Z-run{rid + 1:06d}"
    (out / link_name).symlink_to(outside)
    _add_running_row(db, link_name, rid + 1)
    # The genuine leftover of a killed run: a run-folder name carrying its own id, no manifest.
    real = f"20260101T000000Z-run{rid + 2:06d}"
    (out / real).mkdir()
    (out / real / "articles.jsonl.part").write_text("{}\n")
    _add_running_row(db, real, rid + 2)

    assert _run(cfg) == 0
    for path in [*victims.values(), outside]:
        assert (path / "keep.txt").exists(), f"recovery deleted {path}"
    assert (out / link_name).is_symlink()
    assert not (out / real).exists(), "the unfinished run's own folder is removed"
    conn = sqlite3.connect(db)
    statuses = [r[0] for r in conn.execute("SELECT status FROM runs ORDER BY id")]
    conn.close()
    assert statuses.count("running") == 0


def test_an_unfinished_run_folder_with_a_manifest_is_kept(tmp_path: Path) -> None:
    cfg = _setup(tmp_path)
    assert _run(cfg) == 0
    db = tmp_path / "state/state.db"
    rid = _add_running_row(db, "", 50)
    name = f"20260101T000000Z-run{rid:06d}"
    conn = sqlite3.connect(db)
    conn.execute("UPDATE runs SET folder = ? WHERE id = ?", (name, rid))
    conn.commit()
    conn.close()
    folder = tmp_path / "out" / name
    folder.mkdir()
    (folder / "articles.jsonl").write_text("")
    (folder / "manifest.json").write_text("{}")
    assert _run(cfg) == 0
    assert (folder / "manifest.json").exists()


def test_a_kill_between_commit_and_manifest_is_finished_by_the_next_run(tmp_path: Path) -> None:
    """The state commit is what makes a run complete; the manifest follows it, and is rewritten from the
    state if a kill came between the two (simulated by removing it)."""
    cfg = _setup(tmp_path)
    assert _run(cfg) == 0
    folder = _folders(tmp_path)[0]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").unlink()
    assert _run(cfg) == 0
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert len(_records(tmp_path)) == 6


def test_a_new_state_beside_earlier_run_folders_says_so(tmp_path: Path) -> None:
    """Deleting the state starts over on purpose; the run still says that it emits pages again."""
    cfg = _setup(tmp_path)
    assert _run(cfg) == 0
    for name in ("state.db", "state.db-wal", "state.db-shm"):
        (tmp_path / "state" / name).unlink(missing_ok=True)
    assert _run(cfg) == 0
    # Run ids restart with the state, yet the new run never takes an earlier run's folder name (both runs
    # may start within one second).
    assert len(_folders(tmp_path)) == 2
    manifest = json.loads((_folders(tmp_path)[-1] / "manifest.json").read_text(encoding="utf-8"))
    assert any("new state database" in note for note in manifest["recovery"])


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_network_down_is_temporary_and_gives_up_on_nothing(tmp_path: Path) -> None:
    """No HTTP response at all (every fetch refused): exit 75 and the state untouched, so a week offline
    does not count toward ``fetch.max_failures`` and no page is given up."""
    base = f"http://127.0.0.1:{_closed_port()}"
    urls = json.dumps([f"{base}/a.html", f"{base}/b.html"])
    sources = (
        f'[fetch]\nallow_private_hosts = ["127.0.0.1"]\nretries = 0\nmax_failures = 2\nobey_robots = false\n'
        f'[[sources]]\nname = "u"\nkind = "urls"\nurls = {urls}\n'
        f'[[sources]]\nname = "f"\nkind = "feed"\nurl = "{base}/feed.xml"\n'
    )
    cfg = _setup(tmp_path, sources=sources)
    for _ in range(3):
        proc = _cli(cfg)
        assert proc.returncode == 75, proc.stderr
        assert "no HTTP response" in proc.stderr
    assert not _folders(tmp_path)
    conn = sqlite3.connect(tmp_path / "state/state.db")
    assert conn.execute("SELECT COUNT(*) FROM urls").fetchone()[0] == 0
    assert {r[0] for r in conn.execute("SELECT status FROM runs")} == {"failed"}
    conn.close()
