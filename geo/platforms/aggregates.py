"""Aggregates shared with platforms, with small counts suppressed so that no one
household or rider can be picked out: any count under ``AGGREGATE_MIN_COUNT`` is given
as None (``null``)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from datetime import datetime

from shapely.geometry import Point

from geo import settings
from geo.geometry.coords import from_metres
from geo.hours.opening_hours import local_time

HOURS_OF_WEEK = 7 * 24


def suppressed(count: int) -> int | None:
    """``count``, or None when it is under ``AGGREGATE_MIN_COUNT`` (zero included)."""
    return count if count >= settings.AGGREGATE_MIN_COUNT else None


def hour_of_week(moment: datetime) -> int:
    """0 (Monday 00:00–01:00, Beijing time) to 167 (Sunday 23:00–24:00)."""
    local = local_time(moment)
    return local.weekday() * 24 + local.hour


def entries_by_hour(moments: Iterable[datetime]) -> list[int | None]:
    """Entries per hour of the week (168 values), each suppressed when small."""
    counts = [0] * HOURS_OF_WEEK
    for moment in moments:
        counts[hour_of_week(moment)] += 1
    return [suppressed(c) for c in counts]


def ring(lon: float, lat: float, *, radius_m: float, count: int) -> list[tuple[float, float]]:
    """``count`` points (lon, lat) ``radius_m`` metres round (``lon``, ``lat``), north
    first and then clockwise: the starts of the routes that measure seconds saved."""
    points = []
    for k in range(count):
        bearing = 2 * math.pi * k / count
        moved = from_metres(Point(radius_m * math.sin(bearing), radius_m * math.cos(bearing)),
                            origin=(lon, lat))
        points.append((round(float(moved.x), 7), round(float(moved.y), 7)))
    return points


def median_saved(seconds: Sequence[float]) -> float | None:
    """The median of the seconds each route saves against navigating to the compound's
    centroid, rounded to 0.1 s; None when fewer than ``AGGREGATE_MIN_COUNT`` routes."""
    if suppressed(len(seconds)) is None:
        return None
    return round(float(statistics.median(seconds)), 1)
