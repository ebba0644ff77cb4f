"""Stages and their counts: fetch -> clean -> dedup, each counted by ``Pipeline`` (in = out + dropped).

A stage is an object with ``process(article) -> article`` that raises ``Drop(reason)``; ``Pipeline`` owns the
iteration, counts what goes in, out and is dropped per stage and reason, and turns unexpected errors into
``internal_error`` drops so one bad page never stops a batch.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cleanfeed.clean import clean_html_all
from cleanfeed.db import connect
from cleanfeed.dedup import DedupIndex
from cleanfeed.errors import Drop, FetchError
from cleanfeed.extract import RuleSet
from cleanfeed.models import Article, Page

log = logging.getLogger(__name__)


class Stage(Protocol):
    name: str

    def process(self, article: Article) -> Article: ...


@dataclass
class StageCounts:
    seen: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"in": self.seen, "out": self.kept, "dropped": dict(sorted(self.dropped.items()))}


@dataclass
class Tally:
    """A run's counts besides the stages': outcomes (``counts``: articles, rejects, skipped, deferred ...),
    reject reasons, per source counts and errors, timings, and the pages that failed (exit code 1)."""

    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    per_source: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    source_errors: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    timings: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # seconds per step
    failed_pages: int = 0

    @classmethod
    def for_sources(cls, names: Sequence[str]) -> Tally:
        """A tally listing each of ``names`` in the manifest, even a source that found nothing."""
        tally = cls()
        for name in names:
            tally.per_source[name] = Counter()
            tally.source_errors[name] = []
        return tally

    @contextmanager
    def timer(self, key: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[key] += time.perf_counter() - t0


class Pipeline:
    """Runs ``stages`` in order over one article at a time, counting per stage and drop reason."""

    def __init__(self, stages: Sequence[Stage]) -> None:
        self.stages = list(stages)
        self.counts: dict[str, StageCounts] = {s.name: StageCounts() for s in self.stages}

    def count(self, stage: str) -> StageCounts:
        return self.counts.setdefault(stage, StageCounts())

    @contextmanager
    def step(self, stage: str) -> Iterator[StageCounts]:
        """Count one item through ``stage`` run by the caller (fetch, clean: async or in a pool): in on
        entry, out on a normal exit, dropped under its ``reason`` when it raises ``Drop`` or ``FetchError``,
        as ``internal_error`` for anything else; so every stage's in = out + dropped."""
        c = self.count(stage)
        c.seen += 1
        try:
            yield c
        except (Drop, FetchError) as exc:
            c.dropped[exc.reason] += 1
            raise
        except Exception:
            c.dropped["internal_error"] += 1
            raise
        c.kept += 1

    def process(self, article: Article) -> Article:
        """The article after every stage; raises ``Drop`` (reason prefixed by nothing) when one drops it."""
        for stage in self.stages:
            c = self.counts[stage.name]
            c.seen += 1
            try:
                article = stage.process(article)
            except Drop as drop:
                c.dropped[drop.reason] += 1
                raise
            except Exception as exc:  # a stage bug must cost one page, not the batch
                c.dropped["internal_error"] += 1
                log.exception("stage %s failed on %s", stage.name, article.url)
                raise Drop("internal_error", f"{stage.name}: {type(exc).__name__}: {exc}") from exc
            c.kept += 1
        return article


# -- cleaning ---------------------------------------------------------------------------------------------
def clean_page(page: Page, rules: RuleSet | None = None) -> Article:
    """The lead story of a fetched page (``clean_page_all(...)[0]``)."""
    return clean_page_all(page, rules)[0]


def clean_page_all(page: Page, rules: RuleSet | None = None) -> list[Article]:
    """Every story of a fetched page (``story_index`` 0..n on multi-story pages), each finalized.

    The page's ``url`` (what was asked for) is the records' ``url``; ``final_url`` (after redirects) is
    what the extractor sees, so relative links and host rules resolve against where the page really is.
    """
    where = page.final_url or page.url
    arts = clean_html_all(page.body, url=where, header_charset=page.charset, rules=rules)
    for art in arts:
        art.url = page.url
        art.final_url = page.final_url
        art.source = page.source
        art.fetched_at = page.fetched_at
        art.finalize()
    return arts


