"""Mojibake benchmark: GBK lost-byte damage made from real news paragraphs, in both artifact forms.

    .venv/bin/python -m bench.run --only bench_normalize_mojibake
    .venv/bin/python bench/bench_normalize_mojibake.py [--quick] [--show N]   # this section, to stdout

Text: the dev split's gold paragraphs (``../shared/eval/daniel-zh-dev/gold``, GPL: read at run time,
never stored). Without ``../shared`` the section is skipped. Half of the paragraphs are turned into
Traditional with OpenCC ``s2t`` first (reposts like seed 004 are Traditional). One damage per case,
at a random two-byte character of the paragraph's GBK bytes:

- **marked** (seed 004's artifact): the character's lead byte became ``?``; the rest is decoded
  one byte out of step as Windows code page 936 does it (pairs in the user-defined area vanish, a
  lead byte before an ASCII byte becomes ``?`` and eats it), then full-width forms are folded to
  ASCII throughout the paragraph (seed 004 shows both).
- **python**: the lead byte is lost and the bytes go through ``bytes.decode("gb18030", "replace")``
  as cleanfeed's decode step does for GBK pages: no marker; the pairs stay out of step until an
  ASCII byte, which a high trail byte eats when it is a letter and otherwise meets as U+FFFD.

Each case is scored by comparing ``normalize_report(damaged)`` with ``normalize_report(clean)``
(the clean paragraph in the same form): **exact** (equal), **wrong** (the damaged span was
rewritten and the result is not the clean text), **flagged** (left as it was, with a
``mojibake_unrepaired`` flag), **unflagged** (left as it was, no flag). Clean paragraphs (all of
the split's paragraphs of >= 20 characters, in Simplified and in Traditional) count edits and flags.
"""

from __future__ import annotations

import random
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CMD = "`.venv/bin/python bench/bench_normalize_mojibake.py`"
_N_CASES = 300  # per form
_MIN_LEN = 20
_MIN_CLEAN = 8


def _shared(ctx: Any) -> Path | None:
    if ctx.shared is not None:
        return Path(ctx.shared)
    for up in ROOT.parents:  # a git worktree sits one level deeper than the main checkout
        if (up / "shared" / "eval").is_dir():
            return up / "shared"
    return None


def _decode_cp936(data: bytes) -> str:
    """Decode like Windows code page 936: an invalid pair or a lead byte before ASCII is one ``?``
    for both bytes, a pair in the user-defined area maps to a private-use character (dropped later)."""
    out: list[str] = []
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        if i + 1 >= n:
            out.append("?")
            break
        pair = data[i : i + 2]
        try:
            ch = pair.decode("gb18030")
        except UnicodeDecodeError:
            ch = "?"
        if len(ch) != 1:
            ch = "?"
        if "\ue000" <= ch <= "\uf8ff":
            ch = ""  # a user-defined pair: shows as nothing on the page
        out.append(ch)
        i += 2
    return "".join(out)


def _fold(text: str) -> str:
    return "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)


def _damage(text: str, form: str, rng: random.Random) -> str | None:
    try:
        data = text.encode("gbk")
    except UnicodeEncodeError:
        return None  # (a "?" made by the encoder would be a marker that is not damage)
    leads: list[int] = []
    i = 0
    while i < len(data):
        if data[i] >= 0x81:
            leads.append(i)
            i += 2
        else:
            i += 1
    if not leads:
        return None
    k = rng.choice(leads)
    if form == "marked":
        return _fold(_decode_cp936(data[:k] + b"?" + data[k + 1 :]))
    return (data[:k] + data[k + 1 :]).decode("gb18030", "replace")


def _paragraphs(shared: Path, min_len: int = _MIN_LEN) -> list[str]:
    out: list[str] = []
    for p in sorted((shared / "eval" / "daniel-zh-dev" / "gold").glob("*.txt")):
        out.extend(line.strip() for line in p.read_text(encoding="utf-8").splitlines())
    return [p for p in out if len(p) >= min_len]


def _has_flag(flags: list[str]) -> bool:
    return any(f.startswith("mojibake_unrepaired") for f in flags)


