"""Extraction quality and speed: cleanfeed vs trafilatura (and readability-lxml when installed).

On the dev splits (``../shared/eval/daniel-zh-dev`` with full gold, ``../shared/eval/gne-zh-dev`` with
must-include / must-exclude snippets; hand-held, never copied into the repo) it reports the mean
character-bigram F1 (``cleanfeed.evaluate``, the same metric as ``shared/eval/score.py``) and the
snippet pass count (``gne-zh-dev/snippets.py``), side by side for the three extractors, lists every page
where cleanfeed is far below the better of the other two, and checks ``extraction_confidence``: the ROC
AUC of "low confidence = bad page" and the share of bad pages among the lowest-confidence tenth. Speed:
pages per second on one core, the slowest page and peak RSS growth. Without the dev data it reports
cleanfeed's speed on the bundled fixture pages.

    python -m bench.run --only bench_extract            # or: python bench/bench_extract.py [--quick]
"""

from __future__ import annotations

import json
import resource
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cleanfeed import Drop, clean_html, normalize_text
from cleanfeed.evaluate import score_pair

CMD = "python -m bench.run --only bench_extract"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


CONFIDENCE: dict[int, float] = {}  # id(page bytes) -> extraction_confidence of the last cleanfeed run


def _cleanfeed(data: bytes) -> str:
    try:
        art = clean_html(data)
    except Drop:
        CONFIDENCE[id(data)] = 0.0  # a reject is the least trusted outcome
        return ""
    CONFIDENCE[id(data)] = art.extraction_confidence if art.extraction_confidence is not None else 0.0
    title, text = art.title or "", art.text
    return text if not title or text.startswith(title) else f"{title}\n{text}"


def _trafilatura() -> Callable[[bytes], str] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def run(data: bytes) -> str:
        out = trafilatura.extract(data, include_comments=False, with_metadata=False)
        meta = trafilatura.extract_metadata(data)
        title = meta.title if meta is not None and meta.title else ""
        text = out or ""
        return text if not title or text.startswith(title) else f"{title}\n{text}"

    return run


def _readability() -> Callable[[bytes], str] | None:
    try:
        from lxml import html as lxml_html
        from readability import Document
    except ImportError:
        return None

    def run(data: bytes) -> str:
        try:
            doc = Document(data)
            summary = doc.summary(html_partial=True)
            text = lxml_html.fromstring(summary).text_content() if summary.strip() else ""
            title = doc.short_title() or ""
        except Exception:  # a baseline that fails on a page scores 0 there
            return ""
        return f"{title}\n{text}"

    return run


def _measure(fn: Callable[[bytes], str], pages: list[tuple[str, bytes, str]]) -> dict[str, Any]:
    scores, slowest, slow_id, total = [], 0.0, "", 0.0
    preds: dict[str, str] = {}
    for doc, data, gold in pages:
        # CPU time of this process: pages/s per core, and fair on a machine other jobs share.
        t0 = time.process_time()
        pred = fn(data)
        dt = time.process_time() - t0
        preds[doc] = pred
        total += dt
        if dt > slowest:
            slowest, slow_id = dt, doc
        scores.append(score_pair(gold, pred)[2] if gold else 0.0)
    n = len(pages) or 1
    return {
        "f1": sum(scores) / n,
        "pps": n / total if total else 0.0,
        "slowest": slowest,
        "slow_id": slow_id,
        "scores": dict(zip([d for d, _, _ in pages], scores, strict=True)),
        "preds": preds,
        "cpu": total,
    }


def _dev_pages(shared: Path, quick: bool) -> list[tuple[str, bytes, str]]:
    root = shared / "eval" / "daniel-zh-dev"
    pages = []
    for gold in sorted((root / "gold").glob("*.txt")):
        html = root / "html" / f"{gold.stem}.html"
        if html.is_file():
            pages.append((gold.stem, html.read_bytes(), gold.read_text(encoding="utf-8")))
    return pages[::5] if quick else pages


