"""Rider-friendliness scores of every compound, from the database (see geo/planning/friendliness.py).

The facts of all compounds are read in a handful of grouped queries (gates, building
and unit counts, facilities near each compound through an STRtree in metres) and the
scores are kept until the data changes: a fingerprint of row counts and last update
times is checked on every call, so an office edit shows on the next request.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

import shapely
from shapely.strtree import STRtree
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from app.db import engine_key
from app.models import Building, Community, Facility, Gate, Unit
from geo import settings
from geo.geometry.coords import to_metres_all
from geo.planning.friendliness import CompoundFacts, GateFacts, Score, score

_TABLES = (Community, Gate, Building, Unit, Facility)
_cache: dict[str, tuple[Any, dict[int, Score]]] = {}
_lock = threading.Lock()


def _fingerprint(session: Session) -> tuple[Any, ...]:
    return tuple(session.execute(select(func.count(), func.max(model.updated_at))
                                 .select_from(model)).one() for model in _TABLES)


def _kinds_near(communities: list[Community], facilities: list[Facility]) -> dict[int, set[str]]:
    """Facility kinds within ``FRIENDLINESS_REACH_M`` of each compound."""
    near: dict[int, set[str]] = defaultdict(set)
    if not communities or not facilities:
        return near
    centre = shapely.MultiPoint([c.geom.centroid for c in communities]).centroid
    origin = (centre.x, centre.y)
    areas = to_metres_all([c.geom for c in communities], origin)
    points = to_metres_all([f.geom for f in facilities], origin)
    tree = STRtree(points)
    pairs = tree.query(areas, predicate="dwithin", distance=settings.FRIENDLINESS_REACH_M)
    for area_index, point_index in pairs.T:
        near[communities[int(area_index)].id].add(facilities[int(point_index)].kind)
    return near


def compound_facts(session: Session) -> dict[int, CompoundFacts]:
    """The facts the score needs, for every compound, by compound id."""
    communities = list(session.scalars(select(Community).order_by(Community.id)))
    gates: dict[int, list[GateFacts]] = defaultdict(list)
    for row in session.execute(select(Gate.community_id, Gate.rider_access, Gate.foot, Gate.ebike,
                                      Gate.opening_hours).where(Gate.community_id.is_not(None))):
        gates[row.community_id].append(GateFacts(row.rider_access, row.foot, row.ebike,
                                                 row.opening_hours))
    counts = {row.community_id: (row.total, row.numbered) for row in session.execute(
        select(Building.community_id, func.count(Building.id).label("total"),
               func.count(func.nullif(Building.number, "")).label("numbered"))
        .group_by(Building.community_id))}
    with_units = dict(session.execute(
        select(Building.community_id, func.count(distinct(Unit.building_id)))
        .join(Unit, Unit.building_id == Building.id).group_by(Building.community_id)).all())
    kinds = _kinds_near(communities, list(session.scalars(select(Facility))))
    facts = {}
    for c in communities:
        total, numbered = counts.get(c.id, (0, 0))
        facts[c.id] = CompoundFacts(
            gates=tuple(gates[c.id]), buildings=total, buildings_numbered=numbered,
            buildings_with_units=with_units.get(c.id, 0),
            facility_kinds_near=frozenset(kinds[c.id]), ebikes_allowed=c.ebikes_allowed)
    return facts


def community_scores(session: Session) -> dict[int, Score]:
    """The score of every compound by id, recomputed only when the data has changed (by
    one request at a time: the others wait for its answer instead of doing it again)."""
    # Per engine, not per URL: a database dropped and made again under the same URL (a
    # test's copy, a restored backup) must not reuse the old one's scores; nor by id(),
    # which a later engine can take over.
    key = engine_key(session.get_bind())
    fingerprint = _fingerprint(session)
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == fingerprint:
            return cached[1]
        scores = {cid: score(facts) for cid, facts in compound_facts(session).items()}
        _cache[key] = (fingerprint, scores)
        return scores
