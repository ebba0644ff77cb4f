"""site_repeat inside ``cleanfeed run``: learned in the real state database across runs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.test_clean_siteprofile import PROMO, page

from cleanfeed.cli import main
from conftest import SiteServer, write_config


def _serve(site: SiteServer, n: int, **kw: Any) -> str:
    path = f"/sp/{n}.html"
    body = page(n, **kw).encode("utf-8")
    site.routes[path] = lambda h: site.send(h, 200, body, {"Content-Type": "text/html; charset=utf-8"})
    return f"{site.base}{path}"


def _run(tmp: Path, site: SiteServer, urls: list[str], *args: str) -> list[dict[str, Any]]:
    sources = (
        '[[sources]]\nname = "site"\nkind = "urls"\nurls = [' + ", ".join(f'"{u}"' for u in urls) + "]\n"
    )
    cfg = write_config(tmp, site.base, sources=sources)
    before = {p.name for p in (tmp / "out").iterdir()} if (tmp / "out").exists() else set()
    assert main(["run", "--config", str(cfg), "--log-format", "json", *args]) == 0
    (folder,) = [p for p in (tmp / "out").iterdir() if p.is_dir() and p.name not in before]
    # (the generated stories are alike: some are near duplicates of others, written to duplicates)
    lines = [
        x
        for name in ("articles", "duplicates")
        if (folder / f"{name}.jsonl").exists()  # a stream with no record writes no file
        for x in (folder / f"{name}.jsonl").read_text("utf-8").splitlines()
    ]
    return [_removed_by_rule(json.loads(x)) for x in lines]


def _removed_by_rule(rec: dict[str, Any]) -> dict[str, Any]:
    """``removed`` is a list of ``{rule, chars}`` in the JSON record, every rule listed (zeros included)."""
    rec["removed"] = {x["rule"]: x["chars"] for x in rec["removed"] if x["chars"]}
    return rec


def test_site_repeat_learns_in_one_run_and_removes_in_the_next(site: SiteServer, tmp_path: Path) -> None:
    once = "本报记者林晓舟报道，摄影王青，实习生李冬。"
    first = _run(tmp_path, site, [_serve(site, i) for i in range(10)])
    assert len(first) == 10
    # Judged against the profile as it was before the run (empty): the first run keeps the line.
    assert all(PROMO in r["text"] for r in first)
    second = _run(tmp_path, site, [_serve(site, i, extra=once if i == 11 else "") for i in range(10, 14)])
    assert len(second) == 4
    for rec in second:
        assert PROMO not in rec["text"] and rec["removed"]["site_repeat"] == len(PROMO)
        assert 0.0 <= rec["extraction_confidence"] <= 1.0
    assert any(once in r["text"] for r in second)  # a line seen on one page stays
    db = tmp_path / "state" / "state.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM site_profile_pages").fetchone() == (14,)
    # --reset-site-profile forgets it: new pages of the host keep the line again.
    third = _run(tmp_path, site, [_serve(site, i) for i in range(14, 16)], "--reset-site-profile")
    assert all(PROMO in r["text"] and "site_repeat" not in r["removed"] for r in third)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM site_profile_pages").fetchone() == (2,)


def test_dry_run_and_disabled_profile_leave_no_trace(site: SiteServer, tmp_path: Path) -> None:
    urls = [_serve(site, i) for i in range(10)]
    sources = (
        '[[sources]]\nname = "site"\nkind = "urls"\nurls = [' + ", ".join(f'"{u}"' for u in urls) + "]\n"
    )
    cfg = write_config(tmp_path, site.base, sources=sources)
    assert main(["run", "--config", str(cfg), "--log-format", "json", "--dry-run"]) == 0
    assert (
        main(["run", "--config", str(cfg), "--log-format", "json", "--set", "state.site_profile=false"]) == 0
    )
    with sqlite3.connect(tmp_path / "state" / "state.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "site_profile_lines" not in tables
