"""cleanfeed's stages as datatrove pipeline steps (``pip install "cleanfeed[scale]"``).

    from datatrove.executor import LocalPipelineExecutor
    from cleanfeed.datatrove import PageReader, Clean, DedupMatch, RecordWriter

    LocalPipelineExecutor(
        [PageReader(warc=["crawl/*.warc.gz"]), Clean(), DedupMatch("index.db"), RecordWriter("out/")],
        tasks=8, workers=2, logging_dir="logs/",
    ).run()

``PageReader`` keeps the page's bytes (and the charset its HTTP header gave) in ``metadata["body"]``:
datatrove's own WARC reader decodes to text first, which is too early for cleanfeed's charset detection
and mojibake repair. ``Clean`` turns a page into one document per story (``text`` is the clean text,
``metadata["record"]`` the cleanfeed record). Steps shard by page identity: a page belongs to the task
``crc32(identity) % world_size``, whatever the task count, so reruns of one job split alike.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import zlib
from collections.abc import AsyncGenerator, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers.jsonl import JsonlWriter

from cleanfeed.errors import Drop
from cleanfeed.extract import RuleSet
from cleanfeed.frontier import decide
from cleanfeed.models import Article, Page
from cleanfeed.normalize import normalize_text
from cleanfeed.pipeline import CleanResult, clean_job
from cleanfeed.settings import FilesSource, Settings, Source, WarcSource
from cleanfeed.sources import Item, iter_source, page_url, read_capped
from cleanfeed.sources.local import expand_globs
from cleanfeed.state import DONE, UrlState

LOCAL_KINDS = ("files", "warc")


def owner(ident: str, world_size: int) -> int:
    """The task that owns a page: stable across runs and machines (never Python's salted ``hash``)."""
    return zlib.crc32(ident.encode("utf-8")) % max(1, world_size)


def page_of(item: Item, body: bytes) -> Page:
    """The page a run builds for a file or WARC item (``runner._Run``): the same input to ``clean_job``."""
    if item.body is not None:  # a WARC record
        return Page(
            url=item.url,
            source=item.source,
            body=body,
            charset=item.charset,
            fetched_at=item.fetched_at or datetime.now(timezone.utc),
        )
    # A file: its own URL claim (canonical, og:url) is the record's URL; the file time is when it was had.
    return Page(
        url=page_url(body) or item.url,
        source=item.source,
        body=body,
        fetched_at=datetime.fromtimestamp((item.mtime_ns or 0) / 1e9, timezone.utc),
    )


def _iter_source(src: Source, settings: Settings) -> Iterator[Item]:
    """``iter_source`` of a files or WARC source as a plain iterator: one item in memory at a time (a
    task of a big WARC must not hold every record it owns)."""

    async def no_fetch(url: str) -> bytes | None:  # files and WARC sources never fetch
        raise RuntimeError(f"{src.name}: a {src.kind} source has no entry point to fetch ({url})")

    agen = cast(AsyncGenerator[Item, None], iter_source(src, settings, no_fetch))  # an async generator
    loop = asyncio.new_event_loop()
    try:
        while True:
            try:
                yield loop.run_until_complete(agen.__anext__())
            except StopAsyncIteration:
                return
    finally:
        loop.run_until_complete(agen.aclose())
        loop.close()


def iter_items(settings: Settings, rank: int = 0, world_size: int = 1) -> Iterator[Item]:
    """The items of the config's files and WARC sources that task ``rank`` owns, in source order."""
    for src in settings.sources:
        if src.kind in LOCAL_KINDS:
            yield from (it for it in _iter_source(src, settings) if owner(it.ident, world_size) == rank)


def _settings_for(
    files: list[str] | None, warc: list[str] | None, source: str, original: bool, base_dir: Path | None
) -> Settings:
    base = base_dir or Path.cwd()
    sources: list[Source] = []
    if files:
        sources.append(FilesSource(kind="files", name=source, paths=files, original=original))
    archives = sorted({f.path for f in expand_globs(warc or [], base) if f.special is None})
    for n, path in enumerate(archives):  # one source per archive: a source name is unique in a config
        name = source if not files and n == 0 else f"{source}-{n}"
        sources.append(WarcSource(kind="warc", name=name, path=path, original=original))
    return Settings(sources=sources, base_dir=base)


class PageReader(PipelineStep):  # type: ignore[misc]  # datatrove ships no type information
    """Pages of files and WARC archives as documents with their bytes (``metadata["body"]``).

    Give ``settings`` (a loaded cleanfeed config: its files and WARC sources), or ``files`` (globs)
    and/or ``warc`` (paths or globs, relative to ``base_dir``). A loss found while listing (a record cut
    short, a FIFO) comes as a document with ``metadata["reject"]``, never dropped unseen.
    """

    name = "cleanfeed pages"
    type = "📖 - READER"

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        files: list[str] | None = None,
        warc: list[str] | None = None,
        source: str = "pages",
        original: bool = False,
        base_dir: Path | None = None,
        state_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or _settings_for(files, warc, source, original, base_dir)
        self.state_path = state_path

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        done = _Done(self.state_path, self.settings) if self.state_path else None
        for item in iter_items(self.settings, rank, world_size):
            if done is not None and done.skipped(item):
                self.stat_update("unchanged")
                continue
            meta: dict[str, Any] = {"item": item, "url": item.url, "source": item.source}
            if item.reject is not None:
                meta["reject"] = item.reject
                self.stat_update("lost")
                yield Document(text="", id=item.ident, metadata=meta)
                continue
            with self.track_time():
                try:
                    body = item.body if item.body is not None else self._read(item)
                except Drop as drop:
                    meta["reject"] = drop.reason
                    self.stat_update(f"rejected:{drop.reason}")
                    yield Document(text="", id=item.ident, metadata=meta)
                    continue
            if done is not None and item.body is None and done.same_bytes(item, body):
                self.stat_update("unchanged")
                continue
            meta["body"] = body
            meta["charset"] = item.charset
            self.stat_update("pages")
            yield Document(text="", id=item.ident, metadata=meta)

    def _read(self, item: Item) -> bytes:
        assert item.path is not None
        return read_capped(item.path, self.settings.fetch.max_bytes)


class _Done:
    """What a run would not clean again, by the run's own rule (``frontier.decide``) on its state,
    read-only: a page skipped here that the run does clean is cleaned by the run, never lost."""

    def __init__(self, state_path: Path, settings: Settings) -> None:
        self.fetch = settings.fetch
        self.conn = None
        if state_path.exists():
            self.conn = sqlite3.connect(f"file:{state_path.absolute()}?mode=ro", uri=True)

    def _get(self, ident: str) -> UrlState | None:
        if self.conn is None:
            return None
        row = self.conn.execute(
            "SELECT url, source, status, etag, last_modified, content_hash, failures, size, mtime_ns, "
            "body_hash FROM urls WHERE url = ?",
            (ident,),
        ).fetchone()
        return UrlState(*row) if row else None

    def skipped(self, item: Item) -> bool:
        return decide(self._get(item.ident), item, self.fetch)[0] in ("skip", "given_up")

    def same_bytes(self, item: Item, body: bytes) -> bool:
        prev = self._get(item.ident)
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()  # the run's body hash
        return prev is not None and prev.status in DONE and prev.body_hash == digest


def clean_document(doc: Document, rules: RuleSet | None) -> CleanResult:
    """What cleaning the page of a ``PageReader`` document gives (``pipeline.clean_job``)."""
    reject = doc.metadata.get("reject")
    if reject is not None:
        return Drop(str(reject))
    return clean_job(page_of(doc.metadata["item"], doc.metadata["body"]), rules)


def _story_doc(art: Article) -> Document:
    record = art.model_dump(mode="json")
    return Document(text=art.text, id=art.id or "", metadata={"record": record, "article": art})


class Clean(PipelineStep):  # type: ignore[misc]
    """``PageReader`` documents -> one document per story. Rejected pages are dropped (counted by reason
    in the step's stats), or passed on with empty text and ``metadata["record"]`` when ``keep_rejects``."""

    name = "cleanfeed clean"
    type = "🔻 - FILTER"

    def __init__(self, *, keep_rejects: bool = False, settings: Settings | None = None) -> None:
        super().__init__()
        self.keep_rejects = keep_rejects
        self.settings = settings

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        rules: dict[str, RuleSet | None] = {}
        if self.settings is not None:
            rules = {s.name: s.ruleset() for s in self.settings.sources}
        for doc in data or ():
            with self.track_time():
                out = clean_document(doc, rules.get(doc.metadata.get("source", "")))
            if isinstance(out, Drop):
                self.stat_update(f"rejected:{out.reason}")
                if self.keep_rejects:
                    meta = doc.metadata
                    art = Article.rejected(out.reason, url=meta.get("url"), source=meta["source"])
                    yield _story_doc(art)
                continue
            self.stat_update("stories", value=len(out))
            for art in out:
                art.original = bool(doc.metadata["item"].original)
                yield _story_doc(art)


class Normalize(PipelineStep):  # type: ignore[misc]
    """``normalize_text`` on ``text`` (Simplified, full-width punctuation, mojibake repaired): for text
    from other readers. ``Clean``'s output is normalized already; this step leaves it as it is."""

    name = "cleanfeed normalize"
    type = "✂️ - FORMAT"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data or ():
            with self.track_time():
                doc.text = normalize_text(doc.text)
            yield doc


def _in_memory(path: Path) -> sqlite3.Connection:
    """A private in-memory copy of an index database: matching may add stop keys, never to the file."""
    src = sqlite3.connect(f"file:{path.absolute()}?mode=ro", uri=True)
    mem = sqlite3.connect(":memory:", isolation_level=None)
    try:
        src.backup(mem)
    finally:
        src.close()
    return mem


class DedupMatch(PipelineStep):  # type: ignore[misc]
    """Marks each story that copies an original of a built index (``duplicate_of``, ``dup_kind``,
    ``similarity`` on the record and in ``metadata``). Each task matches against its own in-memory copy
    of the index, so the file is read-only to every task; stories are not added to it."""

    name = "cleanfeed dedup match"
    type = "🫂 - DEDUP"

    def __init__(self, index_path: str | Path) -> None:
        super().__init__()
        self.index_path = Path(index_path)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from cleanfeed.dedup import DedupIndex  # noqa: PLC0415  (numpy, rensa: only in the task)

        index = DedupIndex(_in_memory(self.index_path))
        try:
            for doc in data or ():
                art: Article | None = doc.metadata.get("article")
                if art is None or art.reject_reason is not None:
                    yield doc
                    continue
                with self.track_time():
                    m = index.match(art)
                if m is not None:
                    art.duplicate_of, art.dup_kind, art.similarity = m.duplicate_of, m.kind, m.similarity
                    art.dup_share, art.duplicate_of_id = m.share, m.original_id
                    doc.metadata["record"] = art.model_dump(mode="json")
                    self.stat_update(f"dup:{m.kind}")
                doc.metadata["duplicate_of"] = art.duplicate_of
                doc.metadata["dup_kind"] = art.dup_kind
                yield doc
        finally:
            index.close()


def _record(self: JsonlWriter, doc: Document) -> dict[str, Any]:
    record = doc.metadata.get("record")
    if record is None:  # a document from another reader: what datatrove writes
        return {"text": doc.text, "id": doc.id, **{k: v for k, v in doc.metadata.items() if k != "body"}}
    return dict(record)


class RecordWriter(JsonlWriter):  # type: ignore[misc]
    """cleanfeed records (the JSONL record of ``cleanfeed run``), one file per task."""

    name = "cleanfeed records"

    def __init__(self, output_folder: str | Path, compression: str | None = None) -> None:
        super().__init__(str(output_folder), output_filename="${rank}.jsonl", compression=compression)
        self.adapter = _record.__get__(self)
