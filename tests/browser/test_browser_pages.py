"""The explain and report pages in a real browser: Debian's headless Chromium, driven by Playwright.

Each page must load from disk with no console error and no network request, show the removed blocks
under their rules and the charts at a real size. Screenshots go to the test's temp folder, and also
to ``$BROWSER_SCREENSHOTS`` when set (``BROWSER_SCREENSHOTS=docs make test`` refreshes the
README's). Without a Chromium the module skips with one line; CI sets ``BROWSER_TESTS_REQUIRED=1``
so there a missing browser fails instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import cleanfeed
from cleanfeed.explain import render_html

ROOT = Path(__file__).resolve().parents[2]
REPOSTS = ROOT / "configs" / "demo" / "pages" / "reposts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    for name in (os.environ.get("CHROMIUM_PATH"), "chromium", "chromium-browser", "/usr/bin/chromium"):
        found = shutil.which(name) if name else None
        if found:
            return found
    return None


CHROMIUM = _chromium()
try:
    from playwright.sync_api import BrowserContext, Page, sync_playwright
except ImportError:  # pragma: no cover - a dev dependency
    sync_playwright = None  # type: ignore[assignment]

_MISSING = (
    "no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)"
    if CHROMIUM is None
    else "the playwright package is not installed (pip install -e '.[dev]')"
    if sync_playwright is None
    else ""
)
if _MISSING:
    if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
        raise RuntimeError(f"browser tests required here (BROWSER_TESTS_REQUIRED=1), but {_MISSING}")
    pytest.skip(f"browser tests skipped: {_MISSING}", allow_module_level=True)


@dataclass
class Watch:
    """What one page did: console errors, uncaught exceptions and every request it made."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh profile: nothing cached or synced
            executable_path=CHROMIUM,
            args=ARGS,
            headless=True,
            viewport={"width": 1200, "height": 1000},
            device_scale_factor=1,
        )
        try:
            yield ctx
        finally:
            ctx.close()


def _open(context: BrowserContext, path: Path) -> tuple[Page, Watch]:
    watch = Watch()
    page = context.new_page()
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))

    page.on("request", lambda req: watch.requests.append(req.url))
    # Anything that would leave the machine is cut off (and, recorded above, fails the test).
    page.route("http*://**/*", lambda route: route.abort())
    page.goto(path.as_uri(), wait_until="load")
    return page, watch


def _offline(watch: Watch, path: Path) -> None:
    assert watch.errors == []
    assert watch.requests == [path.as_uri()], "the page loaded something besides itself"


def _shot(page: Page, tmp: Path, name: str, *, docs: bool = False, **kw: Any) -> None:
    """Save a screenshot (``docs``: one the README shows, refreshed when BROWSER_SCREENSHOTS is set)."""
    page.screenshot(path=str(tmp / name), **kw)
    assert (tmp / name).stat().st_size > 10_000
    where = os.environ.get("BROWSER_SCREENSHOTS")
    if where and docs:
        page.screenshot(path=str(ROOT / where / name), **kw)


def _box(page: Page, selector: str) -> list[dict[str, float]]:
    out = []
    for el in page.query_selector_all(selector):
        box = el.bounding_box()
        assert box is not None, f"{selector} is not rendered"
        out.append(box)
    return out


SPAM_PAGES = sorted(
    p for p in REPOSTS.glob("*.html") if "spam_block" in cleanfeed.explain(p.read_bytes()).removed
)