# What cleaning one page gives: its stories, or the ``Drop`` that rejects it (a value, so it crosses the
# cleaning pool's process boundary and caches as itself).
CleanResult = list[Article] | Drop


def clean_job(page: Page, rules: RuleSet | None) -> CleanResult:
    """The clean stage for one page (the process-pool entry point): its stories, or why it is rejected."""
    try:
        return clean_page_all(page, rules)
    except Drop as drop:
        return drop
    except Exception as exc:  # clean_html should only raise Drop; never let a page kill a worker
        return Drop("internal_error", f"{type(exc).__name__}: {exc}")


# -- dedup -------------------------------------------------------------------------------------------------
class DedupStage:
    """Marks duplicates (``duplicate_of``/``dup_kind``/``similarity``/``dup_share``) and feeds the index.

    It never drops: routing (``separate`` vs ``mark``) is the writer's job. ``decide`` returns, with the
    article, the late-original links it made (reposts already emitted that a newly arrived original
    matches) as ``links.jsonl`` records.
    """

    name = "dedup"

    def __init__(self, index: DedupIndex) -> None:
        self.index = index

    def decide(self, article: Article) -> tuple[Article, list[dict[str, Any]]]:
        return self.decide_many([article])[0]

    def decide_many(self, articles: Sequence[Article]) -> list[tuple[Article, list[dict[str, Any]]]]:
        """``decide`` for each article in order, as one by one: ``DedupIndex.dedup_many`` matches, adds and
        late-links them with fingerprints and postings lookups made a batch at a time."""
        out = []
        for article, (decision, found) in zip(articles, self.index.dedup_many(articles), strict=True):
            m = decision.match  # never the article's own id: a redone page cannot match itself
            if m is not None:
                article.duplicate_of = m.duplicate_of
                article.duplicate_of_id = m.original_id
                article.dup_kind = m.kind
                article.similarity = m.similarity
                article.dup_share = m.share
            links: list[dict[str, Any]] = []
            for link in found:
                rec = dataclasses.asdict(link)
                rec.setdefault("original_id", article.id)
                rec["original_url"] = article.url
                links.append(rec)
            out.append((article, links))
        return out

    def process(self, article: Article) -> Article:
        """The ``Stage`` form, for a pipeline that keeps no links (late links need ``decide``)."""
        return self.decide(article)[0]


@dataclass
class DedupHandle:
    """An open dedup index. By default it shares the state connection, so the run's single state commit
    covers the index too (a kill at any point cannot leave one ahead of the other). With its own file
    (``dedup.path`` set) it has its own connection, committed just before the state."""

    stage: DedupStage | None
    conn: sqlite3.Connection | None  # None when the index rides on the state connection
    status: str

    def commit(self) -> None:
        if self.conn is not None and self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        if self.stage is not None:
            try:
                self.stage.index.close()
            except Exception:  # closing must not mask the run's own outcome
                log.exception("closing the dedup index failed")
        if self.conn is not None:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self.conn.close()


def open_dedup(
    enabled: bool,
    path: Path,
    factory: Callable[[sqlite3.Connection], DedupIndex] = DedupIndex,
    shared: sqlite3.Connection | None = None,
) -> DedupHandle:
    """Open the dedup index in a transaction; switch dedup off (logged) if it cannot be opened."""
    if not enabled:
        return DedupHandle(None, None, "off: disabled in config")
    if shared is not None:
        try:
            index = factory(shared)  # its tables join the state database; the state commit covers them
        except Exception as exc:
            log.warning(
                "dedup switched off: cannot open the index in %s (%s: %s)", path, type(exc).__name__, exc
            )
            return DedupHandle(None, None, f"off: {type(exc).__name__}: {exc}")
        return DedupHandle(DedupStage(index), None, "on")
    conn = connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        index = factory(conn)
    except Exception as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()
        log.warning("dedup switched off: cannot open the index at %s (%s: %s)", path, type(exc).__name__, exc)
        return DedupHandle(None, None, f"off: {type(exc).__name__}: {exc}")
    return DedupHandle(DedupStage(index), conn, "on")
