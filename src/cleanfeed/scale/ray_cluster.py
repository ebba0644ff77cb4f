"""``--executor ray``: datatrove's Ray executor on a cluster joined (``--address``) or started for the run.

A cluster started here lives in its own temporary folder, and is stopped with the run, however the run
ends (an error, Ctrl-C): ``ray.shutdown()`` first, then any process still naming that folder on its
command line (``ray.shutdown`` has been seen to leave workers running) is sent SIGTERM, then SIGKILL.
Only processes of this cluster carry the folder's name, so nothing else is touched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

OBJECT_STORE_BYTES = 80 * 1024 * 1024  # tasks pass no objects (results go to files): Ray's minimum is 75 MB


def cluster_pids(folder: Path) -> list[int]:
    """Processes whose command line names ``folder``: the local cluster's (Linux ``/proc``)."""
    mark = str(folder).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if mark in cmdline:
            found.append(int(entry.name))
    return found


def _reap(folder: Path, grace: float = 5.0) -> list[int]:
    """Stop what is left of the cluster in ``folder``; returns the processes that had to be stopped."""
    left = cluster_pids(folder)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and cluster_pids(folder):
            time.sleep(0.1)
        if not cluster_pids(folder):
            break
    return left


@contextlib.contextmanager
def ray_session(address: str | None, num_cpus: int) -> Iterator[Path | None]:
    """A connected Ray driver: to ``address``, or to a local cluster of ``num_cpus`` that ends with it
    (yields the cluster's folder; None for a joined cluster)."""
    import ray  # noqa: PLC0415  (the ray extra)

    if address:
        ray.init(address=address, log_to_driver=False)
        try:
            yield None
        finally:
            ray.shutdown()
        return
    # A short folder name: Ray puts Unix sockets under it (a path of at most 107 bytes).
    folder = Path(tempfile.mkdtemp(prefix="cfray-", dir="/tmp"))
    try:
        ray.init(
            num_cpus=num_cpus,
            include_dashboard=False,
            object_store_memory=OBJECT_STORE_BYTES,
            log_to_driver=False,
            _temp_dir=str(folder),
        )
        yield folder
    finally:
        with contextlib.suppress(Exception):  # stopping must not hide the run's own outcome
            ray.shutdown()
        left = _reap(folder)
        if left:
            log.warning("ray.shutdown left %d cluster processes running; stopped them", len(left))
        shutil.rmtree(folder, ignore_errors=True)


def run_on_ray(steps: list[Any], logs: Path, opts: Any, finish: Callable[[Any, Path], None]) -> None:
    from datatrove.executor import RayPipelineExecutor  # noqa: PLC0415

    workers = opts.workers or opts.tasks
    with ray_session(opts.address, num_cpus=workers * opts.cpus_per_task):
        ex = RayPipelineExecutor(
            steps,
            tasks=opts.tasks,
            workers=workers,
            logging_dir=str(logs),
            cpus_per_task=opts.cpus_per_task,
            mem_per_cpu_gb=0.5,  # a cleaning task holds one page at a time
        )
        finish(ex, logs)
