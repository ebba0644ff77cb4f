"""cleanfeed: Chinese news reposts -> clean, deduplicated JSONL.

Library use::

    import cleanfeed
    art = cleanfeed.clean_html(open("page.html", "rb").read(), url="https://example.com/a")
    print(art.title, art.text)
"""

from __future__ import annotations

from cleanfeed.clean import clean_html, clean_html_all
from cleanfeed.dedup import DedupIndex
from cleanfeed.errors import CleanfeedError, ConfigError, Drop, FetchError, LockHeld
from cleanfeed.explain import Explanation, explain
from cleanfeed.models import Article, Page
from cleanfeed.normalize import normalize_report, normalize_text
from cleanfeed.runner import RunResult, run
from cleanfeed.settings import Settings, load_settings
from cleanfeed.siteprofile import SiteProfile

__version__ = "0.1.0"

__all__ = [
    "Article",
    "CleanfeedError",
    "ConfigError",
    "DedupIndex",
    "Drop",
    "Explanation",
    "FetchError",
    "LockHeld",
    "Page",
    "RunResult",
    "Settings",
    "SiteProfile",
    "__version__",
    "clean_html",
    "clean_html_all",
    "explain",
    "load_settings",
    "normalize_report",
    "normalize_text",
    "run",
]
