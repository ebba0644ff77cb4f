"""End to end: ``cleanfeed run`` against a real HTTP server on 127.0.0.1 serving the fixture site."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cleanfeed.cli import main
from cleanfeed.state import StateLock
from conftest import SiteServer, write_config

ARTICLES = {f"/news/a{i}.html" for i in range(1, 7)} | {"/news/gbk.html"}
REJECTS = {
    "/private/secret.html": "fetch:robots_disallowed",
    "/status/404": "fetch:status_404",
    "/status/500": "fetch:status_500",
    "/image.png": "fetch:content_type",
}


def read_run(folder: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for name in ("articles", "duplicates", "rejects", "links"):
        path = folder / f"{name}.jsonl"  # a stream with no record writes no file
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        out[name] = [json.loads(line) for line in lines]
    return out


def manifest_counts(folder: Path) -> dict[str, int]:
    counts: dict[str, int] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["counts"]
    return counts


def run_folders(tmp: Path) -> list[Path]:
    out = tmp / "out"
    return sorted(p for p in out.iterdir() if p.is_dir()) if out.exists() else []


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def page_of(rec: dict[str, Any]) -> str:
    """The path of the page a record is about: where its request ended after redirects."""
    return path_of(rec.get("final_url") or rec["url"])


def test_first_run_writes_every_page_once(site: SiteServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, site.base)
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 1  # failing pages -> exit 1
    [folder] = run_folders(tmp_path)
    recs = read_run(folder)
    assert {page_of(r) for r in recs["articles"]} == ARTICLES
    assert [page_of(r) for r in recs["duplicates"]] == ["/repost/r1.html"]
    assert recs["duplicates"][0]["duplicate_of"].endswith("/news/a1.html")
    assert {path_of(r["url"]): r["reject_reason"] for r in recs["rejects"]} == REJECTS
    every = [r["id"] for stream in ("articles", "duplicates", "rejects") for r in recs[stream]]
    assert len(every) == len(set(every)) == len(ARTICLES) + 1 + len(REJECTS)
    # the redirect was followed, the GBK page decoded from its header charset alone
    a3 = next(r for r in recs["articles"] if page_of(r) == "/news/a3.html")
    assert "老旧小区" in a3["text"] and path_of(a3["url"]) == "/redirect/news/a3.html"
    gbk = next(r for r in recs["articles"] if r["url"].endswith("/news/gbk.html"))
    assert "先进制造业" in gbk["text"] and "\ufffd" not in gbk["text"]
    assert site.hits["/private/secret.html"] == 0  # robots.txt obeyed
    assert site.hits["/status/500"] == 2  # retried once (retries = 1)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["articles"] == len(ARTICLES)
    assert manifest["reject_reasons"]["fetch:status_404"] == 1
    assert manifest["stages"]["fetch"]["dropped"]["robots_disallowed"] == 1
    assert not list(folder.glob("*.part"))


def test_second_run_fetches_nothing_new_and_writes_no_record_twice(site: SiteServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, site.base)
    main(["run", "--config", str(cfg), "--log-format", "json"])
    site.hits.clear()
    site.requests.clear()
    main(["run", "--config", str(cfg), "--log-format", "json"])
    second = read_run(run_folders(tmp_path)[-1])
    assert second["articles"] == [] and second["duplicates"] == []
    # only the failed pages are tried again; feeds and sitemaps answer 304 to a conditional GET
    assert {path_of(r["url"]) for r in second["rejects"]} == set(REJECTS) - {"/private/secret.html"}
    fetched = {p for p, _ in site.requests}
    assert not fetched & (ARTICLES | {"/repost/r1.html"})
    feed_req = [h for p, h in site.requests if p == "/feed.xml"]
    assert feed_req and feed_req[0].get("if-none-match")


def test_failed_page_is_retried_and_recovers(site: SiteServer, tmp_path: Path) -> None:
    sources = f"""
