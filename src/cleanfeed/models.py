"""The records that flow through cleanfeed: ``Page`` in, ``Article`` out.

The JSON record (``model_dump_json``, what the writers emit) has one fixed shape, so files of any run load
together in Arrow-based tools (Hugging Face ``datasets``, DuckDB, pandas). Those tools infer a column's type
from the first file they read, and a ``null`` or an empty list there has no type: a later file with a value
then fails to load. So no value is ever ``null`` or an empty list: a missing text or time is ``""``, a
missing score ``0.0``, ``story_index`` is ``0`` for a single-story page; ``captions`` and ``flags`` are
``\n``-joined strings (like ``text``); ``removed`` lists every rule of the rule table and ``normalized``
every edit kind, zeros included, as ``{rule, chars}`` / ``{kind, count}`` items.
In Python the model keeps ``None``, lists and dicts (what the stages use); the mapping happens at this
boundary, and reading a record back (``model_validate``) undoes it.
"""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator
from typing_extensions import TypedDict

# Version of the record shape; bumped on every incompatible change (written to manifest.json and the
# ``cleanfeed schema`` ``$id``). 2: per-record ids, duplicate_of_id, fixed JSON types, list-shaped counts.
RECORD_SCHEMA_VERSION = 2

# The normalizer's edit kinds, always listed (zeros included) so ``normalized`` never changes shape.
NORMALIZE_KINDS = ("entities", "mojibake_spans", "pinyin_removed", "t2s_chars", "punct")

_OPTIONAL_STR = (
    "id",
    "url",
    "canonical_url",
    "source",
    "title",
    "original_title",
    "author",
    "editor",
    "agency",
    "dateline",
    "lang",
    "content_hash",
    "duplicate_of",
    "duplicate_of_id",
    "repost_id",
    "final_url",
    "path",
    "dup_kind",
    "reject_reason",
)
_OPTIONAL_TIME = ("published_at", "fetched_at")
_OPTIONAL_FLOAT = ("similarity", "dup_share")
_STR_LISTS = ("captions", "flags", "authors")  # one line each in JSON (see _lines_out)


@functools.cache
def _rule_names() -> tuple[str, ...]:
    """The shipped rule table's names, in table order (imported late: extract imports this module)."""
    from cleanfeed.extract.rules import RuleSet  # noqa: PLC0415

    return tuple(RuleSet.default().names())


def stable_id(key: str) -> str:
    """Stable 16-hex-digit id of a key (a page's origin, plus its story index): the record ``id``."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def record_id(origin: str, story_index: int | None = None) -> str:
    """The id of story ``story_index`` of the page read from ``origin`` (its requested URL or file).

    Not the canonical URL: pages that share one (a site-wide canonical, a syndicated copy) are different
    records. The same input gives the same id on every rerun.
    """
    return stable_id(origin if not story_index else f"{origin}#{story_index}")


def content_hash(text: str) -> str:
    """Hash of normalized text: equal hashes mean an ``exact`` duplicate."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


# Names in a byline are separated by spaces (kept by the normalizer between names), 、 , ; or /; role words
# (记者, 通讯员, ...) are not names.
_NAME_SEP = re.compile(r"[\s、,，;；/／|｜]+")
_ROLE = re.compile(
    r"^(?:本报|本刊|本台|本网)?(?:特约|见习)?(?:记者|通讯员|实习生|作者|撰文|文|摄影|摄)[:：]?"
)


def split_authors(author: str | None) -> list[str]:
    """``"王逸飞 鲍梦妮"`` -> ``["王逸飞", "鲍梦妮"]``; role words go (``"记者张晓 余佩璇"``: two names)."""
    if not author:
        return []
    names = (_ROLE.sub("", part) for part in _NAME_SEP.split(author))
    return list(dict.fromkeys(n for n in names if n))


class Page(BaseModel):
    """Fetched (or read) bytes with what we know about them."""

    model_config = ConfigDict(extra="forbid")

    url: str
    final_url: str | None = None
    source: str | None = None
    status: int = 200
    headers: dict[str, str] = Field(default_factory=dict)
    body: bytes = b""
    charset: str | None = None  # from the HTTP Content-Type header, if any
    fetched_at: datetime | None = None


class RemovedItem(TypedDict):
    rule: str
    chars: int


class NormalizedItem(TypedDict):
    kind: str
    count: int


def _format_time(value: datetime | None) -> str:
    # Always milliseconds: one string shape, so Arrow readers never infer a timestamp for one file and a
    # string for the next (pyarrow infers timestamp[s] only for whole-second values).
    return value.isoformat(timespec="milliseconds") if value is not None else ""


