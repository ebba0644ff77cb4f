"""In-memory postings (runs, tail, merges) and their snapshot beside the SQLite index."""

from __future__ import annotations

import random
import sqlite3
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from cleanfeed import Article, DedupIndex
from cleanfeed.dedup import fingerprint, postings
from cleanfeed.dedup.fingerprint import Fingerprint as fingerprint_t
from cleanfeed.dedup.fingerprint import fingerprint_many
from cleanfeed.dedup.postings import Postings, Run

FIX = Path(__file__).parent / "fixtures" / "dedup"
ORIGINALS = ("seed_003_lead", "seed_001_original", "seed_002_original", "seed_004_original")
# Each repost and the original it copies.
REPOSTS = {
    "seed_000_raw": "seed_003_lead",
    "seed_001_raw": "seed_001_original",
    "seed_002_raw": "seed_002_original",
    "seed_004_raw": "seed_004_original",
}


def text(name: str) -> str:
    return (FIX / f"{name}.txt").read_text(encoding="utf-8")


def art(name: str) -> Article:
    return Article(url=f"https://test/{name}", text=text(name)).finalize()


def links(idx: DedupIndex) -> dict[str, str | None]:
    found = {name: idx.match(art(name)) for name in REPOSTS}
    return {name: m.duplicate_of.rsplit("/", 1)[-1] if m else None for name, m in found.items()}


def expected() -> dict[str, str]:
    return dict(REPOSTS)


# -- runs and levels, against a plain dict ----------------------------------------------------------------
def _random_postings(rng: random.Random, n_docs: int) -> list[tuple[int, list[int]]]:
    pool = [rng.getrandbits(64) for _ in range(300)]  # shared keys: several documents each
    out = []
    for doc in range(1, n_docs + 1):
        keys = set(rng.sample(pool, 5)) | {rng.getrandbits(64) for _ in range(20)}
        out.append((doc, sorted(keys)))
    return out


def _naive(rows: list[tuple[int, list[int]]]) -> dict[int, list[int]]:
    d: dict[int, list[int]] = defaultdict(list)
    for doc, keys in rows:
        for k in keys:
            d[k].append(doc)
    return d


def _as_sets(q: list[int], qi: np.ndarray, docs: np.ndarray) -> dict[int, list[int]]:
    got: dict[int, list[int]] = defaultdict(list)
    for i, d in zip(qi.tolist(), docs.tolist(), strict=True):
        got[q[i]].append(d)
    return {k: sorted(v) for k, v in got.items()}


def test_run_lookup_finds_exactly_the_postings_of_each_key() -> None:
    rng = random.Random(3)
    rows = _random_postings(rng, 400)
    keys = np.array([k for _, ks in rows for k in ks], dtype=np.uint64)
    docs = np.array([d for d, ks in rows for _ in ks], dtype=np.int32)
    run = Run.build(keys, docs)
    naive = _naive(rows)
    q = list(naive)[:500] + [rng.getrandbits(64) for _ in range(50)]  # present and absent keys
    qi, got = run.lookup(np.array(q, dtype=np.uint64))
    assert _as_sets(q, qi, got) == {k: sorted(naive[k]) for k in q if k in naive}


def test_levels_tail_recent_and_main_answer_like_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postings, "_DICT_LIMIT", 64)  # force many tail flushes and main merges
    rng = random.Random(5)
    rows = [*_random_postings(rng, 300), (301, [11, 12])]  # the last one stays in the tail
    p = Postings()
    merged_main = False
    for doc, keys in rows:
        p.add(doc, doc * 7, np.array(keys, dtype=np.uint64))
        merged_main |= p.main_changed
    assert merged_main and len(p.recent) and p.tail  # all three levels in use
    assert p.main_w > 0 and p.main_digest == p.main_w * 7  # what main covers, for the snapshot check
    naive = _naive(rows)
    q = list(naive)
    qi, got = p.lookup(np.array(q, dtype=np.uint64))
    assert _as_sets(q, qi, got) == {k: sorted(v) for k, v in naive.items()}
    assert p.counts(np.array(q[:10], dtype=np.uint64)).tolist() == [len(naive[k]) for k in q[:10]]
    p.compact(np.array(q[:3], dtype=np.uint64))  # stopped keys leave main
    assert not len(p.recent) and not p.tail
    qi, got = p.lookup(np.array(q, dtype=np.uint64))
    assert _as_sets(q, qi, got) == {k: sorted(naive[k]) for k in q[3:]}