[[sources]]
name = "list"
kind = "urls"
urls = ["{site.base}/flaky.html", "{site.base}/news/a2.html"]
"""
    cfg = write_config(tmp_path, site.base, sources=sources)
    state = {"up": False}

    def flaky(h: Any) -> None:
        if state["up"]:
            body = (Path(__file__).parent / "fixtures/site/news/a5.html").read_bytes()
            SiteServer.send(
                h,
                200,
                body.replace(b"{{base}}/news/a5", b"{{base}}/flaky"),
                {"Content-Type": "text/html; charset=utf-8"},
            )
        else:
            SiteServer.send(h, 503, b"busy", {"Retry-After": "0"})

    site.routes["/flaky.html"] = flaky
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 1
    state["up"] = True
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 0
    first, second = (read_run(f) for f in run_folders(tmp_path))
    assert [r["reject_reason"] for r in first["rejects"]] == ["fetch:status_503"]
    assert [path_of(r["url"]) for r in second["articles"]] == ["/flaky.html"]
    with sqlite3.connect(tmp_path / "state/state.db") as conn:
        row = conn.execute("SELECT status, failures FROM urls WHERE url LIKE '%flaky%'").fetchone()
    conn.close()
    assert row == ("ok", 0)


def test_second_concurrent_run_exits_75(
    site: SiteServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path, site.base)
    (tmp_path / "state").mkdir()
    with StateLock(tmp_path / "state/state.db"):
        assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 75
    assert "another cleanfeed run" in capsys.readouterr().err
    assert run_folders(tmp_path) == []
    assert site.hits.total() == 0


def test_limit_then_rest(site: SiteServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, site.base)
    main(["run", "--config", str(cfg), "--log-format", "json", "--limit", "3", "--source", "sitemap"])
    main(["run", "--config", str(cfg), "--log-format", "json", "--source", "sitemap"])
    first, second = (read_run(f) for f in run_folders(tmp_path))
    n1 = sum(len(first[s]) for s in ("articles", "duplicates", "rejects"))
    urls = [r["url"] for run in (first, second) for s in ("articles", "duplicates") for r in run[s]]
    assert n1 == 3
    assert {path_of(u) for u in urls} == {
        "/news/a1.html",
        "/news/a4.html",
        "/news/a5.html",
        "/news/a6.html",
        "/repost/r1.html",
    }
    assert len(urls) == len(set(urls))


def test_dry_run_writes_nothing(site: SiteServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, site.base)
    main(["run", "--config", str(cfg), "--log-format", "json", "--dry-run"])
    assert run_folders(tmp_path) == []
    main(["run", "--config", str(cfg), "--log-format", "json"])  # the state did not move: all is new
    assert len(read_run(run_folders(tmp_path)[0])["articles"]) == len(ARTICLES)


def test_mark_policy_keeps_duplicates_in_articles(site: SiteServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, site.base, extra='[dedup]\npolicy = "mark"\n')
    main(["run", "--config", str(cfg), "--log-format", "json", "--source", "sitemap"])
    recs = read_run(run_folders(tmp_path)[0])
    assert recs["duplicates"] == []
    marked = [r for r in recs["articles"] if r["duplicate_of"]]
    assert [path_of(r["url"]) for r in marked] == ["/repost/r1.html"]


def test_late_original_is_linked(site: SiteServer, tmp_path: Path) -> None:
    """The repost arrives first (run 1), its original later (run 2): a link record says so."""
    sources = f"""
[[sources]]
name = "portal"
kind = "urls"
urls = ["{site.base}/repost/r1.html"]

[[sources]]
name = "agency"
kind = "urls"
original = true
urls = ["{site.base}/news/a1.html"]
"""
    cfg = write_config(tmp_path, site.base, sources=sources)
    main(["run", "--config", str(cfg), "--log-format", "json", "--source", "portal"])
    main(["run", "--config", str(cfg), "--log-format", "json", "--source", "agency"])
    first, second = (read_run(f) for f in run_folders(tmp_path))
    assert [path_of(r["url"]) for r in first["articles"]] == ["/repost/r1.html"]
    [link] = second["links"]
    assert link["url"] == first["articles"][0]["url"] and link["repost_id"] == first["articles"][0]["id"]
    assert link["duplicate_of_id"] == second["articles"][0]["id"]


def test_slow_drip_page_times_out(site: SiteServer, tmp_path: Path) -> None:
    sources = f"""
