"""Main-text extraction. (Initial placeholder; owned and replaced by the extract work.)"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from cleanfeed.errors import Drop
from cleanfeed.models import Article
from cleanfeed.normalize import normalize_lines


def extract_all(html: str, url: str | None = None) -> list[Article]:
    tree = HTMLParser(html)
    title_node = tree.css_first("h1") or tree.css_first("title")
    title = title_node.text(strip=True) if title_node else None
    paras = [n.text(strip=True) for n in tree.css("p")]
    lines, report = normalize_lines([p for p in paras if p])
    text = "\n".join(line for line in lines if line)
    if not text:
        raise Drop("not_article")
    return [Article(url=url, title=title, text=text, converted=report.converted)]
