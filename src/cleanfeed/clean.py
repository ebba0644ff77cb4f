"""The public cleaning entry points: ``clean_html`` and ``clean_html_all``."""

from __future__ import annotations

from cleanfeed.decode import decode_html
from cleanfeed.errors import Drop
from cleanfeed.extract import MAX_HTML_CHARS, RuleSet, Trace, extract_page
from cleanfeed.models import Article


def _text(html: bytes | str, header_charset: str | None) -> str:
    if isinstance(html, str):
        if len(html) > MAX_HTML_CHARS:
            raise Drop("too_large", f"{len(html)} characters")
        return html
    if len(html) > MAX_HTML_CHARS:
        raise Drop("too_large", f"{len(html)} bytes")
    text = decode_html(html, header_charset=header_charset)[0]  # raises Drop: empty, binary, undecodable
    if "\x00" in text[:4096]:
        raise Drop("binary")
    return text


def clean_html_all(
    html: bytes | str,
    url: str | None = None,
    *,
    rules: RuleSet | None = None,
    header_charset: str | None = None,
    trace: Trace | None = None,
) -> list[Article]:
    """Every story on the page, lead first (``story_index`` 0..n on multi-story pages).

    ``rules`` defaults to ``RuleSet.default()``; pass ``RuleSet.default().extend(site_rules, host=...)``
    to add site rules. ``header_charset`` is the HTTP Content-Type charset, if known. ``trace``
    (``cleanfeed.extract.Trace``) is filled with the extraction's decisions (``cleanfeed explain``).
    Raises only ``Drop``.
    """
    arts, _ = _extract(html, url, rules, header_charset, trace)
    return arts


def _extract(
    html: bytes | str,
    url: str | None,
    rules: RuleSet | None,
    header_charset: str | None,
    trace: Trace | None = None,
) -> tuple[list[Article], int]:
    try:
        text = _text(html, header_charset)
        arts, main = extract_page(text, url, rules=rules, trace=trace)
        return [a.finalize() for a in arts], main
    except Drop:
        raise
    except RecursionError as exc:
        raise Drop("internal_error", "recursion") from exc
    except Exception as exc:  # a bad page must never stop a batch
        raise Drop("internal_error", f"{type(exc).__name__}: {exc}") from exc


def clean_html(
    html: bytes | str,
    url: str | None = None,
    *,
    rules: RuleSet | None = None,
    header_charset: str | None = None,
) -> Article:
    """The page's main story (the one its headline names; on a multi-story page without one, the
    lead): title, text (paragraphs joined by ``\\n``) and metadata."""
    arts, main = _extract(html, url, rules, header_charset)
    return arts[main]
