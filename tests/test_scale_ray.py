"""``cleanfeed run --executor ray``: on a real local Ray cluster started for the run, the records of a plain
run; the cluster is gone afterwards, after a finished run and after Ctrl-C.

Small on purpose (2 cores shared by many): 2 CPUs for the cluster, 4 tasks. Slow suite: a cluster takes
5-25 s to start on a loaded 2-core machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleanfeed.scale.ray_cluster import cluster_pids, ray_session
from helpers.scale_pages import config, outputs, plain_run


def ray_folders() -> set[Path]:
    return set(Path("/tmp").glob("cfray-*"))


def processes_naming(mark: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if mark.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.slow
def test_a_local_cluster_is_stopped_with_its_session() -> None:
    with ray_session(None, num_cpus=1) as folder:
        assert folder is not None
        # The cluster's processes name its folder (so the checks below can fail): GCS, raylet, workers.
        assert len(cluster_pids(folder)) >= 2
    assert not cluster_pids(folder)
    assert not folder.exists()


@pytest.mark.slow
def test_ray_executor_gives_the_plain_records(tmp_path: Path) -> None:
    """In a process of its own, as a user runs it (one Ray driver per process: a second ``ray.init`` in
    the process that ran the test above would not be what a run does)."""
    root = tmp_path
    plain = plain_run(root)
    before = ray_folders()
    cmd = [sys.executable, "-m", "cleanfeed", "run", "--config", str(config(root)), "--log-format", "json"]
    cmd += ["--executor", "ray", "--tasks", "4", "--workers", "2"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "208 pages cleaned by 4 ray tasks, 0 by the final step" in done.stderr
    assert outputs(root) == plain
    assert ray_folders() == before  # the cluster's folder is removed, and nothing of a cluster runs
    assert not processes_naming("/tmp/cfray-")


@pytest.mark.slow
def test_ctrl_c_leaves_no_ray_process(tmp_path: Path) -> None:
    root = tmp_path
    plain_run(root)
    before = ray_folders()
    cmd = [sys.executable, "-m", "cleanfeed", "run", "--config", str(config(root)), "--executor", "ray"]
    proc = subprocess.Popen([*cmd, "--tasks", "4", "--workers", "2"], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        mine: set[Path] = set()
        while not mine or not cluster_pids(next(iter(mine))):  # the cluster is up
            assert time.monotonic() < deadline and proc.poll() is None
            mine = ray_folders() - before
            time.sleep(0.2)
        folder = next(iter(mine))
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=120) == 130
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    assert not cluster_pids(folder)
    assert not folder.exists()
    assert not (root / "out").exists() or not any((root / "out").iterdir())  # nothing was committed
