"""Plain-text and Markdown renderings of a record (``cleanfeed clean --format text|markdown``)."""

from __future__ import annotations

import re

from cleanfeed.models import Article

# Characters that start Markdown block syntax at the beginning of a line (heading, quote, list, rule,
# table, code fence, HTML) and inline syntax anywhere: escaped so a paragraph stays a paragraph.
_BLOCK_START = re.compile(r"^(\s*)([#>+\-*=|`~<])")
_ORDERED = re.compile(r"^(\s*\d+)([.)])")  # "1." starts a list: escape the dot ("\1" is no escape)
_INLINE = re.compile(r"([\\`*_\[\]<>|])")


def as_text(article: Article) -> str:
    """Title, a blank line, then one paragraph per line (no title: the paragraphs alone)."""
    head = f"{article.title}\n\n" if article.title else ""
    return head + "".join(p + "\n" for p in article.paragraphs)


def _md_escape(line: str) -> str:
    line = _INLINE.sub(r"\\\1", line)
    line = _ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line)


def as_markdown(article: Article) -> str:
    """``# title``, then paragraphs separated by blank lines, Markdown syntax in the text escaped."""
    parts = [f"# {_md_escape(article.title)}"] if article.title else []
    parts += [_md_escape(p) for p in article.paragraphs]
    return "\n\n".join(parts) + "\n" if parts else ""
