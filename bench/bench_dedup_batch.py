"""Dedup as the pipeline does it (match, add, late links for originals): one article at a time vs
``DedupIndex.dedup_many`` in batches of 256.

Two identical indexes are built from the same synthetic articles (``bench_dedup.synthetic``, ``bulk_load``
in memory); the same stream then goes through each: two fifths new articles (a quarter of them from original
sources, which look for late links), a quarter spam-wrapped copies and a quarter heavy spins of indexed
articles, a tenth of the stream repeating an article earlier in the stream (so a batch holds copies of its
own members). The decisions are checked equal; CPU time is the median of three streams.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.bench_dedup import synthetic
from bench.spinner import spin
from cleanfeed import Article
from cleanfeed.dedup import DedupIndex, fingerprint_many

ROOT = Path(__file__).resolve().parents[1]


def _index(n: int, fps: list[Any]) -> DedupIndex:
    idx = DedupIndex(":memory:", normalized=True)
    idx.bulk_load(((f"id{i}", f"https://synthetic.test/{i}", fp) for i, fp in enumerate(fps)), original=True)
    return idx


def _stream(n_index: int, size: int, seed: int) -> list[Article]:
    rng = random.Random(seed)
    texts: list[tuple[str, bool]] = []
    for j in range(size):
        r = rng.randrange(20)
        if r < 2 and texts:  # a repeat of an article earlier in this stream
            texts.append((texts[rng.randrange(len(texts))][0] + "\n相关阅读", False))
        elif r < 10:
            texts.append((synthetic(10_000_000 + seed * size + j), r < 4))
        elif r < 15:
            texts.append((synthetic(rng.randrange(n_index)) + "\n热点推荐\n打开APP，阅读全文", False))
        else:
            texts.append((spin(synthetic(rng.randrange(n_index)), rng, heavy=True), False))
    arts = []
    for j, (text, original) in enumerate(texts):
        a = Article(url=f"https://q{seed}.test/{j}", text=text).finalize()
        a.original = original
        arts.append(a)
    return arts


def _one_by_one(idx: DedupIndex, arts: list[Article]) -> list[Any]:
    out = []
    for a in arts:
        d = idx.decide(a)
        idx.add(a, original=a.original, decision=d)
        out.append((d.match, idx.late_links(a, d) if a.original else []))
    return out


def measure(n_index: int = 20_000, size: int = 2_000) -> dict[str, Any]:
    fps = fingerprint_many([synthetic(i) for i in range(n_index)], normalized=True)
    one, many = [], []
    linked = 0
    for seed in range(3):
        a, b = _index(n_index, fps), _index(n_index, fps)
        arts_a, arts_b = _stream(n_index, size, seed), _stream(n_index, size, seed)
        c = time.process_time()
        got_a = _one_by_one(a, arts_a)
        one.append(time.process_time() - c)
        c = time.process_time()
        got_b = [(d.match, links) for d, links in b.dedup_many(arts_b, batch=256)]
        many.append(time.process_time() - c)
        if got_a != got_b:
            raise AssertionError(f"dedup_many decided differently from one by one (stream {seed})")
        linked = sum(m is not None for m, _ in got_a)
        a.close()
        b.close()
    return {
        "n_index": n_index,
        "size": size,
        "one": statistics.median(one),
        "many": statistics.median(many),
        "linked": linked,
    }


def run(ctx: Any, n_index: int | None = None) -> str:
    n = n_index or (5_000 if getattr(ctx, "quick", False) else 20_000)
    r = measure(n)
    return "\n".join(
        [
            "## Dedup in batches (bench_dedup_batch)\n",
            "Command: `.venv/bin/python -m bench.run --only bench_dedup_batch`\n",
            (__doc__ or "").strip().split("\n\n", 1)[1].replace("\n", " ") + "\n",
            "| index size | stream | one at a time: docs per CPU-s | `dedup_many` (256): docs per CPU-s "
            "| speed-up | linked (same decisions) |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {r['n_index']:,} | {r['size']:,} | {r['size'] / r['one']:,.0f} "
            f"| {r['size'] / r['many']:,.0f} | {r['one'] / r['many']:.2f}x | {r['linked']:,} |",
        ]
    )


if __name__ == "__main__":
    from types import SimpleNamespace

    print(run(SimpleNamespace(quick="--quick" in sys.argv)))
