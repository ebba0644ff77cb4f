"""What the index hands out and keeps per row: matches, late links, candidate rows, article ids."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import numpy.typing as npt

from cleanfeed.dedup.fingerprint import U64, Fingerprint
from cleanfeed.dedup.match import Doc
from cleanfeed.models import Article, content_hash, record_id


@dataclass(frozen=True, slots=True)
class Match:
    """The original an article copies."""

    duplicate_of: str  # URL of the original, else its id
    original_id: str
    kind: str  # exact | near | cross_script | spun | partial
    similarity: float
    share: float | None = None  # partial copies: share of the original reused


@dataclass(frozen=True, slots=True)
class Link:
    """A repost, indexed before its original arrived, that the original now claims."""

    repost_id: str
    repost_url: str | None
    duplicate_of: str
    original_id: str
    kind: str
    similarity: float
    share: float | None = None


@dataclass(slots=True)
class _Row:
    doc: int
    id: str
    url: str | None
    original: bool
    converted: bool
    canon: bytes
    published_at: str | None = None  # ``stamp`` text
    fetched_at: str | None = None
    link_doc: int | None = None  # what it was linked to, and whether that is an original
    link_original: bool = False
    kind: str | None = None  # the kind of that link
    distinct: int = 0  # shared keys held by at most RARE_KEY documents (set by candidate search)

    def text(self) -> Doc:
        return Doc(zlib.decompress(self.canon).decode("utf-8"))

    def order(self) -> tuple[bool, str, bool, str, str]:
        return order_key(self.published_at, self.fetched_at, self.url or self.id)


@dataclass(frozen=True, slots=True)
class Looked:
    """One postings lookup of a query: what its candidates are, and the counts ``add`` reuses."""

    same: list[int]  # documents holding the digest's key (exact copies among them)
    rows: list[_Row]  # candidates, best first
    second: list[int]  # second-probe documents: rare anchor keys only (``DedupIndex._second_probe``)
    keys: U64  # the query's keys as looked up, and each one's postings before this query
    counts: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class Probe:
    """An article's fingerprint and its postings lookup against the index as it stood then.

    ``DedupIndex.probe`` makes one; ``match``, ``add`` and ``late_links`` take it instead of computing
    it again. A probe is only good until the index changes in a way that concerns it (``dedup_many``
    looks up again when an article before it in the batch did).
    """

    id: str
    text: str
    fp: Fingerprint
    looked: Looked | None  # None: not looked up (a bulk load that does not match)


@dataclass(frozen=True, slots=True)
class Found:
    """What an article copies, as the index keeps it: the match, the document, whether an original."""

    match: Match
    doc: int
    to_original: bool


@dataclass(frozen=True, slots=True)
class Decision:
    """The dedup decision on one article: what it copies (``found``), and the near-identical original
    indexed earlier that it precedes by ``order_key`` (``claims``; its ``late_links`` relink that one)."""

    probe: Probe
    found: Found | None = None
    claims: Match | None = None

    @property
    def match(self) -> Match | None:
        return self.found.match if self.found is not None else None


def stamp(when: datetime | None) -> str | None:
    """A time as UTC ISO 8601 text of fixed width, so text order is time order (naive times are UTC)."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def order_key(published_at: str | None, fetched_at: str | None, url: str) -> tuple[bool, str, bool, str, str]:
    """Which of two near-identical originals is the original: the earlier published, then the earlier
    fetched, then the smaller URL (a missing time sorts last). A property of the two documents, not of
    the order a run met them in, so two runs of the same input, or a sharded one, choose alike."""
    return (published_at is None, published_at or "", fetched_at is None, fetched_at or "", url)


def _times(article: Article) -> tuple[str | None, str | None]:
    return stamp(article.published_at), stamp(article.fetched_at)


def article_order(article: Article) -> tuple[bool, str, bool, str, str]:
    return order_key(
        stamp(article.published_at), stamp(article.fetched_at), article.url or article_id(article)
    )


def _chunks(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    chunk: list[Article] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def came_normalized(article: Article) -> bool:
    """Whether ``article.text`` is the normalizer's output, so fingerprinting need not normalize it again.

    The rule: ``clean_html`` records the normalizer's report on the article (``normalized`` edit counts,
    ``converted``) and ``finalize`` records ``content_hash`` of the text. When both are present and the
    hash still matches the text, the text is exactly what the normalizer returned. Anything else (raw text
    from a library user, text edited after cleaning, a report with no edits) is normalized again: that
    costs time, never quality.
    """
    if not (article.normalized or article.converted) or not article.content_hash or not article.text:
        return False
    return article.content_hash == content_hash(article.text)


def article_id(article: Article) -> str:
    """The article's id; when it is not set yet, the one ``Article.finalize`` would give (``record_id`` of
    its url and story, else its content hash)."""
    if article.id:
        return article.id
    if article.url:
        return record_id(article.url, article.story_index)
    return content_hash(article.text)[:16]
