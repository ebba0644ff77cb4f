"""The persistent dedup index: documents and their keys in SQLite, postings in memory (see ``store``).

A query fingerprints the article, reads the postings of its keys (LSH bands, sampled 5-grams, anchors),
ranks the documents that share the most, and verifies the best few on their canonical texts.

The values flow explicitly: ``probe`` (fingerprint + postings lookup) -> ``decide`` (the ``Decision``:
what it copies, what it claims) -> ``add`` and ``late_links`` given that decision. Called without one,
each computes what it needs itself; nothing depends on the order of calls. ``dedup_many`` does all three
for a batch. The index never commits a connection it was given; one it opened itself (a path) it commits
in ``commit`` and ``close`` only.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from types import TracebackType

import numpy as np

from cleanfeed.db import connect
from cleanfeed.dedup import bulk, late, store
from cleanfeed.dedup.fingerprint import (
    TAG_ANCHOR,
    Fingerprint,
    Params,
    anchors,
    digest_key,
    fingerprint,
    fingerprint_many,
    posting_keys,
)
from cleanfeed.dedup.match import Doc, Verdict, across_scripts, verify, without_shared_boilerplate
from cleanfeed.dedup.postings import RARE_KEY, U64, near_misses, rank
from cleanfeed.dedup.records import (
    Decision,
    Found,
    Link,
    Looked,
    Match,
    Probe,
    _Row,
    _times,
    article_id,
    article_order,
    came_normalized,
)
from cleanfeed.errors import ConfigError
from cleanfeed.models import Article

SCHEMA_VERSION = store.SCHEMA_VERSION
_KIND_RANK = {"exact": 0, "cross_script": 1, "near": 1, "partial": 2, "spun": 3}
_COPY_KINDS = {"exact", "near", "cross_script"}  # copies that add no new text: no postings of their own
_TAG_BITS = np.uint64(7)
SECOND_PROBE = 4  # documents sharing rare anchor keys (two or more) a query compares whole anchor sets with
SECOND_PROBE_ANCHORS = 3  # anchors (numbers, Latin names) a spin must keep to be found that way


class DedupIndex:
    """Links each article to the original it copies; persistent and incremental.

    Given a connection it never begins or commits a transaction: whoever opened the connection commits
    the index together with its own state (the run's Ledger). Given a path it opens the database itself
    (``db.connect``: WAL) and owns it: what is added stays in one open transaction until ``commit`` or
    ``close`` (leaving a ``with`` block on an exception rolls it back instead).

    ``normalized``: True when every article given is already normalized (Simplified, pinyin-free, as
    ``clean_html`` returns it), False to always normalize, None (default) to decide per article with
    ``came_normalized``.
    """

    def __init__(
        self,
        path_or_conn: str | Path | sqlite3.Connection,
        *,
        params: Params | None = None,
        posting_cap: int = 16,
        max_candidates: int = 24,
        min_shared_keys: int = 2,
        normalized: bool | None = None,
    ) -> None:
        if isinstance(path_or_conn, sqlite3.Connection):
            self.conn, self._owns = path_or_conn, False
        else:
            self.conn, self._owns = connect(Path(path_or_conn)), True
        self.posting_cap = posting_cap
        self.max_candidates = max_candidates
        self.min_shared_keys = min_shared_keys
        self.normalized = normalized
        self._closed = False
        # Bumped whenever an indexed row changes (a late link, an upgrade to original): a batch's lookups,
        # which read candidate rows, are made again after it (``dedup_many``).
        self.rows_changed = 0
        try:
            self.conn.executescript(store.SCHEMA) if self._owns else self._create_in_transaction()
            self.params = self._load_params(params or Params())
            self._uuid = store.index_uuid(self.conn)
            if self._owns:  # opening creates or migrates the tables: the opener commits that much
                self.commit()
            self._stop = {int(k) for (k,) in self.conn.execute("SELECT key FROM dedup_stop")}
            self._recently_stopped: set[int] = set()
            self._postings = store.open_postings(self.conn, self._stop_array(), self._uuid)
        except BaseException:
            if self._owns:
                self.conn.close()
            raise

    # -- setup --------------------------------------------------------------------------------------------
    def _create_in_transaction(self) -> None:
        # executescript would COMMIT the caller's transaction: run the statements one by one instead.
        for stmt in store.SCHEMA.split(";"):
            if stmt.strip():
                self.conn.execute(stmt)

    def _load_params(self, wanted: Params) -> Params:
        stored = dict(self.conn.execute("SELECT k, v FROM dedup_meta").fetchall())
        if not stored:
            rows = [(k, str(v)) for k, v in asdict(wanted).items()] + [("schema", SCHEMA_VERSION)]
            self._begin()
            self.conn.executemany("INSERT INTO dedup_meta (k, v) VALUES (?, ?)", rows)
            store.migrations(lambda canon: []).adopt(self.conn, int(SCHEMA_VERSION))  # a new index has all
            return wanted
        steps = store.migrations(lambda canon: self._keys_of(canon, params))  # params: read below
        unknown = steps.unknown(self.conn)
        if stored.get("schema") not in ("1", "2", SCHEMA_VERSION) or unknown:
            raise ConfigError(
                "dedup.path",
                f"index schema {stored.get('schema')!r}, expected {SCHEMA_VERSION}"
                + (f" (migrations this cleanfeed does not know: {', '.join(unknown)})" if unknown else ""),
            )
        # A reopened index keeps the parameters it was built with: other ones would not find its postings.
        params = Params(**{k: int(stored[k]) for k in asdict(wanted)})
        if steps.pending(self.conn):
            self._begin()
            if not steps.applied(self.conn):  # an index from before the registry: its schema number
                steps.adopt(self.conn, int(stored["schema"]))
            steps.apply(self.conn, begin=False)
        return params

    @staticmethod
    def _keys_of(canon: str, params: Params) -> list[int]:
        """All posting keys of an indexed text (its canonical form fingerprints to the same keys)."""
        return posting_keys(fingerprint(canon, params=params, normalized=True))

    def _stop_array(self) -> U64:
        return np.fromiter(self._stop, dtype=np.int64, count=len(self._stop)).view(np.uint64)

    def _begin(self) -> None:
        """Before a write: open the transaction of an index that owns its connection (a borrowed one is
        the caller's to open)."""
        if self._owns and not self.conn.in_transaction:
            self.conn.execute("BEGIN")

    # -- lifecycle ----------------------------------------------------------------------------------------
    def commit(self) -> None:
        """Commit what was written since the last commit, for an index opened on a path.

        An index given a connection does not own it: that connection's owner commits, and calling this
        is an error (a commit here would also commit the owner's half-done work).
        """
        if not self._owns:
            raise RuntimeError("the dedup index was given its connection: commit it where it was opened")
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        """Commit (an index that owns its connection), save the postings snapshot, close what it opened."""
        if self._closed:
            return
        self._closed = True
        if self._owns:
            self.commit()
        self.checkpoint()
        if self._owns:
            self.conn.close()

    def checkpoint(self) -> bool:
        """Save the postings snapshot if worthwhile and everything it covers is committed (True if saved).

        ``close`` calls it; an owner that commits the shared connection itself may call it after the
        commit. A snapshot only saves time on the next open: skipping it never loses data.
        """
        return store.save_postings(self.conn, self._postings, self._stop_array(), self._uuid)

    def __enter__(self) -> DedupIndex:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None and self._owns and not self._closed and self.conn.in_transaction:
            self.conn.execute("ROLLBACK")  # half a load is not committed as if it were all of it
        self.close()

    def __len__(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM dedup_docs").fetchone()[0])

    # -- fingerprints and probes --------------------------------------------------------------------------
    def _trusted(self, article: Article) -> bool:
        return came_normalized(article) if self.normalized is None else self.normalized

    def _fingerprint(self, article: Article) -> Fingerprint:
        trusted = self._trusted(article)
        return fingerprint(article.text, converted=article.converted, params=self.params, normalized=trusted)

    def fingerprints(self, articles: Sequence[Article]) -> list[Fingerprint]:
        """Fingerprints of a batch at once (``fingerprint_many``), in order."""
        out: list[Fingerprint | None] = [None] * len(articles)
        for trusted in (True, False):
            at = [i for i, a in enumerate(articles) if self._trusted(a) == trusted]
            if not at:
                continue
            fps = fingerprint_many(
                [articles[i].text for i in at],
                converted=[articles[i].converted for i in at],
                params=self.params,
                normalized=trusted,
            )
            for i, fp in zip(at, fps, strict=True):
                out[i] = fp
        return [fp for fp in out if fp is not None]

    def probe(self, article: Article) -> Probe:
        """The article's fingerprint and postings lookup against the index as it stands."""
        fp = self._fingerprint(article)
        return Probe(article_id(article), article.text, fp, self._lookup_many([fp])[0])

    def probe_many(self, articles: Sequence[Article]) -> list[Probe]:
        """``probe`` for a batch: fingerprints and one postings lookup for all of them."""
        if len(articles) == 1:  # the batch bookkeeping would cost a single text more than it saves
            return [self.probe(articles[0])]
        fps = self.fingerprints(articles)
        looked = self._lookup_many(fps)
        return [Probe(article_id(a), a.text, fp, lk) for a, fp, lk in zip(articles, fps, looked, strict=True)]

    def _probe_of(self, article: Article, probe: Probe | None) -> Probe:
        if probe is None:
            return self.probe(article)
        if probe.id != article_id(article) or probe.text != article.text:
            raise ValueError(f"the probe of {probe.id} was given with article {article_id(article)}")
        return probe

    # -- matching -----------------------------------------------------------------------------------------
    def decide(self, article: Article, probe: Probe | None = None) -> Decision:
        """What this article copies (originals first, then earlier copies), given its probe or not.

        An article from an original source is matched against originals only: earlier reposts of it are
        not what it copies; its ``late_links`` claim them once it is added. An original that precedes
        the near-identical original it matched (``_precedes``) copies nothing: it ``claims`` that one.
        """
        probe = self._probe_of(article, probe)
        looked = probe.looked if probe.looked is not None else self._lookup(probe.fp)
        found = self._match_fp(probe.id, probe.fp, looked, originals_only=article.original)
        if found is not None and self._precedes(article, found):
            return Decision(probe, None, found.match)
        return Decision(probe, found)

    def match(self, article: Article, probe: Probe | None = None) -> Match | None:
        """The original this article copies, or None (``decide(...).match``)."""
        return self.decide(article, probe).match

    def _precedes(self, article: Article, found: Found) -> bool:
        """Whether an original article comes before the near-identical original it matched (earlier
        published, then fetched, then smaller URL: ``records.order_key``). Then it is the original, and
        the one indexed first becomes its copy: which arrived first in a run decides nothing."""
        if not article.original or not found.to_original or found.match.kind not in _COPY_KINDS:
            return False
        rows = self._rows("SELECT {cols} FROM dedup_docs WHERE doc = ?", (found.doc,))
        # One linked to a story of its own (a spin or partial copy of a third original) keeps its place.
        return bool(rows) and not rows[0].link_original and article_order(article) < rows[0].order()

    def match_many(self, articles: Sequence[Article], *, batch: int = 256) -> list[Match | None]:
        """``match`` for each article, against the index as it stands (none of them is added).

        The fingerprints and the postings lookups are done a batch at a time, which takes most of the
        per-document cost away.
        """
        out: list[Match | None] = []
        for i in range(0, len(articles), batch):
            chunk = articles[i : i + batch]
            for art, probe in zip(chunk, self.probe_many(chunk), strict=True):
                out.append(self.decide(art, probe).match)
        return out

    def dedup_many(
        self, articles: Sequence[Article], *, batch: int = 256
    ) -> list[tuple[Decision, list[Link]]]:
        """Decide, ``add`` (as ``article.original`` says) and, for originals, ``late_links``, for each
        article in order, as one by one: each is matched against the index with the ones before it.

        Fingerprints and lookups are made a batch at a time; an article whose keys an earlier one of the
        batch posted or stopped, or any after an indexed row changed, is looked up again, so the decisions
        are those of the one-by-one calls.
        """
        return bulk.dedup_many(self, articles, batch=batch)

    def _match_fp(self, aid: str, fp: Fingerprint, looked: Looked, *, originals_only: bool) -> Found | None:
        if not fp.length:
            return None
        same, cand_rows, second = looked.same, looked.rows, looked.second
        exact_rows = []
        if same:  # documents holding the digest's key: those with the same digest are exact copies
            marks = ",".join("?" * len(same))
            sql = f"SELECT {{cols}} FROM dedup_docs WHERE doc IN ({marks}) AND digest = ? AND id != ?"
            exact_rows = self._rows(sql, [*same, fp.digest, aid])
        exact = None
        query = Doc.of(fp)
        if exact_rows:
            row = min(exact_rows, key=lambda r: (not r.original, r.order()))
            copy = across_scripts(Verdict("exact", 1.0), fp.converted or row.converted)
            if row.original:
                return self._to_root(query, fp, row, copy)
            exact = Found(self._result(row, copy), row.doc, row.original)
        cands = [r for r in cand_rows if r.id != aid]
        # Originals first: a copy of a copy links to the original when the original verifies on its own;
        # only then to an identical earlier copy, then to the first earlier copy it repeats.
        for n, group in enumerate(([r for r in cands if r.original], [r for r in cands if not r.original])):
            if n == 1 and (exact is not None or originals_only):
                return exact if not originals_only else None
            best: tuple[tuple[int, float, tuple[bool, str, bool, str, str]], _Row, Verdict] | None = None
            docs = [(r, r.text()) for r in group]
            found = without_shared_boilerplate(query, [(r, d, verify(query, d)) for r, d in docs])
            for row, checked in found:
                if checked.kind == "partial" and not row.distinct:
                    continue  # all it shares is text many pages carry: a site's boilerplate, not a story
                verdict = (
                    checked
                    if checked.kind != "near"
                    else across_scripts(checked, fp.converted or row.converted)
                )
                # Originals: best kind, then most similar. Earlier copies: best kind. Then the first by
                # ``records.order_key`` (never the order the index met them in).
                rank = (_KIND_RANK[verdict.kind], -verdict.similarity if row.original else 0.0, row.order())
                if best is None or rank < best[0]:
                    best = (rank, row, verdict)
            if best is not None:
                return self._to_root(query, fp, best[1], best[2])
        return self._second_probe(query, fp, aid, second, originals_only=originals_only)

    def _second_probe(
        self, query: Doc, fp: Fingerprint, aid: str, docs: list[int], *, originals_only: bool
    ) -> Found | None:
        """A heavy spin keeps the numbers and names (anchors) but few 5-grams: it may share too few keys
        for the first probe (most of its anchors are common enough to be stopped). Documents sharing a rare
        anchor key are compared on their whole anchor sets, which costs a row read and a regex, and
        verified as spins only when most anchors agree. Only when the first probe found nothing."""
        if not docs:
            return None
        mine = anchors(fp.canon)
        if len(mine) < SECOND_PROBE_ANCHORS:
            return None
        sql = f"SELECT {{cols}} FROM dedup_docs WHERE doc IN ({','.join('?' * len(docs))})"
        best: tuple[tuple[int, float, tuple[bool, str, bool, str, str]], _Row, Verdict] | None = None
        for row in self._rows(sql, docs):
            if row.id == aid or (originals_only and not row.original):
                continue
            doc = row.text()
            theirs = anchors(doc.canon)
            shared = len(mine & theirs)
            if shared < SECOND_PROBE_ANCHORS or shared < 0.5 * min(len(mine), len(theirs)):
                continue
            v = verify(query, doc)
            if v is None or v.kind != "spun":  # what shares more text was the first probe's to find
                continue
            rank = (not row.original, -v.similarity, row.order())
            if best is None or rank < best[0]:
                best = (rank, row, v)
        return self._to_root(query, fp, best[1], best[2]) if best is not None else None

    def _to_root(self, query: Doc, fp: Fingerprint, row: _Row, v: Verdict) -> Found:
        """The match, moved from an original that is a near-identical copy of an earlier one to that one.

        Kind and similarity are measured against the root when the copy verifies against it; otherwise
        they stay those of the original it matched."""
        root, seen = row, {row.doc}
        # Only near-identical originals hand their copies on: a spin or a partial page is a story of its own.
        while root.original and root.link_original and root.link_doc is not None and root.kind in _COPY_KINDS:
            got = self._rows("SELECT {cols} FROM dedup_docs WHERE doc = ?", (root.link_doc,))
            if not got or got[0].doc in seen:
                break
            root = got[0]
            seen.add(root.doc)
        if root is not row:
            found = verify(query, root.text()) if query.canon != root.text().canon else Verdict("exact", 1.0)
            if found is not None:
                v = found
        v = across_scripts(v, fp.converted or root.converted)
        return Found(self._result(root, v), root.doc, root.original)

    @staticmethod
    def _result(row: _Row, v: Verdict) -> Match:
        return Match(row.url or row.id, row.id, v.kind, v.similarity, v.share)

    def _rows(self, sql: str, args: Iterable[object]) -> list[_Row]:
        cols = "doc, id, url, original, converted, canon, published_at, fetched_at, link_doc, link_original"
        cols += ", kind"
        return [
            _Row(d, i, u, bool(o), bool(c), t, p, f, ld, bool(lo), k)
            for d, i, u, o, c, t, p, f, ld, lo, k in self.conn.execute(sql.format(cols=cols), tuple(args))
        ]

    def _query_keys(self, fp: Fingerprint) -> U64:
        """The digest's key, the band keys, then the other keys that are not stopped."""
        return np.array(posting_keys(fp, self._stop), dtype=np.int64).view(np.uint64)

    def _lookup(self, fp: Fingerprint, limit: int | None = None) -> Looked:
        return self._lookup_many([fp], limit)[0]

    def _lookup_many(self, fps: Sequence[Fingerprint], limit: int | None = None) -> list[Looked]:
        """One postings lookup and one ranking for the keys of a batch: each document's ``Looked``."""
        # Every document's keys in one array: digest, bands, then the keys that are not stopped. Only keys
        # stopped in this session can still have postings in memory (see ``store.open_postings``): the
        # others find nothing, so a small set is checked instead of every stopped key.
        stop = self._recently_stopped
        flat: list[int] = []
        counts: list[int] = []
        for fp in fps:
            keys = posting_keys(fp, stop)
            flat += keys
            counts.append(len(keys))
        sizes = np.array(counts, dtype=np.int64)
        first = np.cumsum(sizes) - sizes  # each document's digest key
        q = np.array(flat, dtype=np.int64).view(np.uint64)
        owner = np.repeat(np.arange(len(fps)), sizes)
        qi, docs = self._postings.lookup(q)
        per_key = np.bincount(qi, minlength=len(q))
        digest = np.zeros(len(q), dtype=bool)
        digest[first] = True
        # Each document's keys and their counts (views: zeroed below when stopped), for its ``add``.
        out = [
            Looked([], [], [], q[f : f + n], per_key[f : f + n])
            for f, n in zip(first.tolist(), counts, strict=True)
        ]
        if per_key[first].any():
            for i, d in zip(owner[qi[digest[qi]]].tolist(), docs[digest[qi]].tolist(), strict=True):
                out[i].same.append(d)
        common = (per_key > self.posting_cap) & ~digest  # exact copies are never too many to find
        if common.any():  # seen in too many documents to say anything: never looked up again
            for key in set(q[common].view(np.int64).tolist()):
                self._add_stop(key)
            per_key[common] = 0
        hit = ~digest[qi] & (per_key[qi] > 0)
        qi, docs = qi[hit], docs[hit]
        # Unrelated articles share a couple of keys by chance, more often as the index grows; a copy shares
        # a tenth of its keys or more (a partial page full of other text: at least 5). Checked on the set.
        need = np.array([max(self.min_shared_keys, min(5, round(0.1 * len(fp.keys)))) for fp in fps])
        n_bands = np.array([len(fp.bands) for fp in fps])
        who = owner[qi]
        cap = limit or self.max_candidates
        picked = rank(who, qi - first[who], docs, per_key[qi], n_bands=n_bands, need=need, limit=cap)
        anchored = ((q[qi] & _TAG_BITS) == TAG_ANCHOR) & (per_key[qi] <= RARE_KEY)
        spins = near_misses(who[anchored], docs[anchored], picked, limit=SECOND_PROBE)
        for i, best in picked.items():
            top = [d for d, _ in best]
            sql = f"SELECT {{cols}} FROM dedup_docs WHERE doc IN ({','.join('?' * len(top))})"
            found = {r.doc: r for r in self._rows(sql, top)}
            for d, n in best:
                if d in found:
                    found[d].distinct = n
                    out[i].rows.append(found[d])
        for i, ds in spins.items():
            out[i].second.extend(ds)
        return out

    def _add_stop(self, key: int) -> None:
        self._stop.add(key)
        self._recently_stopped.add(key)
        self._postings.drop(int(np.int64(key).view(np.uint64)))
        self._begin()
        self.conn.execute("INSERT OR IGNORE INTO dedup_stop (key) VALUES (?)", (key,))

    # -- adding -------------------------------------------------------------------------------------------
    def add(self, article: Article, original: bool, decision: Decision | None = None) -> None:
        """Index an article, linked to what ``decision`` says it copies (decided now when not given).

        Non-originals are indexed too, so a repost of a repost finds the first copy.
        """
        d = decision if decision is not None else self.decide(article)
        self._probe_of(article, d.probe)
        self._begin()
        self._insert(d.probe, article, original, d.found)

    def add_many(self, articles: Iterable[Article], original: bool, *, match: bool = False) -> int:
        """Bulk load, linked to what each copies when ``match``; returns the number added."""
        return bulk.add_many(self, articles, original, match=match)

    def bulk_load(self, items: Iterable[tuple[str, str | None, Fingerprint]], original: bool) -> int:
        """Index precomputed fingerprints ``(id, url, fp)`` without matching: a fast initial build."""
        return bulk.bulk_load(self, items, original)

    def _insert(self, probe: Probe, article: Article, original: bool, found: Found | None) -> U64:
        """Insert the row and its postings; returns the keys posted (none for a re-added article)."""
        aid, fp, url = probe.id, probe.fp, article.url
        had = self.conn.execute("SELECT doc, original FROM dedup_docs WHERE id = ?", (aid,)).fetchone()
        if had is not None:  # re-added (a redone page): keep the first entry, upgrade to original if needed
            if original and not had[1]:
                self.conn.execute("UPDATE dedup_docs SET original = 1 WHERE doc = ?", (had[0],))
                self.rows_changed += 1
            return np.zeros(0, dtype=np.uint64)
        link_doc, link_orig, kind, sim = (
            (found.doc, int(found.to_original), found.match.kind, found.match.similarity)
            if found
            else (None, 0, None, None)
        )
        # A plain copy adds no text: whatever matches it matches what it copies. No postings of its own.
        plain = not original and found is not None and found.match.kind in _COPY_KINDS
        if plain:  # its digest only: exact copies of it are still found
            q = np.array([digest_key(fp.digest)], dtype=np.int64).view(np.uint64)
        else:
            q = self._postings_to_add(fp, probe.looked)
            if found is not None and not original:
                # A spun or partial copy posts only the keys its source does not hold: the next copy of
                # the story finds the source through them, and a story copied many times does not push
                # its own keys past ``posting_cap``.
                row = self.conn.execute(
                    "SELECT keys FROM dedup_doc_keys WHERE doc = ?", (found.doc,)
                ).fetchone()
                if row is not None:
                    src = np.frombuffer(row[0], dtype="<u8")
                    q = np.concatenate((q[:1], q[1:][~np.isin(q[1:], src)]))
        cur = self.conn.execute(
            "INSERT INTO dedup_docs (id, url, original, digest, converted, link_doc, link_original, kind,"
            " similarity, canon, published_at, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                *_times(article),
            ),
        )
        doc = cur.lastrowid or 0
        if len(q):
            self.conn.execute(
                "INSERT INTO dedup_doc_keys (doc, keys) VALUES (?, ?)", (doc, q.astype("<u8").tobytes())
            )
        self._postings.add(doc, fp.digest, q)
        return q

    def _postings_to_add(self, fp: Fingerprint, looked: Looked | None) -> U64:
        """The article's keys minus those that would exceed ``posting_cap`` with it (now stopped).

        ``looked``: the article's own lookup, whose counts are still those of the index (its probe)."""
        if looked is not None:
            q, counts = looked.keys, looked.counts
            fresh = np.fromiter((k not in self._stop for k in q.view(np.int64).tolist()), bool, len(q))
            q, counts = q[fresh], counts[fresh]
        else:
            q = self._query_keys(fp)
            counts = self._postings.counts(q)
        full = counts >= self.posting_cap
        full[0] = False  # the digest's key: exact copies are never too many to find
        for key in q[full].view(np.int64).tolist():
            self._add_stop(key)
        return q[~full]

    # -- late originals -----------------------------------------------------------------------------------
    def late_links(self, original_article: Article, decision: Decision | None = None) -> list[Link]:
        """Reposts indexed before this original arrived (and not linked to an original yet) that copy it,
        and the original it precedes with what was linked to it (``decision.claims``; decided now when no
        decision is given), after its ``add``. Each is reported once (see ``late``)."""
        d = decision if decision is not None else self.decide(original_article)
        self._probe_of(original_article, d.probe)
        return late.late_links(self, original_article, d.probe.fp, d.claims)

    # -- maintenance --------------------------------------------------------------------------------------
    def prune(self) -> int:
        """Move keys with more than ``posting_cap`` postings to the stop list (after a bulk load)."""
        return bulk.stop_common(self)
