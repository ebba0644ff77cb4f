"""In-memory postings: which documents hold a key, answered in a few vectorised steps per query.

SQLite keeps each document's keys (``dedup_docs.keys``), the durable record. Looking ~100 keys up in a
B-tree costs ~0.7 ms per query on a 1M-document index (one seek per key); the same lookup in sorted
arrays costs a few tens of microseconds, so the postings live in memory as:

- ``Run``: postings sorted by (key, doc) in two numpy arrays, plus a directory of offsets by the key's top
  bits. Keys are well-mixed hashes, so each directory bucket holds a handful of postings: a lookup reads the
  query keys' buckets in one gather and keeps the equal keys. No binary search, no per-key Python.
- ``Postings``: a large ``main`` run, a smaller ``recent`` run and a dict of the latest additions. New
  postings go to the dict; the dict is merged into ``recent`` when it fills and ``recent`` into ``main``
  when it reaches an eighth of it, so each posting is copied a bounded number of times (as in an
  LSM tree) and a query reads three places.

A snapshot file next to the database holds ``main`` so opening a 1M-document index does not re-sort 58M
postings; documents added after the snapshot are read back from SQLite (see ``DedupIndex``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I32 = npt.NDArray[np.int32]
IDX = npt.NDArray[np.intp]

_SNAPSHOT_MAGIC = "cleanfeed-postings-2"
_DICT_LIMIT = 1 << 16  # postings held in the dict before it is merged into ``recent``


_ARANGE = np.arange(1 << 14, dtype=np.intp)


def _arange(n: int) -> IDX:
    """0..n-1 without an allocation for the sizes a query uses."""
    return _ARANGE[:n] if n <= len(_ARANGE) else np.arange(n, dtype=np.intp)


def _empty() -> tuple[U64, I32]:
    return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int32)


class Run:
    """Postings sorted by (unsigned key, doc), with a bucket directory on the key's top bits."""

    __slots__ = ("dir", "docs", "keys", "shift")

    def __init__(self, keys: U64, docs: I32, directory: npt.NDArray[np.int64] | None = None) -> None:
        self.keys, self.docs = keys, docs
        # About eight postings per bucket: one gather reads them all; the directory stays small.
        bits = min(24, max(4, (len(keys) // 8).bit_length()))
        self.shift = np.uint64(64 - bits)
        if directory is not None and len(directory) == (1 << bits) + 1 and directory[-1] == len(keys):
            self.dir = directory  # saved with the snapshot: no 4M binary searches on open
            return
        edges = np.arange(1 << bits, dtype=np.uint64) << self.shift
        self.dir = np.empty((1 << bits) + 1, dtype=np.int64)
        self.dir[:-1] = np.searchsorted(keys, edges)
        self.dir[-1] = len(keys)

    @classmethod
    def build(cls, keys: U64, docs: I32) -> Run:
        """From postings in any order (documents ascending within a key is kept if given so)."""
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], docs[order])

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, q: U64) -> tuple[IDX, I32]:
        """(index into ``q``, doc) for every posting of the query keys."""
        bucket = q >> self.shift
        lo = self.dir[bucket]
        cnt = self.dir[bucket + 1]
        cnt -= lo
        total = int(cnt.sum())
        if not total:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int32)
        # Each key's bucket as a range of positions: one repeat of (bucket start - range start) plus a count.
        qi = np.repeat(_arange(len(q)), cnt)
        lo -= np.cumsum(cnt)
        lo += cnt
        pos = np.repeat(lo, cnt)
        pos += _arange(total)
        hit = self.keys[pos] == q[qi]
        return qi[hit], self.docs[pos[hit]]

    def merge(self, other: Run) -> Run:
        """One run holding both; ``other``'s documents are newer, so (key, doc) order holds. O(n + m)."""
        if not len(other):
            return self
        if not len(self):
            return other
        at = np.searchsorted(self.keys, other.keys, side="right")
        return Run(np.insert(self.keys, at, other.keys), np.insert(self.docs, at, other.docs))

    def without(self, stop: U64) -> Run:
        """The run without the postings of stopped keys (to reclaim their memory)."""
        if not len(stop) or not len(self):
            return self
        # The keys are sorted: find each stopped key's range (two binary searches) and mark the ranges.
        # np.isin would sort all the postings again: seconds and gigabytes at 58M postings.
        stop = np.sort(stop)
        lo = np.searchsorted(self.keys, stop, "left")
        hi = np.searchsorted(self.keys, stop, "right")
        lo, hi = lo[hi > lo], hi[hi > lo]
        if not len(lo):
            return self
        edge = np.zeros(len(self.keys) + 1, dtype=np.int8)
        np.add.at(edge, lo, 1)
        np.add.at(edge, hi, -1)
        keep = np.cumsum(edge[:-1], dtype=np.int8) == 0
        return Run(self.keys[keep], self.docs[keep])

    def key_counts(self) -> tuple[U64, npt.NDArray[np.int64]]:
        """Distinct keys and their number of postings."""
        if not len(self.keys):
            return self.keys, np.zeros(0, dtype=np.int64)
        change = np.empty(len(self.keys), dtype=bool)
        change[0] = True
        np.not_equal(self.keys[1:], self.keys[:-1], out=change[1:])
        starts = np.flatnonzero(change)
        return self.keys[starts], np.diff(starts, append=len(self.keys))


