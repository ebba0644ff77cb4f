"""Mutation testing of the core modules with mutmut 3 (``make mutate``; by hand, not in CI: it is slow).

Each module runs in its own scratch copy (``build/mutate/<module>/``) with its own mutmut config, so only
that module is mutated and only the test files that exercise it are run (mutmut then narrows further to
the tests that reach each mutated function). Per module it writes ``summary.json`` (counts by outcome)
and ``survivors.txt`` (the diff of each surviving mutant) to review: a survivor is either killed by a new
test or listed in docs/benchmarks.md as equivalent, with the reason.

    python tools/mutate.py                 # every module below
    python tools/mutate.py decode state    # some of them
    python tools/mutate.py --jobs 1 state  # fewer parallel workers on a busy machine
    python tools/mutate.py --audit         # the audit's hand-planted mutants (#17): each must be killed
"""

from __future__ import annotations

import argparse
import ast
import codecs
import difflib
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutate"
MUTMUT = Path(sys.executable).parent / "mutmut"

# module -> (files to mutate, mutant-name globs or [] for all, test files run against the mutants)
MODULES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "decode": (
        ["src/cleanfeed/decode.py"],
        [],
        ["tests/test_decode.py", "tests/test_mutants_decode.py", "tests/test_clean_input.py"],
    ),
    # normalize in two parts: the mojibake repair and its language model are the slow half
    "normalize": (
        [
            "src/cleanfeed/normalize/__init__.py",
            "src/cleanfeed/normalize/script.py",
            "src/cleanfeed/normalize/punct.py",
            "src/cleanfeed/normalize/pinyin.py",
        ],
        [],
        ["tests/test_normalize.py", "tests/test_mutants_normalize.py", "tests/test_seed004_e2e.py"],
    ),
    "normalize_repair": (
        ["src/cleanfeed/normalize/repair.py", "src/cleanfeed/normalize/lm.py"],
        [],
        ["tests/test_normalize.py", "tests/test_mutants_normalize.py", "tests/test_seed004_e2e.py"],
    ),
    "rules": (
        ["src/cleanfeed/extract/rules.py", "src/cleanfeed/extract/filters.py"],
        [],
        [
            "tests/test_extract_rules.py",
            "tests/test_mutants_rules.py",
            "tests/test_extract_edges.py",
            "tests/test_clean_spam.py",
            "tests/test_extract_meta.py",
            "tests/test_fixture_pages.py",
        ],
    ),
    "match": (
        ["src/cleanfeed/dedup/match.py"],
        [],
        ["tests/test_dedup.py", "tests/test_mutants_dedup.py", "tests/test_dedup_fast_paths.py"],
    ),
    "state": (
        ["src/cleanfeed/state.py"],
        [],
        # unit tests only: the run-level ones take seconds each, times hundreds of mutants
        [
            "tests/test_state.py",
            "tests/test_mutants_state.py",
            "tests/test_mutants_run.py::test_state_keeps_last_modified_when_a_304_carries_none",
        ],
    ),
    "netguard": (["src/cleanfeed/netguard.py"], [], ["tests/test_ssrf.py", "tests/test_mutants_netguard.py"]),
    "settings": (
        ["src/cleanfeed/settings.py"],
        [],
        ["tests/test_settings.py", "tests/test_mutants_settings.py"],
    ),
    # fetch: only the size caps (the body reader and the streaming decoders), not the whole client
    "fetch_caps": (
        ["src/cleanfeed/fetch.py"],
        [
            "cleanfeed.fetch.x__decoder*",
            "cleanfeed.fetch.x*_Identity*",
            "cleanfeed.fetch.x*_Inflate*",
            "cleanfeed.fetch.x*_Brotli*",
            "cleanfeed.fetch.x*Fetcher*_read_body*",
        ],
        ["tests/test_fetch.py", "tests/test_mutants_fetch.py"],
    ),
}

