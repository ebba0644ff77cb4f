"""``cleanfeed run --executor local|ray``: the same records as a plain run, byte for byte.

Real runs (``cleanfeed.cli.main``) on a generated corpus of files and a WARC with exact, near, spun and
partial copies, and originals met after their copies; real datatrove tasks in processes, a real local Ray
cluster, real SQLite. Every run uses the same folder (records carry file paths and ids made from them),
starting from no state and no output.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from cleanfeed.cli import main
from helpers.scale_pages import STREAMS, config, fresh, outputs, plain_run


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """The corpus and what a plain ``cleanfeed run`` makes of it."""
    root = tmp_path_factory.mktemp("scale")
    return root, plain_run(root)


def records(raw: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


@pytest.mark.fixture_check
def test_the_corpus_has_every_kind_of_copy_and_late_originals(corpus: tuple[Path, dict[str, bytes]]) -> None:
    _, plain = corpus
    kinds = Counter(r["dup_kind"] for r in records(plain["duplicates"]))
    links = Counter(r["dup_kind"] for r in records(plain["links"]))  # a link is a record (v2)
    assert {"exact", "spun", "partial"} <= set(kinds) | set(links), (kinds, links)
    assert sum(links.values()) > 50  # reposts met before their originals
    assert records(plain["rejects"])
    assert len(records(plain["articles"])) + len(records(plain["duplicates"])) > 200


def scaled(root: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    capsys.readouterr()
    code = main(["run", "--config", str(config(root)), "--log-format", "json", *flags])
    err = capsys.readouterr().err
    assert code == 0, err
    return err


def test_local_executor_gives_the_plain_records(
    corpus: tuple[Path, dict[str, bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, plain = corpus
    fresh(root)
    err = scaled(root, capsys, "--executor", "local", "--tasks", "4", "--workers", "2")
    # Every page was cleaned by a task, none by the final step: the work was sharded.
    assert "208 pages cleaned by 4 local tasks, 0 by the final step" in err
    got = outputs(root)
    for stream in STREAMS:
        assert got[stream] == plain[stream], stream
    jobs = root / "state" / ".cleanfeed-scale"
    assert not [p for p in jobs.iterdir() if p.is_dir()]  # the job is gone once committed

    # A rerun over unchanged input adds nothing: no task cleans, no record, no folder.
    err = scaled(root, capsys, "--executor", "local", "--tasks", "4", "--workers", "2")
    assert "0 pages cleaned by 4 local tasks, 0 by the final step" in err
    assert "nothing new: no output folder written" in err
    assert outputs(root) == got

    # A page edited since is cleaned again, by a task (another task count: the job is another).
    page = root / "pages" / "reposts" / "u060.html"
    before, st = page.read_bytes(), page.stat()
    try:
        page.write_bytes(before.replace(b"<h1>", b"<h1>\xe6\x9b\xb4\xe6\x96\xb0"))  # 更新 in the title
        err = scaled(root, capsys, "--executor", "local", "--tasks", "3")
        assert "1 pages cleaned by 3 local tasks, 0 by the final step" in err
    finally:  # as it was, time included (a file's record says when it was had: its mtime)
        page.write_bytes(before)
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_status_shows_no_job_after_a_committed_run(
    corpus: tuple[Path, dict[str, bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = corpus
    capsys.readouterr()
    assert main(["status", "--config", str(config(root)), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"jobs": []}
