"""Drive ``cleanfeed run --config PATH`` as a user's cron job does: a subprocess with a hard kill, then read
the run folders it wrote (``articles.jsonl``, ``duplicates.jsonl``, ``rejects.jsonl``, ``manifest.json``).
Only public interfaces are used: the config keys of the README and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STREAMS = ("articles", "duplicates", "rejects")


def toml_value(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)  # JSON scalars and arrays of strings are valid TOML


def write_config(
    tmp: Path,
    sources: list[dict[str, Any]],
    *,
    fetch: dict[str, Any] | None = None,
    out: str = "out",
    state: str = "state/state.db",
    name: str = "cleanfeed.toml",
) -> Path:
    """A config with fast, short-deadline fetch settings; ``fetch`` overrides keys of ``[fetch]``."""
    knobs: dict[str, Any] = {
        "per_host_delay": 0.0,
        "per_host_concurrency": 8,
        "concurrency": 16,
        "timeout": 1.0,
        "deadline": 2.0,
        "retries": 1,
        "backoff": 0.05,
        "max_retry_after": 1.0,
        "max_bytes": 2_000_000,
        "obey_robots": False,
        "allow_private_hosts": ["127.0.0.1"],
    }
    knobs.update(fetch or {})
    lines = [f"[output]\ndir = {toml_value(out)}", f"[state]\npath = {toml_value(state)}", "[fetch]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in knobs.items()]
    for src in sources:
        lines.append("[[sources]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in src.items()]
    cfg = tmp / name
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg


# ``cleanfeed.cli.main`` plus a report of the process's peak RSS on stderr (resource limits of the run
# itself, not of the pytest process or its other children).
# VmHWM, not ru_maxrss: Linux carries ru_maxrss across execve, so a child forked from a large pytest
# process would report pytest's size; VmHWM belongs to the address space the run itself built.
_WRAPPER = (
    "import re, sys\n"
    "from cleanfeed.cli import main\n"
    "try:\n"
    "    rc = main(sys.argv[1:])\n"
    "finally:\n"
    "    status = open('/proc/self/status').read()\n"
    "    kb = int(re.search(r'VmHWM:\\s*(\\d+)', status).group(1))\n"
    "    sys.stderr.write(f'\\nMAXRSS_KB={kb}\\n')\n"
    "sys.exit(rc)\n"
)


@dataclass
class CliRun:
    rc: int | None  # None: killed by the hard limit
    stdout: str
    stderr: str
    elapsed_s: float

    @property
    def max_rss_mb(self) -> float | None:
        for line in reversed(self.stderr.splitlines()):
            if line.startswith("MAXRSS_KB="):
                return int(line.split("=", 1)[1]) / 1024
        return None


def run_cli(
    cfg: Path, hard_limit_s: float = 120.0, env: dict[str, str] | None = None, prefix: Sequence[str] = ()
) -> CliRun:
    """``cleanfeed run --config cfg`` in ``cfg``'s folder (as ``python -c`` over ``cli.main`` so it can
    report its peak RSS); killed after ``hard_limit_s``. ``prefix`` wraps the command (e.g.
    ``unprivileged_prefix()``)."""
    # -I: like the installed console script, never import modules from the working directory.
    cmd = [*prefix, sys.executable, "-I", "-c", _WRAPPER, "run", "--config", str(cfg), "--log-format", "json"]
    full_env = {**os.environ, **(env or {})}
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=cfg.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env, text=True
    )
    try:
        out, err = proc.communicate(timeout=hard_limit_s)
        rc: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        rc = None
    return CliRun(rc, out, err[-20000:], time.monotonic() - t0)


def run_folders(out_dir: Path) -> list[Path]:
    return sorted(p for p in out_dir.iterdir() if p.is_dir()) if out_dir.is_dir() else []


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_folder(folder: Path) -> dict[str, list[dict[str, Any]]]:
    return {s: read_jsonl(folder / f"{s}.jsonl") for s in STREAMS}


def read_all(out_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Every record of every run folder, per stream."""
    merged: dict[str, list[dict[str, Any]]] = {s: [] for s in STREAMS}
    for folder in run_folders(out_dir):
        for s, recs in read_folder(folder).items():
            merged[s] += recs
    return merged


def manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return data


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


# Root ignores file permissions only through its capabilities (CAP_DAC_OVERRIDE ...). Emptying the bounding
# set before exec leaves a uid-0 process with no capabilities, so a read-only folder is read-only to it, as
# it is to a cron user. Needs CAP_SETPCAP, which root has in a default Docker container too.
_DROP_CAPS = (
    "import ctypes, os, sys\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "last = int(open('/proc/sys/kernel/cap_last_cap').read())\n"
    "for cap in range(last + 1):\n"
    "    if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP\n"
    "        sys.exit(f'cannot drop capability {cap}: {os.strerror(ctypes.get_errno())}')\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


def unprivileged_prefix() -> list[str]:
    """A command prefix under which file permissions hold (nothing to add when not root).

    Raises ``OSError`` naming why when root's capabilities cannot be dropped here."""
    if os.geteuid() != 0:
        return []
    prefix = [sys.executable, "-I", "-c", _DROP_CAPS]
    probe = subprocess.run(
        [*prefix, sys.executable, "-I", "-c", "print(open('/proc/self/status').read())"],
        capture_output=True,
        text=True,
        check=False,
    )
    eff = [ln.split()[1] for ln in probe.stdout.splitlines() if ln.startswith("CapEff:")]
    if probe.returncode != 0 or eff != ["0000000000000000"]:
        raise OSError(f"cannot run without root's capabilities here: {probe.stderr.strip() or eff}")
    return prefix
