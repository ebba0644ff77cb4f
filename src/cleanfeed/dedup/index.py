"""The persistent dedup index: SQLite tables of documents and postings (LSH bands, sampled 5-grams, anchors).

Tables (prefixed ``dedup_`` so they can live in the pipeline's state database):

- ``dedup_docs``: one row per indexed article: its 64-bit digest (exact duplicates), whether it is an
  original, what it was linked to, and its canonical text (zlib) for verification.
- ``dedup_keys``: ``(key, doc)`` postings, WITHOUT ROWID so a lookup is one B-tree range. A key is a MinHash
  band (near duplicates), a 5-gram sampled by hash (containment: excerpts, partial copies, rewrites) or an
  anchor (numbers, Latin words: what spinners keep).
- ``dedup_stop``: keys found in more than ``posting_cap`` documents. They say nothing about a pair (years,
  topic phrases), so their postings are deleted and they are never looked up again: a query reads a
  bounded number of rows however large the index grows.
"""

from __future__ import annotations

import heapq
import sqlite3
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType

import numpy as np
import numpy.typing as npt

from cleanfeed.dedup.fingerprint import TAG_BAND, Fingerprint, Params, fingerprint
from cleanfeed.dedup.match import Doc, Verdict, verify
from cleanfeed.errors import ConfigError
from cleanfeed.models import Article, content_hash, stable_id

