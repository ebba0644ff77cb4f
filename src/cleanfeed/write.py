"""Output of one run: JSONL (or Parquet) streams and a manifest in the run's own folder.

Each stream is written under a ``.part`` name, flushed, fsynced and renamed when the run completes, and the
folder itself is fsynced, so a reader never sees a half-written ``articles.jsonl``. A write error (disk
full, read-only folder) becomes ``OutputError`` and the caller leaves the state untouched.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import IO, Any

from cleanfeed.errors import CleanfeedError
from cleanfeed.models import RECORD_SCHEMA_VERSION, Article, stable_id
from cleanfeed.settings import Settings

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
    """One output file under a ``.part`` name, opened at the first record: a stream with no record writes
    no file (an empty ``.jsonl`` makes dataset loaders fail)."""

    def __init__(self, final: Path, fmt: str) -> None:
        self.final = final
        self.tmp = final.with_name(final.name + ".part")
        self.fmt = fmt
        self.count = 0
        self._raw: IO[bytes] | None = None
        self._fh: IO[bytes] | None = None
        self._parquet: Any = None  # cleanfeed.arrow.ParquetStream

    def _open(self) -> None:
        if self.fmt == "parquet":
            from cleanfeed.arrow import ParquetStream  # noqa: PLC0415  (pyarrow only when asked for)

            self._parquet = ParquetStream(self.tmp)
            return
        self._raw = self.tmp.open("wb")
        # mtime=0: the same records give byte-identical .gz files
        self._fh = (
            gzip.GzipFile(fileobj=self._raw, mode="wb", mtime=0)  # type: ignore[assignment]
            if self.fmt == "jsonl.gz"
            else self._raw
        )

    def write(self, art: Article) -> None:
        if self.count == 0:
            self._open()
        if self._parquet is not None:
            self._parquet.write(art.model_dump(mode="json"))
        else:
            assert self._fh is not None
            self._fh.write(art.model_dump_json().encode("utf-8") + b"\n")
        self.count += 1

    def finish(self) -> None:
        if self.count == 0:
            return
        if self._parquet is not None:
            self._parquet.close()
        else:
            assert self._raw is not None and self._fh is not None
            if self._fh is not self._raw:
                self._fh.close()
            self._raw.flush()
            os.fsync(self._raw.fileno())
            self._raw.close()
        self.tmp.replace(self.final)

    def abort(self) -> None:
        if self._parquet is not None:
            self._parquet.abort()
            return
        try:
            if self._fh is not None and self._fh is not self._raw:
                self._fh.close()
        except OSError:
            pass
        if self._raw is not None:
            with contextlib.suppress(OSError):
                self._raw.close()


def link_record(link: dict[str, Any]) -> Article:
    """A late link (``DedupIndex.late_links``) as a record of the one record schema: ``repost_id`` is the
    earlier record it marks, ``duplicate_of``/``duplicate_of_id`` the original that arrived later."""
    repost_id, original_id = str(link["repost_id"]), str(link["original_id"])
    return Article(
        id=stable_id(f"link:{repost_id}>{original_id}"),
        url=link.get("repost_url"),
        duplicate_of=link.get("duplicate_of") or link.get("original_url"),
        duplicate_of_id=original_id,
        dup_kind=link.get("kind"),
        similarity=link.get("similarity"),
        dup_share=link.get("share"),
        repost_id=repost_id,
    )


class RunWriter:
    """Writes the records of one run into ``folder``; ``publish()`` makes them visible.

    ``fmt``: ``jsonl`` (default), ``jsonl.gz`` or ``parquet`` (needs pyarrow). Streams without records
    leave no file; ``files`` names those written, with their record counts (for the manifest).
    """

    def __init__(self, folder: Path, *, compress: bool = False, fmt: str = "jsonl") -> None:
        self.folder = folder
        self.format = "jsonl.gz" if compress and fmt == "jsonl" else fmt
        suffix = {"jsonl": ".jsonl", "jsonl.gz": ".jsonl.gz", "parquet": ".parquet"}[self.format]
        self._streams: dict[str, _Stream] = {
            name: _Stream(folder / f"{name}{suffix}", self.format) for name in STREAMS
        }
        try:
            folder.mkdir(parents=True, exist_ok=False)
        except OSError as exc:
            raise OutputError(folder, exc) from exc

    @property
    def counts(self) -> dict[str, int]:
        return {name: s.count for name, s in self._streams.items()}

    @property
    def files(self) -> dict[str, int]:
        return {s.final.name: s.count for s in self._streams.values() if s.count}

    def article(self, art: Article, stream: str = "articles") -> None:
        s = self._streams[stream]
        try:
            s.write(art)
        except OSError as exc:
            raise OutputError(s.final, exc) from exc

    def link(self, record: dict[str, Any]) -> None:
        self.article(link_record(record), "links")

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


def manifest_header(settings: Settings, writer: RunWriter) -> dict[str, Any]:
    """The manifest's program, config and file fields (``cleanfeed schema manifest``)."""
    from cleanfeed import __version__  # noqa: PLC0415  (cleanfeed/__init__ imports this module's users)

    cfg = settings._config_file
    effective = settings.model_dump_json(exclude={"base_dir"}).encode("utf-8")
    return {
        "cleanfeed_version": __version__,
        "schema_version": RECORD_SCHEMA_VERSION,
        "config": {
            "path": str(cfg) if cfg is not None else None,
            "sha256": settings._config_sha256,
            "settings_sha256": hashlib.sha256(effective).hexdigest(),
        },
        "format": writer.format,
        "files": writer.files,
    }


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    body = json.dumps(manifest, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    write_atomic(folder / "manifest.json", body + b"\n")


def discard_folder(folder: Path) -> None:
    """Remove an unfinished run folder (its pages are redone by the next run)."""
    shutil.rmtree(folder, ignore_errors=True)
