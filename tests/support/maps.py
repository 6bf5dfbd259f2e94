"""What the map tests share: the real compound with the most unit doors, and counts
recounted straight from the database (not through the code under test)."""

from __future__ import annotations

from dataclasses import dataclass

import shapely.affinity
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


def add_synthetic_compounds(db: Session, *, total: int) -> int:
    """Copies of the imported compounds and their gates, shifted on a grid beside the real
    data, until there are ``total`` compounds (a city-sized planner map). Commits; returns
    the number of compounds."""
    originals = list(db.scalars(select(Community).order_by(Community.id)))
    gates = {c.id: list(db.scalars(select(Gate).where(Gate.community_id == c.id)))
             for c in originals}
    west, south = min(c.min_lon for c in originals), min(c.min_lat for c in originals)
    east, north = max(c.max_lon for c in originals), max(c.max_lat for c in originals)
    step_lon, step_lat = (east - west) * 1.05, (north - south) * 1.05
    count, tile = len(originals), 1
    while count < total:
        dx, dy = step_lon * (tile % 11), step_lat * (tile // 11)
        for c in originals[: total - count]:
            copy = Community(name=f"{c.name}·{tile}", source="demo", demo=True,
                             ebikes_allowed=c.ebikes_allowed,
                             geom=shapely.affinity.translate(c.geom, dx, dy))
            copy.gates = [Gate(source="demo", demo=True, rider_access=g.rider_access,
                               opening_hours=g.opening_hours, foot=g.foot, ebike=g.ebike,
                               geom=shapely.affinity.translate(g.geom, dx, dy))
                          for g in gates[c.id]]
            db.add(copy)
            count += 1
        tile += 1
    db.commit()
    return db.scalar(select(func.count()).select_from(Community))
