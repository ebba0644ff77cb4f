"""Logging setup: JSON lines for cron and pipes, rich text and a progress bar on a terminal."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, Literal

from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

LogFormat = Literal["auto", "json", "text"]

# LogRecord attributes that are not user ``extra=`` fields
_STD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _STD})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


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
    else:
        handler = RichHandler(show_path=False, rich_tracebacks=False)
    setattr(handler, "_cleanfeed", True)  # noqa: B010 - marks the handler we own
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


class RichProgress:
    """A progress bar (``done`` of ``queued`` pages) for terminal runs."""

    def __init__(self, description: str = "pages") -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=False,
        )
        self._task = self._progress.add_task(description, total=None)

    def update(self, done: int, queued: int) -> None:
        self._progress.update(self._task, completed=done, total=max(queued, done))

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()
