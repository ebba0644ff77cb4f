"""The dedup index's explicit values and transactions: probes and decisions instead of call-order caches,
batches that decide as one by one, and an index that commits only what it opened itself."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from cleanfeed import Article, DedupIndex

FIX = Path(__file__).parent / "fixtures" / "dedup"


def text(name: str) -> str:
    return (FIX / f"{name}.txt").read_text(encoding="utf-8")


def art(name: str, body: str, *, original: bool = False, published: str | None = None) -> Article:
    a = Article(url=f"https://test/{name}", text=body).finalize()
    a.original = original
    a.published_at = datetime.fromisoformat(published) if published else None
    return a


def stream() -> list[Article]:
    """Reposts before and after their originals, copies of copies, two near-identical originals in the
    wrong order, spins, and unrelated stories: what one batch of a run can hold."""
    lead, o1, o2 = text("seed_003_lead"), text("seed_001_original"), text("seed_002_original")
    return [
        art("spam-first", lead + "\n热点推荐\n打开APP，阅读全文"),
        art("spam-copy", lead + "\n热点推荐\n打开APP，阅读全文"),
        art("spin-early", text("seed_000_raw")),
        art(
            "mirror",
            o1.replace("。", "。\n", 1) + "\n（完）",
            original=True,
            published="2026-01-16T09:30:00+08:00",
        ),
        art("o1-repost", text("seed_001_raw")),
        art("lead", lead, original=True, published="2026-01-10T08:00:00+08:00"),
        art("wire", o1, original=True, published="2026-01-16T08:00:00+08:00"),
        art("guochao", text("seed_003_guochao"), original=True),
        art("o2-repost", text("seed_002_raw")),
        art("o2", o2, original=True),
        art("o2-repost-2", text("seed_002_raw") + "\n安装应用"),
        art("lead-again", lead + "\n（责任编辑：王五）"),
        art("trade", text("seed_003_trade")),
    ]


def one_by_one(idx: DedupIndex, arts: list[Article]) -> list[tuple[object, list[object]]]:
    out: list[tuple[object, list[object]]] = []
    for a in arts:
        m = idx.match(a)
        idx.add(a, original=a.original)
        out.append((m, idx.late_links(a) if a.original else []))
    return out


def table(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    sql = "SELECT d.id, d.original, l.id, d.link_original, d.kind, d.similarity FROM dedup_docs d"
    return conn.execute(sql + " LEFT JOIN dedup_docs l ON l.doc = d.link_doc ORDER BY d.id").fetchall()


@pytest.mark.parametrize("batch", [1, 3, 64])
def test_dedup_many_decides_and_links_as_one_by_one(tmp_path: Path, batch: int) -> None:
    with DedupIndex(tmp_path / "one.db") as a, DedupIndex(tmp_path / "many.db") as b:
        expected = one_by_one(a, stream())
        got = [(d.match, links) for d, links in b.dedup_many(stream(), batch=batch)]
        assert got == expected
        assert table(b.conn) == table(a.conn)
    # The stream holds what makes a batch differ from its probes: links inside the batch and a claim.
    assert any(m is not None for m, _ in expected) and any(links for _, links in expected)
    assert expected[6][1], "the wire story claims the mirror indexed before it"


def test_add_takes_its_decision_whatever_was_called_in_between(tmp_path: Path) -> None:
    with DedupIndex(tmp_path / "i.db") as idx:
        idx.add(art("orig", text("seed_001_original"), original=True), original=True)
        copy = art("copy", text("seed_001_raw"))
        decision = idx.decide(copy)
        assert decision.match is not None and decision.match.duplicate_of == "https://test/orig"
        other = art("other", text("seed_003_guochao"))
        assert idx.match(other) is None  # a call in between changes nothing the decision carries
        idx.add(copy, original=False, decision=decision)
        idx.add(other, original=False)  # no decision given: decided here, not taken from the last match
        rows = dict(idx.conn.execute("SELECT id, kind FROM dedup_docs").fetchall())
        assert rows == {
            idx.probe(copy).id: "near",
            idx.probe(other).id: None,
            decision.match.original_id: None,
        }
        with pytest.raises(ValueError):
            idx.add(art("third", text("seed_002_raw")), original=False, decision=decision)


def test_an_index_on_a_path_commits_only_when_told(tmp_path: Path) -> None:
    path = tmp_path / "i.db"
    idx = DedupIndex(path)
    idx.add(art("lead", text("seed_003_lead"), original=True), original=True)
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT count(*) FROM dedup_docs").fetchone()[0] == 0
    idx.commit()
    assert reader.execute("SELECT count(*) FROM dedup_docs").fetchone()[0] == 1
    idx.add(art("o2", text("seed_002_original"), original=True), original=True)
    idx.close()  # closing what it opened commits
    assert reader.execute("SELECT count(*) FROM dedup_docs").fetchone()[0] == 2
    with pytest.raises(RuntimeError), DedupIndex(path) as again:
        again.add(art("o1", text("seed_001_original"), original=True), original=True)
        raise RuntimeError("a load that fails half way")
    assert reader.execute("SELECT count(*) FROM dedup_docs").fetchone()[0] == 2  # rolled back
    reader.close()


def test_an_index_given_a_connection_refuses_to_commit_it(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    conn.execute("BEGIN")
    idx = DedupIndex(conn)
    idx.add(art("lead", text("seed_003_lead"), original=True), original=True)
    with pytest.raises(RuntimeError, match="commit it where it was opened"):
        idx.commit()
    assert conn.in_transaction
    conn.execute("ROLLBACK")
    idx.close()
    conn.close()
