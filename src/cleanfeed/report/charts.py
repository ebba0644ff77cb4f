"""The report's charts: inline SVG drawn by pygal on the server side (no script, no network).

pygal's tooltips need a JavaScript file it would load from the web: ``js=[]`` turns that off, and
``print_values`` writes each bar's number on the bar instead. pygal still writes a small inline
``<script>`` holding its config for those tooltips: it is cut, so the page runs no script at all
(its Content-Security-Policy forbids scripts, and a blocked one is a console error).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import pygal
from pygal.style import Style

# pygal appends a legacy ``sys.meta_path`` finder for its map plugins (unused here) on import; on
# Python 3.11 every later import it is asked about then warns (ImportWarning), and 3.12+ has no
# such finders at all. Take it out again: a report must not change how the process imports.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1d232b",
    foreground_strong="#1d232b",
    foreground_subtle="#d8dde3",
    font_family='system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif',
    label_font_size=12,
    major_label_font_size=12,
    value_font_size=11,
    title_font_size=14,
    legend_font_size=12,
    colors=("#3b7dd8", "#2f8a4b", "#d8893b", "#b8443b", "#7b5bc4", "#3ba7a7", "#8a8f96"),
)


@dataclass
class Chart:
    """One chart: an id for tests and links, its caption, the SVG, and the numbers it draws."""

    id: str
    title: str
    svg: str
    values: dict[str, float]  # label -> value, as drawn (for the page's data attributes)
    empty: str = ""  # why there is nothing to draw


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)


def _svg(chart: pygal.graph.graph.Graph) -> str:
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def _ticks(values: list[float]) -> dict[str, object]:
    """Whole-number axis ticks for counts (pygal would label 0.1, 0.2 ... under a count of 1)."""
    if not values or any(v != int(v) for v in values):
        return {}
    top = int(max(values))
    step = max(1, -(-top // 8))
    return {"y_labels": list(range(0, top + step, step))}


def _config(**over: object) -> dict[str, object]:
    return over | {
        "js": [],  # no tooltip script fetched from the web
        "disable_xml_declaration": True,  # inline in the HTML page
        "style": _STYLE,
        "print_values": True,
        "width": 640,
        "height": over.get("height", 320),
        "margin": 12,
        "truncate_label": -1,  # never cut a label
    }


def bar(
    chart_id: str, title: str, values: dict[str, float], *, horizontal: bool = True, empty: str = ""
) -> Chart:
    """One series of bars, largest first when horizontal (a category chart)."""
    if not values:
        return Chart(chart_id, title, "", {}, empty or "nothing to draw")
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    items = list(values.items())
    height = max(200, 40 + 26 * len(items)) if horizontal else 320
    c = kind(**_config(show_legend=False, height=height, **_ticks([v for _, v in items])))
    if horizontal:
        items = items[::-1]  # pygal draws the first label at the bottom
    c.x_labels = [k for k, _ in items]
    c.add(title, [v for _, v in items])
    return Chart(chart_id, title, _svg(c), dict(values))


def histogram(chart_id: str, title: str, counts: list[int], *, empty: str = "") -> Chart:
    """Counts over equal bins of [0, 1] (similarity, confidence)."""
    if not any(counts):
        return Chart(chart_id, title, "", {}, empty or "nothing to draw")
    n = len(counts)
    labels = [f"{k / n:.1f}–{(k + 1) / n:.1f}" for k in range(n)]
    c = pygal.Bar(**_config(show_legend=False, x_label_rotation=30, **_ticks([float(x) for x in counts])))
    c.x_labels = labels
    c.add(title, counts)
    return Chart(chart_id, title, _svg(c), dict(zip(labels, map(float, counts), strict=True)))


def stacked(chart_id: str, title: str, rows: dict[str, dict[str, int]], series: list[str]) -> Chart:
    """One stacked bar per row (e.g. per source: articles, duplicates, rejects)."""
    if not rows:
        return Chart(chart_id, title, "", {}, "nothing to draw")
    names = list(rows)[::-1]
    totals = [float(sum(rows[n].get(s, 0) for s in series)) for n in names]
    height = max(220, 90 + 34 * len(names))
    # (an absent segment is drawn as nothing; pygal would still print a "0" on its edge)
    c = pygal.HorizontalStackedBar(
        **_config(legend_at_bottom=True, height=height, print_zeroes=False, **_ticks(totals))
    )
    c.x_labels = names
    for s in series:
        c.add(s, [rows[n].get(s, 0) or None for n in names])
    values = {f"{n}/{s}": float(rows[n].get(s, 0)) for n in rows for s in series}
    return Chart(chart_id, title, _svg(c), values)
