"""Aggregates per committee and per compound for platforms: units, buildings and their
floors (``building:levels``, a proxy for people), rider entries per hour of the week,
and the median seconds a door-level route saves against navigating to the compound's
centroid. Counts under ``AGGREGATE_MIN_COUNT`` are null; no personal data is included."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models import Building, Community, EntryEvent, Unit
from app.platforms.bundle import check_division
from app.routing.service import door_network
from geo import settings
from geo.errors import InvalidInput, NoRoute, NotFound
from geo.platforms.aggregates import entries_by_hour, median_saved, ring, suppressed
from geo.routing.route import route_to_door


def _by_compound(session: Session, query: Select[Any, Any]) -> dict[int, int]:
    """{compound id: number} from a query of (compound id, number) rows."""
    return {int(c): int(n or 0) for c, n in session.execute(query) if c is not None}


@dataclass(frozen=True)
class SavedRoute:
    """One measured route: its start (lon, lat), the unit door and the seconds saved."""

    start: tuple[float, float]
    unit_id: int
    seconds: float


def seconds_saved(session: Session, compound: int, centre: tuple[float, float]
                  ) -> list[SavedRoute]:
    """The routes from ``AGGREGATE_SAVED_STARTS`` starts on a ring round ``centre`` (lon,
    lat) to up to ``AGGREGATE_SAVED_DOORS`` of the compound's unit doors (spread over its
    units), at ``AGGREGATE_SAVED_AT``, each with the seconds the door-level route saves
    against riding to the road point nearest the compound's centroid and finding the
    door from there (``geo.routing.route``). Routes that cannot be made (a start off the
    map, no way in, the centroid's road point far off) are left out."""
    doors = list(session.scalars(select(Unit.id).join(Building, Unit.building_id == Building.id)
                                 .where(Building.community_id == compound).order_by(Unit.id)))
    step = max(1, -(-len(doors) // settings.AGGREGATE_SAVED_DOORS))
    starts = ring(*centre, radius_m=settings.AGGREGATE_SAVED_RING_M,
                  count=settings.AGGREGATE_SAVED_STARTS)
    saved: list[SavedRoute] = []
    for door in doors[::step][:settings.AGGREGATE_SAVED_DOORS]:
        key, network = door_network(session, None, f"unit:{door}")
        for start in starts:
            try:
                route = route_to_door(network, start, key, at=settings.AGGREGATE_SAVED_AT)
            except (NoRoute, InvalidInput, NotFound):
                continue
            if route["saved"] is not None:
                saved.append(SavedRoute(start, door, float(route["saved"]["seconds"])))
    return saved


def aggregates(session: Session, division: str) -> dict[str, Any]:
    """Per compound of ``division`` (a code prefix) and per committee (12 digits)."""
    check_division(division)
    compounds = list(session.execute(
        select(Community.id, Community.name, Community.code, Community.division_code,
               Community.geom)
        .where(Community.division_code.like(f"{division}%")).order_by(Community.id)))
    ids = [c.id for c in compounds]
    in_ids = Building.community_id.in_(ids)
    buildings = _by_compound(session, select(Building.community_id, func.count())
                             .where(in_ids).group_by(Building.community_id))
    floors = _by_compound(session, select(Building.community_id, func.sum(Building.floors))
                          .where(in_ids).group_by(Building.community_id))
    units = _by_compound(session, select(Building.community_id, func.count(Unit.id))
                         .join(Unit, Unit.building_id == Building.id)
                         .where(in_ids).group_by(Building.community_id))
    entries: dict[int, list[datetime]] = defaultdict(list)
    for community, at in session.execute(select(EntryEvent.community_id, EntryEvent.at).where(
            EntryEvent.community_id.in_(ids), EntryEvent.direction == "in")):
        if community is not None:
            entries[community].append(at)

    def row(counts: dict[str, int], moments: list[datetime], saved: list[float]
            ) -> dict[str, Any]:
        return {**{k: suppressed(v) for k, v in counts.items()},
                "entries_per_hour_of_week": entries_by_hour(moments),
                "median_seconds_saved": median_saved(saved)}

    per_compound: list[dict[str, Any]] = []
    per_committee: dict[str, tuple[dict[str, int], list[datetime], list[float]]] = defaultdict(
        lambda: (defaultdict(int), [], []))
    for c in compounds:
        counts = {"buildings": buildings.get(c.id, 0), "floors": floors.get(c.id, 0),
                  "units": units.get(c.id, 0)}
        centre = c.geom.centroid
        saved = [r.seconds for r in seconds_saved(session, c.id, (centre.x, centre.y))
                 ] if units.get(c.id) else []
        per_compound.append({"id": c.id, "name": c.name, "code": c.code,
                             "committee": c.division_code, **row(counts, entries[c.id], saved)})
        if c.division_code and len(c.division_code) == 12:
            total, moments, routes = per_committee[c.division_code]
            for k, v in counts.items():
                total[k] += v
            moments.extend(entries[c.id])
            routes.extend(saved)
    committees = [{"code": code, **row(dict(total), moments, routes)}
                  for code, (total, moments, routes) in sorted(per_committee.items())]
    return {"division": division, "committees": committees, "compounds": per_compound}
