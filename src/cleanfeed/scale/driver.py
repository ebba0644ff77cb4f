"""The driver of a scaled run (see ``cleanfeed.scale``)."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cleanfeed import __version__
from cleanfeed.datatrove import LOCAL_KINDS, PageReader
from cleanfeed.errors import ConfigError
from cleanfeed.runner import Progress, RunResult, run
from cleanfeed.scale import ScaleError, jobs_dir
from cleanfeed.scale.cache import CleanCache, Cleaned
from cleanfeed.settings import Settings
from cleanfeed.state import StateLock

log = logging.getLogger(__name__)

Executor = Literal["local", "ray", "slurm"]


@dataclass
class ScaleOptions:
    executor: Executor
    tasks: int = 4
    workers: int | None = None  # tasks at once; None: every task
    address: str | None = None  # ray: the cluster to join; None starts one for the run
    cpus_per_task: int = 1
    partition: str | None = None  # slurm
    time: str = "02:00:00"  # slurm: per task
    venv: Path | None = None  # slurm: activated by the job scripts
    command: list[str] | None = None  # slurm: the command line the final job runs


@dataclass
class ScaleResult:
    result: RunResult
    job: Path
    hits: int  # pages whose cleaning came from a task
    misses: int  # pages cleaned by the final step (changed since, or not a files/WARC page)


def job_dir(settings: Settings, opts: ScaleOptions, source: str | None) -> Path:
    """The same config, source and task count give the same job: a rerun finishes what a kill left."""
    srcs = [s.model_dump(mode="json") for s in settings.sources if source in (None, s.name)]
    what = {"sources": srcs, "base": str(settings.base_dir), "tasks": opts.tasks, "version": __version__}
    key = hashlib.blake2b(json.dumps(what, sort_keys=True).encode(), digest_size=8).hexdigest()
    return jobs_dir(settings) / key


def task_settings(settings: Settings, source: str | None) -> Settings:
    """What the tasks do: the files and WARC sources (URL sources are fetched by the final step)."""
    keep = [s for s in settings.sources if s.kind in LOCAL_KINDS and source in (None, s.name)]
    return settings.model_copy(update={"sources": keep})


def pipeline(settings: Settings, job: Path) -> list[Any]:
    reader = PageReader(settings=settings, state_path=settings.state_path)
    return [reader, CleanCache(job / "cleaned", settings)]


def run_scaled(
    settings: Settings,
    opts: ScaleOptions,
    *,
    limit: int | None = None,
    source: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    launch: Callable[[list[Any], Path, ScaleOptions], None] | None = None,
    **run_options: Any,
) -> ScaleResult:
    """Clean on datatrove tasks, then run (``run_options``: more of ``runner.run``'s). Raises
    ``ScaleError`` when tasks did not finish (nothing is written then), and whatever ``runner.run`` raises."""
    if opts.tasks < 1:
        raise ConfigError("--tasks", "wants 1 or more")
    sources = [settings.source(source)] if source else list(settings.sources)
    if not sources:
        raise ConfigError("sources", "the config has no [[sources]]: a run would do nothing")
    job = job_dir(settings, opts, source)
    local = task_settings(settings, source)
    if len(local.sources) < len(sources):
        names = ", ".join(s.name for s in sources if s.kind not in LOCAL_KINDS)
        log.warning("URL sources (%s) are fetched and cleaned by the final step, not sharded", names)
    # One scaled run's tasks at a time per state (a second gets LockHeld); the run's own lock follows.
    with StateLock(jobs_dir(settings) / "tasks"):
        with StateLock(settings.state_path):  # fail before the tasks' work if a run holds the state
            pass
        if local.sources:
            (launch or launch_tasks)(pipeline(local, job), job, opts)
    cleaned = Cleaned(job / "cleaned", opts.tasks)
    try:
        result = run(
            settings,
            limit=limit,
            source=source,
            dry_run=dry_run,
            progress=progress,
            cleaned=cleaned,
            **run_options,
        )
    finally:
        cleaned.close()
    log.info(
        "scaled run: %d pages cleaned by %d tasks (%s), %d by the final step",
        cleaned.hits,
        opts.tasks,
        opts.executor,
        cleaned.misses,
    )
    if not dry_run:  # committed: the tasks' results are in the records now
        shutil.rmtree(job, ignore_errors=True)
    return ScaleResult(result, job, cleaned.hits, cleaned.misses)


def launch_tasks(steps: list[Any], job: Path, opts: ScaleOptions) -> None:
    """Run the tasks on the chosen executor; ``ScaleError`` unless every task is done."""
    logs = job / "logs"
    if opts.executor == "local":
        from datatrove.executor import LocalPipelineExecutor  # noqa: PLC0415  (only with --executor)

        ex: Any = LocalPipelineExecutor(
            steps, tasks=opts.tasks, workers=opts.workers or opts.tasks, logging_dir=str(logs)
        )
        _finish(ex, logs)
    elif opts.executor == "ray":
        from cleanfeed.scale.ray_cluster import run_on_ray  # noqa: PLC0415

        run_on_ray(steps, logs, opts, _finish)
    else:
        from cleanfeed.scale.slurm import submit  # noqa: PLC0415

        submit(steps, job, opts)


def _finish(ex: Any, logs: Path) -> None:
    failed: BaseException | None = None
    try:
        ex.run()
    except Exception as exc:  # a task's error: said below with the tasks not done
        failed = exc
    left = ex.get_incomplete_ranks(skip_completed=True)
    if left:
        detail = f" ({type(failed).__name__}: {failed})" if failed else ""
        raise ScaleError(
            f"{len(left)} of {ex.world_size} tasks did not finish{detail}: nothing was written; see "
            f"{logs}/logs; a rerun redoes only those tasks"
        )
