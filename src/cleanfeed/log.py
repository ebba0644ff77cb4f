"""Logging setup: JSON lines for cron and pipes, text with the same fields and a progress display on a
terminal.

Events carry their fields as ``extra=`` (``event``, ``url``, ``reason``, counts ...): the JSON format writes
them as keys, the text format as ``key=value`` after the message, so neither loses what the other shows.
During a run, ``LogProgress`` writes a ``progress`` event every few seconds (done, rate, queued, errors,
per-source counts) and ``RichProgress`` shows the same on a terminal.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, Literal

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

LogFormat = Literal["auto", "json", "text"]

# LogRecord attributes that are not user ``extra=`` fields
_STD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}

log = logging.getLogger("cleanfeed.progress")


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update(_extras(record))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def _value(v: Any) -> str:
    if isinstance(v, str):
        return v if v and not any(c.isspace() for c in v) else json.dumps(v, ensure_ascii=False)
    return json.dumps(v, ensure_ascii=False, default=str, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """The message, then every ``extra=`` field as ``key=value`` (what the JSON lines carry too)."""

    def format(self, record: logging.LogRecord) -> str:
        msg = super().format(record)
        fields = " ".join(f"{k}={_value(v)}" for k, v in _extras(record).items() if k != "event")
        return f"{msg}  {fields}" if fields else msg


def is_tty() -> bool:
    return sys.stderr.isatty()


def setup_logging(fmt: LogFormat = "auto", level: int = logging.INFO) -> None:
    """Configure the ``cleanfeed`` logger (idempotent: replaces the handler it added before)."""
    logger = logging.getLogger("cleanfeed")
    for h in list(logger.handlers):
        if getattr(h, "_cleanfeed", False):
            logger.removeHandler(h)
    use_json = fmt == "json" or (fmt == "auto" and not is_tty())
    handler: logging.Handler
    if use_json:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
    elif is_tty():
        handler = RichHandler(show_path=False, rich_tracebacks=False, log_time_format="%Y-%m-%d %H:%M:%S")
        handler.setFormatter(TextFormatter())
    else:  # text into a pipe or file: plain lines, ISO time, every field
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    setattr(handler, "_cleanfeed", True)  # noqa: B010 - marks the handler we own
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


class _Tracker:
    """The latest numbers a run reported, and the rate derived from them."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.done = 0
        self.queued = 0
        self.info: dict[str, Any] = {}

    def update(self, done: int, queued: int, **info: Any) -> None:
        self.done, self.queued = done, queued
        self.info = info

    def fields(self) -> dict[str, Any]:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        total = max(self.queued, self.done)
        out: dict[str, Any] = {
            "done": self.done,
            "queued": total,
            "listed": bool(self.info.get("listed", False)),
            "rate": round(rate, 2),
            "elapsed_s": round(elapsed, 1),
            "errors": self.info.get("errors", 0),
        }
        if out["listed"] and rate > 0:  # the total is only known once every source is listed
            out["eta_s"] = round((total - self.done) / rate, 1)
        out["counts"] = self.info.get("counts", {})
        out["sources"] = self.info.get("sources", {})
        return out


class LogProgress:
    """A ``progress`` log event every ``every`` seconds while a run goes on (cron, pipes), and one at the end.

    A timer thread writes them, so a run stuck on a slow host still shows it is alive and where it stands.
    """

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self._track = _Tracker()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cleanfeed-progress", daemon=True)

    def update(self, done: int, queued: int, **info: Any) -> None:
        self._track.update(done, queued, **info)

    def emit(self) -> None:
        f = self._track.fields()
        log.info(
            "progress: %d/%d pages, %.1f/s, %d errors",
            f["done"],
            f["queued"],
            f["rate"],
            f["errors"],
            extra={"event": "progress", **f},
        )

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.emit()

    def __enter__(self) -> LogProgress:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        if exc_type is None:
            self.emit()


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:.1f} pages/s")


class _EtaColumn(TimeRemainingColumn):
    """Rich's remaining time, shown only once every source is listed (before that the total grows)."""

    def render(self, task: Task) -> Text:
        if not task.fields.get("listed"):
            return Text("ETA -:--:--", style="progress.remaining")
        return Text("ETA ") + super().render(task)


class RichProgress:
    """Terminal display: bar, done/total, rate, elapsed, ETA; a line of counts, errors and per-source
    counts below it."""

    def __init__(self, description: str = "pages", console: Console | None = None) -> None:
        self._track = _Tracker()
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeElapsedColumn(),
            _EtaColumn(),
            TextColumn("{task.fields[detail]}"),
            transient=False,
            console=console,
        )
        self._task = self._progress.add_task(description, total=None, detail="", listed=False)

    def update(self, done: int, queued: int, **info: Any) -> None:
        self._track.update(done, queued, **info)
        f = self._track.fields()
        c = f["counts"]
        detail = (
            f"\n  {c.get('articles', 0)} articles · {c.get('duplicates', 0)} duplicates · "
            f"{c.get('rejects', 0)} rejects · {c.get('skipped', 0)} skipped · {f['errors']} errors"
        )
        per_source = "  ".join(
            f"{name} {sum(v for k, v in sc.items() if k in ('articles', 'duplicates', 'rejects'))}"
            for name, sc in f["sources"].items()
        )
        if per_source:
            detail += f"\n  sources: {per_source}"
        self._progress.update(
            self._task, completed=done, total=max(queued, done), detail=detail, listed=f["listed"]
        )

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()
