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
    link = {"repost_id": "r1", "repost_url": "http://b/1", "duplicate_of": "http://a/1", "original_id": "o1"}
    w.link({**link, "kind": "exact", "similarity": 1.0})
    assert not (tmp_path / "run1" / "articles.jsonl").exists()
    assert (tmp_path / "run1" / "articles.jsonl.part").exists()
    assert not (tmp_path / "run1" / "duplicates.jsonl.part").exists()  # no record yet, no file
    w.finish({"counts": w.counts})
    names = sorted(p.name for p in (tmp_path / "run1").iterdir())
    # no duplicates.jsonl: an empty file is no information and makes dataset loaders fail
    assert names == ["articles.jsonl", "links.jsonl", "manifest.json", "rejects.jsonl"]
    assert w.files == {"articles.jsonl": 1, "rejects.jsonl": 1, "links.jsonl": 1}
    [rec] = [
        json.loads(x) for x in (tmp_path / "run1" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert rec["text"] == "正文"
    manifest = json.loads((tmp_path / "run1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"articles": 1, "duplicates": 0, "rejects": 1, "links": 1}
    [lk] = [
        json.loads(x) for x in (tmp_path / "run1" / "links.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert set(lk) == set(rec)  # one record shape in every file
    assert (lk["repost_id"], lk["url"], lk["duplicate_of"], lk["duplicate_of_id"]) == (
        "r1",
        "http://b/1",
        "http://a/1",
        "o1",
    )
    assert (lk["dup_kind"], lk["similarity"]) == ("exact", 1.0)
    assert lk["id"] not in ("r1", "o1", rec["id"])


def test_a_run_with_no_records_writes_no_record_file(tmp_path: Path) -> None:
    w = RunWriter(tmp_path / "r")
    w.finish({})
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["manifest.json"]


def test_parquet_streams_have_the_record_schema(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="the parquet extra (pyarrow) is not installed")
    from cleanfeed.arrow import BATCH, record_arrow_schema

    w = RunWriter(tmp_path / "r", fmt="parquet")
    arts = [
        Article(url=f"http://a/{i}", text=f"正文{i}", removed={"editor": i + 1}).finalize()
        for i in range(BATCH + 5)
    ]
    for art in arts:
        w.article(art)
    w.article(Article.rejected("empty", url="http://a/x"), "rejects")
    w.finish({})
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "articles.parquet",
        "manifest.json",
        "rejects.parquet",
    ]
    table = pq.read_table(tmp_path / "r" / "articles.parquet")
    assert table.schema == record_arrow_schema()
    assert pq.read_table(tmp_path / "r" / "rejects.parquet").schema == table.schema
    rows = table.to_pylist()
    assert rows == [a.model_dump(mode="json") for a in arts]  # the same values as the JSON lines
    assert {r["rule"]: r["chars"] for r in rows[-1]["removed"]}["editor"] == BATCH + 5


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
