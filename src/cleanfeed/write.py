"""Output of one run: JSONL streams and a manifest in the run's own folder.

Each stream is written under a ``.part`` name, flushed, fsynced and renamed when the run completes, and the
folder itself is fsynced, so a reader never sees a half-written ``articles.jsonl``. A write error (disk
full, read-only folder) becomes ``OutputError`` and the caller leaves the state untouched.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import shutil
from pathlib import Path
from typing import IO, Any

from cleanfeed.errors import CleanfeedError
from cleanfeed.models import Article

STREAMS = ("articles", "duplicates", "rejects", "links")


class OutputError(CleanfeedError):
    """The output could not be written (disk full, read-only folder, ...)."""

    def __init__(self, path: Path, exc: OSError) -> None:
        self.path = path
        super().__init__(f"cannot write {path}: {exc.strerror or exc}")


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a fsynced temp file and a rename."""
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
        fsync_dir(path.parent)
    except OSError as exc:
        raise OutputError(path, exc) from exc


class _Stream:
    def __init__(self, final: Path, compress: bool) -> None:
        self.final = final
        self.tmp = final.with_name(final.name + ".part")
        self.count = 0
        self._raw: IO[bytes] = self.tmp.open("wb")
        # mtime=0: the same records give byte-identical .gz files
        self._fh: IO[bytes] = (
            gzip.GzipFile(fileobj=self._raw, mode="wb", mtime=0) if compress else self._raw  # type: ignore[assignment]
        )

    def write(self, line: bytes) -> None:
        self._fh.write(line)
        self.count += 1

    def finish(self) -> None:
        if self._fh is not self._raw:
            self._fh.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        self.tmp.replace(self.final)

    def abort(self) -> None:
        try:
            if self._fh is not self._raw:
                self._fh.close()
        except OSError:
            pass
        with contextlib.suppress(OSError):
            self._raw.close()


class RunWriter:
    """Writes the records of one run into ``folder``; ``finish(manifest)`` publishes them."""

    def __init__(self, folder: Path, *, compress: bool = False) -> None:
        self.folder = folder
        suffix = ".jsonl.gz" if compress else ".jsonl"
        self._streams: dict[str, _Stream] = {}
        try:
            folder.mkdir(parents=True, exist_ok=False)
            for name in STREAMS:
                self._streams[name] = _Stream(folder / f"{name}{suffix}", compress)
        except OSError as exc:
            self.abort()
            raise OutputError(folder, exc) from exc

    @property
    def counts(self) -> dict[str, int]:
        return {name: s.count for name, s in self._streams.items()}

    def _write(self, stream: str, payload: bytes) -> None:
        s = self._streams[stream]
        try:
            s.write(payload)
        except OSError as exc:
            raise OutputError(s.final, exc) from exc

    def article(self, art: Article, stream: str = "articles") -> None:
        self._write(stream, art.model_dump_json().encode("utf-8") + b"\n")

    def link(self, record: dict[str, Any]) -> None:
        self._write("links", json.dumps(record, ensure_ascii=False, default=str).encode("utf-8") + b"\n")

    def finish(self, manifest: dict[str, Any]) -> None:
        """Publish every stream, then the manifest last: a manifest means the folder is complete."""
        self.publish()
        write_manifest(self.folder, manifest)

    def publish(self) -> None:
        """Fsync and rename every stream (no manifest: the caller writes it once the run is committed)."""
        try:
            for s in self._streams.values():
                s.finish()
            fsync_dir(self.folder)
        except OSError as exc:
            self.abort()
            raise OutputError(self.folder, exc) from exc

    def abort(self) -> None:
        for s in self._streams.values():
            s.abort()

    def discard(self) -> None:
        self.abort()
        discard_folder(self.folder)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    body = json.dumps(manifest, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    write_atomic(folder / "manifest.json", body + b"\n")


def discard_folder(folder: Path) -> None:
    """Remove an unfinished run folder (its pages are redone by the next run)."""
    shutil.rmtree(folder, ignore_errors=True)