# -- the snapshot -------------------------------------------------------------------------------------------
def _build(path: Path) -> None:
    with DedupIndex(path) as idx:
        for name in ORIGINALS:
            idx.add(art(name), original=True)
        idx._postings.compact(idx._stop_array())  # as a large index would after its merges


def test_snapshot_is_written_on_close_and_used_on_open(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    _build(db)
    assert (tmp_path / "i.db.postings").exists()
    with DedupIndex(db) as idx:
        assert idx._postings.loaded_from == "snapshot"
        assert links(idx) == expected()


def test_documents_added_after_the_snapshot_are_read_back_from_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    with DedupIndex(db) as idx:
        idx.add(art("seed_003_lead"), original=True)
        idx._postings.compact(idx._stop_array())
    with DedupIndex(db) as idx:  # no merge this time: the snapshot stays as it was
        for name in ORIGINALS[1:]:
            idx.add(art(name), original=True)
    with DedupIndex(db) as idx:
        assert idx._postings.loaded_from == "snapshot"
        assert links(idx) == expected()


@pytest.mark.parametrize("damage", ["other index", "truncated", "garbage"])
def test_a_snapshot_that_does_not_match_is_rebuilt_from_the_tables(tmp_path: Path, damage: str) -> None:
    db = tmp_path / "i.db"
    _build(db)
    snap = tmp_path / "i.db.postings"
    if damage == "other index":  # a snapshot left by an index that was deleted and recreated
        other = tmp_path / "other.db"
        with DedupIndex(other) as idx:
            idx.add(art("seed_002_original"), original=True)
            idx._postings.compact(idx._stop_array())
        snap.write_bytes((tmp_path / "other.db.postings").read_bytes())
    elif damage == "truncated":
        snap.write_bytes(snap.read_bytes()[:-100])
    else:
        snap.write_bytes(b"not a snapshot\n" * 10)
    with DedupIndex(db) as idx:
        assert idx._postings.loaded_from == "tables"
        assert links(idx) == expected()
    with DedupIndex(db) as idx:  # and the rebuilt snapshot is good again
        assert idx._postings.loaded_from == "snapshot"


def test_a_rolled_back_run_does_not_leave_its_documents_in_the_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "i.db"
    _build(db)
    before = (tmp_path / "i.db.postings").read_bytes()
    monkeypatch.setattr(postings, "_DICT_LIMIT", 16)  # the run's additions reach main
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    idx = DedupIndex(conn)
    for name in ("seed_003_guochao", "seed_003_trade", "seed_003_subsidy"):
        idx.add(art(name), original=True)
    assert idx._postings.main_changed
    conn.execute("ROLLBACK")
    idx.close()
    conn.close()
    assert (tmp_path / "i.db.postings").read_bytes() == before
    with DedupIndex(db) as idx:
        assert idx._postings.loaded_from == "snapshot"
        assert len(idx) == len(ORIGINALS)
        m = idx.match(art("seed_003_trade"))  # rolled back: not in the index
        assert m is None
    # The same run committed: the snapshot now covers it.
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    idx = DedupIndex(conn)
    idx.add(art("seed_003_trade"), original=True)
    idx._postings.compact(idx._stop_array())
    conn.execute("COMMIT")
    idx.close()
    conn.close()
    assert (tmp_path / "i.db.postings").read_bytes() != before
    with DedupIndex(db) as idx:
        assert idx._postings.loaded_from == "snapshot"
        m = idx.match(Article(url="https://q/t", text=text("seed_003_trade")))
        assert m is not None and m.duplicate_of == "https://test/seed_003_trade"


# -- schema 1 ----------------------------------------------------------------------------------------------
_V1 = """
CREATE TABLE dedup_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE dedup_docs (doc INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, url TEXT,
    original INTEGER NOT NULL, digest INTEGER NOT NULL, converted INTEGER NOT NULL, link_doc INTEGER,
    link_original INTEGER NOT NULL DEFAULT 0, kind TEXT, similarity REAL, canon BLOB NOT NULL);
CREATE INDEX dedup_docs_digest ON dedup_docs (digest);
CREATE TABLE dedup_keys (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID;
CREATE TABLE dedup_stop (key INTEGER PRIMARY KEY);
"""


def test_a_schema_1_index_is_migrated_and_keeps_matching(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db)
    conn.executescript(_V1)
    conn.executemany(
        "INSERT INTO dedup_meta VALUES (?, ?)",
        [("num_perm", "64"), ("bands", "16"), ("sample_bits", "5"), ("seed", "1"), ("schema", "1")],
    )
    for doc, name in enumerate(ORIGINALS, start=1):
        a, fp = art(name), fingerprint(text(name))
        conn.execute(
            "INSERT INTO dedup_docs (doc, id, url, original, digest, converted, canon)"
            " VALUES (?, ?, ?, 1, ?, 0, ?)",
            (doc, a.id, a.url, fp.digest, zlib.compress(fp.canon.encode())),
        )
        conn.executemany("INSERT INTO dedup_keys VALUES (?, ?)", [(k, doc) for k in fp.bands + fp.keys])
    conn.commit()
    conn.close()
    with DedupIndex(db) as idx:
        assert links(idx) == expected()
        tables = {r[0] for r in idx.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "dedup_keys" not in tables and "dedup_doc_keys" in tables
        assert idx.conn.execute("SELECT v FROM dedup_meta WHERE k = 'schema'").fetchone()[0] == "3"


def test_a_schema_2_index_gains_publication_times_and_keeps_matching(tmp_path: Path) -> None:
    db = tmp_path / "v2.db"
    with DedupIndex(db) as idx:
        for name in ORIGINALS:
            idx.add(art(name), original=True)
    conn = sqlite3.connect(db)  # back to schema 2: its documents table had no times
    conn.execute("ALTER TABLE dedup_docs DROP COLUMN published_at")
    conn.execute("ALTER TABLE dedup_docs DROP COLUMN fetched_at")
    conn.execute("UPDATE dedup_meta SET v = '2' WHERE k = 'schema'")
    conn.execute("DROP TABLE cleanfeed_migrations")  # schema 2 came before the registry of named steps
    conn.commit()
    conn.close()
    with DedupIndex(db) as idx:
        assert links(idx) == expected()
        columns = {r[1] for r in idx.conn.execute("PRAGMA table_info(dedup_docs)")}
        assert {"published_at", "fetched_at"} <= columns
        assert idx.conn.execute("SELECT v FROM dedup_meta WHERE k = 'schema'").fetchone()[0] == "3"
        assert (
            idx.conn.execute("SELECT count(*) FROM dedup_docs WHERE published_at IS NULL").fetchone()[0] == 4
        )


# -- batches ----------------------------------------------------------------------------------------------
_ALPHABET = [
    *"。！？；!?;\n…. .8.7%,，６８ａＢ焦點(diǎn)經(jīng)中文abc𠀀、 \t",
    "1.",
    "。。",
    "2024年",
    "deepseek",
    "٣",  # a non-ASCII decimal digit: \d in the anchor regex
    "𝟓亿",  # an astral one (NFKC is not applied outside the BMP)
]


def _fields(fp: fingerprint_t) -> tuple[object, ...]:
    return (
        fp.canon,
        fp.digest,
        fp.length,
        fp.bands,
        fp.keys,
        fp.converted,
        fp.codes.tolist(),
        fp.shingles.tolist(),
    )


def test_a_batch_fingerprints_each_text_exactly_as_alone() -> None:
    rng = random.Random(11)
    texts = [text(p.stem) for p in sorted(FIX.glob("*.txt"))]
    texts += ["", "短", "五个字以上", "𠀀𠀁𠀂𠀃𠀄𠀅"]  # empty, shorter than a shingle, astral
    texts += ["".join(rng.choice(_ALPHABET) for _ in range(rng.randrange(40))) for _ in range(300)]
    for normalized in (True, False):
        batch = fingerprint_many(texts, normalized=normalized)
        assert [_fields(f) for f in batch] == [_fields(fingerprint(t, normalized=normalized)) for t in texts]


def test_match_many_links_like_match_one_by_one(tmp_path: Path) -> None:
    with DedupIndex(tmp_path / "i.db") as idx:
        for name in ORIGINALS:
            idx.add(art(name), original=True)
        queries = [art(n) for n in [*REPOSTS, "seed_003_guochao", "seed_003_trade"]]
        one_by_one = [idx.match(a) for a in queries]
        assert idx.match_many(queries, batch=4) == one_by_one
        assert [m.duplicate_of.rsplit("/", 1)[-1] if m else None for m in one_by_one[:4]] == list(
            REPOSTS.values()
        )


def test_a_story_spun_many_times_still_finds_its_original(tmp_path: Path) -> None:
    # Each linked spin posts only the keys the original does not hold, so the original's keys stay under
    # the posting cap however often the story is copied.
    with DedupIndex(tmp_path / "i.db", posting_cap=4) as idx:
        idx.add(art("seed_003_lead"), original=True)
        spin = text("seed_000_raw")
        for i in range(12):
            copy = Article(
                url=f"https://spam/{i}", text=f"{spin}\n网友第{i}次转载时附上的评论，与原文无关。"
            ).finalize()
            m = idx.match(copy)
            assert m is not None and m.duplicate_of == "https://test/seed_003_lead", i
            idx.add(copy, original=False)
        last = idx.match(Article(url="https://spam/last", text=spin).finalize())
        assert last is not None and last.kind == "spun" and last.duplicate_of == "https://test/seed_003_lead"


def test_keys_stopped_after_the_snapshot_leave_the_postings_on_the_next_open(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    disclaimer = "\n本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！"
    others = [p.stem for p in sorted(FIX.glob("*.txt")) if "subsidy" not in p.stem]
    with DedupIndex(db, posting_cap=2) as idx:
        for name in others:  # enough postings that the next run's few are not merged into main on open
            extra = disclaimer if name in ("seed_003_guochao", "seed_003_trade") else ""
            idx.add(Article(url=f"https://t/{name}", text=text(name) + extra).finalize(), original=True)
        idx._postings.compact(idx._stop_array())  # snapshot written on close
    with DedupIndex(db, posting_cap=2) as idx:  # the third copy of the disclaimer stops its keys
        idx.add(
            Article(url="https://t/sub", text=text("seed_003_subsidy") + disclaimer).finalize(), original=True
        )
        stopped = idx._recently_stopped
        assert stopped and not idx._postings.main_changed  # no new snapshot: it still holds those keys
    with DedupIndex(db, posting_cap=2) as idx:
        assert idx._postings.loaded_from == "snapshot" and not idx._recently_stopped
        keys = np.array(sorted(stopped), dtype=np.int64).view(np.uint64)
        assert not len(idx._postings.lookup(keys)[1])  # what queries rely on: stopped keys find nothing
        m = idx.match(Article(url="https://q/x", text=text("seed_003_trade")).finalize())
        assert m is not None and m.duplicate_of == "https://t/seed_003_trade"
