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
# A document is Traditional when this share of its Han characters is Traditional-only.
_MIN_SHARE = 0.03
_MIN_COUNT = 2
_SAMPLE = 20_000
_HAN = re.compile(r"[\u3400-\u9fff]")


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


@lru_cache(maxsize=1)
def converter() -> opencc.OpenCC:
    """The cleanfeed T->S converter (built once per process)."""
    tmp = Path(tempfile.mkdtemp(prefix="cleanfeed-opencc-"))
    atexit.register(shutil.rmtree, tmp, True)
    # copy our own dictionaries next to the resolved config: package data may live in a zip
    for name in ("t2s_extra.txt",):
        (tmp / name).write_bytes(_DATA.joinpath(name).read_bytes())
    config = json.loads(_DATA.joinpath("t2s_cleanfeed.json").read_text(encoding="utf-8"))
    path = tmp / "t2s_cleanfeed.json"
    path.write_text(json.dumps(_resolve(config, tmp), ensure_ascii=False), encoding="utf-8")
    return opencc.OpenCC(str(path))


@lru_cache(maxsize=1)
def _trad_re() -> re.Pattern[str]:
    chars = _DATA.joinpath("trad_chars.txt").read_text(encoding="utf-8").strip()
    return re.compile("[" + re.escape(chars) + "]")


def traditional_count(text: str) -> int:
    """Number of Traditional-only characters in ``text``."""
    return len(_trad_re().findall(text))


def is_traditional(text: str) -> bool:
    """Cheap check: is enough of the text written in Traditional-only characters?"""
    text = text[:_SAMPLE]  # the script of a document shows in its first few thousand characters
    trad = traditional_count(text)
    if trad < _MIN_COUNT:
        return False
    return trad >= _MIN_SHARE * len(_HAN.findall(text))


def to_simplified(text: str) -> str:
    return str(converter().convert(text))
