"""Run output: temp names until finished, gzip, manifest last, clear errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cleanfeed.models import Article
from cleanfeed.write import OutputError, RunWriter, write_atomic


def test_streams_appear_only_when_finished(tmp_path: Path) -> None:
    w = RunWriter(tmp_path / "run1")
    w.article(Article(url="http://a/1", text="正文"))
    w.article(Article.rejected("too_short", url="http://a/2"), "rejects")
    w.link({"repost_url": "http://b/1", "original_url": "http://a/1"})
    assert not (tmp_path / "run1" / "articles.jsonl").exists()
    assert (tmp_path / "run1" / "articles.jsonl.part").exists()
    w.finish({"counts": w.counts})
    names = sorted(p.name for p in (tmp_path / "run1").iterdir())
    assert names == ["articles.jsonl", "duplicates.jsonl", "links.jsonl", "manifest.json", "rejects.jsonl"]
    [rec] = [
        json.loads(x) for x in (tmp_path / "run1" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert rec["text"] == "正文"
    manifest = json.loads((tmp_path / "run1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"articles": 1, "duplicates": 0, "rejects": 1, "links": 1}


def test_gzip_output_is_deterministic(tmp_path: Path) -> None:
    blobs = []
    for name in ("a", "b"):
        w = RunWriter(tmp_path / name, compress=True)
        w.article(Article(url="http://a/1", text="正文"))
        w.finish({})
        blobs.append((tmp_path / name / "articles.jsonl.gz").read_bytes())
    assert blobs[0] == blobs[1]
    assert json.loads(gzip.decompress(blobs[0]))["url"] == "http://a/1"


def test_existing_folder_or_unwritable_parent_is_an_output_error(tmp_path: Path) -> None:
    RunWriter(tmp_path / "r").discard()
    (tmp_path / "r").mkdir()
    with pytest.raises(OutputError):
        RunWriter(tmp_path / "r")  # never write into another run's folder
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        RunWriter(tmp_path / "file" / "run")


def test_write_failure_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro" / "manifest.json").mkdir()  # the final name is taken by a folder: rename fails
    with pytest.raises(OutputError, match="cannot write"):
        write_atomic(tmp_path / "ro" / "manifest.json", b"{}")


def test_discard_removes_the_folder(tmp_path: Path) -> None:
    w = RunWriter(tmp_path / "r")
    w.article(Article(url="http://a/1", text="x"))
    w.discard()
    assert not (tmp_path / "r").exists()
