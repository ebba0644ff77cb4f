"""Batches over a ``DedupIndex``: dedup a batch as one by one, bulk loads, stopping common keys.

Functions over the index (its connection, postings and probes), kept out of ``index.py`` so the one-article
path reads alone there.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from cleanfeed.dedup import store
from cleanfeed.dedup.fingerprint import TAG_DIGEST, Fingerprint, posting_keys
from cleanfeed.dedup.postings import U64, Run
from cleanfeed.dedup.records import Decision, Link, Probe, _chunks, article_id
from cleanfeed.models import Article

if TYPE_CHECKING:
    from cleanfeed.dedup.index import DedupIndex

_TAG_BITS = np.uint64(7)


def dedup_many(
    index: DedupIndex, articles: Sequence[Article], *, batch: int = 256
) -> list[tuple[Decision, list[Link]]]:
    """``DedupIndex.dedup_many``: decide, add and late-link each article in order."""
    out: list[tuple[Decision, list[Link]]] = []
    for i in range(0, len(articles), batch):
        out += _one_by_one(index, articles[i : i + batch], None, links=True)
    return out


def add_many(index: DedupIndex, articles: Iterable[Article], original: bool, *, match: bool = False) -> int:
    """``DedupIndex.add_many``: index each article (linked to what it copies when ``match``)."""
    n = 0
    for chunk in _chunks(articles, 256):
        if match:
            n += len(_one_by_one(index, chunk, original, links=False))
            continue
        for art, fp in zip(chunk, index.fingerprints(chunk), strict=True):
            index.add(art, original, Decision(Probe(article_id(art), art.text, fp, None)))
            n += 1
    return n


def _one_by_one(
    index: DedupIndex, chunk: Sequence[Article], original: bool | None, *, links: bool
) -> list[tuple[Decision, list[Link]]]:
    """Decide and add each article of ``chunk`` in order (``original``: as given, or ``article.original``),
    with the late links of originals when ``links``, from one batch of probes.

    A probe is the index as it stood before the batch. It is made again for an article when one before it
    posted or stopped one of its keys (its candidates or their counts may differ) or changed an indexed row
    (candidate rows are read with the probe): the decisions are exactly those of one call at a time.
    """
    out: list[tuple[Decision, list[Link]]] = []
    probes = index.probe_many(chunk)
    touched: set[int] = set()  # keys posted or stopped since the probes, as unsigned 64-bit integers
    stopped = set(index._recently_stopped)
    rows = index.rows_changed
    for art, early in zip(chunk, probes, strict=True):
        stale = index.rows_changed != rows or _touches(early, touched)
        probe = index.probe(art) if stale else early
        d = index.decide(art, probe)
        index._begin()
        posted = index._insert(probe, art, art.original if original is None else original, d.found)
        out.append((d, index.late_links(art, d) if links and art.original else []))
        touched.update(posted.tolist())
        if len(index._recently_stopped) != len(stopped):
            new = index._recently_stopped - stopped
            touched.update(k & 0xFFFFFFFFFFFFFFFF for k in new)
            stopped |= new
    return out


def _touches(probe: Probe, keys: set[int]) -> bool:
    return bool(keys) and probe.looked is not None and not keys.isdisjoint(probe.looked.keys.tolist())


def bulk_load(index: DedupIndex, items: Iterable[tuple[str, str | None, Fingerprint]], original: bool) -> int:
    """Index precomputed fingerprints ``(id, url, fp)`` without matching: a fast initial build.

    Rows are inserted with the digest index rebuilt after them instead of updated a row at a time; the
    new postings are sorted once and keys held by more than ``posting_cap`` documents go to the stop list
    (what ``prune`` does). Committed by the index's owner, as everything else.
    """
    conn = index.conn
    n = 0
    docs: list[int] = []
    digests: list[int] = []
    blobs: list[bytes] = []
    insert = (
        "INSERT OR IGNORE INTO dedup_docs (id, url, original, digest, converted, canon)"
        " VALUES (?, ?, ?, ?, ?, ?)"
    )
    index._begin()
    conn.execute("DROP INDEX IF EXISTS dedup_docs_digest")
    for aid, url, fp in items:
        blob = store.keys_blob(posting_keys(fp))
        canon = zlib.compress(fp.canon.encode("utf-8"), 1)
        cur = conn.execute(insert, (aid, url, int(original), fp.digest, int(fp.converted), canon))
        if not cur.rowcount:
            continue
        docs.append(cur.lastrowid or 0)
        conn.execute("INSERT INTO dedup_doc_keys (doc, keys) VALUES (?, ?)", (docs[-1], blob))
        digests.append(fp.digest)
        blobs.append(blob)
        n += 1
    conn.execute("CREATE INDEX IF NOT EXISTS dedup_docs_digest ON dedup_docs (digest)")
    if n:
        keys: U64 = np.frombuffer(b"".join(blobs), dtype="<i8").view(np.uint64)
        per_doc = np.array([len(b) // 8 for b in blobs], dtype=np.int64)
        doc_ids = np.repeat(np.array(docs, dtype=np.int32), per_doc)
        run = Run.build(keys, doc_ids).without(index._stop_array())
        index._postings.flush()
        index._postings.recent = index._postings.recent.merge(run)
        index._postings.note(docs[-1], digests[-1])
        stop_common(index)
    return n


def stop_common(index: DedupIndex) -> int:
    """Stop every key with more than ``posting_cap`` postings; returns how many."""
    index._postings.compact(index._stop_array())
    keys, counts = index._postings.main.key_counts()
    common = keys[(counts > index.posting_cap) & ((keys & _TAG_BITS) != TAG_DIGEST)]
    stopped: list[int] = common.view(np.int64).tolist()
    index._begin()
    index.conn.executemany("INSERT OR IGNORE INTO dedup_stop (key) VALUES (?)", ((k,) for k in stopped))
    index._stop.update(stopped)
    if stopped:
        index._postings.main = index._postings.main.without(common)
    return len(stopped)
