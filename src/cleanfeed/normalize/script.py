"""Traditional -> Simplified with the OpenCC C++ wheel and a cleanfeed config.

The config (``data/t2s_cleanfeed.json``) chains Taiwan and Hong Kong *variant* reversal (裡/裏 ->
裏, 衞 -> 衛, phrases first) with OpenCC's TSPhrases + TSCharacters, so phrase-aware choices hold
(看著 -> 看着 but 著名 stays, 乾燥 -> 干燥 but 乾隆 stays) while regional *vocabulary* is left alone:
OpenCC's ``tw2sp`` would rewrite 新增 -> 添加 and 建立 -> 创建 in mainland text. A small text
dictionary (``data/t2s_extra.txt``) adds forms the tables miss (甚麼 -> 什么, 揹 -> 背).

The config names dictionary files only; their absolute paths (inside the installed ``opencc``
wheel, or ``data/`` for ours) are filled in at runtime into a private temporary copy.
"""

from __future__ import annotations

import atexit
import bisect
import json
import re
import shutil
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import opencc

_DATA = resources.files("cleanfeed.normalize").joinpath("data")
# A document is Traditional when this share of its distinct Han characters is Traditional-only ...
_MIN_SHARE = 0.05
# ... and it has at most one Simplified-only character per two Traditional-only ones (a Simplified byline, a
# quoted Simplified name in a Traditional page; Simplified pages have hundreds of them).
_MIXED = 2
_SAMPLE = 20_000
_HAN_RUN = re.compile("[\u3400-\u9fff]+")


def _opencc_share() -> Path:
    return Path(opencc.__file__).resolve().parent / "clib" / "share" / "opencc"


def _resolve(node: Any, ours: Path) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, val in node.items():
            if key == "file" and isinstance(val, str):
                local = ours / val
                out[key] = str(local if local.is_file() else _opencc_share() / val)
            else:
                out[key] = _resolve(val, ours)
        return out
    if isinstance(node, list):
        return [_resolve(v, ours) for v in node]
    return node


def _write_config(tmp: Path, variants: bool) -> Path:
    config = json.loads(_DATA.joinpath("t2s_cleanfeed.json").read_text(encoding="utf-8"))
    if not variants:  # the Traditional -> Simplified stage alone
        config["conversion_chain"] = config["conversion_chain"][1:]
    path = tmp / ("t2s_cleanfeed.json" if variants else "t2s_cleanfeed_novariants.json")
    path.write_text(json.dumps(_resolve(config, tmp), ensure_ascii=False), encoding="utf-8")
    return path


@lru_cache(maxsize=1)
def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC, re.Pattern[str]]:
    """(full converter, converter without the variant stage, characters the variant stage changes)."""
    tmp = Path(tempfile.mkdtemp(prefix="cleanfeed-opencc-"))
    atexit.register(shutil.rmtree, tmp, True)
    # copy our own dictionaries next to the resolved config: package data may live in a zip
    for name in ("t2s_extra.txt",):
        (tmp / name).write_bytes(_DATA.joinpath(name).read_bytes())
    full = opencc.OpenCC(str(_write_config(tmp, variants=True)))
    plain = opencc.OpenCC(str(_write_config(tmp, variants=False)))
    # The variant stage changes the result for a handful of characters only (著, 衞, 揹, 么, ...);
    # text without them converts identically, and ~40% faster, without that stage.
    chars = [chr(cp) for cp in [*range(0x3400, 0xA000), *range(0xF900, 0xFB00)]]
    blob = "\n".join(chars)
    pairs = zip(chars, full.convert(blob).split("\n"), plain.convert(blob).split("\n"), strict=True)
    special = {c for c, a, b in pairs if a != b} | set(_extra_keys())
    return full, plain, re.compile("[" + re.escape("".join(sorted(special))) + "]")


def _extra_keys() -> str:
    text = _DATA.joinpath("t2s_extra.txt").read_text(encoding="utf-8")
    return "".join(line.split("\t", 1)[0] for line in text.splitlines() if line)


def converter() -> opencc.OpenCC:
    """The full cleanfeed T->S converter (built once per process)."""
    return _converters()[0]


@lru_cache(maxsize=1)
def _script_tables() -> tuple[frozenset[str], frozenset[str], re.Pattern[str]]:
    """(Traditional-only chars, Simplified-only chars, Traditional-only phrases) from OpenCC's own tables
    (built by ``tools/build_script_tables.py``)."""
    lines = _DATA.joinpath("opencc_script.txt").read_text(encoding="utf-8").split("\n")
    phrases = sorted(lines[3].split(), key=len, reverse=True)
    return frozenset(lines[1]), frozenset(lines[2]), re.compile("|".join(map(re.escape, phrases)))


def is_traditional(text: str) -> bool:
    """Is the text Traditional? It must hold a Traditional-only character or phrase (OpenCC's tables),
    next to no Simplified-only one, and (in a long text) enough of its distinct Han characters must be
    Traditional-only. A text with neither kind (著名, 乾隆, 新增) is not Traditional: it reads the same.

    Works on the set of characters (one C-speed pass), not on occurrences, so a short title or name is
    decided like a page: 發展 is Traditional, 发展 and 张三 are not."""
    trad_only, simp_only, phrases = _script_tables()
    sample = text[:_SAMPLE]  # the script of a document shows in its first few thousand chars
    chars = set(sample)
    trad = len(chars & trad_only)
    if not trad:
        trad = 1 if phrases.search(sample) else 0
        if not trad:
            return False
    simp = len(chars & simp_only)
    if simp * _MIXED > trad:  # Simplified text quoting a Traditional name stays as it is
        return False
    distinct = "".join(chars)
    han = len(distinct) - len(_HAN_RUN.sub("", distinct))  # a C-speed count of the Han ones
    return trad >= _MIN_SHARE * han


def to_simplified(text: str) -> str:
    """Traditional -> Simplified. Lines holding a variant-sensitive character go through the full
    chain, all others through the cheaper one (same output, checked in tests)."""
    full, plain, special = _converters()
    hits = [m.start() for m in special.finditer(text)]
    if not hits:
        return str(plain.convert(text))
    lines = text.split("\n")
    starts = [0]
    pos = text.find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    marked = {bisect.bisect_right(starts, h) - 1 for h in hits}
    hard_src = "\n".join(lines[i] for i in sorted(marked))
    easy_src = "\n".join(line for i, line in enumerate(lines) if i not in marked)
    hard = iter(str(full.convert(hard_src)).split("\n"))
    easy = iter(str(plain.convert(easy_src)).split("\n"))
    return "\n".join(next(hard) if i in marked else next(easy) for i in range(len(lines)))
