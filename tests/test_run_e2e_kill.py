"""``kill -9`` a run at some point, run again: the committed output equals one clean run's."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleanfeed.cli import main
from conftest import SiteServer, write_config

PAGES = 40


def _config(tmp: Path, site: SiteServer) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "list.txt").write_text(
        "\n".join(f"{site.base}/gen/{i}.html" for i in range(PAGES)), encoding="utf-8"
    )
    sources = f"""
[[sources]]
name = "gen"
kind = "urls"
file = "list.txt"

[[sources]]
name = "site"
kind = "sitemap"
url = "{site.base}/sitemap_index.xml"
"""
    return write_config(tmp, site.base, sources=sources, fetch={"per_host_concurrency": 2})


def _committed_records(tmp: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(tmp / "state/state.db") as conn:
        committed = {row[0] for row in conn.execute("SELECT folder FROM runs WHERE status = 'committed'")}
    conn.close()
    folders = sorted(p for p in (tmp / "out").iterdir() if p.is_dir())
    assert {f.name for f in folders} == committed, "a folder of an unfinished run was left behind"
    recs = []
    for folder in folders:
        for stream in ("articles", "duplicates"):
            path = folder / f"{stream}.jsonl"  # a stream with no record writes no file
            for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
                r = json.loads(line)
                recs.append((r["url"], r["text"], r["duplicate_of"]))
    return sorted(recs)


def _kill_then_rerun(site: SiteServer, tmp: Path, after_hits: int) -> list[tuple[str, str, str | None]]:
    cfg = _config(tmp, site)
    site.hits.clear()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cleanfeed", "run", "--config", str(cfg)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if sum(n for p, n in site.hits.items() if p.startswith("/gen/")) >= after_hits:
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 0
    return _committed_records(tmp)


@pytest.fixture
def clean_reference(site: SiteServer, tmp_path: Path) -> list[tuple[str, str, str | None]]:
    site.delay = 0.05  # a run of ~1 s: time to kill it mid-way
    ref = tmp_path / "clean"
    assert main(["run", "--config", str(_config(ref, site)), "--log-format", "json"]) == 0
    recs = _committed_records(ref)
    assert len(recs) == PAGES + 5
    return recs


def test_kill9_mid_run_then_rerun_equals_clean_run(
    site: SiteServer, tmp_path: Path, clean_reference: list[tuple[str, str, str | None]]
) -> None:
    assert _kill_then_rerun(site, tmp_path / "killed", after_hits=PAGES // 2) == clean_reference
    with sqlite3.connect(tmp_path / "killed/state/state.db") as conn:
        statuses = [row[0] for row in conn.execute("SELECT status FROM runs ORDER BY id")]
    conn.close()
    assert statuses == ["abandoned", "committed"]  # the kill did land mid-run


@pytest.mark.slow
@pytest.mark.parametrize("after_hits", [0, 1, 5, 15, 30, 39, PAGES])
def test_kill9_at_many_points(
    site: SiteServer, tmp_path: Path, clean_reference: list[tuple[str, str, str | None]], after_hits: int
) -> None:
    assert _kill_then_rerun(site, tmp_path / f"killed{after_hits}", after_hits) == clean_reference


def _running(pid: str) -> bool:
    """Alive and not a zombie waiting for whoever adopted it to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_kill9_leaves_no_cleaning_worker_behind(site: SiteServer, tmp_path: Path) -> None:
    site.delay = 0.1
    cfg = _config(tmp_path, site)
    text = cfg.read_text(encoding="utf-8").replace("[fetch]\n", "[fetch]\nworkers = 1\n", 1)
    cfg.write_text(text, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cleanfeed", "run", "--config", str(cfg)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline and sum(n for p, n in site.hits.items() if p.startswith("/gen/")) < 5
        ):
            time.sleep(0.01)
        kids = subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert kids, "the run started no cleaning worker"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_running(k) for k in kids):
        time.sleep(0.1)
    assert not [k for k in kids if _running(k)], "orphaned worker processes"
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 0
