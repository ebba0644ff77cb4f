"""Links made after the fact: reposts indexed before their original arrived, and originals that a
near-identical original published before them claims (``records.order_key``).

Functions over a ``DedupIndex`` (its connection and rows), kept out of ``index.py`` for its size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cleanfeed.dedup.fingerprint import Fingerprint
from cleanfeed.dedup.match import Doc, Verdict, across_scripts, verify
from cleanfeed.dedup.records import Link, Match, article_id
from cleanfeed.models import Article

if TYPE_CHECKING:
    from cleanfeed.dedup.index import DedupIndex


def late_links(
    self: DedupIndex, original_article: Article, fp: Fingerprint, claimed: Match | None
) -> list[Link]:
    """Reposts indexed before this original arrived (and not linked to an original yet) that copy it;
    first, the near-identical original it precedes (``claimed``) and what was linked to that one.

    They are marked as linked, so each is reported once.
    """
    if not fp.length:
        return []
    aid = article_id(original_article)
    me = self.conn.execute("SELECT doc FROM dedup_docs WHERE id = ?", (aid,)).fetchone()
    my_doc = me[0] if me else None
    target = original_article.url or aid
    orig = Doc.of(fp)
    if claimed is not None and my_doc is not None:
        self._begin()
        links = _claim(self, claimed, my_doc, (target, aid), orig)
        self.rows_changed += 1
        return links + late_links(self, original_article, fp, None)
    rows = {r.doc: r for r in self._lookup(fp, limit=4 * self.max_candidates).rows}
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
            v = across_scripts(Verdict("exact", 1.0), fp.converted or row.converted)
        else:
            found = verify(copy, orig)
            if found is None:
                continue
            v = found if found.kind != "near" else across_scripts(found, fp.converted or row.converted)
        self.conn.execute(
            "UPDATE dedup_docs SET link_doc = ?, link_original = 1, kind = ?, similarity = ? WHERE doc = ?",
            (my_doc, v.kind, v.similarity, row.doc),
        )
        links.append(Link(row.id, row.url, target, aid, v.kind, v.similarity, v.share))
    if links:
        self.rows_changed += 1
    return links


def _claim(self: DedupIndex, claimed: Match, my_doc: int, to: tuple[str, str], orig: Doc) -> list[Link]:
    """Relink the original this one precedes, and every document linked to it, to this one."""
    rows = self._rows("SELECT {cols} FROM dedup_docs WHERE id = ?", (claimed.original_id,))
    if not rows:
        return []
    sql = "SELECT {cols} FROM dedup_docs WHERE link_doc = ? AND doc != ?"
    rows += self._rows(sql, (rows[0].doc, my_doc))
    links = []
    for row in rows:
        copy = row.text()
        v = Verdict("exact", 1.0) if copy.canon == orig.canon else verify(copy, orig)
        if v is None:  # verified against the one it claims, not against this one: keep that kind
            v = Verdict(claimed.kind, claimed.similarity, claimed.share)
        self.conn.execute(
            "UPDATE dedup_docs SET link_doc = ?, link_original = 1, kind = ?, similarity = ? WHERE doc = ?",
            (my_doc, v.kind, v.similarity, row.doc),
        )
        links.append(Link(row.id, row.url, *to, v.kind, v.similarity, v.share))
    return links
