"""Time is bounded: ``run.deadline`` (stop taking work, commit, exit 0, the rest next run), a per-host budget
(``fetch.host_budget``), and a Retry-After over ``fetch.max_retry_after`` is not waited for.

Real loopback server (conftest's ``SiteServer``), real state, ``cleanfeed run`` through ``cli.main``. No test
asserts wall-clock time: each asserts what was recorded, deferred and redone.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from cleanfeed.cli import main
from conftest import SiteServer

PAGES = 24


def _lines(path: Path) -> list[str]:
    """A record file's lines; a stream with no record writes no file."""
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _config(tmp: Path, sources: str, fetch: dict[str, Any], extra: str = "") -> Path:
    knobs = {"per_host_delay": 0, "allow_private_hosts": ["127.0.0.1"], "obey_robots": False, **fetch}
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in knobs.items())
    cfg = tmp / "cfg.toml"
    text = f'[output]\ndir = "out"\n[state]\npath = "state/state.db"\n[fetch]\n{lines}\n{extra}\n{sources}'
    cfg.write_text(text, encoding="utf-8")
    return cfg


def _run(cfg: Path) -> int:
    return main(["run", "--config", str(cfg), "--log-format", "json"])


def _manifests(tmp: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(tmp / "state/state.db")
    rows = conn.execute("SELECT manifest FROM runs WHERE status = 'committed' ORDER BY id").fetchall()
    conn.close()
    return [json.loads(r[0]) for r in rows]


def _records(tmp: Path) -> list[dict[str, Any]]:
    recs = []
    for folder in sorted(p for p in (tmp / "out").iterdir() if p.is_dir()):
        for s in ("articles", "duplicates", "rejects"):
            recs += [json.loads(x) for x in _lines(folder / f"{s}.jsonl")]
    return recs


def _feed_route(site: SiteServer) -> None:
    """A feed of the generated pages that answers 304 to its ETag, like a real CMS."""
    items = "".join(
        f"<item><title>{n}</title><link>{site.base}/gen/{n}.html</link></item>" for n in range(PAGES)
    )
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>g</title>{items}</channel></rss>'.encode()
    )

    def serve(h: Any) -> None:
        if h.headers.get("If-None-Match") == '"feed1"':
            site.send(h, 304, b"", {"ETag": '"feed1"'})
        else:
            site.send(h, 200, body, {"Content-Type": "application/rss+xml", "ETag": '"feed1"'})

    site.routes["/gen-feed.xml"] = serve


def test_deadline_commits_what_is_done_and_the_next_runs_do_the_rest(
    site: SiteServer, tmp_path: Path
) -> None:
    _feed_route(site)
    site.delay = 0.25  # per generated page: 24 pages at 2 at a time take ~3 s, the deadline is 1 s
    sources = f'[[sources]]\nname = "g"\nkind = "feed"\nurl = "{site.base}/gen-feed.xml"\n'
    cfg = _config(tmp_path, sources, {"per_host_concurrency": 2}, "[run]\ndeadline = 1.0\n")
    assert _run(cfg) == 0
    first = _manifests(tmp_path)[0]
    # How much the first run does depends on the machine (a loaded one may not even finish the feed
    # in time, and then says so); that it stops short, says so, and the next runs finish does not.
    assert first["deadline"]["reached"] is True and first["deadline"]["deferred"] > 0
    assert first["counts"].get("processed", 0) < PAGES
    for _ in range(20):  # each further run does some more; the feed is read again (its ETag was not kept)
        if sum(m["counts"].get("processed", 0) for m in _manifests(tmp_path)) >= PAGES:
            break
        assert _run(cfg) == 0
    urls = sorted(r["url"] for r in _records(tmp_path))
    assert urls == sorted(f"{site.base}/gen/{n}.html" for n in range(PAGES)), "lost or doubled pages"
    assert all(not r.get("reject_reason") for r in _records(tmp_path))


def test_a_retry_after_beyond_the_cap_is_not_waited_for(site: SiteServer, tmp_path: Path) -> None:
    def busy(h: Any) -> None:
        site.send(h, 429, b"slow down", {"Content-Type": "text/html", "Retry-After": "100000"})

    site.routes["/busy"] = busy
    urls = [f"{site.base}/busy?i={n}" for n in range(5)]
    sources = f'[[sources]]\nname = "b"\nkind = "urls"\nurls = {json.dumps(urls)}\n'
    cfg = _config(tmp_path, sources, {"retries": 3, "max_retry_after": 30})
    assert _run(cfg) == 1
    assert site.hits["/busy"] == 5, "asked once each: no waiting for a day, no retry this run"
    recs = _records(tmp_path)
    assert sorted(r["url"] for r in recs) == sorted(urls)
    assert {r["reject_reason"] for r in recs} == {"fetch:status_429"}


def test_a_failing_host_stops_at_its_budget_and_the_rest_waits_for_the_next_run(
    site: SiteServer, tmp_path: Path
) -> None:
    broken = {"on": True}

    def flaky(h: Any) -> None:
        if broken["on"]:
            site.send(h, 503, b"down", {"Content-Type": "text/html"})
        else:
            n = int(h.path.rsplit("=", 1)[1])
            body = f'<html><head><meta charset="utf-8"></head><body><div class="article"><h1>第{n}号</h1>'
            body += "".join(
                f"<p>第{n}号新闻的第{k}段内容，记者表示今年经济持续增长，城市建设不断推进。</p>"
                for k in range(6)
            )
            site.send(
                h, 200, (body + "</div></body></html>").encode(), {"Content-Type": "text/html; charset=utf-8"}
            )

    site.routes["/flaky"] = flaky
    urls = [f"{site.base}/flaky?n={n}" for n in range(8)]
    sources = f'[[sources]]\nname = "f"\nkind = "urls"\nurls = {json.dumps(urls)}\n'
    fetch = {"retries": 6, "backoff": 0.1, "host_budget": 0.5, "per_host_concurrency": 1}
    cfg = _config(tmp_path, sources, fetch)
    _run(cfg)
    first = _manifests(tmp_path)[0]
    deferred = first["counts"].get("deferred", 0)
    assert deferred >= 4, f"the budget did not stop the host: {first['counts']}"
    assert site.hits["/flaky"] < 8 * 7, "every URL was tried with every retry"
    failed = {r["url"] for r in _records(tmp_path)}
    assert len(failed) + deferred == 8, "a page was neither recorded nor deferred"
    broken["on"] = False
    assert _run(cfg) == 0
    done = [r for r in _records(tmp_path) if not r.get("reject_reason")]
    assert sorted(r["url"] for r in done) == sorted(urls)
