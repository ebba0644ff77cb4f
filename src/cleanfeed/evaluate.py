"""Score extraction against hand-made gold text: the character-bigram P/R/F1 used for cleanfeed's
extraction benchmark, so users can measure cleanfeed on their own sites.

The metric: both sides are canonicalized (Unicode NFKC, OpenCC ``t2s``, every whitespace character
removed); a page scores precision, recall and F1 of the overlap of the two multisets of character
bigrams; a set scores the mean over its gold pages. The prediction for a page is
``title + "\\n" + text`` from ``clean_html`` (the title is not repeated when the text already starts
with it); a page that is dropped, missing or empty scores 0.

    cleanfeed eval PAGES_DIR GOLD_DIR [--json]

``GOLD_DIR`` holds ``<id>.txt`` (title on the first line, then the body); ``PAGES_DIR`` holds
``<id>.html`` (any extension: pages are matched by file stem). Either may be a set folder with
``gold/`` and ``html/`` sub-folders.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import opencc

from cleanfeed.clean import clean_html
from cleanfeed.errors import Drop
from cleanfeed.models import Article

_WS = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def canon(text: str) -> str:
    """NFKC, Traditional -> Simplified, no whitespace."""
    text = unicodedata.normalize("NFKC", text or "")
    if text:
        text = _t2s().convert(text)
    return _WS.sub("", text)


def bigrams(text: str) -> Counter[str]:
    """Multiset of character bigrams of an already canonical string."""
    if len(text) < 2:
        return Counter([text] if text else [])
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def score_pair(gold: str, pred: str) -> tuple[float, float, float]:
    """(precision, recall, f1) of ``pred`` against ``gold``; an empty prediction scores 0."""
    g, p = bigrams(canon(gold)), bigrams(canon(pred))
    if not g or not p:
        return (1.0, 1.0, 1.0) if not g and not p else (0.0, 0.0, 0.0)
    tp = sum((g & p).values())
    prec, rec = tp / sum(p.values()), tp / sum(g.values())
    return prec, rec, (2 * prec * rec / (prec + rec) if tp else 0.0)


def prediction(article: Article) -> str:
    """What is scored for a page: the title, then the text (the title once)."""
    title, text = article.title or "", article.text or ""
    if not title or text.startswith(title):
        return text
    return f"{title}\n{text}"


@dataclass
class EvalResult:
    """Per-page scores, drop reasons and timing of one evaluation run."""

    docs: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    drops: dict[str, str] = field(default_factory=dict)  # page id -> Drop reason
    seconds: float = 0.0  # time spent in the extractor only

    @property
    def n(self) -> int:
        return len(self.docs)

    def mean(self) -> tuple[float, float, float]:
        n = self.n or 1
        return tuple(sum(v[i] for v in self.docs.values()) / n for i in range(3))  # type: ignore[return-value]

    @property
    def pages_per_s(self) -> float:
        return self.n / self.seconds if self.seconds else 0.0

    def worst(self, k: int = 10) -> list[tuple[str, tuple[float, float, float]]]:
        return sorted(self.docs.items(), key=lambda kv: kv[1][2])[:k]

    def to_json(self) -> dict[str, object]:
        p, r, f = self.mean()
        return {
            "n": self.n,
            "P": p,
            "R": r,
            "F": f,
            "pages_per_s": self.pages_per_s,
            "drops": self.drops,
            "docs": {k: list(v) for k, v in self.docs.items()},
        }


def _sub(folder: Path, name: str) -> Path:
    return folder / name if (folder / name).is_dir() else folder


def evaluate_dirs(
    pages_dir: str | Path,
    gold_dir: str | Path,
    extract: Callable[[bytes], Article] | None = None,
) -> EvalResult:
    """Run ``extract`` (default ``clean_html``) on every page that has gold text and score it."""
    pages, gold = _sub(Path(pages_dir), "html"), _sub(Path(gold_dir), "gold")
    by_stem = {p.stem: p for p in sorted(pages.iterdir()) if p.is_file()}
    run = extract or clean_html
    result = EvalResult()
    for gold_file in sorted(gold.glob("*.txt")):
        doc = gold_file.stem
        expected = gold_file.read_text(encoding="utf-8", errors="replace")
        page = by_stem.get(doc)
        pred = ""
        if page is not None:
            data = page.read_bytes()
            t0 = time.perf_counter()
            try:
                pred = prediction(run(data))
            except Drop as drop:
                result.drops[doc] = drop.reason
            finally:
                result.seconds += time.perf_counter() - t0
        result.docs[doc] = score_pair(expected, pred)
    return result


def format_result(result: EvalResult, name: str, worst: int = 10) -> str:
    p, r, f = result.mean()
    lines = [f"{name}: n={result.n} P={p:.3f} R={r:.3f} F1={f:.3f} ({result.pages_per_s:.0f} pages/s)"]
    if result.drops:
        lines.append(
            f"dropped: {len(result.drops)} " + ", ".join(f"{k} ({v})" for k, v in result.drops.items())
        )
    lines.append(f"worst {worst}:")
    lines.extend(f"  F1={s[2]:.3f} P={s[0]:.3f} R={s[1]:.3f}  {doc}" for doc, s in result.worst(worst))
    return "\n".join(lines)
