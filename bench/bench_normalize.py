"""Normalize and decode benchmark: seed 004 correctness, false repairs on clean text, throughput.

    .venv/bin/python -m bench.run --only bench_normalize            # full (10 MB T->S corpus)
    .venv/bin/python -m bench.run --only bench_normalize --quick    # 2 MB
    .venv/bin/python bench/bench_normalize.py [--quick]              # this section alone, to stdout

Speeds are CPU time (``time.process_time``) of one process, so a busy machine does not halve them.
The Traditional corpus is generated: OpenCC s2t / s2tw / s2hk / s2twp of the dev split's gold text
when ``../shared`` is present (read at run time, never stored), else of the repo's own seed texts.
"""

from __future__ import annotations

import random
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "normalize"
CMD = "`.venv/bin/python -m bench.run --only bench_normalize`"
_SUSPECT = re.compile(r"[?\ufffd][^\x00-\x7f]")


def _clean_texts(ctx: Any) -> tuple[list[str], str]:
    if ctx.shared is not None:
        gold = sorted((ctx.shared / "eval" / "daniel-zh-dev" / "gold").glob("*.txt"))
        if gold:
            return [p.read_text(encoding="utf-8") for p in gold], f"dev split gold ({len(gold)} files)"
    seeds = sorted(FIX.glob("clean_seed*.txt"))
    return [p.read_text(encoding="utf-8") for p in seeds], f"seeds 000-003 ({len(seeds)} files)"


def _cpu(fn: Any, *args: Any) -> tuple[float, Any]:
    t = time.process_time()
    out = fn(*args)
    return time.process_time() - t, out


def run(ctx: Any) -> str:
    import opencc

    from cleanfeed.decode import decode_html
    from cleanfeed.normalize import normalize_lines
    from cleanfeed.normalize.lm import load_lm, load_words
    from cleanfeed.normalize.repair import find_repairs
    from cleanfeed.normalize.script import to_simplified

    rows: list[str] = []
    texts, source = _clean_texts(ctx)

    # 1. seed 004 against the checked reference
    src = (FIX / "seed004_input.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")
    want = (FIX / "seed004_expected.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")
    out, rep = normalize_lines(src)
    same = sum(a == b for a, b in zip(out, want, strict=True))
    rows.append(f"| seed 004 body lines equal to the reference | {same}/{len(want)} |")
    rows.append(f"| seed 004 edits | {dict(sorted(rep.counts.items()))} |")
    rows.append(f"| seed 004 repairs | {'; '.join(f'{a} -> {b}' for a, b in rep.repairs)} |")

    # 2. false repairs: clean text, then clean text with ? / U+FFFD sprinkled after Han characters
    rng = random.Random(7)
    fp_plain = sum(len(find_repairs(t)) for t in texts)
    marks = fp_marks = 0
    for t in texts:
        chars = list(t)
        for i, ch in enumerate(chars):
            if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.02:
                chars[i] = ch + rng.choice(["?", "?", "\ufffd"])
                marks += 1
        fp_marks += len(find_repairs("".join(chars)))
    rows.append(f"| mojibake repairs on clean text ({source}) | {fp_plain} |")
    rows.append(f"| ... after inserting {marks} `?`/U+FFFD after Han characters | {fp_marks} |")

    # 3. model loading
    load_lm.cache_clear()
    load_words.cache_clear()
    t_lm, _ = _cpu(load_lm)
    t_words, _ = _cpu(load_words)
    rows.append(f"| LM load (char bigrams + words), CPU s | {t_lm:.2f} + {t_words:.2f} |")

    # 4. T->S throughput on a generated Traditional corpus
    size = 2_000_000 if ctx.quick else 10_000_000
    base = "\n".join(texts)
    trad = "\n".join(opencc.OpenCC(cfg).convert(base) for cfg in ("s2t", "s2tw", "s2hk", "s2twp"))
    corpus = (trad * (size // len(trad) + 1))[:size]
    to_simplified("預熱")
    t_t2s, _ = _cpu(to_simplified, corpus)
    label = f"T->S, {size / 1e6:.0f}M chars (s2t/s2tw/s2hk/s2twp of {source})"
    rows.append(f"| {label} | {size / t_t2s / 1e6:.2f}M chars/s |")

    # 5. whole normalizer, documents as lines: all clean docs, then those with no suspicious
    # span (a ``?``/U+FFFD before non-ASCII text costs a search of ~10-100 ms even when it finds
    # nothing: the dev split has a few such spots of other, unrepairable mojibake)
    reps = 2 if ctx.quick else 5
    normalize_lines(src)  # warm: every model and table loaded (their load time is row 3)
    quiet = [t for t in texts if not _SUSPECT.search(t)]
    for name, group in (("all clean docs", texts), (f"{len(quiet)} docs without a suspicious span", quiet)):
        docs = [t.split("\n") for t in group]
        n_chars = sum(len(t) for t in group)
        t_norm = 0.0
        for _ in range(reps):
            find_repairs.cache_clear()  # every pass pays for its searches (no cache hits)
            t_norm += _cpu(lambda docs=docs: [normalize_lines(d) for d in docs])[0]
        speed = reps * n_chars / t_norm / 1e6
        rows.append(
            f"| normalize_lines, {name} ({n_chars / 1e3:.0f}k chars x{reps}) | {speed:.2f}M chars/s |"
        )
    tdocs = [t.split("\n") for t in opencc.OpenCC("s2tw").convert("\n\n".join(texts)).split("\n\n")]
    n_trad = sum(len(line) + 1 for d in tdocs for line in d)
    find_repairs.cache_clear()
    t_trad, _ = _cpu(lambda: [normalize_lines(d) for d in tdocs])
    rows.append(
        f"| normalize_lines, the same docs in Taiwan Traditional | {n_trad / t_trad / 1e6:.2f}M chars/s |"
    )

    # 6. decode: 50 MB GBK page whose meta lies (says utf-8)
    page = ("<meta charset='utf-8'>" + "<p>" + base.replace("\n", "</p><p>") + "</p>").encode(
        "gb18030", "replace"
    )
    page = (page * (50_000_000 // len(page) + 1))[:50_000_000]
    t_dec, (_, enc) = _cpu(decode_html, page)
    rows.append(f"| decode_html, 50 MB GBK with a lying meta | {t_dec:.2f} s CPU ({enc}) |")

    return (
        "## Normalize and decode\n\n"
        f"Command: {CMD} (add `--quick` for a 2 MB T->S corpus). CPU time of one process.\n\n"
        "| measure | value |\n| --- | --- |\n" + "\n".join(rows) + "\n"
    )


if __name__ == "__main__":
    from types import SimpleNamespace

    shared = ROOT.parent / "shared"
    ctx = SimpleNamespace(
        root=ROOT,
        shared=shared if shared.is_dir() else None,
        work=ROOT / "bench" / "_work",
        quick="--quick" in sys.argv,
    )
    print(run(ctx))
