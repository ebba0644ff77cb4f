"""Text normalization. (Initial version: T->S only; owned and extended by the normalize work.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import opencc


@dataclass
class NormalizeReport:
    """What the normalizer changed: counts by kind, low-confidence flags, whether T->S ran."""

    counts: dict[str, int] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    converted: bool = False


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize_lines(lines: list[str]) -> tuple[list[str], NormalizeReport]:
    """Normalize a document given as lines; returns the same number of lines (some may be empty)."""
    report = NormalizeReport()
    conv = _t2s()
    out = [conv.convert(line).strip() for line in lines]
    report.converted = out != [line.strip() for line in lines]
    return out, report


def normalize_text(text: str) -> str:
    """Normalize text: one paragraph per line, no empty lines."""
    lines, _ = normalize_lines(text.split("\n"))
    return "\n".join(line for line in lines if line)