# The audit's hand-planted mutants (#17, ../shared/reviews/tests.md): id -> (file, original text, mutated
# text, tests). `--audit` applies each to a scratch copy and runs the tests; each must fail (M3: equivalent).
AUDIT: dict[str, tuple[str, str, str, list[str]]] = {
    "M1": (
        "src/cleanfeed/decode.py",
        "_plausibility(text) > 0.3",
        "_plausibility(text) > -1.0",
        ["tests/test_decode.py", "tests/test_mutants_decode.py"],
    ),
    "M2": (
        "src/cleanfeed/decode.py",
        "nuls > 8",
        "nuls > 800",
        ["tests/test_decode.py", "tests/test_mutants_decode.py"],
    ),
    "M3": (
        "src/cleanfeed/decode.py",
        'return _clean(data.decode(enc, errors="replace")), enc.replace("-sig", "")',
        'return data.decode(enc, errors="replace"), enc.replace("-sig", "")',
        ["tests/test_decode.py", "tests/test_mutants_decode.py"],
    ),
    # M4 re-planted on the rewritten is_traditional (#11 removed _MIN_COUNT): one Traditional-only
    # character is no longer enough, the off-by-one the audit planted
    "M4": (
        "src/cleanfeed/normalize/script.py",
        "    if not trad:\n        trad = 1 if phrases.search(sample) else 0",
        "    if trad <= 1:\n        trad = 1 if phrases.search(sample) else 0",
        ["tests/test_normalize.py", "tests/test_mutants_normalize.py"],
    ),
    "M5": (
        "src/cleanfeed/normalize/script.py",
        "bisect.bisect_right(starts, h)",
        "bisect.bisect_left(starts, h)",
        ["tests/test_normalize.py", "tests/test_mutants_normalize.py"],
    ),
    "M6": (
        "src/cleanfeed/dedup/match.py",
        "if qa and ca and not qa & ca:",
        "if False:",
        ["tests/test_dedup.py", "tests/test_mutants_dedup.py"],
    ),
    "M7": (
        "src/cleanfeed/dedup/match.py",
        "reused >= WRAPPED_CONTAINED and own >= WRAPPED_OWN",
        "reused >= WRAPPED_CONTAINED",
        ["tests/test_dedup.py", "tests/test_mutants_dedup.py"],
    ),
    "M8": (
        "src/cleanfeed/extract/rules.py",
        'host.endswith("." + domain)',
        "host.endswith(domain)",
        ["tests/test_extract_rules.py", "tests/test_mutants_rules.py"],
    ),
    "M9": (
        "src/cleanfeed/extract/rules.py",
        "any(_host_in(host, h) for h in self.off_hosts)",
        "any(host == h for h in self.off_hosts)",
        ["tests/test_extract_rules.py", "tests/test_mutants_rules.py"],
    ),
    "M10": (
        "src/cleanfeed/state.py",
        "last_modified = COALESCE(excluded.last_modified, urls.last_modified)",
        "last_modified = excluded.last_modified",
        ["tests/test_state.py", "tests/test_mutants_state.py", "tests/test_mutants_run.py"],
    ),
    "M11": (
        "src/cleanfeed/state.py",
        "failures < ?",
        "failures <= ?",
        ["tests/test_state.py", "tests/test_mutants_state.py"],
    ),
}

# Left out of mutation runs: a 25 s property test (150 Hypothesis examples of line counts), which every
# surviving normalize mutant would pay again; the fast suite runs it as usual.
DESELECT = ["tests/test_normalize.py::test_line_count_is_preserved_for_any_input"]

# mutmut's exit-code classes, as `mutmut results --all true` prints them
KILLED = {"killed", "timeout", "segfault", "caught by type check"}  # a hang or crash is a detection
SURVIVED = {"survived"}


def _config(files: list[str], tests: list[str]) -> str:
    present = [t for t in tests if (ROOT / t.split("::")[0]).exists()]
    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {json.dumps(files)}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(present)}\n"
        f"pytest_add_cli_args = {json.dumps([a for d in DESELECT for a in ('--deselect', d)])}\n"
        # the settings tests read the shipped configs and the README by path from the repo root
        'also_copy = ["configs", "README.md"]\n'
        # Each mutant in a fresh process from a fork server: forked from mutmut's own process (the default),
        # a mutant of a function whose result is cached (the shipped rule table, the OpenCC converter)
        # would never run, since the stats run already filled the cache.
        'process_isolation = "forkserver"\n'
    )