class Article(BaseModel):
    """One cleaned story: the JSONL record. ``text`` is paragraphs joined by ``\\n``."""

    # serialization-mode JSON Schema: every key is in every record, so every key is required
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    id: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    source: str | None = None
    title: str | None = None
    original_title: str | None = None
    text: str = ""
    published_at: datetime | None = None
    author: str | None = None
    authors: list[str] = Field(default_factory=list)  # the names in ``author``, one per person
    editor: str | None = None
    agency: str | None = None
    dateline: str | None = None
    captions: list[str] = Field(default_factory=list)
    lang: str | None = None
    fetched_at: datetime | None = None
    content_hash: str | None = None
    duplicate_of: str | None = None
    duplicate_of_id: str | None = None  # the id of the original's record
    dup_kind: str | None = None  # exact | near | cross_script | spun | partial
    similarity: float | None = None
    dup_share: float | None = None  # partial reposts: share of the original reused
    reject_reason: str | None = None
    removed: dict[str, int] = Field(default_factory=dict)  # characters removed, by rule name
    converted: bool = False  # Traditional -> Simplified conversion was applied
    normalized: dict[str, int] = Field(default_factory=dict)  # normalizer edits, by kind
    flags: list[str] = Field(default_factory=list)  # low-confidence edits a user may want to review
    # How far to trust the extraction (0-1, calibrated on the dev sets; see docs/benchmarks.md):
    # route low values to review. None on rejects.
    extraction_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    story_index: int | None = None  # position on a multi-story page (0 = lead)
    original: bool = False  # came from a source that publishes originals
    final_url: str | None = None  # where the request for ``url`` ended after redirects
    path: str | None = None  # the local file (files sources) or WARC archive the page came from
    warc_offset: int | None = None  # the record's offset in that WARC archive
    repost_id: str | None = None  # links.jsonl only: the earlier repost record this link marks

    @model_validator(mode="after")
    def _fill_authors(self) -> Article:
        if self.author and not self.authors:
            self.authors = split_authors(self.author)
        return self

    # -- the JSON boundary ------------------------------------------------------------------------------
    @field_serializer(*_OPTIONAL_STR, when_used="json")
    def _str_out(self, value: str | None) -> str:
        return value or ""

    @field_serializer(*_OPTIONAL_TIME, when_used="json")
    def _time_out(self, value: datetime | None) -> str:
        return _format_time(value)

    @field_serializer(*_OPTIONAL_FLOAT, when_used="json")
    def _float_out(self, value: float | None) -> float:
        return float(value or 0.0)

    @field_serializer("story_index", when_used="json")
    def _index_out(self, value: int | None) -> int:
        return value or 0

    @field_serializer("extraction_confidence", when_used="json")
    def _confidence_out(self, value: float | None) -> float:
        return -1.0 if value is None else value  # 0.0 is a real (if rare) score; a reject has none

    @field_serializer("warc_offset", when_used="json")
    def _offset_out(self, value: int | None) -> int:
        return -1 if value is None else value  # 0 is a real offset (the archive's first record)

    @field_serializer(*_STR_LISTS, when_used="json", check_fields=False)
    def _lines_out(self, value: list[str]) -> str:
        return "\n".join(value)

    @field_serializer("removed", when_used="json")
    def _removed_out(self, value: dict[str, int]) -> list[RemovedItem]:
        names = _rule_names()
        rules = [*names, *sorted(set(value) - set(names))]  # site rules after the shipped table
        return [{"rule": k, "chars": int(value.get(k, 0))} for k in rules]

    @field_serializer("normalized", when_used="json")
    def _normalized_out(self, value: dict[str, int]) -> list[NormalizedItem]:
        kinds = [*NORMALIZE_KINDS, *sorted(set(value) - set(NORMALIZE_KINDS))]
        return [{"kind": k, "count": int(value.get(k, 0))} for k in kinds]

    @field_validator(*_OPTIONAL_STR, *_OPTIONAL_TIME, mode="before")
    @classmethod
    def _empty_in(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("warc_offset", "extraction_confidence", mode="before")
    @classmethod
    def _minus_one_in(cls, value: Any) -> Any:
        return None if value == -1 else value  # -1 is "none" in JSON for these two (0 is a real value)

    @field_validator(*_OPTIONAL_FLOAT, mode="before")
    @classmethod
    def _zero_in(cls, value: Any) -> Any:
        return None if value == 0 else value  # a real match never scores 0

    @field_validator(*_STR_LISTS, mode="before", check_fields=False)
    @classmethod
    def _lines_in(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.split("\n") if value else []
        return value

    @field_validator("removed", mode="before")
    @classmethod
    def _removed_in(cls, value: Any) -> Any:
        if isinstance(value, list):
            return {item["rule"]: item["chars"] for item in value if item.get("chars")}
        return value

    @field_validator("normalized", mode="before")
    @classmethod
    def _normalized_in(cls, value: Any) -> Any:
        if isinstance(value, list):
            return {item["kind"]: item["count"] for item in value if item.get("count")}
        return value

    # -----------------------------------------------------------------------------------------------------
    @property
    def paragraphs(self) -> list[str]:
        return self.text.split("\n") if self.text else []

    def finalize(self, origin: str | None = None) -> Article:
        """Fill the derived fields: ``content_hash`` from the text, ``id`` from the page's origin.

        ``origin`` is where the page was read from (the requested URL, a file); it defaults to ``url``.
        With neither, the id is the content hash (the same text gives the same id).
        """
        key = origin or self.url
        if self.text:
            self.content_hash = content_hash(self.text)
        if key:
            self.id = record_id(key, self.story_index)
        elif self.content_hash:
            self.id = self.content_hash[:16]
        return self

    @classmethod
    def rejected(
        cls,
        reason: str,
        url: str | None = None,
        *,
        attempt: int = 1,
        origin: str | None = None,
        **fields: Any,
    ) -> Article:
        """A reject record: nothing is lost, the reason is kept.

        Its id is the page's (origin) with the attempt number: a page that fails in two runs is two records,
        and a page that later succeeds keeps its article id for the article.
        """
        art = cls.model_validate({"url": url, "reject_reason": reason, **fields})
        key = origin or url
        if key:
            art.id = stable_id(f"{key}#reject{attempt}")
        return art


def record_json_schema() -> dict[str, Any]:
    """The JSON Schema of every record line (articles, duplicates, rejects, links): exact, all required."""
    schema = Article.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://cleanfeed.invalid/schema/record-v{RECORD_SCHEMA_VERSION}.json"
    schema["title"] = "cleanfeed record"
    return schema
