"""The records that flow through cleanfeed: ``Page`` in, ``Article`` out."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator


def stable_id(key: str) -> str:
    """Stable 16-hex-digit id of a URL (or any key): the record ``id``."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


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


class Article(BaseModel):
    """One cleaned story: the JSONL record. ``text`` is paragraphs joined by ``\\n``."""

    model_config = ConfigDict(extra="forbid")

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

    @model_validator(mode="after")
    def _fill_authors(self) -> Article:
        if self.author and not self.authors:
            self.authors = split_authors(self.author)
        return self

    @property
    def paragraphs(self) -> list[str]:
        return self.text.split("\n") if self.text else []

    def finalize(self) -> Article:
        """Fill the derived fields (``id``, ``content_hash``) from url and text."""
        key = self.canonical_url or self.url
        if self.text:
            self.content_hash = content_hash(self.text)
        if key:
            self.id = stable_id(key if self.story_index in (None, 0) else f"{key}#{self.story_index}")
        elif self.content_hash:
            self.id = self.content_hash[:16]
        return self

    @classmethod
    def rejected(cls, reason: str, url: str | None = None, **fields: object) -> Article:
        """A reject record: nothing is lost, the reason is kept."""
        art = cls.model_validate({"url": url, "reject_reason": reason, **fields})
        if url:
            art.id = stable_id(url)
        return art
