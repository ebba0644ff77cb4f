"""Run level: a 304 that omits Last-Modified keeps the stored validator; late links name the right original
and the right kind. Real HTTP on 127.0.0.1 (``conftest.SiteServer``), real state files, the public CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import opencc

from cleanfeed.cli import main
from cleanfeed.state import State
from conftest import SITE, SiteServer, write_config

LM = "Tue, 17 Nov 2026 06:00:00 GMT"


def _records(folder: Path, stream: str) -> list[dict[str, Any]]:
    path = folder / f"{stream}.jsonl"  # a stream with no record writes no file
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines]


def _folders(tmp: Path) -> list[Path]:
    return sorted(p for p in (tmp / "out").iterdir() if p.is_dir())


def _run(cfg: Path, *args: str) -> int:
    return main(["run", "--config", str(cfg), "--log-format", "json", *args])


# -- validators ---------------------------------------------------------------------------------------------
def test_state_keeps_last_modified_when_a_304_carries_none(tmp_path: Path) -> None:
    with State(tmp_path / "s.db") as st:
        st.record("http://a/1", "src", "ok", etag='"e"', last_modified=LM, content_hash="h")
        st.record("http://a/1", "src", "ok")  # the 304: no validators in the response
        got = st.get("http://a/1")
        assert got is not None and (got.etag, got.last_modified, got.content_hash) == ('"e"', LM, "h")
        st.record("http://a/1", "src", "ok", etag='"f"')  # a 304 with a new ETag only
        got = st.get("http://a/1")
        assert got is not None and (got.etag, got.last_modified) == ('"f"', LM)


def test_a_304_without_last_modified_keeps_it_for_the_next_conditional_get(
    site: SiteServer, tmp_path: Path
) -> None:
    body = (SITE / "news/a2.html").read_bytes().replace(b"{{base}}/news/a2", b"{{base}}/lm")
    body = body.replace(b"{{base}}", site.base.encode())

    def page(h: Any) -> None:
        if h.headers.get("If-None-Match") or h.headers.get("If-Modified-Since"):
            SiteServer.send(h, 304, b"", {"ETag": '"v1"'})  # legal: a 304 need not repeat Last-Modified
        else:
            headers = {"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"', "Last-Modified": LM}
            SiteServer.send(h, 200, body, headers)

    site.routes["/lm.html"] = page
    sources = f'[[sources]]\nname = "list"\nkind = "urls"\nurls = ["{site.base}/lm.html"]\n'
    cfg = write_config(tmp_path, site.base, fetch={"revisit": True}, sources=sources)
    for _ in range(3):
        assert _run(cfg) == 0
    sent = [h for p, h in site.requests if p == "/lm.html"]
    assert len(sent) == 3
    assert "if-modified-since" not in sent[0]
    assert [(h.get("if-none-match"), h.get("if-modified-since")) for h in sent[1:]] == [('"v1"', LM)] * 2
    first, *later = _folders(tmp_path)
    assert len(_records(first, "articles")) == 1
    assert all(_records(f, "articles") == [] for f in later)


# -- late links -------------------------------------------------------------------------------------------
def test_late_links_point_at_the_original_with_the_kind_of_each_copy(
    site: SiteServer, tmp_path: Path
) -> None:
    """Run 1 takes three portal pages: a spam-wrapped copy of a1, a Traditional copy of a1, and an unrelated
    story. Run 2 takes a1 as an original: exactly the two copies are linked to it, each with its kind."""
    a1 = (SITE / "news/a1.html").read_text(encoding="utf-8")
    trad = opencc.OpenCC("s2t").convert(a1.replace("{{base}}/news/a1", "{{base}}/trad/a1"))
    trad_body = trad.replace("{{base}}", site.base).encode()
    site.routes["/trad/a1.html"] = lambda h: SiteServer.send(
        h, 200, trad_body, {"Content-Type": "text/html; charset=utf-8"}
    )
    base = site.base
    sources = f"""
[[sources]]
name = "portal"
kind = "urls"
urls = ["{base}/repost/r1.html", "{base}/trad/a1.html", "{base}/news/a2.html"]

[[sources]]
name = "agency"
kind = "urls"
original = true
urls = ["{base}/news/a1.html"]
"""
    cfg = write_config(tmp_path, site.base, sources=sources)
    assert _run(cfg, "--source", "portal") == 0
    assert _run(cfg, "--source", "agency") == 0
    first, second = _folders(tmp_path)
    early = {r["url"].removeprefix(base): r for s in ("articles", "duplicates") for r in _records(first, s)}
    assert set(early) == {"/repost/r1.html", "/trad/a1.html", "/news/a2.html"}
    # No original yet: the two copies are new, or one is marked a copy of the other (fetch order decides).
    copies = ("/repost/r1.html", "/trad/a1.html")
    assert early["/news/a2.html"]["duplicate_of"] == ""
    assert {early[c]["duplicate_of"] for c in copies} <= {"", *(base + c for c in copies)}
    assert early["/trad/a1.html"]["converted"]
    [orig] = _records(second, "articles")
    assert orig["url"] == f"{base}/news/a1.html" and orig["duplicate_of"] == ""
    # The spam-wrapped copy holds all of a1 plus spam lines: near. The Traditional one: cross_script.
    assert all(p in early["/repost/r1.html"]["text"] for p in orig["text"].split("\n"))
    links = _records(second, "links")
    got = {link["repost_id"]: link for link in links}
    assert len(links) == len(got) == 2, links
    want = {early["/repost/r1.html"]["id"]: "near", early["/trad/a1.html"]["id"]: "cross_script"}
    assert {rid: link["dup_kind"] for rid, link in got.items()} == want
    for rid, link in got.items():
        assert link["duplicate_of_id"] == orig["id"]
        assert link["duplicate_of"] == orig["url"]
        assert link["url"] == next(r["url"] for r in early.values() if r["id"] == rid)
        assert 0.5 < link["similarity"] <= 1.0
    # Linked once: a third run of the original links nothing again.
    assert _run(cfg, "--source", "agency") == 0
    assert all(_records(f, "links") == [] for f in _folders(tmp_path)[2:])  # a no-op run may write none
