"""The command-line side of scale-out: ``run --executor/--tasks/--workers/--address`` and ``status``."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cleanfeed.runner import RunResult
from cleanfeed.settings import Settings

EXIT_OK, EXIT_USAGE = 0, 2


def add_run_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--executor",
        choices=["local", "ray", "slurm"],
        help="clean on datatrove tasks: local processes, a Ray cluster, or Slurm (default: one process; "
        "scale.executor)",
    )
    p.add_argument("--tasks", type=int, metavar="N", help="shards of the files and WARC pages (scale.tasks)")
    p.add_argument("--workers", type=int, metavar="M", help="tasks at once (scale.workers; default: all)")
    p.add_argument("--address", metavar="ADDR", help="ray: the cluster to join (default: one for the run)")


def scaled_runner(args: argparse.Namespace, settings: Settings) -> Callable[..., RunResult] | None:
    """A ``runner.run``-shaped function for a run with an executor, None for the plain run."""
    sc = settings.scale
    executor = getattr(args, "executor", None) or sc.executor
    if executor is None:
        return None
    from cleanfeed.scale.driver import ScaleOptions, run_scaled  # noqa: PLC0415  (datatrove: only when asked)

    opts = ScaleOptions(
        executor=executor,
        tasks=args.tasks or sc.tasks,
        workers=args.workers or sc.workers,
        address=args.address or sc.address,
        cpus_per_task=sc.cpus_per_task,
        partition=sc.partition,
        time=sc.time,
        venv=settings.resolve(sc.venv) if sc.venv else None,
        command=_command(args, executor, args.tasks or sc.tasks),
    )

    def go(settings: Settings, **kw: Any) -> RunResult:
        done = run_scaled(settings, opts, **kw)
        print(
            f"cleanfeed: {done.hits} pages cleaned by {opts.tasks} {executor} tasks, "
            f"{done.misses} by the final step",
            file=sys.stderr,
        )
        return done.result

    return go


def _command(args: argparse.Namespace, executor: str, tasks: int) -> list[str]:
    """This run as a command line a Slurm job can run again (the config by its absolute path)."""
    cmd = [sys.executable, "-m", "cleanfeed", "run", "--config", str(Path(args.config).resolve())]
    cmd += ["--executor", executor, "--tasks", str(tasks), "--log-format", "json"]
    for item in getattr(args, "set", None) or []:
        cmd += ["--set", item]
    for flag in ("source", "workers", "address", "limit"):
        if getattr(args, flag, None) is not None:
            cmd += [f"--{flag}", str(getattr(args, flag))]
    return cmd


def register_status(sub: Any) -> None:
    p = sub.add_parser("status", help="tasks done / not done per stage of unfinished scaled runs")
    p.add_argument("--config", required=True, metavar="PATH", help="TOML config file")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=_cmd_status)


def job_status(job: Path) -> dict[str, Any]:
    """What datatrove left in a job's logs: tasks in all, done (completion marker), started but not done."""
    logs = job / "logs"
    total = 0
    with contextlib.suppress(OSError, ValueError, KeyError):  # not written yet: the tasks are unknown
        total = int(json.loads((logs / "executor.json").read_text(encoding="utf-8"))["world_size"])
    done = sorted(int(p.name) for p in (logs / "completions").glob("[0-9]*")) if logs.is_dir() else []
    started = {int(p.stem.split("_")[-1]) for p in (logs / "logs").glob("task_*.log")}
    return {
        "job": job.name,
        "stage": "clean",
        "tasks": total,
        "done": len(done),
        "failed": sorted(started - set(done)),  # started and never marked done: killed or raised
        "not_started": max(0, total - len(started | set(done))),
    }


def _cmd_status(args: argparse.Namespace) -> int:
    from cleanfeed.cli import _load_for  # noqa: PLC0415  (the one config loader, with --set)
    from cleanfeed.scale import jobs_dir  # noqa: PLC0415

    settings = _load_for(args)
    root = jobs_dir(settings)
    jobs = [job_status(j) for j in sorted(root.iterdir()) if j.is_dir()] if root.is_dir() else []
    if args.json:
        print(json.dumps({"jobs": jobs}))
        return EXIT_OK
    if not jobs:
        print("no unfinished scaled run (a committed run removes its job)")
    for j in jobs:
        failed = f", failed or killed: {', '.join(map(str, j['failed']))}" if j["failed"] else ""
        print(f"job {j['job']} stage {j['stage']}: {j['done']}/{j['tasks']} tasks done{failed}")
    return EXIT_OK