[[sources]]
name = "list"
kind = "urls"
urls = ["{site.base}/slow", "{site.base}/news/a2.html", "{site.base}/loop"]
"""
    cfg = write_config(tmp_path, site.base, sources=sources, fetch={"retries": 0, "deadline": 1})
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 1
    recs = read_run(run_folders(tmp_path)[0])
    assert {path_of(r["url"]): r["reject_reason"] for r in recs["rejects"]} == {
        "/slow": "fetch:timeout",
        "/loop": "fetch:too_many_redirects",
    }
    assert len(recs["articles"]) == 1


def test_unwritable_output_exits_78_and_keeps_state(site: SiteServer, tmp_path: Path) -> None:
    """A file where the output folder should be does not go away by itself: 78 (fix it), not 75 (retry)."""
    cfg = write_config(tmp_path, site.base)
    (tmp_path / "out").write_text("a file where the output folder should be")
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 78
    with sqlite3.connect(tmp_path / "state/state.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM urls").fetchone()[0] == 0
        assert conn.execute("SELECT status FROM runs").fetchall() == [("failed",)]
    conn.close()


def test_bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[fetch]\ntimout = 5\n", encoding="utf-8")
    assert main(["run", "--config", str(cfg)]) == 2
    assert "fetch.timout" in capsys.readouterr().err


def test_sources_command_lists_sources(
    site: SiteServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path, site.base)
    assert main(["sources", "--config", str(cfg), "--log-format", "json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:3] for line in out] == [
        ["feed", "feed", "original"],
        ["sitemap", "sitemap", "repost"],
    ]
    assert site.hits.total() == 0  # listing fetches nothing


def test_subprocess_run_logs_json_lines(site: SiteServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, site.base)
    env = {**os.environ, "CLEANFEED_FETCH__RETRIES": "0"}
    proc = subprocess.run(
        [sys.executable, "-m", "cleanfeed", "run", "--config", str(cfg)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    json_lines = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    assert any(rec.get("event") == "run_finished" for rec in json_lines)
    assert site.hits["/status/500"] == 1  # the env override reached the fetcher
    assert "output:" in proc.stderr


def test_file_size_limit_exits_78_and_the_next_run_redoes_everything(
    site: SiteServer, tmp_path: Path
) -> None:
    """A file-size limit (EFBIG) fails the writes: an admin's limit, so 78 (a full disk, ENOSPC, is 75:
    tests/test_run_exit_codes.py)."""
    cfg = write_config(tmp_path, site.base)
    code = (
        "import resource, signal, sys\n"
        "from cleanfeed.cli import main\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (6000, 6000))\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "run", "--config", str(cfg), "--log-format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 78, proc.stderr
    assert "state unchanged" in proc.stderr
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 1
    folders = run_folders(tmp_path)
    assert len(folders) == 1  # the failed run left nothing behind
    assert {page_of(r) for r in read_run(folders[0])["articles"]} == ARTICLES


def test_a_full_disk_exits_75_and_the_next_run_redoes_everything(site: SiteServer, tmp_path: Path) -> None:
    """A real ENOSPC: the output folder is a 4 KB tmpfs mounted in a private mount namespace (``unshare
    -m``, root), so the record writes fail part way. A full disk is temporary: exit 75 (cron retries),
    the state unchanged; the next run, with space, writes every record once."""
    cfg = write_config(tmp_path, site.base)
    out = tmp_path / "out"
    out.mkdir()
    mount = 'mount -t tmpfs -o size=4k tmpfs "$1" && shift && exec "$@"'
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("a real full disk needs root and unshare(1) for a private tmpfs mount")
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", mount, "sh", str(out), "true"], capture_output=True, check=False
    )
    if probe.returncode:
        pytest.skip(f"no private tmpfs mount here: {probe.stderr.decode(errors='replace').strip()}")
    cmd = [sys.executable, "-m", "cleanfeed", "run", "--config", str(cfg), "--log-format", "json"]
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", mount, "sh", str(out), *cmd],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 75, proc.stderr
    assert "state unchanged" in proc.stderr and "No space left" in proc.stderr
    assert not run_folders(tmp_path)  # everything went to the tmpfs, gone with its namespace
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 1  # failing pages -> exit 1
    [folder] = run_folders(tmp_path)
    recs = read_run(folder)
    assert {page_of(r) for r in recs["articles"]} == ARTICLES
    assert {page_of(r): r["reject_reason"] for r in recs["rejects"]} == REJECTS


def test_revisit_uses_conditional_get_and_a_304_costs_nothing(site: SiteServer, tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path,
        site.base,
        fetch={"revisit": True},
        sources=f"""
[[sources]]
name = "list"
kind = "urls"
urls = ["{site.base}/news/a1.html", "{site.base}/news/a2.html"]
""",
    )
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 0
    site.requests.clear()
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 0
    assert len(run_folders(tmp_path)) == 1  # nothing new: no folder of empty files
    assert sorted(h.get("if-none-match", "") != "" for p, h in site.requests if p.startswith("/news/")) == [
        True,
        True,
    ]
    with sqlite3.connect(tmp_path / "state/state.db") as conn:
        folder, raw = conn.execute("SELECT folder, manifest FROM runs WHERE id = 2").fetchone()
    conn.close()
    assert folder == "" and json.loads(raw)["counts"]["not_modified"] == 2


def test_gzip_output(site: SiteServer, tmp_path: Path) -> None:
    sources = f"""
