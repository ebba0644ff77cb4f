"""Crashes: ``kill -9`` of ``cleanfeed run`` at random points, then a rerun, gives exactly the records of one
clean run (compared as the multiset of ``(id, content_hash)`` over every run folder: nothing lost, nothing
doubled). An unwritable output folder is a clear error that leaves the state untouched, so the next good run
still emits everything.

Seeds are fixed (a failure names its seed and kill time); the ``slow`` variant runs many more trials.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from faultserver import FaultServer, marker
from helpers.runlevel import STREAMS, read_all, run_cli, unprivileged_prefix, write_config

PAGES = 40


DELAY = 0.1  # 40 pages at 4 at a time: a run spends ~1 s fetching, besides start-up (~1.5 s) and writing


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        s.delay = DELAY
        yield s


# Besides the 40 pages: 5 redirects to some of them (one record per page), and local inputs read inline
# between fetches: 4 files (two sharing a site-wide canonical), a 3-story roundup, a WARC of 4 records.
REDIRECTS = 5
EXTRA = 4 + 3 + 4


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by the clean run and every trial: record ids of files and WARC records come from their paths."""
    from test_run_identity import _warc, article, digest

    root = tmp_path_factory.mktemp("inputs")
    (root / "pages").mkdir()
    for n in range(4):
        canonical = "https://portal.example.cn/" if n < 2 else None
        (root / "pages" / f"a{n}.html").write_text(article(500 + n, canonical), encoding="utf-8")
    (root / "pages" / "roundup.html").write_text(digest([510, 511, 512]), encoding="utf-8")
    _warc(
        root / "crawl.warc.gz",
        [(f"https://w.example.cn/{n}.html", article(520 + n).encode()) for n in range(4)],
    )
    return root


def _config(tmp: Path, server: FaultServer, inputs: Path) -> Path:
    urls = [server.url(f"/good/{n}.html") for n in range(PAGES)]
    urls += [server.url(f"/to-good/{n}") for n in range(REDIRECTS)]
    fetch = {"concurrency": 4, "per_host_concurrency": 4}
    sources = [
        {"name": "news", "kind": "urls", "urls": urls},
        {"name": "local", "kind": "files", "paths": [str(inputs / "pages" / "*.html")]},
        {"name": "archive", "kind": "warc", "path": str(inputs / "crawl.warc.gz")},
    ]
    return write_config(tmp, sources, fetch=fetch)


def _records(out: Path) -> Counter[tuple[str, str]]:
    recs = read_all(out)
    return Counter(
        (str(r["id"]), str(r.get("content_hash"))) for s in STREAMS if s != "rejects" for r in recs[s]
    )