RARE_KEY = 4  # a key in this many documents or fewer is specific to a story, not site boilerplate


def rank(
    who: IDX,
    slot: IDX,
    docs: I32,
    postings: npt.NDArray[np.int64],
    *,
    n_bands: npt.NDArray[np.int64],
    need: npt.NDArray[np.int64],
    limit: int,
) -> dict[int, list[tuple[int, int]]]:
    """Candidates per query document: ``{query: [(doc, distinct keys), ...]}``, best first, then oldest.

    One row per shared posting: the query it came from (``who``), the key's place among that query's keys
    (``slot``: 0 the digest, then the bands), the indexed document, and the key's posting count. A shared
    band is near-certain evidence (1000 points); 5-grams and anchors add one each, and a document needs
    ``need`` points. "Distinct" counts the shared keys rare enough to be specific to one story rather
    than a site's boilerplate.
    """
    band = slot <= n_bands[who]
    uniq, inv = np.unique((who.astype(np.int64) << 32) | docs, return_inverse=True)
    score = np.bincount(inv, weights=np.where(band, 1000, 1), minlength=len(uniq))
    ok = np.flatnonzero(score >= need[uniq >> 32])
    picked: dict[int, list[tuple[int, int]]] = {}
    if not len(ok):
        return picked
    distinct = np.bincount(inv, weights=~band & (postings <= RARE_KEY), minlength=len(uniq))
    cand_who, cand_doc = uniq[ok] >> 32, uniq[ok] & 0xFFFFFFFF
    order = np.lexsort((cand_doc, -score[ok], cand_who))
    rows = zip(cand_who[order].tolist(), cand_doc[order].tolist(), distinct[ok][order].tolist(), strict=True)
    for i, d, n in rows:
        got = picked.setdefault(i, [])
        if len(got) < limit:
            got.append((d, int(n)))
    return picked


def near_misses(
    who: IDX, docs: I32, picked: dict[int, list[tuple[int, int]]], *, limit: int, least: int = 2
) -> dict[int, list[int]]:
    """Second-probe documents per query, those the ranking did not pick: ``{query: [doc, ...]}``.

    One row per shared rare anchor posting (``who``, ``docs``); documents sharing at least ``least`` of
    them (one shared number is chance: most new articles have such a neighbour), the most first, then
    the oldest, at most ``limit``.
    """
    out: dict[int, list[int]] = {}
    if not len(who):
        return out
    uniq, counts = np.unique((who.astype(np.int64) << 32) | docs, return_counts=True)
    uniq, counts = uniq[counts >= least], counts[counts >= least]
    order = np.lexsort((uniq & 0xFFFFFFFF, -counts, uniq >> 32))
    taken = {(i, d) for i, best in picked.items() for d, _ in best}
    for i, doc in zip((uniq[order] >> 32).tolist(), (uniq[order] & 0xFFFFFFFF).tolist(), strict=True):
        got = out.setdefault(i, [])
        if len(got) < limit and (i, doc) not in taken:
            got.append(doc)
    return out


