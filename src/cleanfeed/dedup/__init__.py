"""Duplicate detection: which original story each repost copies.

``DedupIndex`` is the persistent index (SQLite); ``fingerprint`` and ``verify`` are the pure parts.
Kinds: ``exact``, ``near`` (spam, boilerplate, small edits, excerpts), ``cross_script`` (the same story in
Traditional), ``spun`` (machine rewrites) and ``partial`` (a third or more of the original inside other text).
"""

from __future__ import annotations

from cleanfeed.dedup.fingerprint import Fingerprint, Params, canonical, fingerprint, fingerprint_many
from cleanfeed.dedup.index import DedupIndex
from cleanfeed.dedup.match import Doc, Verdict, verify
from cleanfeed.dedup.records import Link, Match

__all__ = [
    "DedupIndex",
    "Doc",
    "Fingerprint",
    "Link",
    "Match",
    "Params",
    "Verdict",
    "canonical",
    "fingerprint",
    "fingerprint_many",
    "verify",
]
