"""Stories: the hand-written inputs (tests/fixtures/pages/stories/*.txt) and their parsing."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parents[2]  # tools/fixture_pages/story.py -> the repo

PAGES = ROOT / "tests" / "fixtures" / "pages"
STORIES = PAGES / "stories"

T2S = opencc.OpenCC("t2s")
S2T = opencc.OpenCC("s2t")
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+\)")
END_MARK = re.compile(r"^[（(]完[）)]$")


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def simp(text: str) -> str:
    """The Simplified, pinyin-free form of a Traditional spam string (what a leak would look like)."""
    return T2S.convert(PINYIN.sub("", text))


# --- stories ---------------------------------------------------------------------------------------
@dataclass
class Para:
    text: str  # clean (expected) text
    shown: str  # what the page shows
    caption: bool = False
    snippet_ok: bool = True


@dataclass
class Story:
    name: str
    meta: dict[str, str]
    paras: list[Para]
    more: list[Story] = field(default_factory=list)  # further stories of a multi-story page

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def shown_title(self) -> str:
        if self.meta.get("ascii_punct"):
            return fold_punct(self.title)
        return self.meta.get("raw_title", self.title)

    @property
    def body(self) -> list[Para]:
        return [p for p in self.paras if not p.caption]

    @property
    def captions(self) -> list[str]:
        return [p.text for p in self.paras if p.caption]

    def expected_lines(self) -> list[str]:
        lines = [p.text for p in self.body]
        if lines and END_MARK.match(lines[-1]):  # standalone end marker: not story text
            lines.pop()
        return lines

    def expected(self) -> str:
        return "\n".join([self.title, *self.expected_lines()]) + "\n"


def _parse_block(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    meta: dict[str, str] = {}
    if "---" in lines:
        cut = lines.index("---")
        for line in lines[:cut]:
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
        lines = lines[cut + 1 :]
    return meta, [line for line in lines if line.strip()]


def load_story(name: str) -> Story:
    raw_text = (STORIES / f"{name}.txt").read_text(encoding="utf-8")
    chunks = [c.strip("\n").split("\n") for c in raw_text.split("=====\n")]
    stories = []
    for chunk in chunks:
        meta, lines = _parse_block(chunk)
        shown = lines
        if "raw" in meta:
            _, shown = _parse_block((STORIES / meta["raw"]).read_text(encoding="utf-8").split("\n"))
            assert len(shown) == len(lines), (name, len(shown), len(lines))
        paras = []
        for line, raw_line in zip(lines, shown, strict=True):
            caption, ok = line.startswith("@"), not line.startswith("~")
            clean, show = line.lstrip("@~"), raw_line.lstrip("@~")
            if meta.get("ascii_punct") and "raw" not in meta:
                show = fold_punct(show)
            paras.append(Para(clean, show, caption, ok))
        stories.append(Story(name, meta, paras))
    stories[0].more = stories[1:]
    return stories[0]


def fold_punct(text: str) -> str:
    """ASCII-folded punctuation, as some spam portals print it (seed 000)."""
    table = str.maketrans({"，": ",", "：": ":", "；": ";", "？": "?", "！": "!", "（": "(", "）": ")"})
    return text.translate(table)
