"""The cleanfeed exception tree, documented in one place.

    CleanfeedError
    ├── Drop            a document is not kept; ``.reason`` is a short machine-readable code
    ├── ConfigError     bad settings; ``.key`` names the offending key (raised before any work)
    ├── FetchError      a URL could not be fetched; ``.reason`` says why (timeout, status_503, ...)
    ├── StateError      the state database cannot be used (empty, not cleanfeed's, newer schema, corrupt)
    ├── NetworkDown     a run got no HTTP response at all: not committed, rerun later
    └── LockHeld        another run holds the state lock

``Drop`` is the only exception ``clean_html`` raises: any other failure inside the cleaning
stages is converted into ``Drop("internal_error")`` so a bad page can never stop a batch.
"""

from __future__ import annotations

import errno
import sqlite3


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

    def __reduce__(self) -> tuple[type[Drop], tuple[str, str]]:
        # Pickled by its own arguments (the default would pass the message as ``reason``): a drop crosses
        # the cleaning pool's process boundary as itself.
        return (type(self), (self.reason, self.detail))


class ConfigError(CleanfeedError):
    """Invalid configuration. ``key`` is the dotted path of the offending key."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"config key {key!r}: {message}")

    def __reduce__(self) -> tuple[type[ConfigError], tuple[str, str]]:
        return (type(self), (self.key, self.message))


class FetchError(CleanfeedError):
    """A fetch failed after retries. ``reason`` is a stable code (``timeout``, ``status_404``, ...)."""

    def __init__(self, reason: str, url: str, detail: str = "") -> None:
        self.reason = reason
        self.url = url
        self.detail = detail
        super().__init__(f"{reason} {url}" + (f": {detail}" if detail else ""))

    def __reduce__(self) -> tuple[type[FetchError], tuple[str, str, str]]:
        return (type(self), (self.reason, self.url, self.detail))


class LockHeld(CleanfeedError):
    """Another cleanfeed run holds the lock on this state file."""


class StateError(CleanfeedError):
    """The state database cannot be used as it is: a permanent condition that a rerun will not fix.

    The message names the file and, for SQLite failures, SQLite's own error text.
    """


class NetworkDown(CleanfeedError):
    """Every fetch of a run failed before any server answered (DNS, refused, unreachable, timeouts).

    The run is not committed: recording those failures would count a day offline toward giving pages up.
    """


# errno values a later run can expect to see gone by itself (space freed, network back, load gone).
_TEMPORARY_ERRNOS = frozenset(
    getattr(errno, name)
    for name in (
        "ENOSPC",
        "EDQUOT",
        "EAGAIN",
        "EBUSY",
        "EINTR",
        "ETIMEDOUT",
        "ENOMEM",
        "ENFILE",
        "EMFILE",
        "ENETDOWN",
        "ENETUNREACH",
        "EHOSTUNREACH",
        "ECONNREFUSED",
        "ECONNRESET",
        "ENOLCK",
    )
    if hasattr(errno, name)
)
# SQLite primary result codes of the same kind: BUSY, LOCKED, NOMEM, FULL (disk full).
_TEMPORARY_SQLITE = frozenset({5, 6, 7, 13})


def is_temporary(exc: BaseException) -> bool:
    """True when rerunning later may succeed unchanged (exit 75); False when a person must act (exit 78).

    Looks through ``raise ... from`` chains, so ``OutputError`` wrapping ``ENOSPC`` is temporary and one
    wrapping ``EACCES`` or ``ENOTDIR`` is not.
    """
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, LockHeld | NetworkDown):
            return True
        if isinstance(cur, StateError):
            return False
        if isinstance(cur, sqlite3.Error):
            code = getattr(cur, "sqlite_errorcode", None)
            return code is not None and (code & 0xFF) in _TEMPORARY_SQLITE
        if isinstance(cur, OSError) and cur.errno is not None:
            return cur.errno in _TEMPORARY_ERRNOS
        cur = cur.__cause__ or cur.__context__
    return False
