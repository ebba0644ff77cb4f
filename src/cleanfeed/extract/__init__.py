"""Main-text extraction: DOM cleaning (``dom``), main-block scoring (``body``), the rule table
(``rules`` + ``rules.toml``) and its application (``filters``), metadata (``meta``) and multi-story
split (``stories``), wired together in ``core``.
"""

from __future__ import annotations

from cleanfeed.extract.core import MAX_HTML_CHARS, extract_all, extract_page
from cleanfeed.extract.rules import Rule, RuleSet, rule_from_dict
from cleanfeed.extract.trace import Trace

__all__ = ["MAX_HTML_CHARS", "Rule", "RuleSet", "Trace", "extract_all", "extract_page", "rule_from_dict"]