[[sources]]
name = "list"
kind = "urls"
urls = ["{site.base}/news/a1.html"]
"""
    cfg = write_config(tmp_path, site.base, output="gzip = true", sources=sources)
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 0
    [folder] = run_folders(tmp_path)
    [line] = gzip.decompress((folder / "articles.jsonl.gz").read_bytes()).decode("utf-8").splitlines()
    assert json.loads(line)["url"].endswith("/news/a1.html")


def test_sources_urls_lists_what_a_run_would_do(
    site: SiteServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(tmp_path, site.base)
    assert (
        main(["sources", "--config", str(cfg), "--log-format", "json", "--urls", "--source", "sitemap"]) == 0
    )
    before = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert {(w, path_of(u)) for _, w, u in before} == {
        ("fetch", p)
        for p in ("/news/a4.html", "/news/a1.html", "/news/a5.html", "/news/a6.html", "/repost/r1.html")
    }
    assert site.page_hits() == 0  # feeds and sitemaps only
    main(["run", "--config", str(cfg), "--log-format", "json", "--source", "sitemap"])
    capsys.readouterr()
    main(["sources", "--config", str(cfg), "--log-format", "json", "--urls", "--source", "sitemap"])
    after = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert {w for _, w, _ in after} == {"skip (ok)"}


def test_cleaning_in_a_worker_process_gives_the_same_records(site: SiteServer, tmp_path: Path) -> None:
    results = []
    for workers in (0, 1):
        sub = tmp_path / f"w{workers}"
        sub.mkdir()
        cfg = write_config(sub, site.base, fetch={"workers": workers})
        main(["run", "--config", str(cfg), "--log-format", "json", "--source", "sitemap"])
        recs = read_run(run_folders(sub)[0])
        results.append(sorted((r["url"], r["text"], r["duplicate_of"]) for s in recs.values() for r in s))
    assert results[0] == results[1] and len(results[0]) == 5


def test_command_line_set_beats_env(
    site: SiteServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write_config(tmp_path, site.base)
    monkeypatch.setenv("CLEANFEED_FETCH__RETRIES", "3")
    args = [
        "run",
        "--config",
        str(cfg),
        "--log-format",
        "json",
        "--set",
        "fetch.retries=0",
        "--source",
        "feed",
    ]
    assert main(args) == 1
    assert site.hits["/status/500"] == 1
    assert main(["run", "--config", str(cfg), "--set", "fetch.retries"]) == 2


def test_a_failing_source_is_recorded_and_the_run_goes_on(site: SiteServer, tmp_path: Path) -> None:
    sources = f"""
[[sources]]
name = "gone"
kind = "feed"
url = "{site.base}/status/404"

[[sources]]
name = "ok"
kind = "urls"
urls = ["{site.base}/news/a2.html"]
"""
    cfg = write_config(tmp_path, site.base, sources=sources)
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 1
    [folder] = run_folders(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["failed_sources"] == ["gone"]
    assert "status_404" in manifest["sources"]["gone"]["errors"][0]
    assert len(read_run(folder)["articles"]) == 1


def test_a_redirect_to_a_listed_page_gives_one_record_and_a_copy_is_a_duplicate(
    site: SiteServer, tmp_path: Path
) -> None:
    """The redirect reaches the page already listed: no second record (one record per page per run). The
    ``?utm=x`` URL is another page with the same story: its own record, a duplicate found by dedup (it shares
    the canonical, which is a dedup signal, not an identity)."""
    sources = f"""
[[sources]]
name = "list"
kind = "urls"
urls = ["{site.base}/news/a2.html", "{site.base}/redirect/news/a2.html", "{site.base}/news/a2.html?utm=x"]
"""
    cfg = write_config(tmp_path, site.base, sources=sources)
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 0
    [folder] = run_folders(tmp_path)
    recs = read_run(folder)
    [art] = recs["articles"]
    [dup] = recs["duplicates"]
    assert path_of(art["url"]) == "/news/a2.html"
    assert path_of(dup["url"]) == "/news/a2.html?utm=x"
    assert dup["duplicate_of"] == art["url"] and dup["dup_kind"] == "exact"
    assert dup["id"] != art["id"] and dup["duplicate_of_id"] == art["id"]
    assert manifest_counts(folder)["same_page"] == 1


def test_manifest_stage_counts_add_up(site: SiteServer, tmp_path: Path) -> None:
    """Fetch, clean and dedup are counted by the pipeline: per stage in = out + dropped, and what one stage
    passes on is what the next took in (dedup takes stories, one or more per cleaned page)."""
    cfg = write_config(tmp_path, site.base)
    assert main(["run", "--config", str(cfg), "--log-format", "json"]) == 1
    [folder] = run_folders(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    stages, counts = manifest["stages"], manifest["counts"]
    assert list(stages) == ["fetch", "clean", "dedup"]
    for name, c in stages.items():
        assert c["in"] == c["out"] + sum(c["dropped"].values()), name
    fetched_rejects = sum(n for r, n in manifest["reject_reasons"].items() if r.startswith("fetch:"))
    assert stages["fetch"]["in"] - stages["fetch"]["out"] == fetched_rejects > 0
    # every page fetched is cleaned here (first run: no 304s, nothing unchanged; the one same_page of this
    # site is a listed URL met twice, never fetched twice)
    assert stages["clean"]["in"] == counts["processed"] == stages["fetch"]["out"]
    assert stages["dedup"]["in"] == counts["articles"] + counts["duplicates"] == stages["clean"]["out"]
