"""Identity by origin, one record per page, every story, change detection, and every loss as a record.

End to end through ``cleanfeed run`` with real files, real WARC archives (warcio), real SQLite state and the
loopback site server. Page bodies are generated here (random word sequences), never taken from the code.
"""

from __future__ import annotations

import io
import json
import os
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from cleanfeed.cli import main
from conftest import WORDS, SiteServer

SITE = "https://portal.example.cn"


def _lines(path: Path) -> list[str]:
    """A record file's lines; a stream with no record writes no file."""
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _paras(seed: int, n: int = 5) -> list[str]:
    """Distinct paragraphs of running text: clauses of random words, commas between, a full stop."""
    rnd = random.Random(seed)

    def clause() -> str:
        return "".join(rnd.choice(WORDS) for _ in range(rnd.randint(6, 9)))

    return ["，".join(clause() for _ in range(3)) + "。" for _ in range(n)]


def article(seed: int, canonical: str | None = None) -> str:
    """A one-story page; ``canonical`` is what its <link rel=canonical> says (a CMS may say the same
    site-wide URL on every page)."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{p}</p>" for p in _paras(seed))
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>第{seed}号新闻</title>{link}</head>'
        f'<body><div class="article"><h1>第{seed}号新闻标题</h1>{body}</div></body></html>'
    )


def digest(seeds: list[int]) -> str:
    """A roundup page: numbered headings in one container, each story opened by a dateline with its
    reporter, the way weekly digests reprint wire stories."""
    blocks = []
    for i, s in enumerate(seeds):
        ps = _paras(s, 4)
        ps[0] = f"新华社北京1月{i + 2}日电（记者{'王李张'[i % 3]}明）" + ps[0]
        blocks.append(f"<h2>{i + 1}、第{s}号新闻标题</h2>" + "".join(f"<p>{p}</p>" for p in ps))
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>每周要闻</title></head><body>'
        f'<div class="zk"><h1>每周要闻汇编</h1><div class="content">{"".join(blocks)}</div></div>'
        "</body></html>"
    )


def _config(tmp: Path, sources: str, extra: str = "") -> Path:
    cfg = tmp / "cfg.toml"
    text = f'[output]\ndir = "out"\n[state]\npath = "state/state.db"\n{extra}\n{sources}'
    cfg.write_text(text, encoding="utf-8")
    return cfg


def _run(cfg: Path) -> int:
    return main(["run", "--config", str(cfg), "--log-format", "json"])


def _last(tmp: Path) -> Path:
    return sorted(p for p in (tmp / "out").iterdir() if p.is_dir())[-1]


def _read(folder: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        s: [json.loads(x) for x in _lines(folder / f"{s}.jsonl")]
        for s in ("articles", "duplicates", "rejects", "links")
    }


def _counts(folder: Path) -> dict[str, int]:
    out: dict[str, int] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["counts"]
    return out


def _runs(tmp: Path) -> list[tuple[str, dict[str, Any]]]:
    conn = sqlite3.connect(tmp / "state/state.db")
    rows = conn.execute("SELECT folder, manifest FROM runs ORDER BY id").fetchall()
    conn.close()
    return [(f, json.loads(m)) for f, m in rows]


LOOPBACK = '[fetch]\nper_host_delay = 0\nallow_private_hosts = ["127.0.0.1"]\nobey_robots = false\n'


def urls_source(name: str, urls: list[str]) -> str:
    return f'[[sources]]\nname = {json.dumps(name)}\nkind = "urls"\nurls = {json.dumps(urls)}\n'


FILES = '[[sources]]\nname = "local"\nkind = "files"\npaths = ["pages/*.html"]\n'


# -- identity by origin ----------------------------------------------------------------------------------


def test_files_sharing_a_canonical_stay_distinct_and_carry_their_path(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for n in range(3):  # three different stories, one site-wide canonical
        (pages / f"story{n}.html").write_text(article(10 + n, f"{SITE}/"), encoding="utf-8")
    (pages / "copy.html").write_text(article(10, f"{SITE}/"), encoding="utf-8")  # story 0 again
    assert _run(_config(tmp_path, FILES)) == 0
    recs = _read(_last(tmp_path))
    paths = {Path(r["path"]).name: r for r in recs["articles"] + recs["duplicates"]}
    assert set(paths) == {"story0.html", "story1.html", "story2.html", "copy.html"}
    assert len(recs["articles"]) == 3 and len(recs["duplicates"]) == 1
    dup = recs["duplicates"][0]
    assert (
        dup["dup_kind"] == "exact"
    )  # the same text is still a duplicate: dedup, not a merge on the canonical
    assert all(r["canonical_url"] == f"{SITE}/" for r in paths.values())
    assert len({r["id"] for r in paths.values()}) == 4
    assert _counts(_last(tmp_path))["processed"] == 4


def test_every_story_of_a_roundup_gets_its_own_record_and_dedup_decision(tmp_path: Path) -> None:
    (tmp_path / "orig").mkdir()
    (tmp_path / "pages").mkdir()
    (tmp_path / "orig" / "o.html").write_text(article(202, f"{SITE}/o.html"), encoding="utf-8")
    (tmp_path / "pages" / "weekly.html").write_text(digest([201, 202, 203]), encoding="utf-8")
    sources = (
        '[[sources]]\nname = "orig"\nkind = "files"\npaths = ["orig/*.html"]\noriginal = true\n'
        '[[sources]]\nname = "roundup"\nkind = "files"\npaths = ["pages/*.html"]\n'
    )
    assert _run(_config(tmp_path, sources)) == 0
    recs = _read(_last(tmp_path))
    stories = sorted(
        (r for r in recs["articles"] + recs["duplicates"] if r["source"] == "roundup"),
        key=lambda r: r["story_index"],
    )
    assert [r["story_index"] for r in stories] == [0, 1, 2]
    assert [r["title"][-9:] for r in stories] == ["第201号新闻标题", "第202号新闻标题", "第203号新闻标题"]
    assert [bool(r["duplicate_of"]) for r in stories] == [False, True, False]  # "" when not a duplicate
    orig = next(r for r in recs["articles"] if r["source"] == "orig")
    assert stories[1]["duplicate_of"] == orig["url"]  # the dateline and (完) make it near, not exact
    assert all(isinstance(r["removed"], list) and r["removed"] for r in stories)  # every rule, its count
    assert len({r["id"] for r in stories}) == 3
    assert all(Path(r["path"]).name == "weekly.html" for r in stories)


def test_a_redirected_url_and_its_target_are_one_page_across_runs(site: SiteServer, tmp_path: Path) -> None:
    first = f'[[sources]]\nname = "a"\nkind = "urls"\nurls = ["{site.base}/redirect/news/a2.html"]\n'
    fetch = LOOPBACK
    assert _run(_config(tmp_path, first, fetch)) == 0
    [rec] = _read(_last(tmp_path))["articles"]
    assert rec["url"] == f"{site.base}/redirect/news/a2.html"
    assert rec["final_url"] == f"{site.base}/news/a2.html"
    second = f'[[sources]]\nname = "a"\nkind = "urls"\nurls = ["{site.base}/news/a2.html"]\n'
    site.hits.clear()
    assert _run(_config(tmp_path, second, fetch)) == 0
    assert site.hits["/news/a2.html"] == 0, "the target of an earlier redirect is known as done"
    folder, manifest = _runs(tmp_path)[-1]
    assert folder == "" and manifest["counts"]["skipped"] == 1


# -- change detection ----------------------------------------------------------------------------------------


def test_local_files_are_redone_when_changed_not_when_touched(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    for n in range(3):
        (pages / f"p{n}.html").write_text(article(30 + n), encoding="utf-8")
    cfg = _config(tmp_path, FILES)
    assert _run(cfg) == 0
    st = (pages / "p0.html").stat()
    os.utime(pages / "p0.html", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # touched only
    (pages / "p1.html").write_text(article(99), encoding="utf-8")  # edited
    assert _run(cfg) == 0
    recs = _read(_last(tmp_path))
    assert [Path(r["path"]).name for r in recs["articles"]] == ["p1.html"]
    assert "第99号" in recs["articles"][0]["title"]
    counts = _counts(_last(tmp_path))
    assert counts["unchanged"] == 1 and counts["skipped"] == 1
    assert _run(cfg) == 0  # and now nothing is new: no folder
    assert _runs(tmp_path)[-1][0] == ""


def _warc(path: Path, pages: list[tuple[str, bytes]], *, gz: bool = True, mode: str = "wb") -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open(mode) as fh:
        writer = WARCWriter(fh, gzip=gz)
        for url, body in pages:
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            rec = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=headers
            )
            writer.write_record(rec)


WARC = '[[sources]]\nname = "w"\nkind = "warc"\npath = "crawl.warc.gz"\n'


def test_warc_records_are_identified_by_offset_and_redone_only_when_their_payload_changes(
    tmp_path: Path,
) -> None:
    pages = [(f"{SITE}/n/{n}.html", article(40 + n).encode()) for n in range(3)]
    warc = tmp_path / "crawl.warc.gz"
    _warc(warc, pages)
    cfg = _config(tmp_path, WARC)
    assert _run(cfg) == 0
    recs = _read(_last(tmp_path))["articles"]
    assert [r["url"] for r in recs] == [u for u, _ in pages]
    assert all(r["path"] == str(warc) and isinstance(r["warc_offset"], int) for r in recs)
    assert recs[0]["warc_offset"] == 0 and len({r["warc_offset"] for r in recs}) == 3
    _warc(warc, [(f"{SITE}/n/9.html", article(49).encode())], mode="ab")  # the crawl grew
    assert _run(cfg) == 0
    assert [r["url"] for r in _read(_last(tmp_path))["articles"]] == [f"{SITE}/n/9.html"]
    assert _run(cfg) == 0
    assert _runs(tmp_path)[-1][0] == "", "an unchanged archive writes nothing"


# -- every loss is a record ----------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_a_truncated_warc_loses_nothing_silently(tmp_path: Path, gz: bool) -> None:
    pages = [(f"{SITE}/t/{n}.html", article(50 + n).encode()) for n in range(5)]
    warc = tmp_path / "crawl.warc.gz"
    _warc(warc, pages, gz=gz)
    data = warc.read_bytes()
    warc.write_bytes(data[: int(len(data) * 0.7)])
    assert _run(_config(tmp_path, WARC)) == 1
    recs = _read(_last(tmp_path))
    good = [r["url"] for r in recs["articles"]]
    assert good == [u for u, _ in pages[: len(good)]] and 2 <= len(good) <= 4
    [cut] = recs["rejects"]
    assert cut["reject_reason"] == "warc_truncated" and cut["path"] == str(warc)
    assert isinstance(cut["warc_offset"], int) and cut["warc_offset"] > 0


def test_an_oversized_warc_record_is_a_too_large_reject(tmp_path: Path) -> None:
    big = article(60).encode() + b"<!--" + b"x" * 300_000 + b"-->"
    _warc(tmp_path / "crawl.warc.gz", [(f"{SITE}/big.html", big), (f"{SITE}/ok.html", article(61).encode())])
    cfg = _config(tmp_path, WARC, "[fetch]\nmax_bytes = 100000\n")
    assert _run(cfg) == 0
    recs = _read(_last(tmp_path))
    assert [(r["url"], r["reject_reason"]) for r in recs["rejects"]] == [(f"{SITE}/big.html", "too_large")]
    assert [r["url"] for r in recs["articles"]] == [f"{SITE}/ok.html"]


def test_special_and_oversized_files_are_rejects_not_silence(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "good.html").write_text(article(70), encoding="utf-8")
    os.mkfifo(pages / "pipe.html")
    (pages / "zero.html").symlink_to("/dev/zero")
    with (pages / "huge.html").open("wb") as fh:  # sparse: 3 GB on paper, nothing on disk
        fh.truncate(3_000_000_000)
    (pages / "sub.html").mkdir()  # a folder a glob matches: not a page, passed over
    assert _run(_config(tmp_path, FILES)) == 0
    recs = _read(_last(tmp_path))
    got = {Path(r["path"]).name: r["reject_reason"] for r in recs["rejects"]}
    assert got == {"pipe.html": "not_regular_file", "zero.html": "not_regular_file", "huge.html": "too_large"}
    assert [Path(r["path"]).name for r in recs["articles"]] == ["good.html"]


def test_non_http_feed_links_are_rejects_once(site: SiteServer, tmp_path: Path) -> None:
    links = ["javascript:void(0)", "ftp://files.example.cn/a.html", "data:text/html,hi", "/news/a1.html"]
    items = "".join(f"<item><title>x</title><link>{x}</link></item>" for x in links)
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>{items}</channel></rss>'

    def serve(h: Any) -> None:
        site.send(h, 200, feed.encode(), {"Content-Type": "application/rss+xml"})

    site.routes["/odd.xml"] = serve
    sources = f'[[sources]]\nname = "f"\nkind = "feed"\nurl = "{site.base}/odd.xml"\n'
    fetch = LOOPBACK
    cfg = _config(tmp_path, sources, fetch)
    assert _run(cfg) == 0
    recs = _read(_last(tmp_path))
    lost = {r["url"]: r["reject_reason"] for r in recs["rejects"]}
    assert lost == dict.fromkeys(links[:3], "unsupported_link")
    assert [r["url"] for r in recs["articles"]] == [f"{site.base}/news/a1.html"]
    assert _run(cfg) == 0
    assert _runs(tmp_path)[-1][0] == "", "the same lost links are not reported again every run"


def test_a_sitemap_index_listing_itself_is_a_loop_reject_and_an_empty_source(
    site: SiteServer, tmp_path: Path
) -> None:
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{site.base}/self.xml</loc></sitemap></sitemapindex>"
    )
    site.routes["/self.xml"] = lambda h: site.send(
        h, 200, index.encode(), {"Content-Type": "application/xml"}
    )
    sources = f'[[sources]]\nname = "s"\nkind = "sitemap"\nurl = "{site.base}/self.xml"\n'
    fetch = LOOPBACK
    assert _run(_config(tmp_path, sources, fetch)) == 1  # no page at all: the source failed
    recs = _read(_last(tmp_path))
    assert [(r["url"], r["reject_reason"]) for r in recs["rejects"]] == [
        (f"{site.base}/self.xml", "sitemap_loop")
    ]
    manifest = json.loads((_last(tmp_path) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["failed_sources"] == ["s"]


# -- HTTP revisit -------------------------------------------------------------------------------------------


def test_revisit_does_not_re_emit_an_unchanged_reject(site: SiteServer, tmp_path: Path) -> None:
    """No ETag, no Last-Modified: the server sends the same non-article page every time."""
    stub = b"<html><body><p>short</p></body></html>"
    site.routes["/stub.html"] = lambda h: site.send(h, 200, stub, {"Content-Type": "text/html"})
    sources = urls_source("u", [f"{site.base}/stub.html", f"{site.base}/news/a1.html"])
    fetch = LOOPBACK + "revisit = true\n"
    cfg = _config(tmp_path, sources, fetch)
    assert _run(cfg) == 0
    first = _read(_last(tmp_path))
    assert [r["reject_reason"] for r in first["rejects"]] == ["not_article"]
    assert _run(cfg) == 0
    assert site.hits["/stub.html"] == 2, "revisit did re-request it"
    folder, manifest = _runs(tmp_path)[-1]
    # the stub: same bytes, no record; the article: 304 to its ETag
    assert folder == "" and manifest["counts"]["unchanged"] == 1 and manifest["counts"]["not_modified"] == 1
