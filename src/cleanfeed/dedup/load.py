"""Load originals into the index (``cleanfeed index``): JSONL records or HTML files, none emitted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from cleanfeed.clean import clean_html, clean_html_all
from cleanfeed.dedup.index import DedupIndex
from cleanfeed.errors import Drop
from cleanfeed.models import Article

JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}


@dataclass
class LoadReport:
    added: int = 0
    skipped: int = 0  # rejects and records without text
    failed: list[str] = field(default_factory=list)  # "path[:line]: reason"


def _from_jsonl(path: Path, report: LoadReport) -> Iterator[Article]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                art = Article.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError) as exc:
                report.failed.append(f"{path}:{n}: {type(exc).__name__}")
                continue
            if art.reject_reason or not art.text:
                report.skipped += 1
                continue
            yield art.finalize() if not art.id else art


def _from_html(path: Path, url: str | None, all_stories: bool, report: LoadReport) -> Iterator[Article]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.failed.append(f"{path}: {exc.strerror or exc}")
        return
    try:
        page_url = url or path.resolve().as_uri()
        yield from clean_html_all(data, url=page_url) if all_stories else [clean_html(data, url=page_url)]
    except Drop as drop:
        report.failed.append(f"{path}: {drop.reason}")


def load_originals(
    index: DedupIndex, paths: list[Path], url: str | None = None, all_stories: bool = False
) -> LoadReport:
    """Index every article in ``paths`` as an original, in one transaction when the index owns it.

    ``all_stories``: every story of a multi-story HTML page (``clean_html_all``), not only the lead.
    """
    report = LoadReport()

    def articles() -> Iterator[Article]:
        for path in paths:
            if path.suffix.lower() in JSONL_SUFFIXES:
                yield from _from_jsonl(path, report)
            else:
                yield from _from_html(path, url, all_stories, report)

    report.added = index.add_many(articles(), original=True)
    return report
