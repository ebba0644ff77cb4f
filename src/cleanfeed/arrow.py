"""Arrow/Parquet side of the record schema: one Arrow schema derived from the JSON Schema of a record.

Used by the Parquet writer (``output.format = "parquet"``) and by readers that want to pin the types
(``datasets.Features.from_arrow_schema(record_arrow_schema())``). Needs ``pyarrow`` (the ``parquet`` extra).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from cleanfeed.models import record_json_schema

BATCH = 1000  # records buffered per row group: bounded memory, row groups big enough to compress well


def _arrow_type(prop: dict[str, Any], defs: dict[str, Any]) -> pa.DataType:
    if "$ref" in prop:
        return _arrow_type(defs[prop["$ref"].rsplit("/", 1)[1]], defs)
    kind = prop.get("type")
    if kind == "string":
        return pa.string()
    if kind == "integer":
        return pa.int64()
    if kind == "number":
        return pa.float64()
    if kind == "boolean":
        return pa.bool_()
    if kind == "array":
        return pa.list_(_arrow_type(prop["items"], defs))
    if kind == "object" and "properties" in prop:
        return pa.struct([pa.field(k, _arrow_type(v, defs)) for k, v in prop["properties"].items()])
    raise TypeError(f"no Arrow type for JSON Schema {prop}")  # a new field type: map it here


def record_arrow_schema() -> pa.Schema:
    """The Arrow schema of a record, field for field in JSON record order."""
    js = record_json_schema()
    defs = js.get("$defs", {})
    return pa.schema([pa.field(name, _arrow_type(p, defs)) for name, p in js["properties"].items()])


class ParquetStream:
    """Record dicts (JSON mode) into one Parquet file under a temporary name, a row group per batch."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.schema = record_arrow_schema()
        self._rows: list[dict[str, Any]] = []
        self._fh: IO[bytes] = tmp.open("wb")
        self._writer = pq.ParquetWriter(self._fh, self.schema, compression="zstd")

    def write(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        if len(self._rows) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()

    def abort(self) -> None:
        self._rows = []
        with contextlib.suppress(OSError, pa.ArrowException):
            self._writer.close()
        with contextlib.suppress(OSError):
            self._fh.close()
