"""Minutes saved per delivery for the pilot report: deliveries from the check-ins of a
division's compounds, the routes from their entry gates to the units delivered to, and
the comparison before and after the pilot's start (geo/planning/savings.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import EntryEvent, Gate, PilotSnapshot
from app.routing.service import gate_street_point, route
from geo import settings
from geo.errors import YouluError
from geo.hours.opening_hours import local_time
from geo.planning.pilot import checklist
from geo.planning.savings import Delivery, compare, deliveries


def pilot_start(session: Session, code: str | None) -> date:
    """When the pilot of division ``code`` started: the week of its first snapshot, else
    ``recent_days`` before today."""
    first = session.scalar(select(PilotSnapshot.week).where(PilotSnapshot.code == code)
                           .order_by(PilotSnapshot.week).limit(1)) if code else None
    return first or local_time().date() - timedelta(days=checklist()["recent_days"])


def savings(session: Session, rows: list[dict[str, Any]], *, since: date,
            levels: tuple[str, ...]) -> dict[str, Any]:
    """Per compound (id) and per division of each of ``levels`` (code) among ``rows``:
    deliveries and median minutes before and from ``since``, minutes saved and the routed
    minutes (``geo.planning.savings.compare``)."""
    ids = [r["id"] for r in rows]
    events = session.execute(select(EntryEvent.rider_id, EntryEvent.community_id, EntryEvent.gate_id,
                                    EntryEvent.unit_id, EntryEvent.direction, EntryEvent.at)
                             .where(EntryEvent.community_id.in_(ids))).all() if ids else []
    found = deliveries((r[0], r[1], r[2], r[3], r[4], r[5]) for r in events)
    start = local_time(datetime(since.year, since.month, since.day).isoformat())
    routes = _routes(session, [d for d in found if d.entered >= start])
    by_id = {r["id"]: r for r in rows}

    def division(level: str) -> Callable[[Delivery], str | None]:
        return lambda d: by_id[d.community_id][level]

    return {"since": since.isoformat(),
            "compounds": {str(k): v for k, v in compare(found, start, routes).items()},
            **{level: compare(found, start, routes, key=division(level)) for level in levels}}


def _routes(session: Session, found: list[Delivery]) -> dict[tuple[int | None, int | None], float]:
    """Seconds of the route from each (entry gate, unit) delivered to, at most
    ``SAVINGS_MAX_ROUTES`` of them, the most delivered first; those with no route left out."""
    counts: dict[tuple[int | None, int | None], int] = {}
    for d in found:
        if d.gate_id is not None and d.unit_id is not None:
            counts[(d.gate_id, d.unit_id)] = counts.get((d.gate_id, d.unit_id), 0) + 1
    out = {}
    for pair in sorted(counts, key=lambda p: -counts[p])[:settings.SAVINGS_MAX_ROUTES]:
        gate = session.get(Gate, pair[0])
        if gate is None:
            continue
        try:
            answer = route(session, gate_street_point(session, gate), f"unit:{pair[1]}")
        except YouluError:
            continue
        out[pair] = float(answer["duration_s"])
    return out
