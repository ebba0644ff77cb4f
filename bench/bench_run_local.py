"""A whole ``cleanfeed run`` over local files (no network) against ``clean_html`` alone on the same pages:
what admission, state rows, dedup and writing cost on top of cleaning, in CPU time (#15: the run reaches
>= 80 % of ``clean_html``'s per-core rate with dedup on).

Pages: the 251 pages of ``../shared/eval/daniel-zh-dev/html`` (copied to a scratch folder, never into the
repo), else the demo pages of ``configs/demo/pages``. ``clean_html`` is timed over every page in one
process after a warm-up pass; the run is ``cleanfeed.run`` in this process on a fresh state and output
folder (dedup on, report off), once with ``fetch.workers = 0`` (one process) and once with
``fetch.workers = 1`` (cleaning in a worker process: its start-up is included).

Reproduce: ``python -m bench.run --only bench_run_local``.
"""

from __future__ import annotations

import contextlib
import resource
import shutil
import time
from pathlib import Path
from typing import Any

from cleanfeed import clean_html
from cleanfeed.errors import Drop
from cleanfeed.runner import run as cleanfeed_run
from cleanfeed.settings import settings_from_dict


def _pages(ctx: Any) -> tuple[str, list[Path]]:
    if ctx.shared is not None and (ctx.shared / "eval" / "daniel-zh-dev" / "html").is_dir():
        src = ctx.shared / "eval" / "daniel-zh-dev" / "html"
        name = "daniel-zh-dev (251 real pages)"
    else:
        src = ctx.root / "configs" / "demo" / "pages"
        name = "configs/demo/pages"
    dest = ctx.work / "run_local_pages"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    files = sorted(p for p in src.rglob("*.htm*") if p.is_file())
    if ctx.quick:
        files = files[:60]
    out = []
    for i, p in enumerate(files):
        target = dest / f"{i:04d}.html"
        shutil.copyfile(p, target)
        out.append(target)
    return name, out


def _clean_rate(files: list[Path]) -> float:
    bodies = [p.read_bytes() for p in files]
    for body in bodies[:20]:  # warm-up: rule tables, OpenCC, the character model
        with contextlib.suppress(Drop):
            clean_html(body)
    t0 = _cpu()
    for body in bodies:
        with contextlib.suppress(Drop):
            clean_html(body)
    return len(bodies) / (_cpu() - t0)


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the cleaning workers): per-core rates that a
    loaded machine does not distort the way wall-clock time does."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _run_rate(ctx: Any, files: list[Path], workers: int) -> tuple[float, float, dict[str, Any]]:
    work = ctx.work / f"run_local_w{workers}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    settings = settings_from_dict(
        {
            "output": {"dir": str(work / "out"), "report": False},
            "state": {"path": str(work / "state.db")},
            "fetch": {"workers": workers},
            "sources": [{"name": "local", "kind": "files", "paths": [str(files[0].parent / "*.html")]}],
        }
    )
    t0, c0 = time.perf_counter(), _cpu()
    result = cleanfeed_run(settings)
    cpu, wall = _cpu() - c0, time.perf_counter() - t0
    return len(files) / cpu, len(files) / wall, result.manifest


def run(ctx: Any) -> str:  # pragma: no cover - benchmark
    name, files = _pages(ctx)
    _run_rate(ctx, files[:10], 0)  # warm-up of the run's own imports
    clean = _clean_rate(files)
    rows = []
    for workers in (0, 1):
        rate, wall, manifest = _run_rate(ctx, files, workers)
        c = manifest["counts"]
        rows.append(
            f"| `fetch.workers = {workers}` | {rate:.1f} | {rate / clean:.0%} | {wall:.1f} | "
            f"{c.get('articles', 0)} / {c.get('duplicates', 0)} / {c.get('rejects', 0)} | "
            f"{manifest['dedup']['status']} |"
        )
    return "\n".join(
        [
            "## A run over local files against `clean_html` (bench_run_local)",
            "",
            f"Pages: {name}, {len(files)} files. `clean_html` alone: **{clean:.1f} pages per CPU second**.",
            "`cleanfeed run` (files source, dedup on, state and JSONL written, report off), the whole run in",
            "pages per CPU second (this process and its cleaning worker) and per wall-clock second:",
            "",
            "| run | pages/CPU s | of `clean_html`'s rate | pages/s (wall) | articles / duplicates / rejects "
            "| dedup |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "Command: `python -m bench.run --only bench_run_local`.",
            "",
        ]
    )
