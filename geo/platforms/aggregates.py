"""Aggregates shared with platforms, with small counts suppressed so that no one
household or rider can be picked out: any count under ``AGGREGATE_MIN_COUNT`` is given
as None (``null``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from geo import settings
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
