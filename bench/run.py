"""`make bench` (``python -m bench.run``): run every bench/bench_*.py, write docs/benchmarks.md from scratch.

Each module defines ``run(ctx: BenchContext) -> str`` returning a Markdown section (with the numbers
and the exact command that reproduces them). Benchmarks that need the hand-held dev data in
``../shared`` skip themselves with a note when it is absent, so `make bench` works on any clone.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BenchContext:
    root: Path
    shared: Path | None  # ../shared (dev eval data), when present
    work: Path  # scratch folder, bench/_work
    quick: bool  # smaller sizes, for a smoke run


def _versions() -> str:
    names = [
        "cleanfeed",
        "selectolax",
        "trafilatura",
        "lxml",
        "opencc",
        "pydantic",
        "httpx",
        "rensa",
        "datasketch",
        "scrapy",
        "readability-lxml",
        "charset-normalizer",
    ]
    rows = []
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            rows.append(f"{name} {metadata.version(name)}")
    return ", ".join(rows)


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
        mem_gib = f"{int(mem) / 2**20:.0f} GiB RAM"
    except (OSError, IndexError, ValueError):
        mem_gib = "? RAM"
    import os

    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{cpu}, {os.cpu_count()} cores, {mem_gib}, {system}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    ap.add_argument("--only", nargs="*", help="module names, e.g. bench_extract")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    shared = ROOT.parent / "shared"
    ctx = BenchContext(ROOT, shared if shared.is_dir() else None, ROOT / "bench" / "_work", args.quick)
    ctx.work.mkdir(parents=True, exist_ok=True)
    modules = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if args.only:
        modules = [m for m in modules if m in args.only]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = "?"
    parts = [
        "# Benchmarks\n",
        "Written from scratch by `make bench` (`python -m bench.run`); every section names the command that "
        "reproduces it. Do not edit by hand.\n",
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit `{commit}`",
        f"- Machine: {_machine()}",
        f"- Versions: {_versions()}\n",
    ]
    for name in modules:
        t0 = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        try:
            section = importlib.import_module(f"bench.{name}").run(ctx)
        except Exception as exc:  # one broken benchmark must not hide the others
            section = f"## {name}\n\nFAILED: {type(exc).__name__}: {exc}\n"
        parts.append(section.rstrip() + f"\n\n_({name} took {time.perf_counter() - t0:.0f} s)_\n")
    Path(args.out).write_text("\n".join(parts) + "\n", encoding="utf-8")
    print(f"[bench] wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
