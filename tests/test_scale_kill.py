"""A scaled run killed mid-task, then run again: the job is finished with nothing lost or doubled.

Real processes: ``cleanfeed run --executor local`` in its own process group, killed with SIGKILL as soon
as its first task is marked done; ``cleanfeed status`` then shows the tasks done and not done; the rerun
redoes only those, and the records are those of a plain run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleanfeed.cli import main
from helpers.scale_pages import config, outputs, plain_run


@pytest.mark.slow
def test_a_killed_task_is_redone_by_the_rerun(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path
    plain = plain_run(root)
    cfg = str(config(root))
    cmd = [sys.executable, "-m", "cleanfeed", "run", "--config", cfg, "--log-format", "json"]
    cmd += ["--executor", "local", "--tasks", "4", "--workers", "1"]  # one task at a time, in order
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL, start_new_session=True)
    jobs = root / "state" / ".cleanfeed-scale"
    try:
        deadline = time.monotonic() + 120
        while not list(jobs.glob("*/logs/completions/*")):
            assert proc.poll() is None, "the run ended before a task could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)  # the run and the task it is in
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not (root / "out").exists() or not any(p.is_dir() for p in (root / "out").iterdir())

    capsys.readouterr()
    assert main(["status", "--config", cfg, "--json"]) == 0
    (job,) = json.loads(capsys.readouterr().out)["jobs"]
    assert job["tasks"] == 4
    assert 1 <= job["done"] < 4, job

    code = main(["run", "--config", cfg, "--log-format", "json", "--executor", "local", "--tasks", "4"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "208 pages cleaned by 4 local tasks, 0 by the final step" in err  # the first tasks' work kept
    assert outputs(root) == plain
    assert main(["status", "--config", cfg, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"jobs": []}
