"""Build ``data/opencc_script.txt``: the characters and phrases that mark a script, from OpenCC's tables.

    git clone https://github.com/BYVoid/OpenCC   # or any checkout; only data/dictionary/*.txt is read
    .venv/bin/python tools/build_script_tables.py PATH/TO/OpenCC/data/dictionary

OpenCC (Apache-2.0) publishes its conversion tables as text. A character is *valid Traditional* when it
is a TSCharacters key, an STCharacters candidate or a Taiwan/Hong Kong variant form (TWVariants,
HKVariants: 群, 衞, 著); *valid Simplified* when it is an STCharacters key or a TSCharacters candidate
(乾 -> 干 乾 keeps 乾, as in 乾隆). Then:

- *Traditional-only* characters: valid Traditional, not valid Simplified (發, 們, 眾, 衞), plus the keys
  of our own ``data/t2s_extra.txt`` (揹). 著 is one too: OpenCC's Simplified side has no 著 at all,
  only its Taiwan variant table has; 著名 in Simplified text still reads the same after conversion
  (the variant stage keeps it in phrases);
- *Simplified-only* characters: valid Simplified, not valid Traditional (们, 张; not 群, 么, 干);
- *Traditional-only* phrases: the Traditional spellings of STPhrases (干杯 -> 乾杯, 于是 -> 於是), the
  TSPhrases keys (瞭解, 沈默) and the variant phrases, that are no Simplified spelling themselves and hold
  no Traditional-only character (those count already);
"""

from __future__ import annotations

import argparse
from pathlib import Path

OUT = (
    Path(__file__).resolve().parent.parent / "src" / "cleanfeed" / "normalize" / "data" / "opencc_script.txt"
)


def _load(folder: Path, name: str) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for line in (folder / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        if "\t" in line and not line.startswith("#"):
            key, vals = line.split("\t", 1)
            table[key] = vals.split()
    return table


def _chars(table: dict[str, list[str]], keys: bool = True, values: bool = True) -> set[str]:
    out: set[str] = set()
    for k, vals in table.items():
        if keys and len(k) == 1:
            out.add(k)
        if values:
            out.update(v for v in vals if len(v) == 1)
    return out


def build(folder: Path, extra: Path) -> tuple[str, str, list[str]]:
    ts, st = _load(folder, "TSCharacters"), _load(folder, "STCharacters")
    variants = {**_load(folder, "TWVariants"), **_load(folder, "HKVariants")}
    var_forms = {v for k, vals in variants.items() for v in vals if v != k and len(v) == 1}
    valid_trad = _chars(ts, values=False) | _chars(st, keys=False) | var_forms
    valid_simp = _chars(st, values=False) | _chars(ts, keys=False)
    ours = {line.split("\t", 1)[0] for line in extra.read_text(encoding="utf-8").splitlines() if line}
    trad = (valid_trad - valid_simp) | {k for k in ours if len(k) == 1}
    simp = valid_simp - valid_trad
    simp_spellings = set(_load(folder, "STPhrases")) | {
        v for vals in _load(folder, "TSPhrases").values() for v in vals
    }
    cands: set[str] = set(_load(folder, "TSPhrases"))
    for name in ("STPhrases", "TWVariantsPhrases", "HKVariantsPhrases"):
        cands.update(v for vals in _load(folder, name).values() for v in vals)
    phr = sorted(k for k in cands if len(k) > 1 and k not in simp_spellings and not any(c in trad for c in k))
    return "".join(sorted(trad)), "".join(sorted(simp)), phr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("dictionary", type=Path, help="OpenCC's data/dictionary folder")
    ap.add_argument("--extra", type=Path, default=OUT.parent / "t2s_extra.txt")
    ap.add_argument("--source", default="OpenCC data/dictionary", help="recorded in the header")
    args = ap.parse_args()
    trad, simp, phr = build(args.dictionary, args.extra)
    OUT.write_text(
        f"# from {args.source} (Apache-2.0) by tools/build_script_tables.py: "
        "Traditional-only chars, Simplified-only chars, Traditional-only phrases\n"
        f"{trad}\n{simp}\n{' '.join(phr)}\n",
        encoding="utf-8",
    )
    print(f"{OUT}: {len(trad)} Traditional-only, {len(simp)} Simplified-only, {len(phr)} phrases")


if __name__ == "__main__":
    main()
