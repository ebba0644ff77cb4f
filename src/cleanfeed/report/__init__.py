"""``cleanfeed report``: a run folder as one offline HTML page, with explain pages for the records
worth a look.

The page's numbers are the manifest's (counts, reject reasons, per-source outcomes, timings, failed
sources) plus tallies of the folder's records (duplicate kinds, similarity, characters removed per
rule, extraction confidence, hosts). The tables of the largest removals and the lowest-confidence
records link to an explain page written for each record under ``explain/`` beside the report, when
the page's HTML can be read again: records of ``files`` and ``warc`` sources, given the run's
settings. Fetched pages are not re-fetched; their rows say so and give the command that explains one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cleanfeed.errors import Drop
from cleanfeed.explain import explain, render_html, templates
from cleanfeed.report.charts import Chart, bar, histogram, stacked
from cleanfeed.report.data import (
    CONFIDENCE_BINS,
    SIMILARITY_BINS,
    TOP_HOSTS,
    ReportError,
    Row,
    RunData,
    bins,
    load_run,
)
from cleanfeed.settings import Settings

log = logging.getLogger(__name__)

REPORT_NAME = "report.html"
EXPLAIN_DIR = "explain"
OUTCOMES = ["articles", "duplicates", "rejects"]
# Counts that are not records: said on hover, so "processed" is not read as the record total.
COUNT_NOTES = {
    "processed": "pages cleaned; a page of several stories gives one record per story",
    "same_page": "URLs that reached a page another URL already gave (no second record)",
    "unchanged": "pages whose bytes had not changed since the last run (no record again)",
    "not_modified": "HTTP 304 on revisit (no record)",
    "deferred": "pages left for the next run (deadline or host budget)",
    "links": "duplicate links written to links.jsonl",
}


Origin = tuple[str, int]  # (file or WARC archive path, record offset; -1 for a file)


def record_origin(rec: dict[str, Any]) -> Origin | None:
    """Where a record's page came from, as the run identified it: its ``path`` and ``warc_offset``
    (``None`` or a negative offset: a file). ``None`` for fetched pages."""
    path = rec.get("path")
    if not path:
        return None
    offset = rec.get("warc_offset")
    return str(path), offset if isinstance(offset, int) and offset >= 0 else -1


async def _local_pages(
    settings: Settings, sources: set[str], origins: set[Origin]
) -> dict[Origin, tuple[bytes, str | None, str]]:
    """``origin -> (body, header charset, source)`` of ``origins`` among the local items (files, WARC
    records) of ``sources``, read again as the run read them; reading stops once every one is found.
    Only the configured sources' items are read: a record's ``path`` alone is never opened."""
    from cleanfeed.sources import iter_source  # noqa: PLC0415  (feed parsers: only when pages are wanted)
    from cleanfeed.sources.local import read_capped  # noqa: PLC0415

    async def no_fetch(url: str) -> bytes | None:
        return None  # network sources are not re-fetched for a report

    out: dict[Origin, tuple[bytes, str | None, str]] = {}
    for src in settings.sources:
        if src.name not in sources or src.kind not in ("files", "warc"):
            continue
        async for item in iter_source(src, settings, no_fetch):
            if item.path is None or item.reject is not None:
                continue
            origin = (str(item.path), item.offset if item.offset is not None else -1)
            if origin not in origins or origin in out:
                continue
            body = item.body
            if body is None:  # a file: read after admission, as the run does
                try:
                    body = read_capped(item.path, settings.fetch.max_bytes)
                except Drop as drop:
                    log.info("report: %s not read again: %s", item.path, drop)
                    continue
            out[origin] = (body, item.charset, src.name)
            if len(out) == len(origins):
                return out
    return out


_SAFE = re.compile(r"[^0-9A-Za-z_-]")


def _explain_rows(rows: Iterable[Row], out_dir: Path, settings: Settings | None) -> None:
    """Write an explain page for each row whose HTML can be read again; link or say why not. The
    stories of one page share its explain page (it shows them all)."""
    rows = list(rows)
    sources = {str(r.record["source"]) for r in rows if r.record.get("source")}
    origins = {o for r in rows if (o := record_origin(r.record)) is not None}
    pages = asyncio.run(_local_pages(settings, sources, origins)) if settings is not None and origins else {}
    done: dict[Origin, str] = {}
    for row in rows:
        rec = row.record
        url = str(rec.get("url") or "")
        origin = record_origin(rec)
        name = f"{_SAFE.sub('_', str(rec.get('id') or 'record'))}.html"
        link = f"{EXPLAIN_DIR}/{name}"
        if origin is not None and origin in done:
            row.explain = done[origin]
            continue
        page = pages.get(origin) if origin is not None else None
        if page is None:
            if (out_dir / EXPLAIN_DIR / name).is_file():
                row.explain = link  # written earlier (by the run itself)
            elif settings is None:
                row.note = "pass --config to write its explain page"
            elif origin is not None:
                row.note = f"not read again: {origin[0]} is not among this config's readable pages"
            else:
                row.note = f"not stored locally: cleanfeed explain {url}"
            continue
        assert origin is not None
        body, charset, source = page
        src = settings.source(source) if settings is not None else None
        # The URL the extractor saw in the run: the record's url (a file's own canonical claim).
        exp = explain(
            body, url or None, rules=src.ruleset() if src is not None else None, header_charset=charset
        )
        _write(out_dir / EXPLAIN_DIR / name, render_html(exp, back=f"../{REPORT_NAME}"))
        row.explain = done[origin] = link


def _write(path: Path, text: str) -> None:
    """Write via a temporary name and rename: a reader never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _charts(data: RunData) -> list[Chart]:
    m = data.manifest
    sources = {name: dict(info.get("counts", {})) for name, info in (m.get("sources") or {}).items()}
    conf = data.confidences()
    # Outcomes are the record streams the run counts ("found" and such per-source tallies are not).
    outcomes = set(data.counts) - {"processed"}
    series = [*OUTCOMES, *sorted({k for c in sources.values() for k in c} & outcomes - set(OUTCOMES))]
    removed = data.removed_by_rule()
    timings = {k: float(v) for k, v in (m.get("timings") or {}).items()}
    stages = {
        f"{name}: {reason}": float(n)
        for name, st in (m.get("stages") or {}).items()
        for reason, n in (st.get("dropped") or {}).items()
    }
    return [
        stacked("sources", "Records by source and outcome", sources, series),
        bar(
            "reject_reasons",
            "Reject reasons",
            _by_size(m.get("reject_reasons") or {}),
            empty="no rejects",
        ),
        bar("dup_kinds", "Duplicate kinds", _by_size(data.dup_kinds()), empty="no duplicates"),
        histogram(
            "similarity",
            "Duplicate similarity",
            bins(data.similarities(), SIMILARITY_BINS),
            empty="no duplicates",
        ),
        bar("removed", "Characters removed per rule", _by_size(removed), empty="nothing removed"),
        histogram(
            "confidence",
            "Extraction confidence",
            bins(conf or [], CONFIDENCE_BINS),
            empty="these records carry no extraction_confidence",
        ),
        bar("hosts", "Top hosts (records)", dict(data.hosts().most_common(TOP_HOSTS))),
        bar("timings", "Time per stage (seconds)", timings, empty="no timings"),
        bar("stage_drops", "Pages dropped per stage", stages, empty="no page dropped"),
    ]