@pytest.fixture(scope="module")
def reference(
    server: FaultServer, inputs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Counter[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp("clean")
    res = run_cli(_config(tmp, server, inputs), hard_limit_s=120)
    assert res.rc == 0, f"clean run failed: exit {res.rc}\n{res.stderr[-2000:]}"
    recs = _records(tmp / "out")
    want = PAGES + EXTRA
    assert len(recs) == want and max(recs.values()) == 1, f"clean run: {len(recs)} records for {want} pages"
    return recs


def _start(cfg: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-I", "-m", "cleanfeed", "run", "--config", str(cfg), "--log-format", "json"]
    return subprocess.Popen(cmd, cwd=cfg.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _trial(
    server: FaultServer, inputs: Path, tmp: Path, seed: int, reference: Counter[tuple[str, str]]
) -> None:
    rnd = random.Random(seed)
    cfg = _config(tmp, server, inputs)
    kills = []
    state = tmp / "state" / "state.db"
    for _ in range(rnd.choice((1, 1, 2))):  # sometimes kill the recovery run too
        proc = _start(cfg)
        # Start the clock once the run has opened its state (imports take ~1.5 s and are not interesting),
        # then kill anywhere from the first fetch to past the end of a clean run.
        deadline = time.monotonic() + 20
        while not state.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        at = rnd.uniform(0.0, 3.3)  # a clean run ends ~3 s after opening its state
        try:
            proc.wait(timeout=at)  # finished before the kill: a clean run, still a valid trial
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        kills.append(round(at, 2))
    res = run_cli(cfg, hard_limit_s=120)
    where = f"seed {seed}, killed {kills} s after the state was opened"
    assert res.rc == 0, f"{where}: rerun exit {res.rc}\n{res.stderr[-2000:]}"
    got = _records(tmp / "out")
    doubled = {k: n for k, n in got.items() if n > 1}
    lost = set(reference) - set(got)
    extra = set(got) - set(reference)
    assert not doubled, f"{where}: records written twice: {doubled}"
    assert not lost, f"{where}: {len(lost)} records lost"
    assert not extra, f"{where}: records that a clean run does not produce: {extra}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill9_then_rerun_equals_clean_run(
    server: FaultServer, inputs: Path, tmp_path: Path, reference: Counter[tuple[str, str]], seed: int
) -> None:
    _trial(server, inputs, tmp_path, seed, reference)


@pytest.mark.slow
def test_kill9_many_trials(
    server: FaultServer, inputs: Path, tmp_path: Path, reference: Counter[tuple[str, str]]
) -> None:
    for seed in range(100, 130):  # 30 random kill points (some trials kill the recovery run too)
        trial_dir = tmp_path / f"t{seed}"
        trial_dir.mkdir()
        _trial(server, inputs, trial_dir, seed, reference)


# -- unwritable output --------------------------------------------------------------------------------------


def _texts(out: Path) -> str:
    return "".join(str(r.get("text")) for r in read_all(out)["articles"])


def _check_unwritable_then_recover(
    tmp: Path, server: FaultServer, bad_out: str, prefix: Sequence[str] = ()
) -> None:
    urls = [server.url(f"/good/{n}.html") for n in range(5)]
    cfg = write_config(tmp, [{"name": "news", "kind": "urls", "urls": urls}], out=bad_out)
    res = run_cli(cfg, hard_limit_s=60, prefix=prefix)
    assert res.rc not in (0, None), f"unwritable output reported success (exit {res.rc})"
    assert "Traceback" not in res.stderr, f"crashed instead of a clear error:\n{res.stderr[-2000:]}"
    assert res.stderr.strip(), "no error message"
    # Fix the config: the state must not have advanced, so every page is emitted now.
    cfg = write_config(tmp, [{"name": "news", "kind": "urls", "urls": urls}], out="good-out")
    res = run_cli(cfg, hard_limit_s=60, prefix=prefix)
    assert res.rc == 0, f"exit {res.rc}\n{res.stderr[-2000:]}"
    text = _texts(tmp / "good-out")
    missing = [n for n in range(5) if marker(n) not in text]
    assert not missing, f"pages lost after the failed run advanced the state: {missing}"


def test_output_dir_under_a_file_is_a_clear_error_and_keeps_state(
    server: FaultServer, tmp_path: Path
) -> None:
    (tmp_path / "blocker").write_text("a file, not a folder")
    _check_unwritable_then_recover(tmp_path, server, "blocker/out")  # ENOTDIR even for root


def test_read_only_output_dir_is_a_clear_error_and_keeps_state(server: FaultServer, tmp_path: Path) -> None:
    """EACCES on the output folder. As root (CI) the runs go without root's capabilities, so the mode
    bits hold for them as for a cron user."""
    try:
        prefix = unprivileged_prefix()
    except OSError as exc:
        pytest.skip(f"read-only folders cannot be simulated for root here: {exc}")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        _check_unwritable_then_recover(tmp_path, server, "ro/out", prefix)
        assert not (ro / "out").exists()
    finally:
        ro.chmod(0o755)


@pytest.mark.slow  # the default trial's rerun already exits 0 after a kill (75 would mean a stale lock)
def test_kill9_leaves_no_stale_lock(server: FaultServer, inputs: Path, tmp_path: Path) -> None:
    """A killed run must not leave a lock that makes the next cron run exit 75 forever."""
    cfg = _config(tmp_path, server, inputs)
    proc = _start(cfg)
    state = tmp_path / "state" / "state.db"
    deadline = time.monotonic() + 20
    while not state.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)  # mid-fetch: the run holds its lock
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    server.delay = DELAY
    res = run_cli(cfg, hard_limit_s=120)
    assert res.rc == 0, f"exit {res.rc} after a killed run (75 = stale lock)\n{res.stderr[-2000:]}"