SCHEMA_VERSION = "1"
_KIND_RANK = {"exact": 0, "cross_script": 1, "near": 1, "partial": 2, "spun": 3}
RARE_KEY = 4  # a key in this many documents or fewer is specific to a story, not site boilerplate
_COPY_KINDS = {"exact", "near", "cross_script"}  # copies that add no new text: no postings of their own

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dedup_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dedup_docs (
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    url TEXT,
    original INTEGER NOT NULL,
    digest INTEGER NOT NULL,
    converted INTEGER NOT NULL,
    link_doc INTEGER,
    link_original INTEGER NOT NULL DEFAULT 0,
    kind TEXT,
    similarity REAL,
    canon BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS dedup_docs_digest ON dedup_docs (digest);
CREATE INDEX IF NOT EXISTS dedup_docs_link ON dedup_docs (link_doc) WHERE link_doc IS NOT NULL;
CREATE TABLE IF NOT EXISTS dedup_keys (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dedup_stop (key INTEGER PRIMARY KEY);
"""


@dataclass(frozen=True, slots=True)
class Match:
    """The original an article copies."""

    duplicate_of: str  # URL of the original, else its id
    original_id: str
    kind: str  # exact | near | cross_script | spun | partial
    similarity: float
    share: float | None = None  # partial copies: share of the original reused


@dataclass(frozen=True, slots=True)
class Link:
    """A repost, indexed before its original arrived, that the original now claims."""

    repost_id: str
    repost_url: str | None
    duplicate_of: str
    original_id: str
    kind: str
    similarity: float
    share: float | None = None


@dataclass(slots=True)
class _Row:
    doc: int
    id: str
    url: str | None
    original: bool
    converted: bool
    canon: bytes
    distinct: int = 0  # shared keys held by at most RARE_KEY documents (set by candidate search)

    def text(self) -> Doc:
        return Doc(zlib.decompress(self.canon).decode("utf-8"))


def came_normalized(article: Article) -> bool:
    """Whether ``article.text`` is the normalizer's output, so fingerprinting need not normalize it again.

    The rule: ``clean_html`` records the normalizer's report on the article (``normalized`` edit counts,
    ``converted``) and ``finalize`` records ``content_hash`` of the text. When both are present and the
    hash still matches the text, the text is exactly what the normalizer returned. Anything else (raw text
    from a library user, text edited after cleaning, a report with no edits) is normalized again: that
    costs time, never quality.
    """
    if not (article.normalized or article.converted) or not article.content_hash or not article.text:
        return False
    return article.content_hash == content_hash(article.text)


def article_id(article: Article) -> str:
    """The article's id, derived like ``Article.finalize`` when it is not set yet."""
    if article.id:
        return article.id
    key = article.canonical_url or article.url
    if key:
        return stable_id(key if article.story_index in (None, 0) else f"{key}#{article.story_index}")
    return content_hash(article.text)[:16]


class DedupIndex:
    """Links each article to the original it copies; persistent and incremental.

    Given a path it opens the database in WAL mode and commits after each ``add`` (every ``commit_every``
    adds). Given a connection it never commits, so the caller can commit the index together with its own
    state in one transaction.

    ``normalized``: True when every article given is already normalized (Simplified, pinyin-free, as
    ``clean_html`` returns it), False to always normalize, None (default) to decide per article with
    ``came_normalized``.
    """

    def __init__(
        self,
        path_or_conn: str | Path | sqlite3.Connection,
        *,
        params: Params | None = None,
        posting_cap: int = 64,
        max_candidates: int = 24,
        min_shared_keys: int = 2,
        commit_every: int = 1,
        normalized: bool | None = None,
    ) -> None:
        if isinstance(path_or_conn, sqlite3.Connection):
            self.conn, self._owns = path_or_conn, False
        else:
            self.conn = sqlite3.connect(str(path_or_conn), isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            # Queries are ~60 random B-tree seeks: reading pages through a memory map instead of one read()
            # call each takes a third off the lookup (address space only; the OS shares the page cache).
            self.conn.execute("PRAGMA mmap_size=17179869184")
            self._owns = True
        self.posting_cap = posting_cap
        self.max_candidates = max_candidates
        self.min_shared_keys = min_shared_keys
        self.commit_every = max(1, commit_every)
        self.normalized = normalized
        self._pending = 0
        self._closed = False
        try:
            self.conn.executescript(_SCHEMA) if self._owns else self._create_in_transaction()
            self.params = self._load_params(params or Params())
            self._stop = {int(k) for (k,) in self.conn.execute("SELECT key FROM dedup_stop")}
        except BaseException:
            if self._owns:
                self.conn.close()
            raise
        self._last: tuple[str, str, Fingerprint, tuple[Match, int, bool] | None] | None = None

    # -- setup --------------------------------------------------------------------------------------------
    def _create_in_transaction(self) -> None:
        # executescript would COMMIT the caller's transaction: run the statements one by one instead.
        for stmt in _SCHEMA.split(";"):
            if stmt.strip():
                self.conn.execute(stmt)

    def _load_params(self, wanted: Params) -> Params:
        stored = dict(self.conn.execute("SELECT k, v FROM dedup_meta").fetchall())
        if not stored:
            rows = [(k, str(v)) for k, v in asdict(wanted).items()] + [("schema", SCHEMA_VERSION)]
            self.conn.executemany("INSERT INTO dedup_meta (k, v) VALUES (?, ?)", rows)
            self._maybe_commit(force=True)
            return wanted
        if stored.get("schema") != SCHEMA_VERSION:
            raise ConfigError(
                "dedup.path", f"index schema {stored.get('schema')!r}, expected {SCHEMA_VERSION}"
            )
        # A reopened index keeps the parameters it was built with: other ones would not find its postings.
        return Params(**{k: int(stored[k]) for k in asdict(wanted)})

    def _maybe_commit(self, force: bool = False) -> None:
        if not self._owns:
            return
        self._pending += 1
        if (force or self._pending >= self.commit_every) and self.conn.in_transaction:
            self.conn.execute("COMMIT")
            self._pending = 0

    def _begin(self) -> None:
        if self._owns and not self.conn.in_transaction:
            self.conn.execute("BEGIN")

    # -- lifecycle ----------------------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._owns:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")
            self.conn.close()

    def __enter__(self) -> DedupIndex:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __len__(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM dedup_docs").fetchone()[0])

    # -- fingerprints -------------------------------------------------------------------------------------
    def _fingerprint(self, article: Article) -> tuple[str, Fingerprint]:
        aid = article_id(article)
        last = self._last
        if last is not None and last[0] == aid and last[1] == article.text:
            return aid, last[2]
        trusted = came_normalized(article) if self.normalized is None else self.normalized
        fp = fingerprint(article.text, converted=article.converted, params=self.params, normalized=trusted)
        self._last = (aid, article.text, fp, None)
        return aid, fp

    # -- matching -----------------------------------------------------------------------------------------
    def match(self, article: Article) -> Match | None:
        """The original this article copies (originals first, then earlier copies), or None.

        An article from an original source is matched against originals only: earlier reposts of it are
        not what it copies; ``late_links`` claims them once it is added.
        """
        aid, fp = self._fingerprint(article)
        found = self._match_fp(aid, fp, originals_only=article.original)
        self._last = (aid, article.text, fp, found)
        return found[0] if found else None

    def _match_fp(
        self, aid: str, fp: Fingerprint, originals_only: bool = False
    ) -> tuple[Match, int, bool] | None:
        if not fp.length:
            return None
        exact_rows = self._rows(
            "SELECT {cols} FROM dedup_docs WHERE digest = ? AND id != ?", (fp.digest, aid)
        )
        exact = None
        if exact_rows:
            row = min(exact_rows, key=lambda r: (not r.original, r.doc))
            kind = "cross_script" if fp.converted or row.converted else "exact"
            exact = (self._result(row, Verdict(kind, 1.0)), row.doc, row.original)
            if row.original:
                return exact
        cands = [r for r in self._candidates(fp) if r.id != aid]
        query = Doc(fp.canon)
        # Originals first: a copy of a copy links to the original when the original verifies on its own;
        # only then to an identical earlier copy, then to the first earlier copy it repeats.
        for n, group in enumerate(([r for r in cands if r.original], [r for r in cands if not r.original])):
            if n == 1 and (exact is not None or originals_only):
                return exact if not originals_only else None
            best: tuple[tuple[int, float, int], _Row, Verdict] | None = None
            for row in group:
                verdict = verify(query, row.text())
                if verdict is None:
                    continue
                if verdict.kind == "partial" and not row.distinct:
                    continue  # all it shares is text many pages carry: a site's boilerplate, not a story
                if verdict.kind == "near" and (fp.converted or row.converted):
                    verdict = Verdict("cross_script", verdict.similarity)
                # Originals: best kind, then most similar. Earlier copies: best kind, then the first copy.
                rank = (_KIND_RANK[verdict.kind], -verdict.similarity if row.original else 0.0, row.doc)
                if best is None or rank < best[0]:
                    best = (rank, row, verdict)
            if best is not None:
                return self._result(best[1], best[2]), best[1].doc, best[1].original
        return None

    @staticmethod
    def _result(row: _Row, v: Verdict) -> Match:
        return Match(row.url or row.id, row.id, v.kind, v.similarity, v.share)

    def _rows(self, sql: str, args: Iterable[object]) -> list[_Row]:
        cols = "doc, id, url, original, converted, canon"
        return [
            _Row(d, i, u, bool(o), bool(c), t)
            for d, i, u, o, c, t in self.conn.execute(sql.format(cols=cols), tuple(args))
        ]

    def _candidates(self, fp: Fingerprint, limit: int | None = None) -> list[_Row]:
        stop = self._stop
        keys = fp.bands + [k for k in fp.keys if k not in stop]
        if not keys:
            return []
        # One B-tree seek per key; postings are few because keys past the cap are stopped when first seen.
        sql = f"SELECT key, doc FROM dedup_keys WHERE key IN ({','.join('?' * len(keys))})"
        rows = self.conn.execute(sql, keys).fetchall()
        per_key = Counter(key for key, _ in rows)  # counted in C
        cap = self.posting_cap
        common = {k for k, n in per_key.items() if n > cap}
        for key in common:
            self._add_stop(key)
        score: dict[int, int] = {}
        distinct: dict[int, int] = {}
        for key, doc in rows:
            if common and key in common:
                continue
            if key & 7 == TAG_BAND:  # a shared band is near-certain evidence; 5-grams and anchors add up
                score[doc] = score.get(doc, 0) + 1000
            else:
                score[doc] = score.get(doc, 0) + 1
                if per_key[key] <= RARE_KEY:
                    distinct[doc] = distinct.get(doc, 0) + 1
        # Unrelated articles share a couple of keys by chance, more often as the index grows; a copy shares
        # a tenth of its keys or more (a partial page full of other text: at least 5). Checked on the set.
        need = max(self.min_shared_keys, min(5, round(0.1 * len(fp.keys))))
        best = heapq.nlargest(limit or self.max_candidates, score.items(), key=lambda kv: kv[1])
        top = [d for d, n in best if n >= need]
        if not top:
            return []
        found = self._rows(f"SELECT {{cols}} FROM dedup_docs WHERE doc IN ({','.join('?' * len(top))})", top)
        order = {d: i for i, d in enumerate(top)}
        for r in found:
            r.distinct = distinct.get(r.doc, 0)
        return sorted(found, key=lambda r: order[r.doc])

    def _add_stop(self, key: int) -> None:
        self._stop.add(key)
        self._begin()
        self.conn.execute("INSERT OR IGNORE INTO dedup_stop (key) VALUES (?)", (key,))
        self.conn.execute("DELETE FROM dedup_keys WHERE key = ?", (key,))

    # -- adding -------------------------------------------------------------------------------------------
    def add(self, article: Article, original: bool) -> None:
        """Index an article. Non-originals are indexed too, so a repost of a repost finds the first copy."""
        aid, fp = self._fingerprint(article)
        last = self._last
        found = last[3] if last is not None and last[0] == aid else None
        self._begin()
        self._insert(aid, article.url, fp, original, found)
        self._maybe_commit()

    def add_many(self, articles: Iterable[Article], original: bool, *, match: bool = False) -> int:
        """Bulk load (one transaction when the index owns its connection); returns the number added."""
        n = 0
        self._begin()
        for art in articles:
            if match:
                self.match(art)
            aid, fp = self._fingerprint(art)
            last = self._last
            self._insert(aid, art.url, fp, original, last[3] if last and last[0] == aid else None)
            n += 1
        if self._owns and self.conn.in_transaction:
            self.conn.execute("COMMIT")
            self._pending = 0
        return n

    def bulk_load(self, items: Iterable[tuple[str, str | None, Fingerprint]], original: bool) -> int:
        """Index precomputed fingerprints ``(id, url, fp)`` without matching: a fast initial build.

        Postings are collected in memory (16 bytes each), sorted once and appended in key order, so the
        B-tree is written front to back. Keys held by more than ``posting_cap`` of the new documents go
        straight to the stop list (what ``prune`` would do later); the digest index is rebuilt after the
        insert instead of being updated a row at a time.
        """
        n = 0
        keys = array("q")
        docs = array("q")
        counts = array("q")
        insert = (
            "INSERT OR IGNORE INTO dedup_docs (id, url, original, digest, converted, canon)"
            " VALUES (?, ?, ?, ?, ?, ?)"
        )
        self._begin()
        self.conn.execute("DROP INDEX IF EXISTS dedup_docs_digest")
        for aid, url, fp in items:
            cur = self.conn.execute(
                insert,
                (
                    aid,
                    url,
                    int(original),
                    fp.digest,
                    int(fp.converted),
                    zlib.compress(fp.canon.encode("utf-8"), 1),
                ),
            )
            if not cur.rowcount:
                continue
            docs.append(cur.lastrowid or 0)
            keys.extend(fp.bands)
            keys.extend(fp.keys)
            counts.append(len(fp.bands) + len(fp.keys))
            n += 1
        self._append_postings(
            np.frombuffer(keys, dtype=np.int64), np.repeat(np.frombuffer(docs, dtype=np.int64), counts)
        )
        self.conn.execute("CREATE INDEX IF NOT EXISTS dedup_docs_digest ON dedup_docs (digest)")
        if self._owns and self.conn.in_transaction:
            self.conn.execute("COMMIT")
            self._pending = 0
        return n

    def _append_postings(self, keys: npt.NDArray[np.int64], docs: npt.NDArray[np.int64]) -> None:
        if self._stop:
            keep = ~np.isin(keys, np.fromiter(self._stop, dtype=np.int64, count=len(self._stop)))
            keys, docs = keys[keep], docs[keep]
        order = np.argsort(keys, kind="stable")  # docs ascend already: (key, doc) order
        keys, docs = keys[order], docs[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
        per_key = np.diff(np.r_[starts, len(keys)])
        common = per_key > self.posting_cap
        stopped: list[int] = keys[starts[common]].tolist()
        self.conn.executemany("INSERT OR IGNORE INTO dedup_stop (key) VALUES (?)", ((k,) for k in stopped))
        self._stop.update(stopped)
        keep = np.repeat(~common, per_key)
        keys, docs = keys[keep], docs[keep]
        sql = "INSERT OR IGNORE INTO dedup_keys (key, doc) VALUES (?, ?)"
        step = 1_000_000  # Python ints for a million rows at a time, not for all of them
        for i in range(0, len(keys), step):
            self.conn.executemany(
                sql, zip(keys[i : i + step].tolist(), docs[i : i + step].tolist(), strict=True)
            )

    def _insert(
        self,
        aid: str,
        url: str | None,
        fp: Fingerprint,
        original: bool,
        found: tuple[Match, int, bool] | None,
    ) -> None:
        had = self.conn.execute("SELECT doc, original FROM dedup_docs WHERE id = ?", (aid,)).fetchone()
        if had is not None:  # re-added (a redone page): keep the first entry, upgrade to original if needed
            if original and not had[1]:
                self.conn.execute("UPDATE dedup_docs SET original = 1 WHERE doc = ?", (had[0],))
            return
        link_doc, link_orig, kind, sim = (
            (found[1], int(found[2]), found[0].kind, found[0].similarity) if found else (None, 0, None, None)
        )
        cur = self.conn.execute(
            "INSERT INTO dedup_docs (id, url, original, digest, converted, link_doc, link_original, kind,"
            " similarity, canon) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                aid,
                url,
                int(original),
                fp.digest,
                int(fp.converted),
                link_doc,
                link_orig,
                kind,
                sim,
                zlib.compress(fp.canon.encode("utf-8"), 1),
            ),
        )
        if not original and found is not None and found[0].kind in _COPY_KINDS:
            return  # a plain copy adds no text: whatever matches it matches what it copies
        doc = cur.lastrowid
        keys = fp.bands + [k for k in fp.keys if k not in self._stop]
        self.conn.executemany(
            "INSERT OR IGNORE INTO dedup_keys (key, doc) VALUES (?, ?)", [(k, doc) for k in keys]
        )

    # -- late originals -----------------------------------------------------------------------------------
    def late_links(self, original_article: Article) -> list[Link]:
        """Reposts indexed before this original arrived (and not linked to an original yet) that copy it.

        They are marked as linked, so each is reported once.
        """
        aid, fp = self._fingerprint(original_article)
        if not fp.length:
            return []
        me = self.conn.execute("SELECT doc FROM dedup_docs WHERE id = ?", (aid,)).fetchone()
        my_doc = me[0] if me else None
        target = original_article.url or aid
        orig = Doc(fp.canon)
        rows = {r.doc: r for r in self._candidates(fp, limit=4 * self.max_candidates)}
        for r in self._rows("SELECT {cols} FROM dedup_docs WHERE digest = ?", (fp.digest,)):
            rows[r.doc] = r
        # Copies of those copies (indexed without postings of their own).
        if rows:
            ids = list(rows)
            sql = f"SELECT {{cols}} FROM dedup_docs WHERE link_doc IN ({','.join('?' * len(ids))})"
            for r in self._rows(sql, ids):
                rows.setdefault(r.doc, r)
        pending = [r for r in rows.values() if not r.original and r.id != aid]
        if not pending:
            return []
        ids = [r.doc for r in pending]
        linked = {
            d
            for (d,) in self.conn.execute(
                f"SELECT doc FROM dedup_docs WHERE link_original = 1 AND doc IN ({','.join('?' * len(ids))})",
                ids,
            )
        }
        links = []
        self._begin()
        for row in sorted(pending, key=lambda r: r.doc):
            if row.doc in linked:
                continue
            copy = row.text()
            if copy.canon == fp.canon:
                v = Verdict("cross_script" if fp.converted or row.converted else "exact", 1.0)
            else:
                found = verify(copy, orig)
                if found is None:
                    continue
                v = (
                    Verdict("cross_script", found.similarity)
                    if found.kind == "near" and (fp.converted or row.converted)
                    else found
                )
            self.conn.execute(
                "UPDATE dedup_docs SET link_doc = ?, link_original = 1, kind = ?, similarity = ?"
                " WHERE doc = ?",
                (my_doc, v.kind, v.similarity, row.doc),
            )
            links.append(Link(row.id, row.url, target, aid, v.kind, v.similarity, v.share))
        self._maybe_commit()
        return links

    # -- maintenance --------------------------------------------------------------------------------------
    def prune(self) -> int:
        """Move keys with more than ``posting_cap`` postings to the stop list (after a bulk load)."""
        self._begin()
        keys = [
            int(k)
            for (k,) in self.conn.execute(
                "SELECT key FROM dedup_keys GROUP BY key HAVING count(*) > ?", (self.posting_cap,)
            )
        ]
        for key in keys:
            self._add_stop(key)
        if self._owns and self.conn.in_transaction:
            self.conn.execute("COMMIT")
        return len(keys)
