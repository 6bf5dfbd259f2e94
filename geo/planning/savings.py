"""Minutes saved per delivery (每单节省时间): what a pilot changes for riders, from their
check-ins and the routes.

A delivery is a rider's entry (``in``) at a compound's gate followed by that rider's next
event being an exit (``out``) from the same compound within ``SAVINGS_VISIT_MAX_S``; its
time is the seconds between the two. Per compound, the median delivery before ``since``
(the pilot's start) and from it on are compared: the minutes saved are the difference.
The route gives the floor: the median, over the deliveries from ``since``, of the routed
riding time from the entry gate to the unit delivered to and back (seconds, from
``geo.routing``), so what is still to be saved is the median delivery minus that.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any

from geo import settings


@dataclass(frozen=True)
class Delivery:
    """One delivery: the compound, entry gate and unit (ids; None if not known), when the
    rider entered and the seconds inside."""

    community_id: int
    gate_id: int | None
    unit_id: int | None
    entered: datetime
    seconds: float


def deliveries(events: Iterable[tuple[int, int | None, int | None, int | None, str, datetime]], *,
               max_s: float = settings.SAVINGS_VISIT_MAX_S) -> list[Delivery]:
    """Deliveries from check-ins ``(rider, compound, gate, unit, direction, at)``: each
    entry whose next event of the same rider is an exit from the same compound within
    ``max_s`` seconds."""
    by_rider: dict[int, list[tuple[datetime, str, int | None, int | None, int | None]]] = {}
    for rider, community, gate, unit, direction, at in events:
        by_rider.setdefault(rider, []).append((at, direction, community, gate, unit))
    out = []
    for rows in by_rider.values():
        rows.sort(key=lambda r: r[0])
        for (at, direction, community, gate, unit), nxt in zip(rows, rows[1:], strict=False):
            seconds = (nxt[0] - at).total_seconds()
            if (direction == "in" and nxt[1] == "out" and community is not None
                    and nxt[2] == community and 0 < seconds <= max_s):
                out.append(Delivery(community, gate, unit, at, seconds))
    return out


def compare(found: Iterable[Delivery], since: datetime,
            route_s: Mapping[tuple[int | None, int | None], float], *,
            key: Callable[[Delivery], Hashable | None] = lambda d: d.community_id
            ) -> dict[Any, dict[str, Any]]:
    """Per ``key`` (the compound id; a division code to sum compounds, None: left out):
    deliveries before ``since`` and from it (``before_n``,
    ``after_n``), their median minutes (``before_min``, ``after_min``; None with none),
    ``saved_min`` (before − after, None unless both), and ``route_min``: the median routed
    minutes there and back over the deliveries from ``since`` whose (gate, unit) has a
    route in ``route_s`` (seconds one way)."""
    groups: dict[Any, tuple[list[float], list[float], list[float]]] = {}
    for d in found:
        group = key(d)
        if group is None:
            continue
        before, after, routes = groups.setdefault(group, ([], [], []))
        if d.entered < since:
            before.append(d.seconds)
        else:
            after.append(d.seconds)
            if (d.gate_id, d.unit_id) in route_s:
                routes.append(2 * route_s[(d.gate_id, d.unit_id)])
    out = {}
    for cid, (before, after, routes) in groups.items():
        b = median(before) / 60 if before else None
        a = median(after) / 60 if after else None
        out[cid] = {"before_n": len(before), "after_n": len(after),
                    "before_min": _round(b), "after_min": _round(a),
                    "saved_min": _round(b - a) if b is not None and a is not None else None,
                    "route_min": _round(median(routes) / 60) if routes else None}
    return out


def _round(minutes: float | None) -> float | None:
    return round(minutes, 2) if minutes is not None else None
