"""Aggregates per committee and per compound for platforms: units, buildings and their
floors (``building:levels``, a proxy for people), rider entries per hour of the week.
Counts under ``AGGREGATE_MIN_COUNT`` are null; no personal data is included."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models import Building, Community, EntryEvent, Unit
from app.platforms.bundle import check_division
from geo.platforms.aggregates import entries_by_hour, suppressed


def _by_compound(session: Session, query: Select[Any, Any]) -> dict[int, int]:
    """{compound id: number} from a query of (compound id, number) rows."""
    return {int(c): int(n or 0) for c, n in session.execute(query) if c is not None}


def aggregates(session: Session, division: str) -> dict[str, Any]:
    """Per compound of ``division`` (a code prefix) and per committee (12 digits)."""
    check_division(division)
    compounds = list(session.execute(
        select(Community.id, Community.name, Community.code, Community.division_code)
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

    def row(counts: dict[str, int], moments: list[datetime]) -> dict[str, Any]:
        return {**{k: suppressed(v) for k, v in counts.items()},
                "entries_per_hour_of_week": entries_by_hour(moments)}

    per_compound: list[dict[str, Any]] = []
    per_committee: dict[str, tuple[dict[str, int], list[datetime]]] = defaultdict(
        lambda: (defaultdict(int), []))
    for c in compounds:
        counts = {"buildings": buildings.get(c.id, 0), "floors": floors.get(c.id, 0),
                  "units": units.get(c.id, 0)}
        per_compound.append({"id": c.id, "name": c.name, "code": c.code,
                             "committee": c.division_code, **row(counts, entries[c.id])})
        if c.division_code and len(c.division_code) == 12:
            total, moments = per_committee[c.division_code]
            for k, v in counts.items():
                total[k] += v
            moments.extend(entries[c.id])
    committees = [{"code": code, **row(dict(total), moments)}
                  for code, (total, moments) in sorted(per_committee.items())]
    return {"division": division, "committees": committees, "compounds": per_compound}
