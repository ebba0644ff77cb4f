"""What a run tells while it works: progress events under cron, a warning per failed page or source, the
same fields in text logs, and a terminal display with rate, ETA, counts and errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from cleanfeed.log import RichProgress
from conftest import SiteServer, write_config


def _sources(base: str) -> str:
    pages = [f"{base}/gen/{i}.html" for i in range(1, 9)] + [f"{base}/status/404", f"{base}/status/500"]
    return f"""
[[sources]]
name = "list"
kind = "urls"
urls = {json.dumps(pages)}

[[sources]]
name = "deadfeed"
kind = "feed"
url = "{base}/status/410"
"""


def cron_run(site: SiteServer, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``cleanfeed run`` as cron runs it: no terminal, output captured."""
    site.delay = 0.15  # each page takes a while, so the run spans several progress intervals
    cfg = write_config(tmp, site.base, sources=_sources(site.base), fetch={"retries": 0})
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEANFEED_")}
    return subprocess.run(
        [sys.executable, "-m", "cleanfeed", "run", "--config", str(cfg), "--progress-every", "0.1", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_cron_json_log_shows_progress_and_each_failure(site: SiteServer, tmp_path: Path) -> None:
    proc = cron_run(site, tmp_path)
    assert proc.returncode == 1, proc.stderr  # failed pages and a failed source
    # the summary says why the exit code is 1
    assert "cleanfeed: failed pages: 2 " in proc.stderr
    assert "cleanfeed: failed sources: deadfeed" in proc.stderr
    events = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    progress = [e for e in events if e.get("event") == "progress"]
    assert len(progress) >= 3, [e.get("event") for e in events]
    for e in progress:
        assert {"done", "rate", "queued", "errors", "sources", "counts", "elapsed_s"} <= set(e)
    assert [e["done"] for e in progress] == sorted(e["done"] for e in progress)
    last = progress[-1]
    assert last["done"] == last["queued"] == 10 and last["listed"]
    assert last["sources"]["list"]["articles"] == 8 and last["sources"]["list"]["rejects"] == 2
    assert last["counts"]["articles"] == 8 and last["errors"] == 3  # two pages, one source
    assert last["rate"] > 0
    failed = {e["url"].rsplit("/", 2)[-2:][-1]: e for e in events if e.get("event") == "page_failed"}
    assert set(failed) == {"404", "500"}
    assert failed["404"]["level"] == "warning" and failed["404"]["reason"] == "fetch:status_404"
    assert failed["500"]["source"] == "list"
    [src] = [e for e in events if e.get("event") == "source_failed"]
    assert src["source"] == "deadfeed" and src["url"].endswith("/status/410") and "410" in src["reason"]
    assert src["level"] == "warning"


def test_text_log_shows_the_same_fields(site: SiteServer, tmp_path: Path) -> None:
    proc = cron_run(site, tmp_path, "--log-format", "text")
    lines = proc.stderr.splitlines()
    assert not any(line.startswith("{") for line in lines)
    progress = [line for line in lines if " progress: " in line]
    assert progress, proc.stderr
    assert all(f" {k}=" in progress[-1] for k in ("done", "rate", "queued", "errors", "sources"))
    assert '"list":{' in progress[-1]  # per-source counts
    [started] = [line for line in lines if "run started" in line]
    assert " folder=" in started and " sources=" in started
    failed = [line for line in lines if "WARNING page failed" in line]
    assert len(failed) == 2 and all(" url=" in x and " reason=fetch:status_" in x for x in failed)
    assert any("source_failed" not in x and "source deadfeed failed" in x for x in lines)


def _render(bar: RichProgress, console: Console) -> str:
    console.print(bar._progress.get_renderable())  # what the live display draws
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()


def test_terminal_display_shows_rate_eta_counts_and_sources() -> None:
    console = Console(file=io.StringIO(), width=160, force_terminal=True, color_system=None)
    bar = RichProgress(console=console)
    info: dict[str, Any] = {
        "counts": {"articles": 5, "duplicates": 2, "rejects": 1, "skipped": 0},
        "errors": 1,
        "sources": {"xinhua": {"articles": 5}, "portal": {"duplicates": 2, "rejects": 1}},
    }
    bar.update(8, 20, listed=False, **info)
    text = _render(bar, console)
    assert "8/20" in text and "pages/s" in text
    assert "ETA -:--:--" in text  # sources still being listed: no ETA yet
    assert "5 articles" in text and "2 duplicates" in text and "1 errors" in text
    assert "xinhua 5" in text and "portal 3" in text
    bar.update(10, 20, listed=True, **info)
    text = _render(bar, Console(file=io.StringIO(), width=160, force_terminal=True, color_system=None))
    assert "ETA -:--:--" not in text and "ETA" in text
