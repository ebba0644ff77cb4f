"""Long unattended run: many pages with faults mixed in, RSS sampled over time (leak check), then repeated
cron-style runs over the same source (nothing new: each should be quick and the state should not grow).

The server is ``tests/faultserver.py`` on 127.0.0.1 (one host): distinct generated Chinese articles plus,
every 25th URL, a fault (hang, reset, 503, gzip bomb, slow drip, truncated body, redirect loop, wrong type).
``cleanfeed run`` runs as a subprocess with short deadlines; its RSS is read from ``/proc/<pid>/status``
every 0.2 s.

Reproduce: ``python -m bench.run --only bench_longrun`` (``--quick`` for 400 pages instead of 4000).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

FAULTS = ["/hang", "/reset", "/status/503", "/gzip-bomb", "/drip", "/truncated", "/loop", "/png"]


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _config(work: Path, urls_file: Path) -> Path:
    cfg = work / "longrun.toml"
    cfg.write_text(
        "\n".join(
            [
                '[output]\ndir = "out"',
                '[state]\npath = "state/state.db"',
                "[fetch]",
                "per_host_delay = 0.0",
                "per_host_concurrency = 16",
                "concurrency = 16",
                "timeout = 1.0",
                "deadline = 2.0",
                "retries = 1",
                "backoff = 0.05",
                "max_retry_after = 1.0",
                "max_bytes = 2000000",
                "obey_robots = false",
                'allow_private_hosts = ["127.0.0.1"]',
                "[[sources]]",
                'name = "longrun"',
                'kind = "urls"',
                f"file = {json.dumps(str(urls_file))}",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return cfg


def _run(cfg: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-I", "-m", "cleanfeed", "run", "--config", str(cfg), "--log-format", "json"]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cfg.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples: list[tuple[float, float]] = []
    while proc.poll() is None:
        rss = _rss_mb(proc.pid)
        if rss is not None:
            samples.append((time.monotonic() - t0, rss))
        time.sleep(0.2)
    return {"rc": proc.returncode, "wall": time.monotonic() - t0, "samples": samples}


def _at(samples: list[tuple[float, float]], frac: float) -> float:
    if not samples:
        return float("nan")
    end = samples[-1][0]
    return next((rss for t, rss in samples if t >= frac * end), samples[-1][1])


def run(ctx: Any) -> str:
    from tests.faultserver import FaultServer  # tests/ is a namespace package: run with -m from the root

    n_pages = 400 if ctx.quick else 4000
    work = ctx.work / "longrun"
    if work.exists():
        import shutil

        shutil.rmtree(work)
    work.mkdir(parents=True)
    with FaultServer() as server:
        urls = []
        for n in range(n_pages):
            urls.append(server.url(f"/good/{n}.html"))
            if n % 25 == 24:
                urls.append(server.url(FAULTS[(n // 25) % len(FAULTS)] + f"?n={n}"))
        urls_file = work / "urls.txt"
        urls_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
        cfg = _config(work, urls_file)
        first = _run(cfg)
        repeats = [_run(cfg) for _ in range(3)]
    state = work / "state" / "state.db"
    samples = first["samples"]
    peak = max((r for _, r in samples), default=float("nan"))
    q1, q2, q3, end = (_at(samples, f) for f in (0.25, 0.5, 0.75, 1.0))
    rows = [
        "## Long run: faults mixed in, RSS over time, repeated cron runs\n",
        f"{n_pages} good pages + {len(urls) - n_pages} fault URLs on one loopback host"
        " (16 at a time, deadline 2 s, 1 retry). Reproduce: `python -m bench.run --only bench_longrun`"
        + (" --quick" if ctx.quick else "")
        + ".\n",
        "| run | exit | wall s | pages/s | peak RSS MB |",
        "| --- | --- | --- | --- | --- |",
        f"| first | {first['rc']} | {first['wall']:.1f} | {n_pages / first['wall']:.0f} | {peak:.0f} |",
    ]
    for i, rep in enumerate(repeats, 2):
        rpeak = max((r for _, r in rep["samples"]), default=float("nan"))
        rows.append(f"| repeat {i} (nothing new) | {rep['rc']} | {rep['wall']:.1f} | - | {rpeak:.0f} |")
    rows += [
        "",
        "RSS of the first run at 25/50/75/100 % of its wall time: "
        f"{q1:.0f} / {q2:.0f} / {q3:.0f} / {end:.0f} MB (flat after warm-up = no per-page leak).",
        f"State DB after 4 runs: {state.stat().st_size / 1e6:.1f} MB."
        if state.exists()
        else "State DB: missing.",
    ]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    from types import SimpleNamespace

    quick = "--quick" in sys.argv
    ctx = SimpleNamespace(quick=quick, work=ROOT / "bench" / "_work")
    print(run(ctx))