def _fixture_pages(root: Path) -> list[tuple[str, bytes, str]]:
    folder = root / "tests" / "fixtures" / "pages"
    return [(p.stem, p.read_bytes(), "") for p in sorted(folder.glob("*.html"))]


def _gne_pages(shared: Path) -> tuple[list[tuple[str, bytes, str]], list[dict[str, Any]]]:
    """gne-zh-dev pages (no full gold: F1 is not scored) and their snippet labels, read in place."""
    root = shared / "eval" / "gne-zh-dev"
    labels: list[dict[str, Any]] = []
    for f in sorted((root / "labels").glob("part*.jsonl")):
        labels += [json.loads(x) for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
    labels = [d for d in labels if d.get("kind") == "article" and d.get("must_include")]
    pages = [(d["id"], (root / "html" / f"{d['id']}.html").read_bytes(), "") for d in labels]
    return pages, labels


def _canon(text: str) -> str:
    """The comparison form of shared/eval/score.py: NFKC, OpenCC t2s, no whitespace."""
    return "".join(_t2s(unicodedata.normalize("NFKC", text)).split())


def _t2s(text: str) -> str:
    try:
        import opencc
    except ImportError:  # pragma: no cover - a declared dependency
        return text
    return str(opencc.OpenCC("t2s").convert(text))


def _snippets(labels: list[dict[str, Any]], preds: dict[str, str]) -> dict[str, tuple[bool, str]]:
    """page -> (passed, why not): every must_include in, no must_exclude in (gne-zh-dev/snippets.py)."""
    out = {}
    for d in labels:
        pred = _canon(preds.get(d["id"], ""))
        missing = [x for x in d["must_include"] if _canon(x) not in pred]
        kept = [x for x in d["must_exclude"] if _canon(x) in pred]
        why = (f"misses {len(missing)}/{len(d['must_include'])}" if missing else "") + (
            f"{'; ' if missing else ''}keeps {len(kept)} excluded" if kept else ""
        )
        out[d["id"]] = (not missing and not kept, why)
    return out


def _auc(conf: list[float], bad: list[bool]) -> float:
    """ROC AUC of "lower confidence means a bad page" (ties count half)."""
    pos = [c for c, b in zip(conf, bad, strict=True) if b]
    neg = [c for c, b in zip(conf, bad, strict=True) if not b]
    if not pos or not neg:
        return float("nan")
    wins = sum((p < q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


SITE_REPEAT_GRID = ((5, 0.5), (3, 0.3), (5, 0.3), (8, 0.5))


def site_repeat_section(shared: Path) -> str:
    """``SiteProfile.clean_batch`` over daniel-zh-dev grouped by host, for a few thresholds."""
    import copy

    from cleanfeed import SiteProfile

    root = shared / "eval" / "daniel-zh-dev"
    rows = [
        json.loads(x) for x in (root / "index.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()
    ]
    arts, golds = [], []
    for row in rows:
        try:
            art = clean_html(
                (root / "html" / f"{row['id']}.html").read_bytes(), url=f"http://{row['site']}/{row['id']}"
            )
        except Drop:
            continue
        arts.append(art)
        golds.append((root / "gold" / f"{row['id']}.txt").read_text(encoding="utf-8"))

    def f1(art: Any, gold: str) -> float:
        t, x = art.title or "", art.text
        return score_pair(gold, x if not t or x.startswith(t) else f"{t}\n{x}")[2]

    before = [f1(a, g) for a, g in zip(arts, golds, strict=True)]
    out = [
        "| min_pages | min_share | mean F1 before → after | pages changed | pages worse |",
        "|---:|---:|---|---:|---:|",
    ]
    for mp, ms in SITE_REPEAT_GRID:
        done = SiteProfile(min_pages=mp, min_share=ms).clean_batch([copy.deepcopy(a) for a in arts])
        after = [f1(a, g) for a, g in zip(done, golds, strict=True)]
        changed = sum("site_repeat" in a.removed for a in done)
        worse = sum(b - a > 0.001 for a, b in zip(after, before, strict=True))
        f1s = f"{sum(before) / len(before):.4f} → {sum(after) / len(after):.4f}"
        out.append(f"| {mp} | {ms} | {f1s} | {changed} | {worse} |")
    return "\n".join(out) + "\n"


BAD_F1 = 0.8  # a daniel-zh-dev page is "bad" below this F1; a gne-zh-dev page when it fails its snippets
FAR_BELOW = 0.1  # listed when cleanfeed's F1 is this much below the better of the other two


def run(ctx: Any) -> str:
    dev = ctx.shared is not None and (ctx.shared / "eval" / "daniel-zh-dev" / "gold").is_dir()
    pages = _dev_pages(ctx.shared, ctx.quick) if dev else _fixture_pages(ctx.root)
    rss0 = _rss_mb()
    # Warm-up on the bundled fixture pages, not on the measured ones: imports (trafilatura, ~0.3 s, is
    # loaded on the first page that needs its opinion), OpenCC tables, rule compilation. The timed pass
    # then sees pages this process has never cleaned, as a long-running batch does.
    for _, data, _ in _fixture_pages(ctx.root):
        _cleanfeed(data)
    # ... and the mojibake model, loaded lazily on the first suspicious span (a one-time ~0.2 s CPU cost
    # reported by bench_normalize; left in, it would be charged to whichever page triggers it).
    normalize_text("发展?经济")
    rows = [("cleanfeed", _measure(_cleanfeed, pages))]
    rss = _rss_mb() - rss0
    gne: list[tuple[str, bytes, str]] = []
    labels: list[dict[str, Any]] = []
    gne_rows: list[tuple[str, dict[str, Any]]] = []
    if dev and (ctx.shared / "eval" / "gne-zh-dev" / "labels").is_dir():
        gne, labels = _gne_pages(ctx.shared)
        gne_rows.append(("cleanfeed", _measure(_cleanfeed, gne)))
    if dev:
        for name, make in (("trafilatura", _trafilatura), ("readability-lxml", _readability)):
            fn = make()
            if fn is not None:
                fn(pages[0][1])
                rows.append((name, _measure(fn, pages)))
                if gne:
                    gne_rows.append((name, _measure(fn, gne)))
    lines = [
        "## Extraction (bench_extract)\n",
        f"Command: `{CMD}`" + (" (`--quick`: every 5th page)" if ctx.quick else "") + "\n",
    ]
    if not dev:
        lines.append("Dev data not present: cleanfeed speed on the bundled fixture pages only.\n")
        m = rows[0][1]
        lines.append(f"- {len(pages)} pages, {m['pps']:.1f} pages/s, slowest {m['slowest'] * 1000:.0f} ms")
        lines.append(f"\ncleanfeed peak RSS growth over the run: {rss:.0f} MB.")
        return "\n".join(lines) + "\n"
    snip = {name: _snippets(labels, m["preds"]) for name, m in gne_rows}
    lines.append(
        f"Dev splits: `shared/eval/daniel-zh-dev`, {len(pages)} real Chinese news pages (2011-2012, "
        "mainland/HK/TW) with full gold text; metric: mean character-bigram F1 of `title + text` "
        "(`cleanfeed eval`, same as `shared/eval/score.py`). `shared/eval/gne-zh-dev`, "
        f"{len(gne)} real 2019 portal pages (163, sina, thepaper, WeChat, baijiahao, ...) with "
        "must-include / must-exclude snippets; a page passes when every must-include snippet is in the "
        "output and no must-exclude one (`gne-zh-dev/snippets.py`). Speed is pages per CPU-second of one "
        "process (per core), measured with `time.process_time`, one pass over pages the process has not "
        "seen, after a warm-up on the bundled fixture pages (imports, tables, lazy models).\n"
    )
    lines.append("| extractor | daniel F1 | pages F1 < 0.5 | gne snippets passed | pages/s | slowest page |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for name, m in rows:
        passed = sum(ok for ok, _ in snip.get(name, {}).values())
        low = sum(v < 0.5 for v in m["scores"].values())
        lines.append(
            f"| {name} | {m['f1']:.4f} | {low} | {passed}/{len(labels)} | {m['pps']:.1f} | "
            f"{m['slowest'] * 1000:.0f} ms |"
        )
    others = [m for name, m in rows[1:]]
    if others:
        ratio = rows[0][1]["pps"] / others[0]["pps"] if others[0]["pps"] else float("inf")
        lines.append(f"\ncleanfeed is {ratio:.1f}x as fast as {rows[1][0]} on the same pages (CPU time).")
    # Pages where cleanfeed is far below the better of the others.
    ours = rows[0][1]["scores"]
    far = [
        (doc, f, max(m["scores"][doc] for m in others))
        for doc, f in ours.items()
        if others and max(m["scores"][doc] for m in others) - f > FAR_BELOW
    ]
    lines.append(
        f"\ndaniel-zh-dev pages where cleanfeed's F1 is more than {FAR_BELOW} below the better of the "
        f"other two: {len(far) or 'none'}"
    )
    for doc, f, best in sorted(far, key=lambda x: x[1] - x[2]):
        lines.append(f"- `{doc[:60]}`: {f:.3f} (best other {best:.3f})")
    fails = [(pid, why) for pid, (ok, why) in snip.get("cleanfeed", {}).items() if not ok]
    lines.append(f"\ngne-zh-dev pages cleanfeed fails: {len(fails) or 'none'}")
    for pid, why in fails:
        other = ", ".join(
            f"{n}: {'pass' if s[pid][0] else s[pid][1]}" for n, s in snip.items() if n != "cleanfeed"
        )
        lines.append(f"- `{pid}`: {why} ({other})")
    # Confidence calibration over both sets.
    conf = [CONFIDENCE.get(id(data), 0.0) for _, data, _ in pages] + [
        CONFIDENCE.get(id(d), 0.0) for _, d, _ in gne
    ]
    bad = [ours[doc] < BAD_F1 for doc, _, _ in pages] + [not snip["cleanfeed"][pid][0] for pid, _, _ in gne]
    order = sorted(range(len(conf)), key=lambda i: conf[i])
    tenth = order[: max(1, len(conf) // 10)]
    in_low = sum(bad[i] for i in tenth)
    lines.append(
        f"\n`extraction_confidence` (both sets, {len(conf)} pages, {sum(bad)} bad: daniel F1 < {BAD_F1} "
        f"or a failed snippet check): ROC AUC {_auc(conf, bad):.3f}; the lowest-confidence tenth "
        f"({len(tenth)} pages) holds {in_low} bad pages ({in_low / len(tenth):.0%} of it, "
        f"{in_low / max(1, sum(bad)):.0%} of all bad pages; base rate {sum(bad) / len(conf):.0%})."
    )
    lines.append(f"\ncleanfeed peak RSS growth over the run: {rss:.0f} MB.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from dataclasses import dataclass

    @dataclass
    class _Ctx:
        root: Path
        shared: Path | None
        quick: bool

    here = Path(__file__).resolve().parent.parent
    # ../shared next to the checkout (or next to its worktree folder: /work/wt/<name> -> /work/shared)
    found = [d for d in (here.parent / "shared", here.parent.parent / "shared") if d.is_dir()]
    if "--site-repeat" in sys.argv and found:
        print(site_repeat_section(found[0]))
    else:
        print(run(_Ctx(here, found[0] if found else None, "--quick" in sys.argv)))