class Postings:
    """Key -> documents for the whole index: ``main`` + ``recent`` runs + a dict of the latest postings."""

    def __init__(self, main: Run | None = None) -> None:
        self.main = main or Run(*_empty())
        self.recent = Run(*_empty())
        self.tail: dict[int, list[int]] = {}
        self.tail_size = 0
        self.main_changed = False  # main differs from the snapshot it was loaded from
        self.loaded_from = "empty"  # "snapshot" or "tables": how the index found its postings on open
        # The newest document seen, and the newest one ``main`` covers (with digests: see store.py).
        self.last_doc: int = 0
        self.last_digest: int | None = None
        self.main_w: int = 0
        self.main_digest: int | None = None

    def note(self, doc: int, digest: int | None) -> None:
        """Record the newest document (with or without postings): what ``main`` covers after a merge."""
        if doc > self.last_doc:
            self.last_doc, self.last_digest = doc, digest

    def __len__(self) -> int:
        return len(self.main) + len(self.recent) + self.tail_size

    def lookup(self, q: U64) -> tuple[IDX, I32]:
        """(index into ``q``, doc) for every posting of the query keys, over all three levels."""
        qi, docs = self.main.lookup(q)
        if len(self.recent):
            qi2, docs2 = self.recent.lookup(q)
            qi, docs = np.concatenate((qi, qi2)), np.concatenate((docs, docs2))
        if self.tail:
            extra_q: list[int] = []
            extra_d: list[int] = []
            for i, k in enumerate(q.tolist()):
                got = self.tail.get(k)
                if got:
                    extra_q += [i] * len(got)
                    extra_d += got
            if extra_q:
                qi = np.concatenate((qi, np.array(extra_q, dtype=np.intp)))
                docs = np.concatenate((docs, np.array(extra_d, dtype=np.int32)))
        return qi, docs

    def counts(self, q: U64) -> npt.NDArray[np.int64]:
        """Postings per query key."""
        qi, _ = self.lookup(q)
        return np.bincount(qi, minlength=len(q))

    def add(self, doc: int, digest: int, keys: U64) -> None:
        self.note(doc, digest)
        for k in keys.tolist():
            self.tail.setdefault(k, []).append(doc)
        self.tail_size += len(keys)
        if self.tail_size >= _DICT_LIMIT:
            self.flush()

    def drop(self, key: int) -> None:
        """Forget the latest postings of a stopped key (older ones are skipped at query time)."""
        self.tail_size -= len(self.tail.pop(key, ()))

    def flush(self, stop: U64 | None = None) -> None:
        """Merge the dict into ``recent``, and ``recent`` into ``main`` once it is an eighth of it."""
        if self.tail:
            keys = np.fromiter(
                (k for k, docs in self.tail.items() for _ in docs), dtype=np.uint64, count=self.tail_size
            )
            docs = np.fromiter(
                (d for ds in self.tail.values() for d in ds), dtype=np.int32, count=self.tail_size
            )
            self.tail.clear()
            self.tail_size = 0
            self.recent = self.recent.merge(Run.build(keys, docs))
        if len(self.recent) and len(self.recent) * 8 >= len(self.main):
            merged = self.main.merge(self.recent)
            self.main = merged.without(stop) if stop is not None else merged
            self.recent = Run(*_empty())
            self._covered_all()

    def _covered_all(self) -> None:
        self.main_w, self.main_digest = self.last_doc, self.last_digest
        self.main_changed = True

    def compact(self, stop: U64) -> None:
        """Everything in ``main``, without stopped keys (before a snapshot)."""
        self.flush()
        if len(self.recent):
            self.main = self.main.merge(self.recent)
            self.recent = Run(*_empty())
            self._covered_all()
        before = len(self.main)
        self.main = self.main.without(stop)
        self.main_changed |= len(self.main) != before

    # -- snapshot -----------------------------------------------------------------------------------------
    def save(self, path: Path, header: dict[str, object]) -> None:
        """Write ``main`` atomically (temporary file, then rename) with ``header`` describing its state."""
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            fh.write((json.dumps({"magic": _SNAPSHOT_MAGIC, **header}) + "\n").encode())
            np.save(fh, self.main.keys, allow_pickle=False)
            np.save(fh, self.main.docs, allow_pickle=False)
            np.save(fh, self.main.dir, allow_pickle=False)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
        self.main_changed = False

    @staticmethod
    def read_header(path: Path) -> dict[str, object] | None:
        try:
            with path.open("rb") as fh:
                header = json.loads(fh.readline())
        except (OSError, ValueError):
            return None
        return header if isinstance(header, dict) and header.get("magic") == _SNAPSHOT_MAGIC else None

    @staticmethod
    def load(path: Path) -> Run | None:
        """The snapshot's run, or None when the file is missing or damaged (the caller rebuilds)."""
        try:
            with path.open("rb") as fh:
                fh.readline()
                keys = np.load(fh, allow_pickle=False)
                docs = np.load(fh, allow_pickle=False)
                directory = np.load(fh, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        if keys.dtype != np.uint64 or docs.dtype != np.int32 or len(keys) != len(docs):
            return None
        return Run(keys, docs, directory if directory.dtype == np.int64 else None)
