"""What the map tests share: the real compound with the most unit doors, and counts
recounted straight from the database (not through the code under test)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Building, Community, Facility, Gate, Unit
from geo import settings
from geo.geometry.coords import distance_m


@dataclass(frozen=True)
class Counts:
    """A compound's features as stored: gates, buildings, numbered buildings, units and
    facilities inside it or within MAP_FACILITY_RADIUS_M."""

    gates: int
    buildings: int
    numbered: int
    units: int
    facilities: int


def busiest_compound(db: Session) -> Community:
    """The imported compound with the most unit doors (a bupt compound)."""
    community_id = db.scalar(
        select(Building.community_id).join(Unit, Unit.building_id == Building.id)
        .where(Building.community_id.is_not(None)).group_by(Building.community_id)
        .order_by(func.count(Unit.id).desc(), Building.community_id).limit(1))
    return db.get(Community, community_id)


def recount(db: Session, community: Community) -> Counts:
    """Counts by brute force: every facility's distance measured."""
    buildings = list(db.scalars(select(Building).where(Building.community_id == community.id)))
    ids = {b.id for b in buildings}
    units = [u for u in db.scalars(select(Unit))
             if u.community_id == community.id or u.building_id in ids]
    facilities = [f for f in db.scalars(select(Facility))
                  if f.community_id == community.id
                  or distance_m(f.geom, community.geom) <= settings.MAP_FACILITY_RADIUS_M]
    gates = db.scalar(select(func.count()).where(Gate.community_id == community.id))
    return Counts(gates=gates, buildings=len(buildings),
                  numbered=sum(1 for b in buildings if b.number or b.name),
                  units=len(units), facilities=len(facilities))