def _by_size(counts: Any) -> dict[str, float]:
    """Largest first."""
    return dict(sorted(((str(k), float(v)) for k, v in dict(counts).items()), key=lambda kv: -kv[1]))


def render_report(data: RunData, largest: list[Row], lowest: list[Row]) -> str:
    m = data.manifest
    failed = [
        {"name": name, "errors": info.get("errors") or []}
        for name, info in (m.get("sources") or {}).items()
        if info.get("errors") or name in (m.get("failed_sources") or [])
    ]
    return (
        templates()
        .get_template("report.html.j2")
        .render(
            m=m,
            counts=data.counts,
            count_notes=COUNT_NOTES,
            charts=_charts(data),
            failed=failed,
            largest=largest,
            lowest=lowest,
            has_confidence=data.confidences() is not None,
            json=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True),
        )
    )


def write_report(folder: Path, *, settings: Settings | None = None, out: Path | None = None) -> Path:
    """Write the report of run ``folder`` (to ``out``, default ``folder/report.html``) and the
    explain pages its tables link to. Raises ``ReportError`` (not a run folder) and ``OSError``."""
    data = load_run(folder)
    out = out or folder / REPORT_NAME
    largest, lowest = data.largest_removals(), data.lowest_confidence()
    _explain_rows([*largest, *lowest], out.parent, settings)
    _write(out, render_report(data, largest, lowest))
    return out


def report_after_run(folder: Path, settings: Settings) -> None:
    """The run's hook: a report beside the manifest. Its failure is logged, never fails the run
    (the records are already committed)."""
    try:
        write_report(folder, settings=settings)
    except Exception as exc:  # a report is a view of a committed run: never worth failing it
        log.warning(
            "run report not written: %s", exc, extra={"event": "report_failed", "folder": str(folder)}
        )


__all__ = ["REPORT_NAME", "ReportError", "load_run", "render_report", "report_after_run", "write_report"]
