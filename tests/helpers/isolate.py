"""Run one piece of work in a forked child with a hard kill: a hang in C code (the HTML parser) cannot be
interrupted by a Python signal, so hang detection must live outside the process doing the work.

The child measures its own wall time and peak RSS growth (``VmHWM`` after resetting it), which, unlike
tracemalloc, also sees memory allocated by C extensions (lexbor, lxml, opencc).
"""

from __future__ import annotations

import multiprocessing
import time
import warnings
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


@dataclass
class Outcome:
    hung: bool  # killed by the parent after the hard limit
    value: Any  # what the function returned (picklable), or None if hung / crashed
    elapsed_s: float  # wall time, measured in the child around the call only
    cpu_s: float  # CPU time of the call: immune to other processes competing for the cores
    rss_growth: int  # bytes: peak RSS during the call minus RSS before it
    exitcode: int | None


def _status_kb(field: str) -> int | None:
    with suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def _child(conn: Connection, fn: Callable[[], Any]) -> None:
    # Reset the peak-RSS watermark so VmHWM measures this call only (Linux >= 4.0).
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS") or 0
    t0, c0 = time.monotonic(), time.process_time()
    value = fn()
    elapsed, cpu = time.monotonic() - t0, time.process_time() - c0
    peak = _status_kb("VmHWM") or 0
    conn.send((value, elapsed, cpu, max(0, peak - before) * 1024))
    conn.close()


def run_isolated(fn: Callable[[], Any], hard_limit_s: float) -> Outcome:
    """Run ``fn`` in a forked child; kill it after ``hard_limit_s``. ``fn`` must catch its own errors."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn), daemon=True)
    with warnings.catch_warnings():
        # Python >= 3.12 warns when forking a process that has threads (the fault server's); the child
        # only runs pure cleaning code, which takes no locks those threads could hold.
        warnings.simplefilter("ignore", DeprecationWarning)
        proc.start()
    child.close()
    t0 = time.monotonic()
    try:
        if parent.poll(hard_limit_s):
            with suppress(EOFError):
                value, elapsed, cpu, growth = parent.recv()
                proc.join(5)
                return Outcome(False, value, elapsed, cpu, growth, proc.exitcode)
            proc.join(5)
            return Outcome(False, None, time.monotonic() - t0, 0.0, 0, proc.exitcode)
        return Outcome(True, None, time.monotonic() - t0, 0.0, 0, None)
    finally:
        if proc.is_alive():
            proc.kill()
            proc.join(5)
        parent.close()
