"""cleanfeed's steps in a datatrove pipeline of one's own (the README example), and the Slurm job scripts.

Real datatrove executor, real files and WARC, a real index built by ``cleanfeed index``; which pages copy
which is known from how the fixture was written, not from cleanfeed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datatrove.executor import LocalPipelineExecutor

from cleanfeed.cli import main
from cleanfeed.datatrove import Clean, DedupMatch, PageReader, RecordWriter
from cleanfeed.scale.driver import ScaleOptions, job_dir, pipeline
from cleanfeed.scale.slurm import executor, final_script
from cleanfeed.settings import load_settings
from helpers.scale_pages import config, html, story, write_warc


def test_a_user_pipeline_marks_the_copies_of_indexed_originals(tmp_path: Path) -> None:
    orig, pages = tmp_path / "originals", tmp_path / "pages"
    orig.mkdir()
    pages.mkdir()
    copies, others = set(), set()
    for n in range(3):
        paras = story(n)
        (orig / f"o{n}.html").write_bytes(html(f"https://wire.test/{n}", f"新闻{n}", paras, None))
        (pages / f"c{n}.html").write_bytes(html(f"https://spam.test/{n}", f"转载{n}", paras, None))
        copies.add(f"https://spam.test/{n}")
    for n in range(3, 5):
        (pages / f"u{n}.html").write_bytes(html(f"https://blog.test/{n}", f"随笔{n}", story(n), None))
        others.add(f"https://blog.test/{n}")
    # A WARC copy in GBK: only its HTTP header's charset says so, and the reader keeps it for Clean.
    gbk = html("https://crawl.test/0", "转载", story(0), None, charset="gbk")
    write_warc(tmp_path / "crawl.warc.gz", [("https://crawl.test/0", gbk)])
    copies.add("https://crawl.test/0")
    index = tmp_path / "index.db"
    assert main(["index", "--index", str(index), *map(str, sorted(orig.glob("*.html")))]) == 0

    steps = [
        PageReader(files=["pages/*.html"], warc=["crawl.warc.gz"], base_dir=tmp_path),
        Clean(),
        DedupMatch(index),
        RecordWriter(tmp_path / "records"),
    ]
    LocalPipelineExecutor(steps, tasks=2, workers=1, logging_dir=str(tmp_path / "logs")).run()

    files = list((tmp_path / "records").glob("*.jsonl"))
    recs = [json.loads(ln) for f in files for ln in f.read_text(encoding="utf-8").splitlines()]
    by_url = {r["url"]: r for r in recs}
    assert set(by_url) == copies | others
    for url in copies:
        assert by_url[url]["duplicate_of"], url  # "" when none (v2 records)
        assert by_url[url]["dup_kind"] in ("exact", "near"), by_url[url]
    for url in others:
        assert by_url[url]["duplicate_of"] == "", url
    assert by_url["https://crawl.test/0"]["text"].startswith(story(0)[0][:8])  # decoded as GBK
    assert len(files) == 2  # one file per task


def test_slurm_job_scripts(tmp_path: Path) -> None:
    """The task array's script runs the pickled tasks; the final job waits for it and reruns the command."""
    cfg = config(tmp_path)
    settings = load_settings(cfg)
    job = tmp_path / "job"
    opts = ScaleOptions(executor="slurm", tasks=8, workers=3, partition="cpu", time="01:00:00")
    ex = executor(pipeline(settings, job), job, opts)
    script = ex.get_launch_file_contents(ex.get_sbatch_args(max_array=8), "launch_pickled_pipeline X")
    lines = script.splitlines()
    assert lines[0] == "#!/bin/bash"
    for want in ("--array=0-7%3", "--partition=cpu", "--time=01:00:00", "--cpus-per-task=1"):
        assert f"#SBATCH {want}" in lines, script
    assert ex.world_size == 8
    assert ex.get_incomplete_ranks() == list(range(8))  # nothing done yet: all 8 to submit
    command = ["/venv/bin/python", "-m", "cleanfeed", "run", "--config", str(cfg), "--executor", "slurm"]
    final = final_script(command, job, opts, after="4242")
    assert "#SBATCH --dependency=afterok:4242" in final.splitlines()
    assert final.splitlines()[-1] == f"/venv/bin/python -m cleanfeed run --config {cfg} --executor slurm"
    assert "#SBATCH --partition=cpu" in final.splitlines()


def test_tasks_that_fail_make_no_run_and_a_rerun_finishes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A task that cannot write its results (a file where its folder goes): exit 75, nothing written,
    ``status`` names the tasks; once the cause is gone, the same command makes the run."""
    pages = tmp_path / "pages" / "reposts"
    pages.mkdir(parents=True)
    for n in range(3):
        (pages / f"u{n}.html").write_bytes(html(f"https://blog.test/{n}", f"随笔{n}", story(n), None))
    cfg = tmp_path / "cleanfeed.toml"
    cfg.write_text(
        '[output]\ndir = "out"\n[state]\npath = "state/state.db"\n'
        '[[sources]]\nname = "blogs"\nkind = "files"\npaths = ["pages/reposts/*.html"]\n',
        encoding="utf-8",
    )
    settings = load_settings(cfg)
    job = job_dir(settings, ScaleOptions(executor="local", tasks=2), None)
    job.mkdir(parents=True)
    (job / "cleaned").write_text("in the way", encoding="utf-8")
    run = ["run", "--config", str(cfg), "--log-format", "json", "--executor", "local", "--tasks", "2"]
    capsys.readouterr()
    assert main([*run, "--workers", "1"]) == 75
    err = capsys.readouterr().err
    assert "2 of 2 tasks did not finish" in err and "nothing was written" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert main(["status", "--config", str(cfg), "--json"]) == 0
    (status,) = json.loads(capsys.readouterr().out)["jobs"]
    assert status["done"] == 0 and status["tasks"] == 2

    (job / "cleaned").unlink()
    assert main([*run, "--workers", "1"]) == 0
    assert "3 pages cleaned by 2 local tasks, 0 by the final step" in capsys.readouterr().err
