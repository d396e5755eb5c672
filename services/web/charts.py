"""Charts drawn on the server as SVG images by pygal, for pages that show figures.

Each chart is an image (``<img>`` served by a route of the site, so the page's strict
Content-Security-Policy holds) and always sits beside the table of the same numbers,
for screen readers and for anyone who prefers to read. pygal's interactive layer is
not used: no script is embedded (an image never runs one anyway), only the chart's own
``<style>``, which the chart routes allow for the image alone.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

import pygal  # type: ignore[import-untyped]
from aiohttp import web
from pygal.style import Style  # type: ignore[import-untyped]

# The programme's colours (site.css): its brand blue, then colours that stay apart for
# people with a colour-vision deficiency (each series is also named in the legend).
BRAND = "#12457a"
PALETTE = ("#12457a", "#b8420a", "#2e7d32", "#6a3d9a", "#8a6d00", "#b3261e", "#5f6368")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
WIDTH, HEIGHT = 800, 400
# On a phone the image is about 22 rem wide: at 800 px its 14 px labels would shrink to
# 6 px. Narrow screens get the chart drawn 400 px wide instead, with the same type sizes:
# the pages' <picture> (macro ``chart_figure``) asks for it with this parameter.
NARROW_WIDTH, NARROW_HEIGHT = 400, 460
NARROW = ("largeur", "etroite")
SVG_CONTENT_TYPE = "image/svg+xml"
# The chart routes answer with this policy: the image's own style, nothing else.
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"

_STYLE = Style(
    font_family=FONT,
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2328",
    foreground_strong="#1f2328",
    foreground_subtle="#6b7280",
    colors=PALETTE,
    title_font_size=18,
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    value_font_size=13,
    value_label_font_size=13,
    tooltip_font_size=13,
    opacity="1",
    opacity_hover="1",
)


@dataclass(frozen=True)
class Series:
    """One named row of values (``None``: no value)."""

    name: str
    values: Sequence[float | None]


def is_narrow(request: web.Request) -> bool:
    """Whether the page's <picture> asks for the chart drawn for a narrow screen."""
    name, value = NARROW
    return request.query.get(name) == value


def _options(title: str, narrow: bool, **more: object) -> dict[str, object]:
    return {
        "title": title,
        "style": _STYLE,
        "width": NARROW_WIDTH if narrow else WIDTH,
        "height": NARROW_HEIGHT if narrow else HEIGHT,
        "js": [],
        "disable_xml_declaration": True,
        "explicit_size": False,
        "show_y_guides": True,
        "print_values": False,
        "truncate_label": -1,
        "truncate_legend": -1,
        "legend_at_bottom": True,
        "margin": 16,
        "no_data_text": "Aucune donnée sur la période",
        **more,
    }


def _svg(chart: pygal.graph.graph.Graph, description: str) -> bytes:
    """The chart without script, titled and described for assistive technologies."""
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in list(parent):
            # Scripts, and pygal's comments (not a tag name but a factory).
            if not isinstance(child.tag, str) or child.tag.endswith("script"):
                parent.remove(child)
    tree.set("role", "img")
    label = ET.Element("title")
    label.text = description
    tree.insert(0, label)
    return ET.tostring(tree, encoding="unicode").encode("utf-8")


def bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    description: str,
    y_title: str | None = None,
    stacked: bool = False,
    horizontal: bool = False,
    integers: bool = True,
    narrow: bool = False,
) -> bytes:
    """Vertical (or horizontal) bars, one group per label, one colour per series."""
    kind = (
        (pygal.HorizontalStackedBar if stacked else pygal.HorizontalBar)
        if horizontal
        else (pygal.StackedBar if stacked else pygal.Bar)
    )
    ticks: dict[str, object] = {}
    if integers:
        # Whole numbers of requests: ticks on whole numbers, never « 0 0 1 1 ».
        top = max([int(v) for row in series for v in row.values if v is not None] or [0])
        step = max(1, -(-top // 8))
        ticks["y_labels"] = list(range(0, top + step + 1, step))
    # Labels side by side while they fit; slanted beyond.
    side_by_side = 3 if narrow else 6
    chart = kind(
        **_options(
            title,
            narrow,
            **ticks,
            show_legend=len(series) > 1,
            x_label_rotation=0 if horizontal or len(labels) <= side_by_side else 35,
            y_title=y_title,
            min_scale=1,
            max_scale=8,
            value_formatter=(lambda value: f"{value:.0f}")
            if integers
            else (lambda value: f"{value:.1f}".replace(".", ",")),
        )
    )
    # Horizontal bars are drawn from the bottom up: reversed, they read top-down.
    order = (lambda items: list(reversed(items))) if horizontal else list
    chart.x_labels = order(list(labels))
    for row in series:
        chart.add(row.name, order(list(row.values)))
    return _svg(chart, description)


def matrix(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Series],
    *,
    description: str,
    colours: Sequence[Sequence[str | None]],
    narrow: bool = False,
) -> bytes:
    """A heat map as a matrix of dots: one row per series, one column per label; the
    dot's area says the value and its colour (given per cell) the tension."""
    chart = pygal.Dot(
        **_options(
            title,
            narrow,
            show_legend=False,
            x_label_rotation=0,
            height=max(NARROW_HEIGHT if narrow else HEIGHT, 80 + 44 * len(rows)),
        )
    )
    chart.x_labels = list(columns)
    for row, shades in zip(rows, colours, strict=True):
        chart.add(
            row.name,
            [
                None if value is None else {"value": value, "color": shade or BRAND}
                for value, shade in zip(row.values, shades, strict=True)
            ],
        )
    return _svg(chart, description)


def response(svg: bytes) -> web.Response:
    """An SVG chart with the policy of an image: its own style, no script."""
    return web.Response(
        body=svg,
        content_type=SVG_CONTENT_TYPE,
        charset="utf-8",
        headers={
            "Content-Security-Policy": IMAGE_POLICY,
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "private, no-store",
        },
    )
