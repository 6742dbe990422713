"""When a file system will be full, from its diskspace readings: a least-squares line through
the recent samples (change-only samples are the points where the value moved)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

FULL = 100.0
MIN_SPAN = timedelta(hours=1)


def time_until_full(points: Sequence[tuple[datetime, float]], now: datetime) -> timedelta | None:
    """None when the points span less than an hour or the trend is flat or falling."""
    if len(points) < 2 or points[-1][0] - points[0][0] < MIN_SPAN:
        return None
    origin = points[0][0]
    xs = [(t - origin).total_seconds() for t, _ in points]
    ys = [v for _, v in points]
    n = len(points)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    if slope <= 0:
        return None
    full_at = mean_x + (FULL - mean_y) / slope
    return max(timedelta(seconds=full_at - (now - origin).total_seconds()), timedelta(0))
