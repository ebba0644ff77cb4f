"""The public cleaning entry points: ``clean_html`` and ``clean_html_all``."""

from __future__ import annotations

from cleanfeed.decode import decode_html
from cleanfeed.errors import Drop
from cleanfeed.extract import extract_all
from cleanfeed.models import Article


def clean_html_all(html: bytes | str, url: str | None = None) -> list[Article]:
    """Every story on the page, lead first. Raises only ``Drop``."""
    try:
        text = decode_html(html)[0] if isinstance(html, bytes) else html
        return [a.finalize() for a in extract_all(text, url)]
    except Drop:
        raise
    except Exception as exc:  # a bad page must never stop a batch
        raise Drop("internal_error", f"{type(exc).__name__}: {exc}") from exc


def clean_html(html: bytes | str, url: str | None = None) -> Article:
    """The lead story of a page: title, text (paragraphs joined by ``\\n``) and metadata."""
    return clean_html_all(html, url)[0]
