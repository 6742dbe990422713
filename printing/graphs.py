"""The report page's graphs: pages and cost per day or month as bars, drawn on the server as
inline SVG in the site's graph style (nms.graphs' classes; no charting library, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 1160, 170
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 16, 28
GAP = 0.2  # of a bar's slot left empty


def _tick(value: float, money: bool) -> str:
    return f"${value:.2f}" if money else f"{value:.0f}"


def bars_svg(points: Sequence[tuple[str, float]], title: str, money: bool = False) -> SafeString:
    """One bar per (label, value), oldest first; every label under its bar when they fit,
    else every few."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if not points:
        body = format_html(
            '<text class="empty" x="{}" y="{}">nothing printed</text>', WIDTH / 2, HEIGHT / 2
        )
        return format_html(
            '<svg class="history" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
            WIDTH, HEIGHT, title, body,
        )  # fmt: skip
    top = max(max(v for _, v in points) * 1.15, 0.01)
    slot = plot_w / len(points)
    every = max(1, round(len(points) / 12))

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - min(max(value / top, 0.0), 1.0)), 1)

    bars = format_html_join(
        "",
        '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>',
        (
            (
                round(LEFT + slot * i + slot * GAP / 2, 1), y(value), round(slot * (1 - GAP), 1),
                round(y(0) - y(value), 1), label, _tick(value, money),
            )
            for i, (label, value) in enumerate(points)
        ),
    )  # fmt: skip
    labels = format_html_join(
        "",
        '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (round(LEFT + slot * (i + 0.5), 1), HEIGHT - 8, label)
            for i, (label, _) in enumerate(points)
            if i % every == 0
        ),
    )
    y_axis = format_html_join(
        "",
        '<line class="grid" x1="{0}" x2="{1}" y1="{2}" y2="{2}"/>'
        '<text class="tick" x="{3}" y="{4}" text-anchor="end">{5}</text>',
        (
            (LEFT, WIDTH - RIGHT, y(v), LEFT - 5, y(v) + 4, _tick(v, money))
            for v in (0, top / 2, top)
        ),
    )
    return format_html(
        '<svg class="history" viewBox="0 0 {} {}" role="img" aria-label="{}">{}{}{}</svg>',
        WIDTH, HEIGHT, title, y_axis, bars, labels,
    )  # fmt: skip
