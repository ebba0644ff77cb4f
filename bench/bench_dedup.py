"""Dedup benchmark: quality per kind on the labelled set (bench/dedup_set.py) against MinHash baselines,
then speed and memory against synthetic 100k and 1M-article indexes.

    .venv/bin/python -m bench.run --only bench_dedup            # full (1M build: ~27 min on 2 shared cores)
    .venv/bin/python -m bench.run --only bench_dedup --quick    # 20k index, gold set subsampled
    .venv/bin/python -m bench.bench_dedup [--quick] [--sizes 100000]   # this section alone, to stdout
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import re
import statistics
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench import dedup_set as ds
from bench.spinner import spin
from cleanfeed import Article
from cleanfeed.dedup import DedupIndex, canonical, fingerprint, fingerprint_many

ROOT = Path(__file__).resolve().parent.parent

KINDS = ["exact", "near", "cross_script", "spun", "partial"]
_SET_NOTE = (
    "Fixture folds: 8 stories from the seeds, 4 of them on one topic (人工智能+). Each fold indexes all "
    "but one of the 4 same-topic stories; the held-out story's copies, spins and adversarial rewrites "
    "(its sentences carrying an indexed story's numbers and names) are the negatives. Real reposts: "
    "seed 000 (spun from 003's lead), 001/002 (spam-wrapped), 004 (Traditional, pinyin, mojibake). "
    "Every case is one query against the fold's originals. "
)
_GOLD_NOTE = (
    "Gold fold: stories from `shared/eval/daniel-zh-dev/gold` (read at run time, never stored); pages "
    "reporting one event (two or more aligned sentences, a third of the shorter page; grouped without the "
    "matcher, checked by hand) are folded into one story; 30% of stories are held out as negatives. Gold "
    "stream folds: every gold page of 60 characters or more, short briefs included, matched against the "
    "pages before it and then indexed, in name order and reversed: pages sharing a site's disclaimer, one "
    "press-release sentence or a topic's names must not link (their kind is not labelled; the original is)."
)


# -- quality ----------------------------------------------------------------------------------------------
def _evaluate(folds: list[ds.Fold]) -> list[dict[str, Any]]:
    out = []
    for fold in folds:
        with DedupIndex(":memory:") as idx:
            idx.add_many(
                (Article(url=ds.story_url(s), text=t).finalize() for s, t in fold.originals.items()),
                original=True,
            )
            rows: dict[str, dict[str, Any]] = {}
            for case in fold.cases:
                if fold.stream:  # the page itself, matched and then indexed as an original, as a run does
                    art = Article(url=ds.story_url(case.case_id), text=case.text, original=True).finalize()
                else:
                    art = Article(
                        url=f"https://copy.test/{case.case_id}", text=case.text, converted=case.converted
                    )
                decision = idx.decide(art)
                m = decision.match
                row = {
                    "case": case,
                    "fold": fold.name,
                    "pred": m.original_id if m else None,
                    "kind": m.kind if m else None,
                    "share": m.share if m else None,
                }
                out.append(row)
                if fold.stream:
                    rows[art.id or ""] = row
                    idx.add(art, original=True, decision=decision)
                    for link in idx.late_links(art, decision):  # a page indexed earlier now links to this one
                        rows[link.repost_id].update(pred=link.original_id, kind=link.kind, share=link.share)
            if fold.stream:
                settle_stream(list(rows.values()))
    return out


def settle_stream(rows: list[dict[str, Any]]) -> None:
    """Truth of a stream fold, from its groups: one page of a group is the original (whichever the rule
    made it), every other page must end up linked inside the group; a page alone must not link."""
    seen: set[str] = set()
    for r in rows:
        c = r["case"]
        if not c.also or c.case_id in seen:
            continue
        members = [x for x in rows if x["case"].case_id in {c.case_id, *c.also}]
        seen.update(x["case"].case_id for x in members)
        ids = {ds.story_id(x["case"].case_id) for x in members}
        root = next((x for x in members if x["pred"] not in ids), members[0])
        for x in members:
            truth = None if x is root else root["case"].case_id
            x["case"] = replace(x["case"], truth=truth, variant="stream" if truth else "stream_new")


def _baseline(folds: list[ds.Fold], threshold: float) -> list[dict[str, Any]]:
    """Standard MinHash LSH on character 5-grams (datasketch, 128 permutations) at a Jaccard threshold."""
    from datasketch import MinHash, MinHashLSH

    def sketch(text: str) -> MinHash:
        s = canonical(text).replace("\n", "")
        m = MinHash(num_perm=128, seed=1)
        m.update_batch([s[i : i + 5].encode() for i in range(max(1, len(s) - 4))])
        return m

    out = []
    for fold in folds:
        start = len(out)
        lsh = MinHashLSH(threshold=threshold, num_perm=128)
        sketches = {}
        for story, text in fold.originals.items():
            sketches[story] = sketch(text)
            lsh.insert(story, sketches[story])
        for case in fold.cases:
            q = sketch(case.text)
            scored = [(q.jaccard(sketches[k]), k) for k in lsh.query(q)]
            best = max((x for x in scored if x[0] >= threshold), default=None)
            if fold.stream:
                sketches[case.case_id] = q
                lsh.insert(case.case_id, q)
            out.append(
                {
                    "case": case,
                    "fold": fold.name,
                    "pred": ds.story_id(best[1]) if best else None,
                    "kind": "dup" if best else None,
                    "share": None,
                }
            )
        if fold.stream:
            settle_stream(out[start:])
    return out


def _right(r: dict[str, Any]) -> bool:
    truth = r["case"].truth
    if r["pred"] is None or truth is None:
        return False
    return r["pred"] == ds.story_id(truth) or r["pred"] in {ds.story_id(t) for t in r["case"].also}


def _groups(results: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    groups["spun (heavy only)"] = []
    groups["real seed reposts"] = []
    groups["gold pages in arrival order (any kind)"] = []
    for r in results:
        c = r["case"]
        if c.variant == "stream":
            groups["gold pages in arrival order (any kind)"].append(r)
        if c.kind:
            groups[c.kind].append(r)
            if c.variant.startswith("spun_heavy"):
                groups["spun (heavy only)"].append(r)
            if c.variant == "real":
                groups["real seed reposts"].append(r)
    return groups


def _pct(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "-"


def quality_table(results: list[dict[str, Any]], baselines: dict[str, list[dict[str, Any]]]) -> str:
    lines = [
        "| kind (truth) | cases | recall: right original | right original and kind | "
        + " | ".join(f"{n} recall" for n in baselines)
        + " |",
        "|---|---:|---:|---:|" + "---:|" * len(baselines),
    ]
    base_groups = {n: _groups(r) for n, r in baselines.items()}
    for name, rows in _groups(results).items():
        right = sum(_right(r) for r in rows)
        kind_ok = sum(_right(r) and r["kind"] == r["case"].kind for r in rows)
        base = [_pct(sum(_right(r) for r in g[name]), len(g[name])) for g in base_groups.values()]
        lines.append(
            f"| {name} | {len(rows)} | {_pct(right, len(rows))} | {_pct(kind_ok, len(rows))} | "
            + " | ".join(base)
            + " |"
        )
    negatives = [r for r in results if r["case"].truth is None]
    adversarial = [r for r in negatives if r["case"].variant == "adversarial"]
    lines.append("")
    lines.append(
        "| predicted kind | links | precision: right original | precision: right original and kind |"
    )
    lines.append("|---|---:|---:|---:|")
    for kind in KINDS:
        rows = [r for r in results if r["kind"] == kind]
        lines.append(
            f"| {kind} | {len(rows)} | {_pct(sum(map(_right, rows)), len(rows))} | "
            f"{_pct(sum(_right(r) and r['case'].kind == kind for r in rows), len(rows))} |"
        )
    links = [r for r in results if r["pred"]]
    lines.append(f"| **all** | {len(links)} | {_pct(sum(map(_right, links)), len(links))} | |")
    for n, rs in baselines.items():
        bl = [r for r in rs if r["pred"]]
        lines.append(f"| {n} (baseline, no kinds) | {len(bl)} | {_pct(sum(map(_right, bl)), len(bl))} | |")
    lines.append("")
    lines.append(
        f"Negatives (the held-out story's copies and spins, adversarial distractors): {len(negatives)}, "
        f"wrongly linked: {sum(r['pred'] is not None for r in negatives)} "
        f"(adversarial: {sum(r['pred'] is not None for r in adversarial)} of {len(adversarial)})."
    )
    shares = [
        abs(r["share"] - r["case"].share)
        for r in results
        if r["kind"] == "partial" and r["case"].share and r["share"] is not None and _right(r)
    ]
    if shares:
        lines.append(
            f"Partial copies: mean |dup_share - true share of characters| = {statistics.mean(shares):.3f}."
        )
    return "\n".join(lines)


def _errors(results: list[dict[str, Any]], limit: int = 12) -> str:
    # Gold stream pages have no labelled kind: for them only the original counts.
    rows = [
        r
        for r in results
        if (r["pred"] or r["case"].truth)
        and not (_right(r) and (r["kind"] == r["case"].kind or r["case"].kind is None))
    ]
    tally = Counter((r["case"].kind or "none", r["kind"] or "none") for r in rows)
    out = [
        "Errors by (truth kind -> predicted kind): "
        + ", ".join(f"{a}->{b}: {n}" for (a, b), n in tally.most_common())
    ]
    out += [
        f"- `{r['fold']}` `{r['case'].case_id}`: truth {r['case'].kind}, got {r['kind']}"
        for r in rows[:limit]
    ]
    return "\n".join(out)


# -- synthetic corpus for speed ---------------------------------------------------------------------------
_VOCAB: list[Any] = []


def _vocab() -> tuple[list[str], list[str], Any]:
    """Phrases (2-3 characters) and single characters with their frequencies, from the fixture texts."""
    if not _VOCAB:
        import numpy as np

        pieces: set[str] = set()
        chars: Counter[str] = Counter()
        for p in sorted(ds.FIXTURES.glob("*.txt")):
            for clause in re.split(r"[^\u4e00-\u9fff]+", p.read_text(encoding="utf-8")):
                pieces.update(clause[i : i + 3] for i in range(0, len(clause) - 2, 3))
                pieces.update(clause[i : i + 2] for i in range(1, len(clause) - 1, 4))
                chars.update(clause)
        alphabet = sorted(chars)
        freq = np.array([chars[c] for c in alphabet], dtype=float)
        _VOCAB.extend([sorted(pieces), alphabet, np.cumsum(freq / freq.sum())])
    return _VOCAB[0], _VOCAB[1], _VOCAB[2]


def synthetic(i: int) -> str:
    """Article ``i`` of the synthetic corpus: ~900 characters of news phrases, characters and numbers.

    Half the pieces are phrases from the fixtures, half are character pairs drawn by frequency, so 5-grams
    repeat across articles about as often as topic phrases do in news, not more.
    """
    import numpy as np

    phrases, alphabet, cdf = _vocab()
    rng = np.random.default_rng(i)
    n = 320
    use_phrase = rng.random(n) < 0.5
    ph = rng.integers(0, len(phrases), n)
    ch = np.minimum(np.searchsorted(cdf, rng.random((n, 2))), len(alphabet) - 1)
    pieces = [phrases[ph[k]] if use_phrase[k] else alphabet[ch[k, 0]] + alphabet[ch[k, 1]] for k in range(n)]
    lengths = rng.integers(3, 7, 80)
    numbers = rng.integers(10, 99_999, 80)
    units = rng.integers(0, 7, 80)
    with_number = rng.random(80) < 0.25
    clauses, pos = [], 0
    for c in range(80):
        clause = "".join(pieces[pos : pos + lengths[c]])
        pos += lengths[c]
        if with_number[c]:
            clause += f"{numbers[c]}{'亿万家个人项%'[units[c]]}"
        clauses.append(clause)
        if pos >= n - 6:
            break
    sentences, k = [], 0
    while k < len(clauses):
        step = 2 + (k * 7 + i) % 3
        sentences.append("，".join(clauses[k : k + step]) + "。")
        k += step
    return "\n".join("".join(sentences[j : j + 4]) for j in range(0, len(sentences), 4))


def _fp_job(i: int) -> tuple[str, str, Any]:
    url = f"https://synthetic.test/{i}"
    # Synthetic text is what clean_html returns (Simplified, no pinyin): no second normalizer pass.
    return Article(url=url).finalize().id or url, url, fingerprint(synthetic(i), normalized=True)


def _files(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", ".postings")]


def build_index(path: Path, n: int) -> dict[str, float]:
    for p in _files(path):
        p.unlink(missing_ok=True)
    t0, c0 = time.perf_counter(), time.process_time()
    ctx = mp.get_context("fork")
    with ctx.Pool(os.cpu_count() or 1) as pool, DedupIndex(path) as idx:
        # Bench build only: no journal, no fsync (a crash just means rebuilding the bench index).
        idx.conn.execute("PRAGMA journal_mode=OFF")
        idx.conn.execute("PRAGMA synchronous=OFF")
        idx.conn.execute("PRAGMA cache_size = -524288")  # 512 MiB while building; queries use the default
        added = idx.bulk_load(pool.imap(_fp_job, range(n), chunksize=256), original=True)
        stopped = int(idx.conn.execute("SELECT count(*) FROM dedup_stop").fetchone()[0])
        postings = len(idx._postings)
    # The database and the postings snapshot written when the index closed.
    size = sum(p.stat().st_size for p in _files(path) if p.exists())
    return {
        "docs": added,
        "build_s": time.perf_counter() - t0,
        "build_cpu_s": time.process_time() - c0,  # the writer process only; fingerprints run in the pool
        "stopped": stopped,
        "postings": postings,
        "bytes": size,
    }


def _rss_peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _quantile_ms(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(len(xs) * q))] * 1e3


def _query_worker(path: str, n_index: int, n_query: int, out: Any) -> None:
    """Fresh process: open the index; time per document (1) fingerprint + candidate query, the index's
    retrieval, and (2) the whole ``match`` (retrieval, fetching candidates, verification); report RSS."""
    rng = random.Random(99)
    queries: list[tuple[str, str]] = []
    for j in range(n_query):
        r = j % 4
        if r < 2:  # most of a feed is new stories
            queries.append(("new", synthetic(10_000_000 + j)))
        elif r == 2:
            queries.append(("near", synthetic(rng.randrange(n_index)) + "\n热点推荐\n打开APP，阅读全文"))
        else:
            queries.append(("spun", spin(synthetic(rng.randrange(n_index)), rng, heavy=True)))
    arts = [Article(url=f"https://q.test/{j}", text=text) for j, (_, text) in enumerate(queries)]
    rss0 = _rss_peak_mib()
    hits: Counter[str] = Counter()
    c_open = time.process_time()
    with DedupIndex(path, normalized=True) as idx:
        open_cpu = time.process_time() - c_open
        for art in arts[:50]:  # warm-up: first touches of the postings' pages
            idx.match(art)
        # Three passes of each measure, the median reported: on this shared machine one pass can be 30%
        # off. Nothing is added to the index, so every pass sees the same index.
        retrieval: list[float] = []
        passes: list[float] = []
        for _ in range(3):
            for _, text in queries:
                c = time.process_time()
                idx._lookup(fingerprint(text, normalized=True, params=idx.params))
                retrieval.append(time.process_time() - c)
            passes.append(sum(retrieval[-len(queries) :]))
        one_retrieval = statistics.median(passes)
        # The same two, a batch of 256 documents at a time (``fingerprint_many``, ``match_many``).
        texts = [text for _, text in queries]
        passes, batch_passes = [], []
        for _ in range(3):
            c = time.process_time()
            for i in range(0, len(texts), 256):
                idx._lookup_many(fingerprint_many(texts[i : i + 256], normalized=True, params=idx.params))
            passes.append(time.process_time() - c)
            c = time.process_time()
            batch_hits = sum(m is not None for m in idx.match_many(arts, batch=256))
            batch_passes.append(time.process_time() - c)
        batch_retrieval, batch_match = statistics.median(passes), statistics.median(batch_passes)
        lat: list[float] = []
        cpu: list[float] = []
        per_kind: dict[str, list[float]] = {}
        walls, cpus = [], []
        for n in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            for (kind, _), art in zip(queries, arts, strict=True):
                t, c = time.perf_counter(), time.process_time()
                m = idx.match(art)
                lat.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
                per_kind.setdefault(kind, []).append(cpu[-1])
                if not n:
                    hits[f"{kind}:{'linked' if m else 'none'}"] += 1
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        total, total_cpu = statistics.median(walls), statistics.median(cpus)
        c1 = time.process_time()
        for _, text in queries[:500]:
            fingerprint(text, normalized=True)
        fp_only = (time.process_time() - c1) / min(500, len(queries))
        c1 = time.process_time()
        for _, text in queries[:500]:
            fingerprint(text)  # raw text from a library user: the normalizer runs first
        fp_raw = (time.process_time() - c1) / min(500, len(queries))
        postings = len(idx._postings)
    out.put(
        {
            "retrieval_per_cpu_s": len(queries) / one_retrieval,
            "retrieval_p50_ms": _quantile_ms(retrieval, 0.5),
            "retrieval_p99_ms": _quantile_ms(retrieval, 0.99),
            "batch_retrieval_per_cpu_s": len(texts) / batch_retrieval,
            "batch_match_per_cpu_s": len(texts) / batch_match,
            "batch_hits": batch_hits,
            "docs_per_s": len(queries) / total,
            "docs_per_cpu_s": len(queries) / total_cpu,
            "p50_ms": _quantile_ms(lat, 0.5),
            "p99_ms": _quantile_ms(lat, 0.99),
            "cpu_p50_ms": _quantile_ms(cpu, 0.5),
            "cpu_p99_ms": _quantile_ms(cpu, 0.99),
            "kind_ms": {k: sum(v) / len(v) * 1e3 for k, v in per_kind.items()},
            "fp_ms": fp_only * 1e3,
            "fp_raw_ms": fp_raw * 1e3,
            "rss_mib": _rss_peak_mib(),
            "rss_start_mib": rss0,
            "open_cpu_s": open_cpu,
            "postings": postings,
            "hits": dict(hits),
        }
    )


def query_stats(path: Path, n_index: int, n_query: int) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_query_worker, args=(str(path), n_index, n_query, q))
    p.start()
    res: dict[str, Any] = q.get()
    p.join()
    return res


# -- the section --------------------------------------------------------------------------------------------
def quality_section(ctx: Any) -> list[str]:
    folds = ds.build(seed=7, shared=ctx.shared, quick=ctx.quick)
    t0 = time.perf_counter()
    results = _evaluate(folds)
    t_eval = time.perf_counter() - t0
    baselines = {f"MinHash 5-gram J≥{t}": _baseline(folds, t) for t in (0.7, 0.5)}
    n_cases = sum(len(f.cases) for f in folds)
    return [
        "Command: `.venv/bin/python -m bench.run --only bench_dedup"
        + (" --quick" if ctx.quick else "")
        + "`\n",
        f"### Quality on the labelled set (`bench/dedup_set.py`, seed 7): {len(folds)} folds, "
        f"{n_cases} cases\n",
        _SET_NOTE + (_GOLD_NOTE if ctx.shared else "No gold fold: `../shared` is absent.") + "\n",
        quality_table(results, baselines),
        "",
        _errors(results),
        "",
        f"_Quality run: {n_cases} queries in {t_eval:.1f} s._\n",
    ]


def run(ctx: Any, sizes: list[int] | None = None, keep: bool = False, quality: bool = True) -> str:
    parts = ["## Dedup (bench_dedup)\n"]
    if quality:
        parts += quality_section(ctx)
    sizes = sizes or ([20_000] if ctx.quick else [100_000, 1_000_000])
    parts.append("### Speed and memory (synthetic index, one core)\n")
    parts.append(
        "Index: N synthetic ~900-character articles built with `DedupIndex.bulk_load` (fingerprints on all "
        "cores; one transaction, journal and fsync off for this bench build only; postings sorted once, "
        "common keys stopped, postings snapshot written on close). Queries in a fresh process that opens "
        "the index (snapshot + SQLite): 2,000 documents (each measure: three passes, the median), half new, "
        "a quarter spam-wrapped copies and a quarter heavy spins of indexed articles, given as `clean_html` "
        "output "
        "(`DedupIndex(normalized=True)`: the normalizer does not run twice). Per document, CPU time: "
        "**fingerprint + query** is the index's retrieval (fingerprint, postings lookup, ranking, reading "
        "the candidate rows); **match** adds the verification of the candidates on their texts (what "
        "decides the kind), which only copies need.\n"
    )
    load = os.getloadavg()
    parts.append(
        f"Load average when the speed runs started: {load[0]:.1f} on {os.cpu_count()} cores "
        "(a shared machine: per-core figures scale with the share of a core the run actually got).\n"
    )
    index_rows = [
        "| index size | build | on disk: database + snapshot | postings | stopped keys | open (CPU) "
        "| peak RSS after the queries |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    speed_rows = [
        "| index size | fingerprint + query: docs per CPU-s, one by one / in batches of 256 | p50 / p99 "
        "| match: docs per CPU-s, one by one (wall) / in batches | p50 / p99 CPU | p99 wall "
        "| match per kind: new / near / spun | fingerprint alone: normalized / raw "
        "| linked: near / spun / new |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        path = ctx.work / f"dedup_{n}.db"
        if keep and path.exists():  # --keep: reuse the index a previous run built
            b = {"build_s": float("nan"), "bytes": sum(p.stat().st_size for p in _files(path) if p.exists())}
            b["stopped"] = float("nan")
        else:
            b = build_index(path, n)
        s = query_stats(path, n, 2000)
        h, k = s["hits"], s["kind_ms"]
        index_rows.append(
            f"| {n:,} | {b['build_s']:.0f} s | {b['bytes'] / 2**20:.0f} MiB "
            f"({b['bytes'] / max(1, n):.0f} B/doc) | {s['postings']:,} | {b['stopped']:,.0f} | "
            f"{s['open_cpu_s']:.2f} s | {s['rss_mib']:.0f} MiB |"
        )
        speed_rows.append(
            f"| {n:,} | **{s['retrieval_per_cpu_s']:,.0f} / {s['batch_retrieval_per_cpu_s']:,.0f}** | "
            f"{s['retrieval_p50_ms']:.2f} / {s['retrieval_p99_ms']:.2f} ms | "
            f"{s['docs_per_cpu_s']:,.0f} ({s['docs_per_s']:,.0f}) / {s['batch_match_per_cpu_s']:,.0f} | "
            f"{s['cpu_p50_ms']:.2f} / {s['cpu_p99_ms']:.2f} ms | {s['p99_ms']:.2f} ms | "
            f"{k.get('new', 0):.2f} / {k.get('near', 0):.2f} / {k.get('spun', 0):.2f} ms | "
            f"{s['fp_ms']:.2f} / {s['fp_raw_ms']:.2f} ms | "
            f"{h.get('near:linked', 0)}/500, {h.get('spun:linked', 0)}/500, {h.get('new:linked', 0)}/1000 |"
        )
        if not keep:
            for p in _files(path):
                p.unlink(missing_ok=True)
    parts += [*index_rows, "", *speed_rows]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    import argparse
    from dataclasses import dataclass

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", type=int, nargs="*")
    ap.add_argument("--speed-only", action="store_true", help="skip the quality section")
    ap.add_argument("--quality-only", action="store_true", help="only the quality section")
    ap.add_argument(
        "--keep", action="store_true", help="keep the built indexes in bench/_work and reuse them"
    )
    args = ap.parse_args()

    @dataclass
    class _Ctx:
        root: Path
        shared: Path | None
        work: Path
        quick: bool

    # ../shared beside a clone, ../../shared beside a worktree (/work/wt/NAME)
    shared = next((p / "shared" for p in ROOT.parents[:2] if (p / "shared").is_dir()), ROOT.parent / "shared")
    work = ROOT / "bench" / "_work"
    work.mkdir(parents=True, exist_ok=True)
    ctx = _Ctx(ROOT, shared if shared.is_dir() else None, work, args.quick)
    if args.quality_only:
        print("\n".join(quality_section(ctx)))
        raise SystemExit(0)
    print(
        run(
            ctx,
            args.sizes,
            args.keep,
            not args.speed_only,
        )
    )
