"""``cleanfeed report`` and the report ``run`` writes: the page's numbers are the manifest's, and its
tables link to explain pages written for their records."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

import cleanfeed
from cleanfeed.report import write_report

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "configs" / "default.toml"


def _demo(tmp: Path, **overrides: Any) -> cleanfeed.RunResult:
    settings = cleanfeed.load_settings(
        DEMO, output__dir=str(tmp / "out"), state__path=str(tmp / "state.db"), **overrides
    )
    result = cleanfeed.run(settings)
    assert result.folder is not None
    return result


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> cleanfeed.RunResult:
    return _demo(tmp_path_factory.mktemp("demo"))


def _records(folder: Path) -> list[dict[str, Any]]:
    out = []
    for name in ("articles", "duplicates", "rejects"):
        for path in folder.glob(f"{name}.jsonl*"):
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8") as f:
                out += [_counts_as_dicts(json.loads(line)) for line in f if line.strip()]
    return out


def _counts_as_dicts(rec: dict[str, Any]) -> dict[str, Any]:
    """``removed`` is a list of ``{rule, chars}`` in the JSON record (every rule, zeros included)."""
    rec["removed"] = {x["rule"]: x["chars"] for x in rec["removed"] if x["chars"]}
    return rec


def _chart(doc: LexborHTMLParser, chart_id: str) -> dict[str, float]:
    node = doc.css_first(f'figure[data-chart="{chart_id}"]')
    assert node is not None, chart_id
    return {k: float(v) for k, v in json.loads(node.attributes["data-values"] or "{}").items()}


def test_run_writes_a_report_whose_numbers_are_the_manifests(demo_run: cleanfeed.RunResult) -> None:
    folder = demo_run.folder
    assert folder is not None
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    doc = LexborHTMLParser((folder / "report.html").read_text(encoding="utf-8"))
    shown = {
        n.attributes["data-count"]: int(n.attributes["data-value"] or -1) for n in doc.css("[data-count]")
    }
    assert shown == {**manifest["counts"], "failed_pages": manifest["failed_pages"]}
    for k, v in manifest["counts"].items():  # and the visible number is that number
        tile = doc.css_first(f'[data-count="{k}"] b')
        assert tile is not None and tile.text() == str(v)
    assert _chart(doc, "reject_reasons") == {k: float(v) for k, v in manifest["reject_reasons"].items()}
    sources = _chart(doc, "sources")
    for name, info in manifest["sources"].items():
        for outcome in ("articles", "duplicates", "rejects"):
            assert sources[f"{name}/{outcome}"] == info["counts"].get(outcome, 0)
    # Records, not pages: "processed" counts pages cleaned, and a page of several stories gives a record
    # per story (the demo's roundup), so the chart's total is the manifest's record total.
    records = _records(folder)
    total = sum(manifest["counts"].get(k, 0) for k in ("articles", "duplicates", "rejects"))
    assert sum(sources.values()) == total == len(records)
    assert manifest["counts"]["processed"] <= total
    assert _chart(doc, "timings") == {k: float(v) for k, v in manifest["timings"].items()}
    kinds = Counter(r["dup_kind"] for r in records if r.get("dup_kind"))
    assert _chart(doc, "dup_kinds") == {k: float(v) for k, v in kinds.items()}
    assert sum(kinds.values()) == manifest["counts"]["duplicates"]  # (policy "separate")
    removed: Counter[str] = Counter()
    for r in records:
        removed.update(r.get("removed") or {})
    assert _chart(doc, "removed") == {k: float(v) for k, v in removed.items()}
    assert sum(_chart(doc, "similarity").values()) == manifest["counts"]["duplicates"]
    # Every kept record carries extraction_confidence (#10); the chart counts exactly those.
    kept = [r for r in records if not r.get("reject_reason")]
    assert kept and all(0.0 <= r["extraction_confidence"] <= 1.0 for r in kept)
    assert sum(_chart(doc, "confidence").values()) == len(kept)


def test_largest_removals_link_to_explain_pages(demo_run: cleanfeed.RunResult) -> None:
    folder = demo_run.folder
    assert folder is not None
    doc = LexborHTMLParser((folder / "report.html").read_text(encoding="utf-8"))
    rows = doc.css("#largest-removals tbody tr[data-record]")
    assert len(rows) == 10
    by_id = {r["id"]: r for r in _records(folder)}
    sizes = [sum(by_id[row.attributes["data-record"] or ""]["removed"].values()) for row in rows]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] == max(sum(r["removed"].values()) for r in by_id.values())
    for row in rows:
        link = row.css_first("a[data-explain]")
        assert link is not None, row.html
        page = folder / (link.attributes["href"] or "")
        explained = LexborHTMLParser(page.read_text(encoding="utf-8"))
        record = by_id[row.attributes["data-record"] or ""]
        url = explained.css_first(".url")
        assert url is not None and url.text() == record["url"]
        kept = "\n".join(s.text() for s in explained.css("[data-story] .story"))
        assert record["text"] in kept
        back = explained.css_first('a[href="../report.html"]')
        assert back is not None


def test_report_setting_off_and_the_command(tmp_path: Path, demo_run: cleanfeed.RunResult) -> None:
    off = _demo(tmp_path / "off", output__report=False)
    assert off.folder is not None
    assert not (off.folder / "report.html").exists() and not (off.folder / "explain").exists()
    # The command on that folder, without the config: the tables say how to get explain pages.
    proc = subprocess.run(
        [sys.executable, "-m", "cleanfeed", "report", str(off.folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    doc = LexborHTMLParser((off.folder / "report.html").read_text(encoding="utf-8"))
    assert not doc.css("a[data-explain]")
    assert "pass --config" in doc.css_first("#largest-removals").text()
    # With it, the pages are found and written; -o puts the report (and explain/) elsewhere.
    out = tmp_path / "elsewhere" / "r.html"
    proc = subprocess.run(
        [sys.executable, "-m", "cleanfeed", "report", str(off.folder), "--config", str(DEMO), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    links = LexborHTMLParser(out.read_text(encoding="utf-8")).css("#largest-removals a[data-explain]")
    assert len(links) == 10 and all((out.parent / (a.attributes["href"] or "")).is_file() for a in links)


def test_not_a_run_folder_is_a_usage_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cleanfeed", "report", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "manifest.json" in proc.stderr


def test_lowest_confidence_table_once_records_carry_it(tmp_path: Path, demo_run: cleanfeed.RunResult) -> None:
    assert demo_run.folder is not None
    folder = tmp_path / "run"
    shutil.copytree(demo_run.folder, folder)
    # Records of a later version: the same folder with extraction_confidence on kept records.
    confidences: dict[str, float] = {}
    for name in ("articles", "duplicates"):
        path = folder / f"{name}.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for k, r in enumerate(rows):
            r["extraction_confidence"] = confidences[r["id"]] = round(0.05 + 0.09 * ((k * 7) % 11), 2)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    write_report(folder, settings=cleanfeed.load_settings(DEMO))
    doc = LexborHTMLParser((folder / "report.html").read_text(encoding="utf-8"))
    rows = doc.css("#lowest-confidence tbody tr[data-record]")
    got = [confidences[r.attributes["data-record"] or ""] for r in rows]
    assert got == sorted(confidences.values())[: len(got)] and len(got) == 10
    assert all(r.css_first("a[data-explain]") for r in rows)
    hist = _chart(doc, "confidence")
    assert sum(hist.values()) == len(confidences)
    assert hist["0.0–0.1"] == sum(1 for v in confidences.values() if v < 0.1)


def test_fetched_pages_are_not_refetched_for_the_report(
    tmp_path: Path, site: Any, config_for: Callable[..., Path]
) -> None:
    sources = f"""
[[sources]]
name = "feed"
kind = "feed"
url = "{site.base}/feed.xml"

[[sources]]
name = "broken"
kind = "feed"
url = "{site.base}/no-such-feed.xml"
"""
    result = cleanfeed.run(cleanfeed.load_settings(config_for(tmp_path, site.base, sources=sources)))
    assert result.folder is not None
    doc = LexborHTMLParser((result.folder / "report.html").read_text(encoding="utf-8"))
    failed = doc.css_first('#failed-sources tr[data-source="broken"]')
    assert failed is not None and "404" in failed.text()
    table = doc.css_first("#largest-removals")
    assert table is not None
    assert table.css("tr[data-record]")
    assert "not stored locally: cleanfeed explain http://127.0.0.1" in table.text()