def evaluate(cases: list[tuple[str, str, str]], show: int = 0) -> dict[str, Counter[str]]:
    from cleanfeed.normalize import normalize_report

    res: dict[str, Counter[str]] = {}
    shown = 0
    for form, clean, damaged in cases:
        want, _ = normalize_report(clean)
        got, rep = normalize_report(damaged)
        if got == want:
            kind = "exact"
        elif rep.counts.get("mojibake_spans"):
            kind = "wrong"
        elif _has_flag(rep.flags):
            kind = "flagged"
        else:
            kind = "unflagged"
        res.setdefault(form, Counter())[kind] += 1
        if show and kind in ("wrong", "unflagged") and shown < show:
            shown += 1
            print(
                f"--- {form} {kind}\nclean:   {clean[:120]}\ndamaged: {damaged[:120]}\ngot:     {got[:120]}"
            )
            print(f"repairs: {rep.repairs} flags: {rep.flags}")
    return res


def make_cases(paras: list[str], n: int, seed: int = 11) -> list[tuple[str, str, str]]:
    import opencc

    s2t = opencc.OpenCC("s2t")
    rng = random.Random(seed)
    picked = rng.sample(paras, min(len(paras), 2 * n))
    cases: list[tuple[str, str, str]] = []
    for j, para in enumerate(picked):
        form = "marked" if j % 2 == 0 else "python"
        text = s2t.convert(para) if (j // 2) % 2 else para
        clean = _fold(text) if form == "marked" else text
        damaged = _damage(text, form, rng)
        if damaged is not None and damaged != clean:
            cases.append((form, clean, damaged))
    return cases


def _pct(n: int, total: int) -> str:
    return f"{n} ({100 * n / max(1, total):.1f}%)"


def run(ctx: Any, show: int = 0) -> str:
    import opencc

    from cleanfeed.normalize import normalize_report

    head = "## Mojibake repair (GBK lost byte, real news text)\n\n"
    shared = _shared(ctx)
    if shared is None:
        return head + "Skipped: needs `../shared/eval` (dev text, not in the repo).\n"
    paras = _paragraphs(shared)
    n = 60 if ctx.quick else _N_CASES
    t0 = time.process_time()
    cases = make_cases(paras, n)
    res = evaluate(cases, show)
    t_cases = time.process_time() - t0
    rows = []
    total: Counter[str] = Counter()
    for form in ("marked", "python", "all"):
        c = total if form == "all" else res.get(form, Counter())
        if form != "all":
            total.update(c)
        m = sum(c.values())
        rows.append(
            f"| {form} | {m} | {_pct(c['exact'], m)} | {_pct(c['wrong'], m)} | {_pct(c['flagged'], m)} "
            f"| {_pct(c['unflagged'], m)} | {_pct(c['flagged'], m - c['exact'] - c['wrong'])} |"
        )
    # clean paragraphs: no edit by the repair; flags only where the source itself is damaged
    s2t = opencc.OpenCC("s2t")
    clean = _paragraphs(shared, _MIN_CLEAN)
    clean = clean if not ctx.quick else clean[:400]
    edits = flagged = damaged_src = 0
    for para in clean:
        for text in (para, s2t.convert(para)):
            _, rep = normalize_report(text)
            edits += rep.counts.get("mojibake_spans", 0)
            if any(f.startswith("mojibake_") for f in rep.flags):
                flagged += 1
                damaged_src += bool(_SOURCE_DAMAGE.search(text))
    return (
        head + f"Command: {CMD} (also run by `make bench`; it reads `../shared`, so by hand). "
        "Cases and scoring: the module docstring "
        f"of `bench/bench_normalize_mojibake.py`; {len(cases)} cases from {len(paras)} gold paragraphs of "
        f"the dev split, CPU {t_cases:.0f} s.\n\n"
        "| form | cases | exact | wrong | left, flagged | left, unflagged | damage left that is flagged |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n\n"
        f"Clean paragraphs ({len(clean)} of >= {_MIN_CLEAN} characters, each in Simplified and in "
        f"Traditional): {edits} repairs applied; {flagged} texts flagged, {damaged_src} of them holding "
        "damage in the source itself (U+FFFD, a private-use character, or a `?` inside Han text).\n"
    )


_SOURCE_DAMAGE = re.compile(r"[\ufffd\ue000-\uf8ff]|[\u3400-\u9fff]\?[\u3400-\u9fff\d]")


if __name__ == "__main__":
    from types import SimpleNamespace

    show = int(sys.argv[sys.argv.index("--show") + 1]) if "--show" in sys.argv else 0
    ctx = SimpleNamespace(root=ROOT, shared=None, work=ROOT / "bench" / "_work", quick="--quick" in sys.argv)
    print(run(ctx, show))
