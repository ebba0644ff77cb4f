"""``cleanfeed run --executor local|ray|slurm --tasks N``: the run's cleaning on datatrove tasks.

Phase 1, sharded: datatrove tasks read the files and WARC records each owns (``datatrove.owner``) and clean
them (``scale.cache.CleanCache``), the CPU-heavy part of a run. Phase 2, one process: the ordinary run
(``runner.run``) takes each page's cleaning from the tasks instead of doing it, and does everything else
itself, in its own order: admission, dedup (matching, late originals, the ``order_key`` rule), records,
state, commit. So the records are those of a plain run by construction, and a page the tasks did not
clean (changed since, or its task lost) is cleaned by phase 2 rather than lost.

A job's folder (``<state dir>/.cleanfeed-scale/<key>``) holds datatrove's logs and completion markers and
the tasks' results: a rerun after a killed task redoes only the tasks not done, and the folder is removed
once the run is committed.
"""

from __future__ import annotations

from pathlib import Path

from cleanfeed.errors import CleanfeedError
from cleanfeed.settings import Settings

# Nothing here imports datatrove: the CLI imports this package whether or not the extra is installed.
JOBS = ".cleanfeed-scale"


class ScaleError(CleanfeedError):
    """Tasks that did not finish: the run is not made; a rerun redoes only those."""


def jobs_dir(settings: Settings) -> Path:
    return settings.state_path.parent / JOBS
