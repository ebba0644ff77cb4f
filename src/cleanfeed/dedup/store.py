"""The dedup index's SQLite tables, their migration, and the postings snapshot that sits beside them.

Tables (prefixed ``dedup_`` so they can live in the pipeline's state database):

- ``dedup_docs``: one row per indexed article: its 64-bit digest (exact duplicates), whether it is an
  original, what it was linked to, its canonical text (zlib) for verification, and when it was published
  and fetched (UTC, ISO 8601 text: the order in which near-identical originals claim each other).
- ``dedup_doc_keys``: each document's posting keys (little-endian int64; no row for plain copies, which
  add no text of their own). A key is a MinHash band (near duplicates), a 5-gram sampled by hash
  (containment: excerpts, partial copies, rewrites) or an anchor (numbers, Latin words: what spinners
  keep). A table of its own, so rebuilding the postings reads 0.8 KB per document, not the texts.
- ``dedup_stop``: keys found in more than ``posting_cap`` documents. They say nothing about a pair (years,
  topic phrases, a site's disclaimer), so they are never looked up again: a query reads a bounded number of
  postings however large the index grows.

The inverted postings are built in memory from ``keys`` (``postings.Postings``). Re-sorting 58M postings
on every open would take a minute at 1M documents, so their sorted main run is saved in a snapshot file
(``<database>.postings``) once the data it covers is committed; on open the snapshot is used when it
matches the database (same index id; its last covered document present with the same digest, which a
rolled-back run's documents are not) and only the documents added after it are read back from SQLite.
Anything else rebuilds from the tables: the snapshot is a cache, never the record.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from cleanfeed.db import Migration, Migrations
from cleanfeed.dedup.postings import U64, Postings, Run

log = logging.getLogger(__name__)

SCHEMA_VERSION = "3"

SCHEMA = """
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
    canon BLOB NOT NULL,
    published_at TEXT,
    fetched_at TEXT
);
CREATE TABLE IF NOT EXISTS dedup_doc_keys (doc INTEGER PRIMARY KEY, keys BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS dedup_docs_digest ON dedup_docs (digest);
CREATE INDEX IF NOT EXISTS dedup_docs_link ON dedup_docs (link_doc) WHERE link_doc IS NOT NULL;
CREATE TABLE IF NOT EXISTS dedup_stop (key INTEGER PRIMARY KEY);
"""


def keys_blob(keys: list[int]) -> bytes:
    return np.array(keys, dtype="<i8").tobytes()


def migrate_v1(conn: sqlite3.Connection, keys_of: Callable[[str], list[int]]) -> None:
    """Schema 1 kept postings in a ``dedup_keys (key, doc)`` table, with other key hashes: recompute each
    document's keys from its canonical text (``keys_of(canon)``) into ``dedup_doc_keys``. Plain
    copies (no postings in schema 1) keep only their digest's key, as they would have been indexed now."""
    has_postings: set[int] = set()
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'dedup_keys'").fetchone():
        has_postings = {d for (d,) in conn.execute("SELECT DISTINCT doc FROM dedup_keys")}
    rows = conn.execute("SELECT doc, canon FROM dedup_docs").fetchall()
    for doc, canon in rows:
        keys = keys_of(zlib.decompress(canon).decode("utf-8"))
        conn.execute(
            "INSERT OR REPLACE INTO dedup_doc_keys (doc, keys) VALUES (?, ?)",
            (doc, keys_blob(keys if doc in has_postings else keys[:1])),
        )
    conn.execute("DROP TABLE IF EXISTS dedup_keys")
    conn.execute("DELETE FROM dedup_stop")  # stopped under the old key hashes
    conn.execute("INSERT OR REPLACE INTO dedup_meta (k, v) VALUES ('schema', '2')")
    log.info("dedup index migrated to schema 2: %d documents", len(rows))


def migrate_v2(conn: sqlite3.Connection) -> None:
    """Schema 3 keeps each document's publication and fetch times. Documents indexed before have none:
    they sort after dated ones when near-identical originals are ordered (then by URL)."""
    have = {name for _, name, *_ in conn.execute("PRAGMA table_info(dedup_docs)")}
    for column in ("published_at", "fetched_at"):
        if column not in have:
            conn.execute(f"ALTER TABLE dedup_docs ADD COLUMN {column} TEXT")
    conn.execute("INSERT OR REPLACE INTO dedup_meta (k, v) VALUES ('schema', ?)", (SCHEMA_VERSION,))
    log.info("dedup index migrated to schema %s", SCHEMA_VERSION)


def migrations(keys_of: Callable[[str], list[int]]) -> Migrations:
    """The index's schema steps in the one registry of named migrations (``db.Migrations``). An index from
    before the registry says in ``dedup_meta.schema`` (1, 2, 3) how many of them it has; the steps still
    write that value, for older cleanfeeds."""
    return Migrations(
        "dedup",
        [
            Migration("tables", lambda conn: None),  # ``SCHEMA``, created on open (IF NOT EXISTS)
            Migration("document keys from the canonical text", lambda conn: migrate_v1(conn, keys_of)),
            Migration("publication and fetch times", migrate_v2),
        ],
    )


def index_uuid(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT v FROM dedup_meta WHERE k = 'uuid'").fetchone()
    if row:
        return str(row[0])
    value = uuid.uuid4().hex
    conn.execute("INSERT INTO dedup_meta (k, v) VALUES ('uuid', ?)", (value,))
    return value


def snapshot_path(conn: sqlite3.Connection) -> Path | None:
    """``<main database file>.postings``; None for an in-memory or temporary database."""
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file + ".postings") if file else None
    return None


def read_postings(conn: sqlite3.Connection, after: int, stop: U64) -> tuple[Run, int, int | None]:
    """Postings of the documents after ``after`` (doc id), without stopped keys: (run, last doc, digest)."""
    blobs: list[bytes] = []
    docs: list[int] = []
    cur = conn.execute("SELECT doc, keys FROM dedup_doc_keys WHERE doc > ? ORDER BY doc", (after,))
    while rows := cur.fetchmany(65536):
        for doc, blob in rows:
            docs.append(doc)
            blobs.append(blob)
    # At 1M documents each of these arrays is a quarter to half a gigabyte: each is dropped as soon as it
    # is used, so the peak stays under 2 GB (the sort needs its own copies).
    counts = np.fromiter((len(b) // 8 for b in blobs), dtype=np.int64, count=len(blobs))
    joined = b"".join(blobs)
    del blobs
    keys: U64 = np.frombuffer(joined, dtype="<i8").view(np.uint64)
    del joined
    doc_ids = np.repeat(np.array(docs, dtype=np.int32), counts)
    del docs
    order = np.argsort(keys, kind="stable")  # documents ascend already: (key, doc) order
    keys = keys[order]
    doc_ids = doc_ids[order]
    del order
    run = Run(keys, doc_ids).without(stop)
    row = conn.execute("SELECT doc, digest FROM dedup_docs ORDER BY doc DESC LIMIT 1").fetchone()
    if row is None or row[0] <= after:
        return run, after, None
    return run, int(row[0]), int(row[1])


def _digest_of(conn: sqlite3.Connection, doc: int) -> int | None:
    """The digest of document ``doc`` as the database has it now (None if there is no such document)."""
    row = conn.execute("SELECT digest FROM dedup_docs WHERE doc = ?", (doc,)).fetchone()
    return int(row[0]) if row else None


def open_postings(conn: sqlite3.Connection, stop: U64, ident: str) -> Postings:
    """The index's postings: the snapshot when it matches the database, plus what was added after it."""
    path = snapshot_path(conn)
    header = Postings.read_header(path) if path is not None else None
    if path is not None and header is not None and header.get("uuid") == ident:
        w, digest = header.get("w"), header.get("digest")
        if isinstance(w, int) and isinstance(digest, int) and _digest_of(conn, w) == digest:
            main = Postings.load(path)
            if main is not None:
                # Saved without the keys stopped by then. Keys stopped since (a run that stopped some and
                # was not snapshotted) are removed now: queries rely on stopped keys having no postings.
                if header.get("stopped") != len(stop):
                    main = main.without(stop)
                postings = Postings(main)
                postings.main_w, postings.main_digest = w, digest
                postings.loaded_from = "snapshot"
                recent, last, last_digest = read_postings(conn, w, stop)
                postings.recent = recent
                postings.note(last, last_digest if last != w else digest)
                postings.flush(stop)  # recent may have outgrown an eighth of main
                return postings
        log.info("dedup postings snapshot %s does not match the index: rebuilding it", path)
    main, last, digest = read_postings(conn, 0, stop)
    postings = Postings(main)
    postings.note(last, digest)
    postings.main_w, postings.main_digest = last, digest
    postings.main_changed = len(main) > 0
    postings.loaded_from = "tables"
    return postings


def save_postings(conn: sqlite3.Connection, postings: Postings, stop: U64, ident: str) -> bool:
    """Snapshot the main run if it changed and everything it covers is committed; True if written.

    Called after the owner's commit. A rolled-back run leaves the last covered document missing (or with
    another digest) in the database: then nothing is written and the old snapshot stays valid.
    """
    path = snapshot_path(conn)
    if path is None or conn.in_transaction or not postings.main_changed or postings.main_w <= 0:
        return False
    digest = _digest_of(conn, postings.main_w)
    if digest is None or digest != postings.main_digest:
        return False
    before = len(postings.main)
    postings.main = postings.main.without(stop)
    try:
        header = {"uuid": ident, "w": postings.main_w, "digest": digest, "stopped": len(stop)}
        postings.save(path, header)
    except OSError as exc:  # a cache: the index works without it (and rebuilds it next time)
        log.warning("cannot write the dedup postings snapshot %s: %s", path, exc)
        return False
    log.debug("dedup postings snapshot: %d postings (%d stopped dropped)", len(postings.main), before)
    return True
