"""A run folder's numbers for the report: the manifest's counts as they are, plus tallies of the
records (duplicate kinds, similarity, removals, confidence, hosts) read from its JSONL files."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from cleanfeed.models import Article

RECORD_FILES = ("articles", "duplicates", "rejects")
SIMILARITY_BINS = 10  # 0.0-0.1 ... 0.9-1.0
CONFIDENCE_BINS = 10
TABLE_ROWS = 10  # rows in the largest-removals and lowest-confidence tables
TOP_HOSTS = 12


class ReportError(Exception):
    """The folder is not a finished run folder (no readable manifest.json)."""


@dataclass
class Row:
    """A record in one of the report's tables, with the explain page written for it (if any)."""

    record: dict[str, Any]
    outcome: str  # article | duplicate | reject
    removed: int
    explain: str | None = None  # relative link to its explain page
    note: str = ""  # why there is no explain page


@dataclass
class RunData:
    folder: Path
    manifest: dict[str, Any]
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by outcome file

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.manifest.get("counts", {}))

    def all_records(self) -> list[tuple[str, dict[str, Any]]]:
        return [(kind, r) for kind in RECORD_FILES for r in self.records.get(kind, [])]

    def dup_kinds(self) -> Counter[str]:
        """Duplicate kinds over every record marked as a duplicate (``mark`` keeps them in articles)."""
        return Counter(r["dup_kind"] for _, r in self.all_records() if r.get("dup_kind"))

    def similarities(self) -> list[float]:
        return [float(r["similarity"]) for _, r in self.all_records() if r.get("similarity") is not None]

    def removed_by_rule(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for _, r in self.all_records():
            out.update(r.get("removed") or {})
        return out

    def confidences(self) -> list[float] | None:
        """``extraction_confidence`` of the kept records, or None when the records carry none."""
        vals = [
            float(r["extraction_confidence"])
            for kind, r in self.all_records()
            if kind != "rejects" and r.get("extraction_confidence") is not None
        ]
        return vals or None

    def hosts(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for _, r in self.all_records():
            url = r.get("canonical_url") or r.get("url") or ""
            try:
                host = urlsplit(url).hostname or ("(local file)" if url.startswith("file:") else "(none)")
            except ValueError:
                host = "(bad url)"
            out[host] += 1
        return out

    def largest_removals(self, n: int = TABLE_ROWS) -> list[Row]:
        rows = [
            Row(r, kind.rstrip("s"), sum((r.get("removed") or {}).values()))
            for kind, r in self.all_records()
            if kind != "rejects"
        ]
        rows = [x for x in rows if x.removed > 0]
        return sorted(rows, key=lambda x: -x.removed)[:n]

    def lowest_confidence(self, n: int = TABLE_ROWS) -> list[Row]:
        rows = [
            Row(r, kind.rstrip("s"), sum((r.get("removed") or {}).values()))
            for kind, r in self.all_records()
            if kind != "rejects" and r.get("extraction_confidence") is not None
        ]
        return sorted(rows, key=lambda x: float(x.record["extraction_confidence"]))[:n]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    out: list[dict[str, Any]] = []
    with opener(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                out.append(_python_record(json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ReportError(f"{path}:{n}: not JSON ({exc.msg})") from None
            except ValidationError as exc:
                raise ReportError(
                    f"{path}:{n}: not a cleanfeed record ({exc.error_count()} errors)"
                ) from None
    return out


def _python_record(rec: dict[str, Any]) -> dict[str, Any]:
    """A record as the Python model holds it (``None`` for missing, ``removed`` as a dict by rule): the
    JSON form has typed empty values and list-shaped counts (``cleanfeed.models``)."""
    known = Article.model_fields
    out = Article.model_validate({k: v for k, v in rec.items() if k in known}).model_dump()
    out.update({k: v for k, v in rec.items() if k not in known})  # fields of a later version, as they are
    return out


def _read_parquet(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq  # noqa: PLC0415  (parquet runs only)

    return [_python_record(r) for r in pq.read_table(path).to_pylist()]


def load_run(folder: Path) -> RunData:
    """The manifest and every record of a run folder. Raises ``ReportError``."""
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{folder}: no manifest.json (not a finished run folder)") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ReportError(f"{manifest_path}: unreadable: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("counts"), dict):
        raise ReportError(f"{manifest_path}: no counts")
    data = RunData(folder, manifest)
    for kind in RECORD_FILES:
        for name in (f"{kind}.jsonl", f"{kind}.jsonl.gz", f"{kind}.parquet"):
            if (folder / name).exists():
                read = _read_parquet if name.endswith(".parquet") else _read_jsonl
                data.records[kind] = read(folder / name)
                break
    return data


def bins(values: list[float], n: int) -> list[int]:
    """Counts of ``values`` (in [0, 1]) in ``n`` equal bins; 1.0 goes to the last one."""
    out = [0] * n
    for v in values:
        out[min(n - 1, max(0, int(v * n)))] += 1
    return out
