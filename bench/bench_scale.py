"""CPU per page of `cleanfeed run` plain vs `--executor local` vs `--executor ray`, and 1 -> 2 workers.

Run alone: `python bench/bench_scale.py [--pages N]` (prints the Markdown section). Each run is a fresh
`cleanfeed run` subprocess on the same generated corpus (tests/helpers/scale_pages.py: files and a WARC,
copies of every kind); CPU is user+sys of the whole process tree (psutil, sampled every 50 ms, plus what
the kernel reports for reaped children), so Ray's GCS, raylet and workers count too. "Fixed" is a rerun
over the same input (nothing to clean: start-up, listing, tasks that skip); "per page" is
(CPU of the first run - fixed) / pages. Records are compared with the plain run's, byte for byte.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "helpers")]


def _tree_cpu(proc: subprocess.Popen[bytes], seen: dict[int, float], stop: threading.Event) -> None:
    import psutil

    try:
        root = psutil.Process(proc.pid)
    except psutil.NoSuchProcess:
        return
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in procs:
            try:
                t = p.cpu_times()
                seen[p.pid] = max(seen.get(p.pid, 0.0), t.user + t.system)
            except psutil.Error:
                continue
        time.sleep(0.05)


def timed_run(root: Path, flags: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "cleanfeed", "run", "--config", str(root / "cleanfeed.toml")]
    cmd += ["--log-format", "json", *flags]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seen: dict[int, float] = {}
    stop = threading.Event()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watcher = threading.Thread(target=_tree_cpu, args=(proc, seen, stop), daemon=True)
    watcher.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    reaped = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{flags}: exit {proc.returncode}: {err.decode()[-2000:]}")
    return {"wall": wall, "cpu": max(reaped, sum(seen.values()))}


def outputs(root: Path) -> dict[str, bytes]:
    folders = sorted(p for p in (root / "out").iterdir() if p.is_dir())
    files = {s: folders[0] / f"{s}.jsonl" for s in ("articles", "duplicates", "rejects", "links")}
    return {s: p.read_bytes() if p.exists() else b"" for s, p in files.items()}  # no file: no record


Row = tuple[str, dict[str, Any], dict[str, Any], bool]


def final_step_cpu(root: Path) -> float:
    """CPU seconds of a scaled run's final step alone (plus start-up): a dry run keeps the job's task
    results, so a second dry run finds every task done and only runs the final step."""
    flags = ["--executor", "local", "--tasks", "4", "--workers", "1", "--dry-run"]
    shutil.rmtree(root / "out", ignore_errors=True)
    shutil.rmtree(root / "state", ignore_errors=True)
    timed_run(root, flags)
    return float(timed_run(root, flags)["cpu"])


def measure(stories: int, cost_only: bool = False) -> tuple[int, list[Row], float]:
    from scale_pages import config, write_corpus

    root = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        made = write_corpus(root, stories=stories)
        config(root)
        pages = sum(1 for _ in (root / "pages").rglob("*.html")) + made["warc"]
        rows = []
        plain: dict[str, bytes] | None = None
        cases: list[tuple[str, list[str]]] = [
            ("plain", []),
            ("local, 4 tasks, 1 worker", ["--executor", "local", "--tasks", "4", "--workers", "1"]),
            ("local, 4 tasks, 2 workers", ["--executor", "local", "--tasks", "4", "--workers", "2"]),
            ("ray, 4 tasks, 1 worker", ["--executor", "ray", "--tasks", "4", "--workers", "1"]),
            ("ray, 4 tasks, 2 workers", ["--executor", "ray", "--tasks", "4", "--workers", "2"]),
        ]
        if cost_only:
            cases = cases[:2]
        for name, flags in cases:
            shutil.rmtree(root / "out", ignore_errors=True)
            shutil.rmtree(root / "state", ignore_errors=True)
            first = timed_run(root, flags)
            got = outputs(root)
            plain = plain or got
            fixed = timed_run(root, flags)  # nothing new: the cost of the machinery alone
            rows.append((name, first, fixed, got == plain))
        return pages, rows, final_step_cpu(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def section(pages: int, rows: list[Row], final_cpu: float, cmd: str) -> str:
    base = (rows[0][1]["cpu"] - rows[0][2]["cpu"]) / pages
    out = [
        "## Scale-out: plain run vs datatrove local and Ray executors (bench_scale)\n",
        f"`{cmd}` — {pages} pages (files and a WARC; exact, near, spun and partial copies, late "
        "originals). CPU = user+sys of the whole process tree; fixed = a rerun over unchanged input "
        "(start-up, listing, skipping); per page = (first run - fixed) / pages. Shared 2-core machine: "
        "wall times are noisy, CPU less so.\n",
        "| run | wall s | CPU s | fixed CPU s | CPU ms/page | vs plain | records = plain |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, first, fixed, same in rows:
        per = (first["cpu"] - fixed["cpu"]) / pages
        out.append(
            f"| {name} | {first['wall']:.1f} | {first['cpu']:.1f} | {fixed['cpu']:.1f} | {per * 1000:.2f} | "
            f"{per / base:.2f}× | {'yes' if same else 'NO'} |"
        )
    # 10M pages on N machines of 8 cores, from the local executor's figures: the tasks' CPU spreads over
    # every core; the final step (dedup, records, state) is one process on one machine whatever N is.
    name, first, fixed, _ = rows[1]
    serial = max(0.0, final_cpu - fixed["cpu"]) / pages  # less the same command's start-up and listing
    spread = max(0.0, (first["cpu"] - fixed["cpu"]) / pages - serial)
    out += [
        "",
        f"Cost of 10M pages, from `{name}` and its final step alone (a second `--dry-run`, every task "
        f"done): tasks {spread * 1000:.2f} ms CPU/page (spread over all cores), final step "
        f"{serial * 1000:.2f} ms CPU/page (one process: dedup, records, state). Hours, CPU-bound:",
        "",
        "| machines (8 cores) | tasks | final step | total |",
        "|---:|---:|---:|---:|",
    ]
    for machines in (1, 4, 16, 64):
        t_tasks = spread * 10_000_000 / (machines * 8) / 3600
        t_final = serial * 10_000_000 / 3600
        out.append(f"| {machines} | {t_tasks:.1f} | {t_final:.1f} | {t_tasks + t_final:.1f} |")
    out.append(
        "\nThe final step does not shrink with machines: past a few machines it is the whole cost (sharded "
        "dedup matching, issue 16's phase 2, is not built)."
    )
    return "\n".join(out) + "\n"


def run(ctx: Any) -> str:
    stories = 120 if ctx.quick else 400
    pages, rows, final_cpu = measure(stories)
    return section(pages, rows, final_cpu, f"python bench/bench_scale.py --stories {stories}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stories", type=int, default=400)
    ap.add_argument("--cost-only", action="store_true", help="plain and local only (and the final step)")
    args = ap.parse_args()
    pages, rows, final_cpu = measure(args.stories, args.cost_only)
    cmd = f"python bench/bench_scale.py --stories {args.stories}" + (" --cost-only" if args.cost_only else "")
    print(section(pages, rows, final_cpu, cmd))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
