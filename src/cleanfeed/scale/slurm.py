"""``--executor slurm``: the tasks as a Slurm job array (datatrove's Slurm executor), then the final step
as one more job that starts when every task has succeeded (``--dependency=afterok``).

The final job runs the same ``cleanfeed run`` command: by then every task is done, so it goes straight to
the final step. ``cleanfeed status`` shows the tasks in the meantime.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from cleanfeed.scale import ScaleError


def executor(steps: list[Any], job: Path, opts: Any) -> Any:
    from datatrove.executor import SlurmPipelineExecutor  # noqa: PLC0415  (the scale extra)

    return SlurmPipelineExecutor(
        steps,
        tasks=opts.tasks,
        workers=opts.workers or -1,
        time=opts.time,
        partition=opts.partition or "",
        cpus_per_task=opts.cpus_per_task,
        mem_per_cpu_gb=1,
        job_name="cleanfeed-clean",
        venv_path=str(opts.venv / "bin" / "activate") if opts.venv else None,
        logging_dir=str(job / "logs"),
        slurm_logs_folder=str(job / "slurm"),
        qos="",
    )


def final_script(command: list[str], job: Path, opts: Any, after: str) -> str:
    """The final step's batch script: the same run, once the task array ``after`` has succeeded."""
    lines = [
        "#!/bin/bash",
        "#SBATCH --job-name=cleanfeed-final",
        f"#SBATCH --dependency=afterok:{after}",
        "#SBATCH --kill-on-invalid-dep=yes",
        f"#SBATCH --time={opts.time}",
        "#SBATCH --cpus-per-task=1",
        f"#SBATCH --output={job / 'slurm' / 'final_%j.out'}",
        *([f"#SBATCH --partition={opts.partition}"] if opts.partition else []),
        *([f"source {shlex.quote(str(opts.venv / 'bin' / 'activate'))}"] if opts.venv else []),
        "set -e",
        shlex.join(command),
    ]
    return "\n".join(lines) + "\n"


def submit(steps: list[Any], job: Path, opts: Any) -> None:
    """Submit the task array and the final job; returns only when every task is done already."""
    ex = executor(steps, job, opts)
    if not ex.get_incomplete_ranks():
        return  # the final job itself, or a rerun after the tasks: go on to the final step here
    if opts.command is None:
        raise ScaleError("--executor slurm needs the cleanfeed command line to submit the final step")
    ex.launch_job()  # writes logs/launch_script.slurm and executor.pik, then sbatch
    script = job / "slurm" / "final.sh"
    script.write_text(final_script(opts.command, job, opts, str(ex.job_id)), encoding="utf-8")
    out = subprocess.run(["sbatch", "--parsable", str(script)], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise ScaleError(f"sbatch of the final step failed: {out.stderr.strip() or out.stdout.strip()}")
    print(
        f"cleanfeed: submitted {opts.tasks} tasks (job {ex.job_id}) and the final step (job "
        f"{out.stdout.strip()}); `cleanfeed status --config ...` shows the tasks",
        file=sys.stderr,
    )
    raise SystemExit(0)  # nothing more here: the final job makes the run
