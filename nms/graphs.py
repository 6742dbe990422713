"""History graphs drawn on the server as inline SVG (no charting library, no CDN).

Readings are stored only when they change, so a metric holds its value until the next
sample: the line is drawn in steps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 1160, 150
LEFT, RIGHT, TOP, BOTTOM = 44, 24, 10, 24
TICKS = 6


def _scale(start: datetime, end: datetime):
    span = max((end - start).total_seconds(), 1.0)
    plot = WIDTH - LEFT - RIGHT

    def x(t: datetime) -> float:
        return round(LEFT + plot * min(max((t - start).total_seconds() / span, 0.0), 1.0), 1)

    return x


def _tick(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == 0 else f"{value:.2g}"


def _time_axis(start: datetime, end: datetime, top: float, bottom: float) -> SafeString:
    """Vertical grid lines from top to bottom, each labelled with its time below."""
    x = _scale(start, end)
    fmt = "%H:%M" if (end - start).total_seconds() <= 86400 else "%m-%d"
    ticks = [start + (end - start) * i / (TICKS - 1) for i in range(TICKS)]
    return format_html_join(
        "",
        '<line class="grid" x1="{0}" x2="{0}" y1="{1}" y2="{2}"/>'
        '<text class="tick" x="{0}" y="{3}" text-anchor="middle">{4}</text>',
        ((x(t), top, bottom, bottom + 16, timezone.localtime(t).strftime(fmt)) for t in ticks),
    )


def history_svg(
    points: Sequence[tuple[datetime, float]],
    start: datetime,
    end: datetime,
    thresholds: Sequence[tuple[str, float]] = (),
    top: float | None = None,
) -> SafeString:
    """A step line of points (oldest first) from start to end, the value held after the last
    point; thresholds are (level, value) lines; top fixes the scale (100 for percentages)."""
    x = _scale(start, end)
    highest = max((v for _, v in points), default=0.0)
    # A level far above every reading would flatten the line: scale to the levels only
    # when the readings come near them.
    near = [v for _, v in thresholds if v <= highest * 2]
    top = top or max(max([highest, *near]) * 1.15, 0.01)
    plot_h = HEIGHT - TOP - BOTTOM

    def y(v: float) -> float:
        return round(TOP + plot_h * (1 - min(max(v / top, 0.0), 1.0)), 1)

    path = ""
    if points:
        path = f"M{x(points[0][0]):.1f},{y(points[0][1]):.1f}"
        for (_, before), (t, value) in zip(points, points[1:], strict=False):
            path += f"H{x(t):.1f}V{y(value):.1f}" if value != before else ""
        path += f"H{x(end):.1f}"
        area = path + f"V{y(0):.1f}H{x(points[0][0]):.1f}Z"
        line = format_html(
            '<path class="area" d="{}"/><path class="line" d="{}"/>'
            '<circle class="last" cx="{}" cy="{}" r="3"/>',
            area, path, x(points[-1][0]), y(points[-1][1]),
        )  # fmt: skip
    else:
        line = format_html(
            '<text class="empty" x="{}" y="{}">no readings</text>', WIDTH / 2, HEIGHT / 2
        )
    levels = format_html_join(
        "",
        '<line class="level {0}" x1="{1}" x2="{2}" y1="{3}" y2="{3}"/>',
        ((level, LEFT, WIDTH - RIGHT, y(value)) for level, value in thresholds if value <= top),
    )
    y_axis = format_html_join(
        "",
        '<line class="grid" x1="{0}" x2="{1}" y1="{2}" y2="{2}"/>'
        '<text class="tick" x="{3}" y="{4}" text-anchor="end">{5}</text>',
        ((LEFT, WIDTH - RIGHT, y(v), LEFT - 5, y(v) + 4, _tick(v)) for v in (0, top / 2, top)),
    )
    axis = _time_axis(start, end, TOP, HEIGHT - BOTTOM)
    return format_html(
        '<svg class="history" viewBox="0 0 {} {}" role="img">{}{}{}{}</svg>',
        WIDTH, HEIGHT, y_axis, axis, levels, line,
    )  # fmt: skip


def timeline_svg(
    points: Sequence[tuple[datetime, str, str]], start: datetime, end: datetime
) -> SafeString:
    """A band coloured by level over time, for readings that are words (running, degraded,
    mismatch): points are (time, level, value) oldest first, each holding until the next."""
    x = _scale(start, end)
    height = 46
    bounds = [t for t, _, _ in points[1:]] + [end]
    bands = format_html_join(
        "",
        '<rect class="band {0}" x="{1}" y="4" width="{2}" height="18"><title>{3}</title></rect>',
        (
            (
                level,
                x(t),
                round(max(x(until) - x(t), 1.0), 1),
                f"{timezone.localtime(t):%Y-%m-%d %H:%M} {value}",
            )
            for (t, level, value), until in zip(points, bounds, strict=True)
        ),
    )
    axis = _time_axis(start, end, 2, 24)
    return format_html(
        '<svg class="timeline" viewBox="0 0 {} {}" role="img">{}{}</svg>',
        WIDTH,
        height,
        bands,
        axis,
    )