def _write_pyproject(name: str, dest: Path) -> None:
    files, _, tests = MODULES[name]
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    base = text.split("\n[tool.mutmut]")[0]  # the repo's own [tool.mutmut] is replaced per module
    rest = text.split("\n[tool.mutmut]", 1)[1].split("\n[", 1) if "\n[tool.mutmut]" in text else []
    tail = "\n[" + rest[1] if len(rest) > 1 else ""
    (dest / "pyproject.toml").write_text(base + tail + _config(files, tests), encoding="utf-8")


def _prepare(name: str) -> Path:
    work = WORK / name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copytree(ROOT / "src", work / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "configs", work / "configs")
    shutil.copy2(ROOT / "README.md", work / "README.md")  # the settings tests check the documented defaults
    _write_pyproject(name, work)
    return work


def _diffs(mutants: Path) -> dict[str, str]:
    """Mutant function name -> its changed lines, read from mutmut's trampolined copy (``mutmut show``
    costs a process start per mutant)."""
    out: dict[str, str] = {}
    for path in mutants.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        funcs = {}
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name:
                funcs[node.name] = (ast.get_source_segment(text, node) or "").splitlines()[1:]
        for name, body in funcs.items():
            orig = funcs.get(name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
            if orig is None or name.endswith("_orig"):
                continue
            changed = [ln for ln in difflib.unified_diff(orig, body, lineterm="", n=0) if ln[:1] in "+-"]
            out[name] = "\n".join(ln for ln in changed if ln[:3] not in ("+++", "---"))
    return out


# Reasoned equivalents, reviewed by hand: (function name fragment, original line, mutated line, why the
# mutant cannot change what cleanfeed outputs). Matched on the stripped changed line, so they survive
# renumbering; a change to the line itself drops the entry (and the mutant is counted again).
_BAD = 'bad = sum(1 for c in wide if c == "\\ufffd" or "\\ue000" <= c <= "\\uf8ff" or {} <= c <= "\\x9f")'
_ADDR = "addresses = [ipaddress.ip_address(str(info[4][0]).{}) for info in infos]"
_ONE_SCOPE = "getaddrinfo gives an address at most one '%' (its scope): element [0] is the same for any split"
_SUPER = "every label _SUPERSET maps that Python knows has a codec name _SUPERSET maps to the same superset"
_MEMO = "a memo of a pure function: recomputing gives the value setdefault would have returned"
KNOWN_EQUIVALENT: list[tuple[str, str, str, str]] = [
    (
        "dedup.match.x_align",
        "qa = q_anchors[i] if i in q_anchors else q_anchors.setdefault(i, anchors(q_text[i]))",
        "qa = q_anchors[i] if (i in q_anchors) and False else q_anchors.setdefault(i, anchors(q_text[i]))",
        _MEMO,
    ),
    (
        "dedup.match.x_align",
        "ca = c_anchors[j] if j in c_anchors else c_anchors.setdefault(j, anchors(c_text[j]))",
        "ca = c_anchors[j] if (j in c_anchors) and False else c_anchors.setdefault(j, anchors(c_text[j]))",
        _MEMO,
    ),
    (
        "dedup.match.x_align",
        'left = np.searchsorted(c_g, q_g, "left")',
        "left = np.searchsorted(c_g, q_g, )",
        "side='left' is searchsorted's default",
    ),
    (
        "settings.x_load_settings",
        "return settings_from_dict({}, None, **overrides)",
        "return settings_from_dict({}, **overrides)",
        "base_dir defaults to None",
    ),
    (
        "settings.xǁSettingsǁresolve",
        "return Path(os.path.normpath(path if path.is_absolute() else self.base_dir / path))",
        "return Path(os.path.normpath(path if (path.is_absolute()) and False else self.base_dir / path))",
        "joining an absolute path to base_dir gives the absolute path (pathlib)",
    ),
    ("decode.x__codec", "key = name.strip().lower()", "key = name.strip().upper()", _SUPER),
    (
        "decode.x__codec",
        "return _SUPERSET.get(key, _SUPERSET.get(info.name, info.name))",
        "return _SUPERSET.get(None, _SUPERSET.get(info.name, info.name))",
        _SUPER,
    ),
    (
        "decode.x__is_binary",
        "return nuls > 8 or head.count(0) > len(head) // 10",
        "return nuls > 8 or head.count(0) > len(head) / 10",
        "a count is an integer: c > n // 10 exactly when c > n / 10",
    ),
    (
        "state.x_check_file",
        "return False",
        "return True",
        "a missing file then gets the existing-file check, which a new database (version 0, no tables) "
        "passes",
    ),
    (
        "state.xǁStateǁ_check_ours",
        "elif not tables >= _OURS:",
        "elif not tables > _OURS:",
        "runs uses AUTOINCREMENT, so sqlite_sequence is there whenever our tables are: never exactly _OURS",
    ),
    (
        "state.xǁStateǁ_migrate",
        'f"{self.path} has state schema {version}, newer than this cleanfeed\'s {SCHEMA_VERSION}"',
        "None",
        "unreachable: an existing file with a newer schema is refused by _check_ours first, a new one is 0",
    ),
    (
        "state.xǁStateǁcommit_run",
        "(_now(), json.dumps(counts, ensure_ascii=False), body, folder, run_id),",
        "(_now(), json.dumps(counts, ensure_ascii=None), body, folder, run_id),",
        "ensure_ascii=None is falsy, as False",
    ),
    (
        "state.xǁStateǁcommit_run",
        "body = json.dumps(manifest, ensure_ascii=False, default=str) if manifest is not None else None",
        "body = json.dumps(manifest, ensure_ascii=None, default=str) if manifest is not None else None",
        "ensure_ascii=None is falsy, as False",
    ),
    (
        "decode.x__clean",
        "*",
        "*",
        "no codec decode_html uses emits a lone surrogate (CPython's UTF-16/32 decoders replace them; "
        "a strict decode raises), so _clean never finds one: it is a guard, and the audit's M3",
    ),
    (
        "decode.x__plausibility",
        _BAD.format('"\\x80"'),
        _BAD.format('"XX\\x80XX"'),
        "c is one character above U+007F, so c >= 'XX\\x80XX' exactly when c >= '\\x80'",
    ),
    (
        "netguard.x_resolve_checked",
        "infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)",
        "infos = socket.getaddrinfo(bare, port, )",
        "without a socket type each address is listed once per type, in the same order: same first "
        "address, same set checked",
    ),
    (
        "netguard.x_resolve_checked",
        _ADDR.format('split("%", 1)[0]'),
        _ADDR.format('split("%", )[0]'),
        _ONE_SCOPE,
    ),
    (
        "netguard.x_resolve_checked",
        _ADDR.format('split("%", 1)[0]'),
        _ADDR.format('rsplit("%", 1)[0]'),
        _ONE_SCOPE,
    ),
    (
        "netguard.x_resolve_checked",
        _ADDR.format('split("%", 1)[0]'),
        _ADDR.format('split("%", 2)[0]'),
        _ONE_SCOPE,
    ),
    (
        "netguard.xǁAllowListǁparse",
        "networks.append(ipaddress.ip_network(entry, strict=False))",
        "networks.append(ipaddress.ip_network(entry, strict=None))",
        "strict=None is falsy, as strict=False",
    ),
    (
        "netguard.xǁAllowListǁparse",
        'entry = raw.strip().lower().strip("[]")',
        'entry = raw.strip().upper().strip("[]")',
        "every use of the entry ignores case (ip_network parses hex either way, normalize_host lowercases)",
    ),
    (
        "netguard.xǁAllowListǁparse",
        'entry = raw.strip().lower().strip("[]")',
        'entry = raw.strip().lower().strip("XX[]XX")',
        "the entry is lowercased first, so it holds no 'X' to strip",
    ),
]

# SQL text: holds a keyword in capitals (our SQL style) and is not prose ("... again. Restore it from ...")
_SQL = re.compile(
    r"^(?!.*[a-z][.!] [A-Z]).*\b(SELECT|UPDATE|INSERT|PRAGMA|BEGIN|COMMIT|ROLLBACK|CREATE|ALTER|DELETE"
    r"|DROP|FROM|WHERE|SET|VALUES|COALESCE|ORDER BY|GROUP BY|LIMIT|RETURNING|IMMEDIATE)\b"
)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def _case_only(a: str, b: str) -> bool:
    return a != b and a.lower() == b.lower()


def equivalent(diff: str, func: str = "") -> str | None:
    """Why a mutant cannot change behaviour; None when it might.

    Two mechanical classes, then the reasoned list ``KNOWN_EQUIVALENT`` (matched on the changed lines):
    - SQL keyword or identifier case: SQLite reads them case-insensitively (quoted values must not change).
    - Codec label case in a codec call (``.decode("ASCII")``): Python's codec lookup ignores case. A label
      that is compared or returned is not equivalent.
    """
    minus = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("-")]
    plus = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("+")]
    for fragment, old, new, why in KNOWN_EQUIVALENT:
        if fragment in func and ((old, new) == ("*", "*") or (minus == [old] and plus == [new])):
            return why
    if minus and len(minus) == len(plus) and minus != plus:
        # guards that never change a correct result: zip(strict=True) only raises when the code is already
        # wrong, assume_unique=True only skips a sort of arrays that are unique by construction
        flags = re.compile(r",?\s*\b(?:strict|assume_unique)=(?:True|False|None)\b|,\s*(?=\))")
        if all(flags.sub("", a) == flags.sub("", b) for a, b in zip(minus, plus, strict=True)):
            return (
                "a guard flag (zip strict=, intersect1d assume_unique=) that never changes a correct result"
            )
    if (
        not minus
        or len(minus) != len(plus)
        or not all(a.lower() == b.lower() for a, b in zip(minus, plus, strict=False))
    ):
        return None
    sql = codec = True
    for a, b in zip(minus, plus, strict=True):
        if a == b:
            continue
        lits = [(x[1:-1], y[1:-1]) for x, y in zip(_QUOTED.findall(a), _QUOTED.findall(b), strict=False)]
        changed = [(x, y) for x, y in lits if x != y]
        if not changed:  # a line inside a multi-line string
            sql = sql and bool(_SQL.search(a)) and re.findall(r"'[^']*'", a) == re.findall(r"'[^']*'", b)
            codec = False
            continue
        for x, y in changed:
            sql = sql and bool(_SQL.search(x)) and re.findall(r"'[^']*'", x) == re.findall(r"'[^']*'", y)
            call = re.search(
                r"(?:(?:\.(?:de|en)code|lookup|getincrementaldecoder)\(\s*|\bencoding=)"
                + re.escape(f'"{y}"'),
                b,
            )
            try:
                same = _case_only(x, y) and codecs.lookup(x).name == codecs.lookup(y).name
            except LookupError:
                same = False
            codec = codec and same and call is not None
    if sql:
        return "SQL keyword/identifier case (SQLite ignores it)"
    if codec:
        return "codec label case in a codec call (codec lookup ignores it)"
    return None


