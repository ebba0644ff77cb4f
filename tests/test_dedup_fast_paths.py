"""Dedup fast paths: skipping the normalizer for cleaned articles, the bulk build, the lazy verification."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import opencc

from cleanfeed import Article, DedupIndex, clean_html
from cleanfeed.dedup import fingerprint
from cleanfeed.dedup.records import came_normalized

FIX = Path(__file__).parent / "fixtures" / "dedup"


def text(name: str) -> str:
    return (FIX / f"{name}.txt").read_text(encoding="utf-8")


def test_normalized_text_skips_the_normalizer_and_fingerprints_the_same() -> None:
    body = text("seed_003_lead")
    assert fingerprint(body, normalized=True) == fingerprint(body)


def test_raw_traditional_text_is_still_normalized_unless_declared_normalized() -> None:
    trad = opencc.OpenCC("s2t").convert(text("seed_003_lead"))
    raw, trusted = fingerprint(trad), fingerprint(trad, normalized=True)
    assert raw.converted and raw.digest == fingerprint(text("seed_003_lead")).digest
    # Declared normalized, the text is taken as it is: proof that the normalizer really did not run.
    assert not trusted.converted and trusted.digest != raw.digest


def test_came_normalized_needs_the_normalizer_report_and_an_unchanged_text() -> None:
    html = "<html><body><article><h1>标题</h1>" + "".join(
        f"<p>{p}</p>" for p in text("seed_001_original").split("\n")[1:]
    )
    cleaned = clean_html(html + "</article></body></html>", url="https://orig/a")
    assert cleaned.normalized  # clean_html records the normalizer's report: what the rule trusts
    assert came_normalized(cleaned)
    raw = Article(url="https://u/raw", text=text("seed_004_raw")).finalize()
    assert not came_normalized(raw)  # a library user's text: no normalizer report
    forged = Article(url="https://u/x", text="原文", normalized={"punct": 1}).finalize()
    assert came_normalized(forged)
    forged.text = "原文被改过"  # edited after cleaning: the hash no longer matches
    assert not came_normalized(forged)


def test_index_normalizes_raw_traditional_reposts_by_default(tmp_path: Path) -> None:
    with DedupIndex(tmp_path / "i.db") as idx:
        idx.add(Article(url="https://t/o", text=text("seed_004_original")).finalize(), original=True)
        m = idx.match(Article(url="https://t/r", text=text("seed_004_raw")).finalize())
        assert m is not None and m.kind == "cross_script"


def _fps(names: list[str], extra: str = "") -> list[tuple[str, str | None, object]]:
    return [(f"id{i}", f"https://b/{n}", fingerprint(text(n) + extra)) for i, n in enumerate(names)]


def test_bulk_load_stops_common_keys_and_still_matches(tmp_path: Path) -> None:
    disclaimer = "\n本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！"
    names = ["seed_003_guochao", "seed_003_trade", "seed_003_subsidy", "seed_003_lead", "seed_001_original"]
    with DedupIndex(tmp_path / "i.db", posting_cap=2) as idx:
        assert idx.bulk_load(_fps(names, disclaimer), original=True) == len(names)  # type: ignore[arg-type]
        assert idx.bulk_load(_fps(names[:1], disclaimer), original=True) == 0  # same ids: ignored
        stopped = {k for (k,) in idx.conn.execute("SELECT key FROM dedup_stop")}
        assert stopped and stopped <= idx._stop
        idx._postings.compact(idx._stop_array())
        keys, counts = idx._postings.main.key_counts()
        assert counts.max() <= 2
        assert not set(keys.view("int64").tolist()) & stopped
        names_idx = {r[0] for r in idx.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "dedup_docs_digest" in names_idx  # recreated after the insert
        m = idx.match(Article(url="https://q/1", text=text("seed_000_raw")))
        assert m is not None and m.kind == "spun" and m.duplicate_of == "https://b/seed_003_lead"
        exact = idx.match(Article(url="https://q/2", text=text("seed_003_trade") + disclaimer))
        assert exact is not None and exact.kind == "exact"


def test_bulk_load_in_a_callers_transaction_does_not_commit(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    try:
        conn.execute("BEGIN")
        idx = DedupIndex(conn)
        idx.bulk_load(_fps(["seed_003_lead"]), original=True)  # type: ignore[arg-type]
        assert conn.in_transaction
        conn.execute("ROLLBACK")
    finally:
        conn.close()