@pytest.mark.parametrize("path", SPAM_PAGES, ids=lambda p: p.stem)
def test_explain_page_shows_spam_under_its_rule(context: BrowserContext, tmp_path: Path, path: Path) -> None:
    exp = cleanfeed.explain(path.read_bytes())
    out = tmp_path / f"{path.stem}.html"
    out.write_text(render_html(exp), encoding="utf-8")
    page, watch = _open(context, out)
    try:
        _offline(watch, out)
        spam = [b for b in exp.blocks if b.rule == "spam_block"]
        shown = page.query_selector_all('.blk[data-rule="spam_block"]')
        assert len(shown) == len(spam) > 0
        for el, b in zip(shown, spam, strict=True):
            box = el.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] >= 20
            assert el.inner_text().startswith("spam_block")  # the label a reader sees
            assert "".join(b.text.split()) in "".join(el.inner_text().split())
            # Struck through: it reads as removed, not as story text.
            style = el.query_selector(".txt")
            assert style is not None and "line-through" in style.evaluate(
                "e => getComputedStyle(e).textDecorationLine"
            )
        kept = page.query_selector_all(".blk[data-kept]")
        assert len(kept) == sum(1 for b in exp.blocks if b.status in ("kept", "headline"))
        assert all((k.bounding_box() or {}).get("height", 0) >= 20 for k in kept)
        background = kept[0].evaluate("e => getComputedStyle(e).backgroundColor")
        assert background != page.query_selector_all(".blk[data-rule]")[0].evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        _shot(page, tmp_path, f"explain-{path.stem}.png", full_page=True)
        if path.stem == "kuaixun_zhejiang_wanyi":
            _shot(page, tmp_path, "explain-top.png", docs=True)
            first = page.query_selector('.blk[data-rule="editor"]') or shown[0]
            first.scroll_into_view_if_needed()
            page.evaluate("y => window.scrollBy(0, y)", 200)
            _shot(page, tmp_path, "explain-blocks.png", docs=True)
    finally:
        page.close()


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A real `cleanfeed run` in its own process (Playwright's sync API holds this thread's event loop).
    tmp = tmp_path_factory.mktemp("demo-run")
    cmd = [sys.executable, "-m", "cleanfeed", "run", "--config", str(ROOT / "configs" / "default.toml")]
    cmd += [
        "--log-format",
        "json",
        "--set",
        f"output.dir={tmp / 'out'}",
        "--set",
        f"state.path={tmp / 'state.db'}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    (folder,) = (tmp / "out").glob("*-run*")
    return folder / "report.html"


def test_report_page_draws_its_charts_offline(
    context: BrowserContext, tmp_path: Path, demo_report: Path
) -> None:
    page, watch = _open(context, demo_report)
    try:
        _offline(watch, demo_report)
        figures = page.query_selector_all("figure[data-chart]")
        drawn = page.query_selector_all("figure[data-chart] svg")
        empty = page.query_selector_all("figure[data-chart] [data-empty]")
        assert len(figures) == 9 and len(drawn) + len(empty) == 9 and len(drawn) >= 7
        for box in _box(page, "figure[data-chart] svg"):
            assert box["width"] >= 300 and box["height"] >= 150
        # Bars are drawn: each chart has rectangles of a real size inside it.
        for svg in drawn:
            bars = [b for r in svg.query_selector_all("rect.rect") if (b := r.bounding_box())]
            assert bars and max(b["width"] * b["height"] for b in bars) > 100
        # The counts a reader sees are the manifest's.
        counts = {
            el.get_attribute("data-count"): el.query_selector("b").inner_text()  # type: ignore[union-attr]
            for el in page.query_selector_all("[data-count]")
        }
        manifest = json.loads((demo_report.parent / "manifest.json").read_text(encoding="utf-8"))
        assert {k: counts[k] for k in manifest["counts"]} == {
            k: str(v) for k, v in manifest["counts"].items()
        }
        _shot(page, tmp_path, "report.png", full_page=True)
        _shot(
            page, tmp_path, "report-top.png", docs=True, clip={"x": 0, "y": 0, "width": 1200, "height": 1750}
        )
        # Its explain links open explain pages, offline too.
        link = page.query_selector("#largest-removals a[data-explain]")
        assert link is not None
        target = (demo_report.parent / (link.get_attribute("href") or "")).resolve()
    finally:
        page.close()
    page, watch = _open(context, target)
    try:
        _offline(watch, target)
        assert page.query_selector_all("[data-rule]") and page.query_selector_all("[data-kept]")
    finally:
        page.close()
