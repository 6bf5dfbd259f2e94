"""The address resolver over the database: records read from the places, one index per
app, rebuilt when compounds, gates, buildings or units change.

Whether anything changed is checked on every lookup with a few aggregate queries (row
count, highest id and sum of versions per table: every edit raises a version, every
insert a new id, every delete the count), so edits show up at once in every worker.
Committee names (part of the full address) are not watched: the index is also rebuilt
when older than ``RESOLVE_INDEX_MAX_AGE_S``.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models import KIND_OF_MODEL, Building, Community, Division, Gate, RetiredCode, Unit
from geo import settings
from geo.address.divisions import ancestor_codes
from geo.address.resolver import PlaceRecord, Resolution, ResolverIndex
from geo.geometry.place_points import building_points, community_point, unit_point

_PLACE_TABLES = (Community, Gate, Building, Unit)
_EXTENSION = "resolver_index"
_KIND_OF_TABLE = {model.__tablename__: kind for model, kind in KIND_OF_MODEL.items()}


def _osm(osm_type: str | None, osm_id: int | None) -> str | None:
    return f"{osm_type}/{osm_id}" if osm_type else None


def _division_names(session: Session, codes: set[str]) -> dict[str, tuple[str, ...]]:
    """Each division code's chain of names, province first."""
    chains = {code: [*ancestor_codes(code), code] for code in codes}
    wanted = {c for chain in chains.values() for c in chain}
    names = dict(session.execute(select(Division.code, Division.name).where(
        Division.code.in_(wanted))).all()) if wanted else {}
    return {code: tuple(names[c] for c in chain if c in names) for code, chain in chains.items()}


def load_records(session: Session) -> tuple[list[PlaceRecord], dict[str, tuple[str, int]]]:
    """Every compound, building and unit as resolver records, and the retired codes.

    Points: a unit's door; a building's outline point nearest to the closest gate riders
    may use (``nearest_to_gate``), or its centroid when its compound has none; a point
    inside a compound.
    """
    communities = session.execute(select(
        Community.id, Community.name, Community.aliases, Community.code,
        Community.division_code, Community.osm_type, Community.osm_id, Community.geom)).all()
    divisions = _division_names(session, {c.division_code for c in communities
                                          if c.division_code})
    records = []
    for c in communities:
        point = community_point(c.geom)
        records.append(PlaceRecord(
            "community", c.id, name=c.name, code=c.code,
            aliases=tuple(a for a in (c.aliases or []) if isinstance(a, str)),
            division=divisions.get(c.division_code, ()), lon=point.lon, lat=point.lat,
            point_source=point.source, osm=_osm(c.osm_type, c.osm_id)))
    gates: dict[int | None, list[Any]] = defaultdict(list)
    for community_id, geom in session.execute(select(Gate.community_id, Gate.geom).where(
            Gate.rider_access != "closed")):
        gates[community_id].append(geom)
    buildings: dict[int | None, list[Any]] = defaultdict(list)
    for b in session.execute(select(
            Building.id, Building.community_id, Building.name, Building.number, Building.code,
            Building.osm_type, Building.osm_id, Building.geom).order_by(Building.id)):
        buildings[b.community_id].append(b)
    for community_id, rows in buildings.items():
        points = building_points([b.geom for b in rows],
                                 gates.get(community_id, []) if community_id else [])
        for b, point in zip(rows, points, strict=True):
            records.append(PlaceRecord(
                "building", b.id, name=b.name, number=b.number, parent_id=b.community_id,
                code=b.code, lon=point.lon, lat=point.lat, point_source=point.source,
                osm=_osm(b.osm_type, b.osm_id)))
    for u in session.execute(select(
            Unit.id, Unit.building_id, Unit.name, Unit.number, Unit.code, Unit.osm_type,
            Unit.osm_id, Unit.geom)):
        point = unit_point(u.geom)
        records.append(PlaceRecord(
            "unit", u.id, name=u.name, number=u.number, parent_id=u.building_id, code=u.code,
            lon=point.lon, lat=point.lat, point_source=point.source,
            osm=_osm(u.osm_type, u.osm_id)))
    retired = {old: (_KIND_OF_TABLE[table], feature_id) for old, table, feature_id in
               session.execute(select(RetiredCode.old_code, RetiredCode.table_name,
                                      RetiredCode.feature_id))
               if table in _KIND_OF_TABLE}
    return records, retired


@cache
def _stamp_query() -> Select[Any]:
    columns = [select(aggregate).select_from(model).scalar_subquery()
               for model in _PLACE_TABLES
               for aggregate in (func.count(), func.max(model.id), func.sum(model.version))]
    columns.append(select(func.count()).select_from(RetiredCode).scalar_subquery())
    return select(*columns)


def places_stamp(session: Session) -> tuple[Any, ...]:
    """What the index depends on, in one cheap query: per place table (rows, highest id,
    sum of versions) and the number of retired codes."""
    return tuple(session.execute(_stamp_query()).one())


class _Cache:
    """One app's index and the stamp it was built at."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: tuple[Any, ...] | None = None
        self.index: ResolverIndex | None = None
        self.built_at = 0.0
        self.builds = 0


def get_index(session: Session) -> ResolverIndex:
    """The current app's resolver index, rebuilt first (from ``session``) if the places
    changed."""
    cache: _Cache = current_app.extensions.setdefault(_EXTENSION, _Cache())
    stamp = places_stamp(session)
    with cache.lock:
        age = time.monotonic() - cache.built_at
        if cache.index is None or cache.stamp != stamp or age > settings.RESOLVE_INDEX_MAX_AGE_S:
            records, retired = load_records(session)
            cache.index = ResolverIndex(records, retired_codes=retired)
            cache.stamp, cache.built_at = stamp, time.monotonic()
            cache.builds += 1
        return cache.index


def resolve_address(session: Session, text: str) -> Resolution:
    """Resolve ``text`` against the current app's places (see ``geo.address.resolver``)."""
    return get_index(session).resolve(text)
