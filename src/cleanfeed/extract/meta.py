"""Metadata: headline, publication time, canonical URL, dateline/agency/author, language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from cleanfeed.extract.dom import clean_ws

CHINA_TZ = timezone(timedelta(hours=8))
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_DIGIT = "[0-9０-９]"

_PUB_META = (
    "article:published_time",
    "og:article:published_time",
    "pubdate",
    "publishdate",
    "publish_date",
    "publishtime",
    "publish-date",
    "article:published",
    "datePublished",
    "date",
    "dc.date",
    "dc.date.issued",
    "og:release_date",
    "sailthru.date",
    "weibo:article:create_at",
    "release_date",
    "article.published",
)
_DATETIME = re.compile(
    rf"(?P<y>(?:19|20){_DIGIT}{{2}})\s*[-/.年]\s*(?P<m>{_DIGIT}{{1,2}})\s*[-/.月]\s*(?P<d>{_DIGIT}{{1,2}})\s*日?"
    rf"(?:\s*(?:T|\s)?\s*(?P<H>{_DIGIT}{{1,2}})\s*[:：时]\s*(?P<M>{_DIGIT}{{2}})(?:\s*[:：分]\s*(?P<S>{_DIGIT}{{2}}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)

_AGENCIES = (
    "新华社|新华网|中新社|中新网|中国新闻社|中国新闻网|人民网|人民日报|央视网|央视新闻|中央社|国际在线|"
    "环球网|环球时报|光明网|中国日报网|中国网|中国经济网|法制网|经济日报|澎湃新闻|中广网|央广网|"
    "[\u3400-\u9fff\U00020000-\U0003134f]{2,6}?(?:社|网|报|台|电视台|日报|晚报|时报)"
)
_DATELINE = re.compile(
    rf"(?P<ju>据)?(?P<agency>{_AGENCIES})\s*(?:记者)?\s*(?P<place>[\u3400-\u9fff\U00020000-\U0003134f]{{0,10}}?)\s*"
    rf"(?P<date>{_DIGIT}{{1,2}}\s*月\s*{_DIGIT}{{1,2}}\s*日)\s*(?:电|讯|消息)"
)
_AUTHOR_AFTER = re.compile(r"^\s*[(（]\s*(?P<a>[^()（）]{2,40})[)）]")
_AUTHOR_INSIDE = re.compile(r"^\s*(?P<a>(?:记者|通讯员)[^()（）]{2,40})[)）]")
_AUTHOR_LINE = re.compile(
    r"^(?:本报|本刊|本台|本网)?(?:记者|通讯员|文|作者|撰文)\s*[/:：]?\s*(?P<a>[\u3400-\u9fff\U00020000-\U0003134f·]{2,4}(?:[\s、,，][\u3400-\u9fff\U00020000-\U0003134f·]{2,4}){0,4})$"
)


_SOURCE = re.compile(
    r"(?:来源|稿源|出处|文章来源|本文来源|新闻来源|信息来源)\s*[:：]\s*"
    r"(?P<src>[^\s|｜,，。:：()（）【\[]{2,20}?)"
    r"(?=$|\s|[|｜,，。:：()（）【\[]|作者|编辑|责任编辑|发表|发布|时间|日期|字号|评论|点击|浏览)"
)
_TIME_SOURCE = re.compile(
    r"\d{1,2}:\d{2}(?::\d{2})?\s*(?P<src>[\u3400-\u9fff\U00020000-\U0003134f]{2,10}(?:报|网|社|新闻|台|周刊|杂志|财经|日报|晚报))$"
)
_AUTHOR_FIELD = re.compile(
    r"(?:作者|撰文|文)\s*[:：/]\s*(?P<a>[\u3400-\u9fff\U00020000-\U0003134f·]{2,4}(?:[、,，][\u3400-\u9fff\U00020000-\U0003134f·]{2,4}){0,3})"
)
_REPORTER_LINE = re.compile(
    r"^(?P<ag>[\u3400-\u9fff\U00020000-\U0003134f]{2,8}?)?(?:本报|本刊|本台|本网)?(?:记者|通讯员)\s*[/:：]?\s*"
    r"(?P<a>[\u3400-\u9fff\U00020000-\U0003134f·]{2,4}(?:[\s、,，][\u3400-\u9fff\U00020000-\U0003134f·]{2,4}){0,3})$"
)


@dataclass
class Credits:
    """Source (agency), author and editor found on credit lines around the story."""

    agency: str | None = None
    author: str | None = None


def find_credits(lines: list[str]) -> Credits:
    out = Credits()
    for line in lines:
        if len(line) > 120:
            continue
        if out.agency is None:
            m = _SOURCE.search(line) or _TIME_SOURCE.search(line)
            if m:
                out.agency = m["src"]
        if out.author is None:
            m = _AUTHOR_FIELD.search(line)
            r = _REPORTER_LINE.match(line)
            if m:
                out.author = clean_ws(m["a"])
            elif r:
                out.author = clean_ws(r["a"])
                if out.agency is None and r["ag"] and re.search(r"(社|网|报|台|新闻|财经)$", r["ag"]):
                    out.agency = r["ag"]
    return out


@dataclass
class Dateline:
    agency: str | None = None
    dateline: str | None = None
    author: str | None = None


def _text(tree: LexborHTMLParser, selector: str) -> str | None:
    node = tree.css_first(selector)
    if node is None:
        return None
    text = clean_ws(node.text(deep=True))
    return text or None


MetaTags = list[tuple[str, str]]


def _meta_tags(nodes: list[LexborNode]) -> MetaTags:
    """(key, raw content) of the named ones of ``nodes`` (<meta> elements), in document order."""
    out: MetaTags = []
    for node in nodes:
        attrs = node.attributes
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").strip().lower()
        if key:
            out.append((key, attrs.get("content") or ""))
    return out


# Headline candidates, in order of trust.
_TITLE_SELECTORS = ("h1", "h2", "h3", "[class*=title]", "[id*=title]")
# Everything the finders read, as one selector list: lexbor then walks the tree once instead of
# once per selector (each walk costs as much as the rest of the finders on a news page).
_SCAN_SELECTORS = ("meta", "link[rel]", "time[datetime]", *_TITLE_SELECTORS)
_SCAN_QUERY = ", ".join(_SCAN_SELECTORS)


def _tag_id(name: str) -> int:
    node = LexborHTMLParser(f"<{name}>").css_first(name)
    assert node is not None
    return int(node.tag_id)


_META_ID, _LINK_ID, _TIME_ID, _H1_ID, _H2_ID, _H3_ID = map(
    _tag_id, ("meta", "link", "time", "h1", "h2", "h3")
)


@dataclass
class PageScan:
    """The elements the finders read, per selector of ``_SCAN_SELECTORS`` (document order)."""

    metas: MetaTags
    links: list[LexborNode]  # link[rel]
    times: list[LexborNode]  # time[datetime]
    headings: list[list[LexborNode]]  # per _TITLE_SELECTORS


def _selectors_of(node: LexborNode) -> list[int]:
    """Which of ``_SCAN_SELECTORS`` an element matches (simple selectors, so read off directly)."""
    tid = node.tag_id
    attrs = node.attributes
    out = []
    if tid == _META_ID:
        out.append(0)
    elif tid == _LINK_ID:
        if "rel" in attrs:
            out.append(1)
    elif tid == _TIME_ID:
        if "datetime" in attrs:
            out.append(2)
    elif tid == _H1_ID:
        out.append(3)
    elif tid == _H2_ID:
        out.append(4)
    elif tid == _H3_ID:
        out.append(5)
    cls = attrs.get("class")
    if cls and "title" in cls:
        out.append(6)
    ident = attrs.get("id")
    if ident and "title" in ident:
        out.append(7)
    return out


def _split(found: list[LexborNode]) -> list[list[LexborNode]] | None:
    """``found`` (the combined query's answer) per selector, or None if it cannot be told apart.

    lexbor reports a node once per selector it matches, next to each other; a node is assigned to
    the selectors ``_selectors_of`` names only when their number is what lexbor reported.
    """
    per: list[list[LexborNode]] = [[] for _ in _SCAN_SELECTORS]
    seen: set[int] = set()
    i, n = 0, len(found)
    while i < n:
        node = found[i]
        nid = node.mem_id
        j = i + 1
        while j < n and found[j].mem_id == nid:
            j += 1
        hits = _selectors_of(node)
        if nid in seen or len(hits) != j - i:
            return None
        seen.add(nid)
        for k in hits:
            per[k].append(node)
        i = j
    return per


def scan_page(tree: LexborHTMLParser) -> PageScan:
    """Read the page's <meta>, link, time and headline elements in one pass over the tree."""
    per = _split(tree.css(_SCAN_QUERY))
    if per is None:  # not seen on real pages; the exact answer, one query per selector
        per = [tree.css(sel) for sel in _SCAN_SELECTORS]
    return PageScan(_meta_tags(per[0]), per[1], per[2], per[3:])


def _meta(scan: PageScan, *names: str) -> str | None:
    wanted = {n.lower() for n in names}
    for key, raw in scan.metas:
        if key in wanted:
            content = clean_ws(raw)
            if content:
                return content
    return None


def _norm_title(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text)


# Separators between a headline and site/channel names. "|" and "·" also occur inside headlines
# (财政方针·两会…|为新赛道而战！), so a cut only counts when what it removes looks like names.
_SITE_SEP = re.compile(r"\s+[|｜\-–—_·»]+\s+|_+|\s*[|｜]\s*|-{2,}|－|::")
_SITEISH = re.compile(r"(网|报|台|新闻|频道|中心|在线|资讯|首页|^[\x00-\x7f]+)$")
_BARE_DASH = re.compile(r"(?<=\S)[-–](?=\S)")
_CRUMB_SEP = re.compile(r"\s*[〉>»]\s*")
_SITE_PREFIX = re.compile(r"^[\u3400-\u9fff]{2,8}(?:新闻|新闻网|资讯网|在线)[:：]\s*(?P<rest>.{4,})$")
SITE_NAME_MAX = 16  # a site or channel name is short; a cut-off part longer than this is headline


def strip_site(title: str) -> str:
    """A <title>/og:title without the site and channel names around the headline."""
    parts = [p.strip() for p in _SITE_SEP.split(title) if p and p.strip()]
    if len(parts) > 1:
        if len(parts[0]) >= 4 and all(len(p) <= SITE_NAME_MAX for p in parts[1:]):
            title = parts[0]
        elif len(parts[-1]) >= 4 and all(len(p) <= SITE_NAME_MAX and _SITEISH.search(p) for p in parts[:-1]):
            title = parts[-1]  # site name first (人民网_标题): only when the prefix reads as one
    else:
        # A bare hyphen: only a long head followed by short names (姚明…过渡区-文娱-中国网).
        parts = [p.strip() for p in _BARE_DASH.split(title)]
        if len(parts) > 1 and len(parts[0]) >= 8 and all(2 <= len(p) <= SITE_NAME_MAX for p in parts[1:]):
            title = parts[0]
    crumbs = _CRUMB_SEP.split(title)
    if len(crumbs) > 1 and len(crumbs[-1]) >= 4 and all(len(c) <= 12 for c in crumbs[:-1]):
        title = crumbs[-1]
    m = _SITE_PREFIX.match(title)
    return m["rest"] if m else title


def find_title(tree: LexborHTMLParser, scan: PageScan | None = None) -> str | None:
    """The headline: a heading (h1, og:title, *title* classes) that <title> names, else <title>
    without its site and channel names."""
    scan = scan or scan_page(tree)
    raw = _text(tree, "title") or ""
    og = _meta(scan, "og:title", "twitter:title")
    cands: list[str] = []
    texts: dict[int, str] = {}  # an <h1 class="title"> is read once
    for nodes in scan.headings:  # in _TITLE_SELECTORS order: most trusted first
        for node in nodes[:8]:
            t = texts.get(node.mem_id)
            if t is None:
                t = texts[node.mem_id] = clean_ws(node.text(deep=True))
            if 4 <= len(t) <= 120:
                cands.append(t)
    if og:
        cands.insert(0, strip_site(og))
    key_raw = _norm_title(raw)
    longest = max((_norm_title(p) for p in _SITE_SEP.split(raw) if p and p.strip()), key=len, default="")
    best: str | None = None
    for cand in cands:
        k = _norm_title(cand)
        if len(k) >= 4 and (k == longest or key_raw.startswith(k)) and (best is None or len(k) > len(best)):
            best = cand
    if best:
        return best
    for cand in cands:  # a heading inside the <title> (sites prefix channel names)
        k = _norm_title(cand)
        if len(k) >= 8 and k in key_raw:
            return cand
    stripped = strip_site(raw)
    if len(_norm_title(stripped)) >= 4:
        return stripped
    for cand in cands:
        return cand
    return raw or None


def _int(s: str | None) -> int:
    return int(s.translate(str.maketrans("０１２３４５６７８９", "0123456789"))) if s else 0


def parse_datetime(text: str) -> datetime | None:
    m = _DATETIME.search(text)
    if not m:
        return None
    try:
        y, mo, d = _int(m["y"]), _int(m["m"]), _int(m["d"])
        dt = datetime(y, mo, d, _int(m["H"]), _int(m["M"]), _int(m["S"]))
    except ValueError:
        return None
    tz = m["tz"]
    if tz:
        if tz == "Z":
            return dt.replace(tzinfo=timezone.utc)
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        try:
            off = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        except ValueError:
            return dt.replace(tzinfo=CHINA_TZ)
        return dt.replace(tzinfo=timezone(sign * off))
    return dt.replace(tzinfo=CHINA_TZ)


def find_published(
    tree: LexborHTMLParser, header_lines: list[str], scan: PageScan | None = None
) -> datetime | None:
    """From publication meta tags, else the first date in the lines around the headline."""
    scan = scan or scan_page(tree)
    value = _meta(scan, *_PUB_META)
    if value:
        dt = parse_datetime(value)
        if dt:
            return dt
    for node in scan.times[:3]:
        dt = parse_datetime(node.attributes.get("datetime") or "")
        if dt:
            return dt
    for line in header_lines:
        if len(line) <= 200:
            dt = parse_datetime(line)
            if dt:
                return dt
    return None


def find_canonical(tree: LexborHTMLParser, url: str | None, scan: PageScan | None = None) -> str | None:
    scan = scan or scan_page(tree)
    href = None
    for node in scan.links:
        if "canonical" in (node.attributes.get("rel") or "").lower().split():
            href = (node.attributes.get("href") or "").strip()
            if href:
                break
    if not href:
        href = _meta(scan, "og:url")
    if not href:
        return None
    full = urljoin(url, href) if url else href
    return full if urlsplit(full).scheme in ("http", "https") else None


def find_dateline(paras: list[str]) -> Dateline:
    """Agency, dateline and reporters from the first paragraphs (or a closing (新华社…电 记者X) line)."""
    for text in (*paras[:3], *paras[-2:]):
        m = _DATELINE.search(text[:80])
        if not m:
            continue
        agency = m["agency"]
        dateline = text[m.start("agency") : m.end()]
        rest = text[m.end() :]
        author = None
        am = _AUTHOR_AFTER.match(rest) or _AUTHOR_INSIDE.match(rest)
        if am:
            author = clean_ws(re.sub(r"(?:本报|本台)?(?:记者|通讯员|实习生)", " ", am["a"])) or None
        return Dateline(agency, clean_ws(dateline), author)
    for text in paras[:3]:
        am = _AUTHOR_LINE.match(text)
        if am:
            return Dateline(author=clean_ws(am["a"]))
    return Dateline()


def detect_lang(text: str, tree: LexborHTMLParser) -> str | None:
    sample = text[:2000]
    # Counted by runs: far fewer match objects than one per character.
    letters = sum(map(len, _LETTER_RUN.findall(sample)))
    if letters and sum(map(len, _CJK_RUN.findall(sample))) / letters > 0.3:
        return "zh"
    html = tree.css_first("html")
    lang = (html.attributes.get("lang") or "").strip() if html else ""
    return lang.split("-")[0].lower() or None if lang else None
