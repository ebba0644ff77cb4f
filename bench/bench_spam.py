"""Spam-injection leak benchmark: how much injected spam survives extraction, cleanfeed vs trafilatura.

Clean article pages (our own fixture stories rendered as clean originals, plus the real dev pages of
../shared/eval/daniel-zh-dev when present) get seed-like spam injected by ``spam_inject.inject`` at
random places in the body. Only strings that occur nowhere on the page before injection are
recorded, so an injected string found in an extractor's output is a leak. Reported:

- leak rate: leaked injected characters / injected characters (target for cleanfeed: <= 1 %);
- F1: character-bigram F1 of ``title + text`` against the clean text (NFKC, t2s, no whitespace);
- the strings and block kinds that leak most.

    python -m bench.bench_spam --quick          # fixture pages only, cleanfeed only: leak + top leaks
    python -m bench.bench_spam [--pages N] [--trafilatura] [--shared]
    python -m bench.run --only bench_spam       # the Markdown section for docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.spam_inject import canon, inject
from cleanfeed.evaluate import score_pair

ROOT = Path(__file__).resolve().parent.parent

COMMAND = "python -m bench.bench_spam --pages {pages} --trafilatura{shared}"


@dataclass
class BenchPage:
    name: str
    html: str  # after injection
    gold: str  # title + clean paragraphs
    injected: list[tuple[str, str]]  # (block kind, visible string)


@dataclass
class Score:
    injected_chars: int = 0
    leaked_chars: int = 0
    f1: list[float] = field(default_factory=list)
    dropped: int = 0
    seconds: float = 0.0
    leaks: Counter[str] = field(default_factory=Counter)
    kind_injected: Counter[str] = field(default_factory=Counter)
    kind_leaked: Counter[str] = field(default_factory=Counter)
    slowest: list[tuple[float, str]] = field(default_factory=list)  # (seconds, page), worst first

    @property
    def leak_rate(self) -> float:
        return self.leaked_chars / self.injected_chars if self.injected_chars else 0.0

    @property
    def mean_f1(self) -> float:
        return sum(self.f1) / len(self.f1) if self.f1 else 0.0


def _t2s() -> Callable[[str], str]:
    import opencc

    conv = opencc.OpenCC("t2s")
    return conv.convert  # type: ignore[no-any-return]


T2S = _t2s()


def score_canon(text: str) -> str:
    """Canonical form of eval/score.py: NFKC, Traditional -> Simplified, no whitespace."""
    return canon(T2S(unicodedata.normalize("NFKC", text)))


def bigram_f1(gold: str, pred: str) -> float:
    return score_pair(gold, pred)[2]  # the metric of eval/score.py, as `cleanfeed eval` reports it


# --- page sources ----------------------------------------------------------------------------------
def fixture_originals() -> list[tuple[str, str, str, list[str]]]:
    """(name, clean html, title, paragraphs) for our own stories rendered as clean originals."""
    from tools.fixture_pages.demo import original_page
    from tools.fixture_pages.story import STORIES, load_story

    out = []
    for path in sorted(STORIES.glob("*.txt")):
        if path.name.endswith(("raw.txt", "footer.txt", "hant.txt")):
            continue
        story = load_story(path.stem)
        paras = story.expected_lines()
        html = original_page(story, f"https://www.example-news.cn/{path.stem}.html", "示例新闻网")
        out.append((path.stem, html, story.title, paras))
    return out


def shared_pages(shared: Path) -> list[tuple[str, str, str, list[str]]]:
    """(name, html, title, paragraphs) from the dev set; never copied anywhere, read in place."""
    base = shared / "eval" / "daniel-zh-dev"
    out = []
    for line in (base / "index.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        html = (base / "html" / f"{row['id']}.html").read_bytes().decode("utf-8", errors="replace")
        gold = (base / "gold" / f"{row['id']}.txt").read_text(encoding="utf-8").strip().split("\n")
        title, paras = (gold[0], gold[1:]) if row.get("title_in_gold", True) else ("", gold)
        out.append((row["id"], html, title, [p for p in paras if p.strip()]))
    return out


def build_pages(
    n: int, seed: int = 20260122, shared: Path | None = None, *, variants: bool = False
) -> list[BenchPage]:
    """``n`` injected pages from the fixture originals (several seeds each) and, if given, the dev set.
    ``variants``: the layout variants of ``spam_inject`` instead (one page in six a short story)."""
    rng = random.Random(seed)
    sources = fixture_originals()
    pages: list[BenchPage] = []
    k = 0
    while len(pages) < n:
        name, html, title, paras = sources[k % len(sources)]
        s = rng.randrange(1 << 30)
        short = variants and k % 6 == 5
        inj = inject(html, paras, s, n_blocks=rng.randint(3, 7), variants=variants, short=short)
        pages.append(
            BenchPage(
                f"{name}#{s}",
                inj.html,
                "\n".join([title, *(paras[:1] if short else paras)]),
                [(b.kind, t) for b in inj.blocks for t in b.texts],
            )
        )
        k += 1
    if shared is not None:
        for name, html, title, paras in shared_pages(shared):
            s = rng.randrange(1 << 30)
            try:
                short = variants and len(pages) % 6 == 5
                inj = inject(
                    html, paras, s, n_blocks=rng.randint(3, 7), convert=T2S, variants=variants, short=short
                )
            except (ValueError, TypeError):  # a page lxml cannot parse: not a spam measurement
                continue
            if not inj.blocks:
                continue
            pages.append(
                BenchPage(
                    f"dev:{name}",
                    inj.html,
                    "\n".join([title, *(paras[:1] if short else paras)]),
                    [(b.kind, t) for b in inj.blocks for t in b.texts],
                )
            )
    return pages


# --- extractors ------------------------------------------------------------------------------------
def run_cleanfeed(html: str) -> str | None:
    import cleanfeed

    try:
        art = cleanfeed.clean_html(html, url="https://spam.example.com/a.html")
    except cleanfeed.Drop:
        return None
    return f"{art.title or ''}\n{art.text}"


def run_trafilatura(html: str) -> str | None:
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    if doc is None:
        return None
    title = getattr(doc, "title", None) or ""
    text = getattr(doc, "text", None) or ""
    return f"{title}\n{text}" if text else None


def evaluate(pages: list[BenchPage], extractor: Callable[[str], str | None], progress: bool = False) -> Score:
    sc = Score()
    t0 = time.perf_counter()
    for i, page in enumerate(pages):
        if progress and i and i % 50 == 0:
            print(f"  ... {i}/{len(pages)} pages, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        t1 = time.perf_counter()
        after = extractor(page.html)
        sc.slowest.append((time.perf_counter() - t1, page.name))
        if after is None:
            sc.dropped += 1
            after = ""
        sc.f1.append(bigram_f1(page.gold, after))
        got = score_canon(after)
        for kind, text in page.injected:
            c = score_canon(text)
            sc.injected_chars += len(c)
            sc.kind_injected[kind] += len(c)
            if c in got:
                sc.leaked_chars += len(c)
                sc.kind_leaked[kind] += len(c)
                sc.leaks[text] += 1
    sc.seconds = time.perf_counter() - t0
    sc.slowest = sorted(sc.slowest, reverse=True)[:5]
    return sc


# --- reports ---------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return f"{100 * x:.2f} %"


def markdown(results: dict[str, dict[str, Score]], n_pages: dict[str, int], command: str) -> str:
    lines = [
        "## Spam-injection leak (bench_spam)\n",
        "Seed-like spam (salad blocks, disclaimers, APP prompts and counters, link lists, share widgets, "
        "comment forms, footers, hidden blocks, empty random tags) is injected at random places in clean "
        "article bodies by `bench/spam_inject.py` (only strings found nowhere on the page before "
        "injection); a string *leaks* when it is in the extractor's output. "
        "Target for cleanfeed: leak <= 1 %.\n",
        f"Command: `{command}`\n",
        "| set | pages | extractor | leak (chars) | F1 vs clean text | dropped | time |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for set_name, by_ex in results.items():
        for ex, sc in by_ex.items():
            lines.append(
                f"| {set_name} | {n_pages[set_name]} | {ex} | {_pct(sc.leak_rate)} | {sc.mean_f1:.3f} | "
                f"{sc.dropped} | {sc.seconds:.0f} s |"
            )
    for set_name, by_ex in results.items():
        sc = by_ex.get("cleanfeed")
        if sc is None:
            continue
        kinds = ", ".join(f"{k} {_pct(sc.kind_leaked[k] / v)}" for k, v in sc.kind_injected.most_common())
        lines.append(f"\ncleanfeed leak by block kind ({set_name}): {kinds}\n")
        top = sc.leaks.most_common(10)
        if top:
            lines.append(
                f"Top leaking strings ({set_name}): " + "; ".join(f"`{t}` ×{n}" for t, n in top) + "\n"
            )
    return "\n".join(lines) + "\n"


def run(ctx: Any) -> str:
    """Section for `make bench` (see bench/run.py)."""
    n = 40 if ctx.quick else 150
    sets = {"fixture originals": build_pages(n), "fixture, layout variants": build_pages(n, variants=True)}
    if ctx.shared is not None:
        sets["daniel-zh-dev"] = build_pages(0, shared=ctx.shared)
        sets["daniel-zh-dev, layout variants"] = build_pages(0, shared=ctx.shared, variants=True)
    results: dict[str, dict[str, Score]] = {}
    for set_name, pages in sets.items():
        results[set_name] = {
            "cleanfeed": evaluate(pages, run_cleanfeed),
            "trafilatura": evaluate(pages, run_trafilatura),
        }
    command = COMMAND.format(pages=n, shared=" --shared" if ctx.shared is not None else "")
    note = "" if ctx.shared is not None else "\n_../shared is absent: the daniel-zh-dev set was skipped._\n"
    return markdown(results, {k: len(v) for k, v in sets.items()}, command) + note


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="40 fixture pages, cleanfeed only, print leaks")
    ap.add_argument("--pages", type=int, default=150, help="number of injected fixture pages")
    ap.add_argument("--trafilatura", action="store_true", help="also score trafilatura")
    ap.add_argument("--shared", action="store_true", help="also use ../shared/eval/daniel-zh-dev")
    ap.add_argument("--top", type=int, default=25, help="how many leaking strings to print")
    args = ap.parse_args()
    n = 40 if args.quick else args.pages
    sets = {"fixture originals": build_pages(n), "fixture, layout variants": build_pages(n, variants=True)}
    # ../shared next to the checkout (or next to its worktree folder: /work/wt/<name> -> /work/shared)
    shared = next((d for d in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if d.is_dir()), ROOT)
    if args.shared and shared is not ROOT:
        sets["daniel-zh-dev"] = build_pages(0, shared=shared)
        sets["daniel-zh-dev, layout variants"] = build_pages(0, shared=shared, variants=True)
    results: dict[str, dict[str, Score]] = {}
    for set_name, pages in sets.items():
        results[set_name] = {"cleanfeed": evaluate(pages, run_cleanfeed, progress=True)}
        if args.trafilatura and not args.quick:
            results[set_name]["trafilatura"] = evaluate(pages, run_trafilatura, progress=True)
    for set_name, by_ex in results.items():
        for ex, sc in by_ex.items():
            print(
                f"{set_name:18} {ex:12} pages={len(sets[set_name]):4d} leak={_pct(sc.leak_rate):>8} "
                f"F1={sc.mean_f1:.3f} dropped={sc.dropped} ({sc.seconds:.1f} s)"
            )
            print("  slowest: " + ", ".join(f"{name} {sec:.1f} s" for sec, name in sc.slowest[:3]))
        sc = by_ex["cleanfeed"]
        print(
            "  leak by kind: "
            + ", ".join(f"{k} {_pct(sc.kind_leaked[k] / v)}" for k, v in sc.kind_injected.most_common())
        )
        for text, count in sc.leaks.most_common(args.top):
            print(f"  {count:4d}× {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