def _results(work: Path) -> dict[str, str]:
    res = subprocess.run(
        [str(MUTMUT), "results", "--all", "true"], cwd=work, capture_output=True, text=True, check=False
    )
    status: dict[str, str] = {}
    for line in res.stdout.splitlines():
        key, _, value = line.strip().rpartition(": ")
        if key:
            status[key] = value
    return status


def _status(work: Path) -> dict[str, str]:
    """Each mutant's outcome; after a survivors-only run, its results over the earlier run's."""
    status = _results(work)
    earlier = work / "results-before.json"
    if earlier.exists():
        before: dict[str, str] = json.loads(earlier.read_text(encoding="utf-8"))
        reran = {k for k, v in before.items() if v in SURVIVED or v == "no tests"}
        status = {k: (status.get(k, v) if k in reran else v) for k, v in before.items()}
    return status


def run_module(name: str, jobs: int, rerun: bool = True, survivors_only: bool = False) -> dict[str, object]:
    """Mutate one module (or, with ``rerun=False``, classify the last run's results again; with
    ``survivors_only``, run the last run's survivors again against the current tests)."""
    _, globs, _ = MODULES[name]
    work = WORK / name
    if survivors_only:
        last = json.loads((work / "summary.json").read_text(encoding="utf-8"))
        before = _status(work)
        # a changed test selection makes mutmut forget every result: keep the earlier ones, then overlay
        (work / "results-before.json").write_text(json.dumps(before, indent=0), encoding="utf-8")
        again = [k for k, v in before.items() if v in SURVIVED or v == "no tests"]
        for dest in (work, work / "mutants"):  # the current tests and test selection (same source)
            shutil.rmtree(dest / "tests", ignore_errors=True)
            shutil.copytree(ROOT / "tests", dest / "tests", ignore=shutil.ignore_patterns("__pycache__"))
            _write_pyproject(name, dest)
        t0 = time.monotonic()
        with (work / "mutmut-survivors.log").open("w", encoding="utf-8") as log:
            proc = subprocess.run(
                [str(MUTMUT), "run", "--max-children", str(jobs), *again],
                cwd=work,
                stdout=log,
                stderr=log,
                check=False,
            )
        elapsed, code = last["seconds"] + time.monotonic() - t0, proc.returncode
        if code != 0:  # e.g. today's tests fail on the older copy of src: keep the last results as they were
            (work / "results-before.json").unlink()
            print(f"{name}: survivors rerun FAILED (exit {code}), see {work / 'mutmut-survivors.log'}")
            return dict(last)
    elif rerun:
        work = _prepare(name)
        t0 = time.monotonic()
        log = (work / "mutmut.log").open("w", encoding="utf-8")
        proc = subprocess.run(
            [str(MUTMUT), "run", "--max-children", str(jobs), *globs],
            cwd=work,
            stdout=log,
            stderr=log,
            check=False,
        )
        log.close()
        elapsed, code = time.monotonic() - t0, proc.returncode
    else:  # no summary when the run was stopped part way (the rest then shows as not checked)
        path = work / "summary.json"
        last = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"seconds": 0, "exit": None}
        elapsed, code = last["seconds"], last["exit"]
    status = _status(work)
    if globs:  # results list every mutant generated; count only those this module runs
        status = {k: v for k, v in status.items() if any(fnmatch.fnmatchcase(k, g) for g in globs)}
    counts = Counter(status.values())
    survivors = sorted(k for k, v in status.items() if v in SURVIVED)
    diffs = _diffs(work / "mutants")
    equiv: dict[str, str] = {}
    with (work / "survivors.txt").open("w", encoding="utf-8") as out:
        for key in survivors:
            diff = diffs.get(key.rsplit(".", 1)[1], "(diff not found)")
            why = equivalent(diff, key)
            if why:
                equiv[key] = why
            out.write(f"## {key}{'  [equivalent: ' + why + ']' if why else ''}\n{diff}\n\n")
    killed = sum(n for s, n in counts.items() if s in KILLED)
    survived = len(survivors) - len(equiv)
    no_tests = counts.get("no tests", 0)
    checked = (
        killed + survived + no_tests
    )  # what no test reaches counts as not killed; equivalents do not count
    summary: dict[str, object] = {
        "module": name,
        "exit": code,
        "seconds": round(elapsed),
        "counts": dict(counts),
        "killed": killed,
        "survived": survived,
        "equivalent": len(equiv),
        "no_tests": no_tests,
        "not_checked": counts.get("not checked", 0),  # a run stopped part way
        "total": len(status),
        "kill_rate": round(killed / checked, 3) if checked else None,
        # fork: mutants of cached builders could not run (counted as survivors); see _config
        "isolation": "forkserver"
        if "forkserver" in (work / "pyproject.toml").read_text(encoding="utf-8")
        else "fork",
        "survivors_rerun": (work / "results-before.json").exists(),
    }
    (work / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def run_audit() -> int:
    """Apply each audit mutant to a scratch copy of src/ and run its tests: 'killed' when they fail."""
    work = WORK / "audit"
    bad = 0
    results: dict[str, str] = {}
    for mid, (path, old, new, tests) in AUDIT.items():
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(ROOT / "src", work / "src", ignore=shutil.ignore_patterns("__pycache__"))
        target = work / path
        text = target.read_text(encoding="utf-8")
        if text.count(old) != 1:  # the code moved on: say so rather than report a stale result
            print(f"{mid}: NOT APPLIED ({old!r} found {text.count(old)} times in {path})", flush=True)
            bad += 1
            continue
        target.write_text(text.replace(old, new), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(work / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        failed = [ln for ln in proc.stdout.splitlines() if ln.startswith("FAILED")]
        verdict = (
            f"killed by {failed[0][7:].split(' - ')[0]}" if proc.returncode == 1 and failed else "SURVIVED"
        )
        if proc.returncode not in (0, 1):
            verdict = f"ERROR (pytest exit {proc.returncode})"
        print(f"{mid}: {path}: {old!r} -> {new!r}: {verdict}", flush=True)
        results[mid] = verdict + (" (equivalent, as the audit found)" if mid == "M3" else "")
        bad += verdict == "SURVIVED" and mid != "M3"
    shutil.rmtree(work, ignore_errors=True)
    (WORK / "audit.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 1 if bad else 0


SECTION = "## Mutation testing (make mutate)"
_PROGRESS = re.compile(r"(\d+)/(\d+)\s+🎉 (\d+) 🫥 (\d+)\s+⏰ (\d+)\s+🤔 \d+\s+🙁 (\d+)")


def _partial_row(name: str, files: list[str], globs: list[str], tot: Counter[str]) -> str:
    """A run stopped before it wrote its summary: the counts of its last progress line (equivalents not
    taken out, so the rate is a lower bound)."""
    log = WORK / name / "mutmut.log"
    found = _PROGRESS.findall(log.read_text(encoding="utf-8", errors="replace")) if log.exists() else []
    if not found:
        return f"| {name} | not run | | | | | | | |"
    done, total, killed, no_test, timeout, survived = (int(x) for x in found[-1])
    k = killed + timeout
    tot["killed"] += k
    tot["survived"] += survived
    tot["no_tests"] += no_test
    tot["total"] += k + survived + no_test
    what = ", ".join(f.removeprefix("src/cleanfeed/") for f in files) + (" (size caps)" if globs else "")
    scope = "the size-cap functions" if globs else f"{done} of {total}"
    rate = f"≥{100 * k / (k + survived + no_test):.1f}%" if k + survived + no_test else "-"
    return (
        f"| {name} | {what} | {scope} checked | {k} | {survived} | not classified | {no_test} | {rate} "
        f"| forkserver, stopped at the deadline |"
    )


def render() -> str:
    """The docs/benchmarks.md section, from the last run of each module (build/mutate/*/summary.json)."""
    rows, tot = [], Counter[str]()
    for name, (files, globs, _) in MODULES.items():
        path = WORK / name / "summary.json"
        if not path.exists():
            rows.append(_partial_row(name, files, globs, tot))
            continue
        s = json.loads(path.read_text(encoding="utf-8"))
        for k in ("total", "killed", "survived", "equivalent", "no_tests"):
            tot[k] += int(s.get(k, 0))
        rate = f"{100 * s['kill_rate']:.1f}%" if s.get("kill_rate") is not None else "-"
        what = ", ".join(f.removeprefix("src/cleanfeed/") for f in files) + (" (size caps)" if globs else "")
        how = s.get("isolation", "fork") + (", survivors rerun" if s.get("survivors_rerun") else "")
        if s.get("not_checked"):
            how += f", stopped: {s['not_checked']} not checked"
        rows.append(
            f"| {name} | {what} | {s['total']} | {s['killed']} | {s['survived']} | {s.get('equivalent', 0)} "
            f"| {s.get('no_tests', 0)} | {rate} | {how} |"
        )
    checked = tot["killed"] + tot["survived"] + tot["no_tests"]
    total_rate = f"{100 * tot['killed'] / checked:.1f}%" if checked else "-"
    audit_path = WORK / "audit.json"
    audit = json.loads(audit_path.read_text(encoding="utf-8")) if audit_path.exists() else {}
    audit_lines = [f"- {mid}: {verdict}" for mid, verdict in audit.items()] or ["- not run"]
    return "\n".join(
        [
            SECTION,
            "",
            "mutmut 3 over the core modules, one module at a time with the test files that exercise it "
            "(`tools/mutate.py` names them). Command: `make mutate`, or per module "
            "`nice -n 10 .venv/bin/python tools/mutate.py --jobs 2 MODULE`; this table: "
            "`python tools/mutate.py --doc`. Kill rate = killed / (killed + survived + reached by no test): "
            "equivalent mutants are left out, each with its reason (two mechanical rules, SQL keyword case "
            "and codec-label case in a codec call, and the reasoned list `KNOWN_EQUIVALENT`). Survivors, "
            "with their diffs: `build/mutate/MODULE/survivors.txt`.",
            "",
            "| module | mutated | mutants | killed | survived | equivalent | no test | kill rate | run |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|",
            *rows,
            f"| **all** | | {tot['total']} | {tot['killed']} | {tot['survived']} | {tot['equivalent']} "
            f"| {tot['no_tests']} | **{total_rate}** | checked mutants of every row |",
            "",
            "The audit's hand-planted mutants (#17; `python tools/mutate.py --audit`, M3 is equivalent):",
            "",
            *audit_lines,
            "",
            "What survives is mostly a tuning constant or bound moved by one where no real input sits "
            "exactly on it (pinning the constant in a test would copy the code, not check behaviour), the"
            " wording of a human-readable message, and branches only a rare detector outcome reaches. Run"
            " isolation: `forkserver` runs each mutant in a fresh process; under `fork` (the first runs) "
            "a mutant of a cached builder (the shipped rule table, the OpenCC converter) never ran and "
            "counted as a survivor, and `survivors rerun` re-checked those survivors in fresh processes "
            "against the final tests. Bugs the new tests found are strict xfails naming them "
            "(tests/test_mutants_*.py).",
            "",
        ]
    )


def write_doc(doc: Path = ROOT / "docs" / "benchmarks.md") -> None:
    """Replace this section of the benchmarks page (or append it), leaving the other sections as they are."""
    text = doc.read_text(encoding="utf-8")
    section = render()
    if SECTION in text:
        head, rest = text.split(SECTION, 1)
        nxt = rest.find("\n## ")
        text = head + section + (rest[nxt + 1 :] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("modules", nargs="*", choices=[[], *MODULES], metavar="MODULE", default=[])
    ap.add_argument("--jobs", type=int, default=2, help="parallel mutant workers (default 2)")
    ap.add_argument(
        "--reclassify", action="store_true", help="classify the last run's survivors again (no mutmut run)"
    )
    ap.add_argument(
        "--audit", action="store_true", help="check the audit's hand-planted mutants (#17) instead"
    )
    ap.add_argument(
        "--survivors",
        action="store_true",
        help="run the last run's survivors again against the current tests (src unchanged since)",
    )
    ap.add_argument("--doc", action="store_true", help="write the results section of docs/benchmarks.md")
    args = ap.parse_args()
    if args.doc:
        write_doc()
        return 0
    if args.audit:
        return run_audit()
    if not MUTMUT.exists():
        print("mutmut is not installed: pip install -e '.[mutate]'", file=sys.stderr)
        return 2
    status = 0
    for name in args.modules or list(MODULES):
        s = run_module(name, args.jobs, rerun=not args.reclassify, survivors_only=args.survivors)
        if not s["killed"] and not s["survived"]:  # mutmut could not run the tests (see its log)
            print(f"{name}: NOTHING CHECKED (exit {s['exit']}): {WORK / name / 'mutmut.log'}", flush=True)
            status = 1
            continue
        print(
            f"{name}: kill rate {s['kill_rate']}: {s['killed']} killed, {s['survived']} survived, "
            f"{s['equivalent']} equivalent (rule or listed reason),"
            f" {s['no_tests']} reached by no test, of {s['total']} "
            f"({s['counts']}) in {s['seconds']} s; survivors: {WORK / name / 'survivors.txt'}",
            flush=True,
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
