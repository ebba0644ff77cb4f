"""The cleanfeed exception tree, documented in one place.

    CleanfeedError
    ├── Drop            a document is not kept; ``.reason`` is a short machine-readable code
    ├── ConfigError     bad settings; ``.key`` names the offending key (raised before any work)
    ├── FetchError      a URL could not be fetched; ``.reason`` says why (timeout, status_503, ...)
    └── LockHeld        another run holds the state lock

``Drop`` is the only exception ``clean_html`` raises: any other failure inside the cleaning
stages is converted into ``Drop("internal_error")`` so a bad page can never stop a batch.
"""

from __future__ import annotations


class CleanfeedError(Exception):
    """Base class of every error cleanfeed raises on purpose."""


class Drop(CleanfeedError):
    """A document is dropped (rejected). ``reason`` is a stable code counted in run manifests.

    Reasons used by the cleaning core: ``empty``, ``binary``, ``undecodable``, ``too_large``,
    ``not_article``, ``too_short``, ``internal_error``.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class ConfigError(CleanfeedError):
    """Invalid configuration. ``key`` is the dotted path of the offending key."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"config key {key!r}: {message}")


class FetchError(CleanfeedError):
    """A fetch failed after retries. ``reason`` is a stable code (``timeout``, ``status_404``, ...)."""

    def __init__(self, reason: str, url: str, detail: str = "") -> None:
        self.reason = reason
        self.url = url
        self.detail = detail
        super().__init__(f"{reason} {url}" + (f": {detail}" if detail else ""))


class LockHeld(CleanfeedError):
    """Another cleanfeed run holds the lock on this state file."""
