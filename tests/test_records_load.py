"""The output loads as one table across files and runs, in the tools dataset users have.

Two real runs over the fixture site (reposts first, their originals later: late links), then every record
file of both runs is loaded in ONE call: Hugging Face ``datasets``, DuckDB, pandas. Ids are unique across
everything and every ``duplicate_of_id`` / ``repost_id`` is the id of a loaded record. Every line and every
manifest validates against what ``cleanfeed schema`` prints.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from cleanfeed.cli import main
from conftest import SiteServer, write_config

pytest.importorskip("datasets", reason="test extra not installed: pip install -e '.[test]'")
pytest.importorskip("duckdb", reason="test extra not installed: pip install -e '.[test]'")
pytest.importorskip("jsonschema", reason="test extra not installed: pip install -e '.[test]'")


def _sources(base: str) -> str:
    return f"""
[[sources]]
name = "portal"
kind = "urls"
urls = ["{base}/repost/r1.html", "{base}/news/a2.html", "{base}/status/404", "{base}/gen/1.html",
        "{base}/gen/2.html", "{base}/image.png"]

[[sources]]
name = "mirror"
kind = "urls"
urls = ["{base}/redirect/news/a5.html", "{base}/gen/2.html?from=mirror"]

[[sources]]
name = "agency"
kind = "urls"
original = true
urls = ["{base}/news/a1.html", "{base}/news/a5.html", "{base}/news/gbk.html"]
"""


def two_runs(site: SiteServer, tmp: Path, output: str = "") -> list[Path]:
    cfg = write_config(tmp, site.base, sources=_sources(site.base), output=output, fetch={"retries": 0})
    main(["run", "--config", str(cfg), "--log-format", "json", "--source", "portal"])
    main(["run", "--config", str(cfg), "--log-format", "json"])  # originals arrive; the 404 is retried
    folders = sorted(p for p in (tmp / "out").iterdir() if p.is_dir())
    assert len(folders) == 2
    return folders


def _check_ids(rows: list[dict[str, Any]]) -> None:
    ids = [r["id"] for r in rows]
    assert all(ids) and len(ids) == len(set(ids)), "ids must be unique across files and runs"
    known = set(ids)
    dups = [r for r in rows if r["duplicate_of_id"]]
    assert dups, "the fixture runs must produce duplicates and links"
    assert {r["duplicate_of_id"] for r in dups} <= known
    links = [r for r in rows if r["repost_id"]]
    assert links, "the originals of run 2 must claim run 1's repost"
    assert {r["repost_id"] for r in links} <= known
    assert all(r["duplicate_of"] for r in dups)


def _cli_schema(what: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "cleanfeed", "schema", what], capture_output=True, check=True, timeout=60
    ).stdout
    schema: dict[str, Any] = json.loads(out)
    return schema


def _hf_load(kind: str, files: list[Path], tmp: Path, **kw: Any) -> list[dict[str, Any]]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import datasets

    datasets.disable_progress_bars()
    ds = datasets.load_dataset(
        kind, data_files=[str(f) for f in files], split="train", cache_dir=str(tmp / "hf"), **kw
    )
    rows: list[dict[str, Any]] = ds.to_list()
    return rows


def test_two_jsonl_runs_load_as_one_table(site: SiteServer, tmp_path: Path) -> None:
    import duckdb
    import jsonschema
    import pandas as pd

    folders = two_runs(site, tmp_path)
    files = sorted(f for folder in folders for f in folder.glob("*.jsonl"))
    assert {f.name for f in files} >= {"articles.jsonl", "duplicates.jsonl", "rejects.jsonl", "links.jsonl"}
    assert all(f.stat().st_size for f in files), "no empty file"
    lines = [json.loads(x) for f in files for x in f.read_text(encoding="utf-8").splitlines()]

    record_schema = _cli_schema("records")
    validator = jsonschema.Draft202012Validator(record_schema)
    for rec in lines:
        validator.validate(rec)
    assert list(validator.iter_errors({})), "an empty object must not validate"
    manifest_schema = _cli_schema("manifest")
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        jsonschema.validate(manifest, manifest_schema)
        for name, stage in manifest["stages"].items():
            assert stage["in"] == stage["out"] + sum(stage["dropped"].values()), name
        cfg = tmp_path / "cleanfeed.toml"
        assert manifest["config"]["path"] == str(cfg.resolve())
        assert manifest["config"]["sha256"] == hashlib.sha256(cfg.read_bytes()).hexdigest()
        assert manifest["cleanfeed_version"] == version("cleanfeed")
        assert manifest["files"] == {
            f.name: len(f.read_text(encoding="utf-8").splitlines()) for f in folder.glob("*.jsonl")
        }
    assert list(jsonschema.Draft202012Validator(manifest_schema).iter_errors({}))

    # Hugging Face datasets: every file of both runs in one call, nothing passed but the files
    rows = _hf_load("json", files, tmp_path)
    assert len(rows) == len(lines)
    _check_ids(rows)
    # the order of files does not matter (the first file no longer decides a column's type)
    assert len(_hf_load("json", files[::-1], tmp_path)) == len(lines)

    # DuckDB: one read_json over the same list
    con = duckdb.connect()
    table = con.read_json([str(f) for f in files], format="newline_delimited")
    got = table.fetchall()
    cols = [c[0] for c in table.description]
    assert len(got) == len(lines)
    _check_ids([dict(zip(cols, r, strict=True)) for r in got])
    n_ids = con.sql(f"SELECT count(DISTINCT id) FROM read_json({[str(f) for f in files]})").fetchall()
    assert n_ids == [(len(lines),)]

    # pandas
    frame = pd.concat([pd.read_json(f, lines=True, dtype=False) for f in files], ignore_index=True)
    assert len(frame) == len(lines) and frame["id"].is_unique


def test_two_parquet_runs_load_as_one_table(site: SiteServer, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow", reason="parquet extra not installed")
    import duckdb

    folders = two_runs(site, tmp_path, output='format = "parquet"')
    files = sorted(f for folder in folders for f in folder.glob("*.parquet"))
    assert not [f for folder in folders for f in folder.glob("*.jsonl")]
    rows = _hf_load("parquet", files, tmp_path)
    _check_ids(rows)
    con = duckdb.connect()
    table = con.read_parquet([str(f) for f in files])
    cols = [c[0] for c in table.description]
    assert len(table.fetchall()) == len(rows)
    assert "duplicate_of_id" in cols
    manifest = json.loads((folders[1] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "parquet"
    assert set(manifest["files"]) == {f.name for f in folders[1].glob("*.parquet")}


README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_loading_snippet() -> str:
    """The Python block of the README's "Loading runs" section, as a user would paste it."""
    section = README.read_text(encoding="utf-8").split("### Loading runs", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_loading_snippet_runs_on_two_runs(site: SiteServer, tmp_path: Path) -> None:
    """The README's code, pasted as is, in a folder holding two runs' ``out/``: every record in each tool."""
    folders = two_runs(site, tmp_path)
    files = [f for folder in folders for f in folder.glob("*.jsonl")]
    recs = [json.loads(x) for f in files for x in f.read_text("utf-8").splitlines()]
    kept = [r for r in recs if not (r["duplicate_of_id"] or r["reject_reason"] or r["repost_id"])]
    check = (
        "\nimport json\n"
        "print(json.dumps({'ds': len(ds), 'articles': len(articles), 'df': len(df),"
        " 'ids': int(df['id'].nunique())}))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_CACHE": str(tmp_path / "hf")}
    proc = subprocess.run(
        [sys.executable, "-c", _readme_loading_snippet() + check],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got == {"ds": len(recs), "articles": len(kept), "df": len(recs), "ids": len(recs)}
    assert 0 < len(kept) < len(recs)
