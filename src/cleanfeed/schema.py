"""JSON Schemas of what a run writes: the records (every ``*.jsonl`` line) and ``manifest.json``.

``cleanfeed schema [records|links|manifest]`` prints them (links.jsonl: the record schema). Records are
exact (every key required, no other key); the manifest requires its documented keys and may grow new
ones (readers must ignore unknown keys).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cleanfeed.models import RECORD_SCHEMA_VERSION, record_json_schema

__all__ = ["SCHEMAS", "manifest_json_schema", "record_json_schema"]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class StageCounts(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    in_: int = Field(alias="in", ge=0, description="items that entered the stage")
    out: int = Field(ge=0, description="items that left it; in = out + sum(dropped)")
    dropped: dict[str, int] = Field(description="items dropped, by reason")


class SourceReport(_Open):
    counts: dict[str, int]
    errors: list[str]


class ConfigReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str | None = Field(description="the config file, absolute (null: defaults and environment only)")
    sha256: str | None = Field(description="SHA-256 of the config file's bytes")
    settings_sha256: str = Field(description="SHA-256 of the effective settings (file + env + --set)")


class Manifest(_Open):
    """``manifest.json``: written last; its presence means the run folder is complete."""

    cleanfeed_version: str
    schema_version: int = Field(description=f"record schema version ({RECORD_SCHEMA_VERSION} here)")
    config: ConfigReport
    run_id: int | None
    folder: str
    format: str = Field(description="jsonl | jsonl.gz | parquet")
    files: dict[str, int] = Field(description="record files written, with their record counts")
    started: str
    finished: str
    counts: dict[str, int]
    reject_reasons: dict[str, int]
    stages: dict[str, StageCounts]
    sources: dict[str, SourceReport]
    failed_pages: int
    failed_sources: list[str]
    limited: bool
    dedup: dict[str, str]
    fetch: dict[str, int]
    timings: dict[str, float]


def manifest_json_schema() -> dict[str, Any]:
    schema = Manifest.model_json_schema(mode="validation", by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://cleanfeed.invalid/schema/manifest-v{RECORD_SCHEMA_VERSION}.json"
    schema["title"] = "cleanfeed manifest"
    return schema


# links.jsonl lines are records of the one schema (a link is a record with ``repost_id``): asked for by
# the file's name, the answer is the same schema.
SCHEMAS = {"records": record_json_schema, "links": record_json_schema, "manifest": manifest_json_schema}
