"""Spatial queries that give the same answers on PostGIS and SQLite.

PostGIS answers with its GiST index and exact predicates. SQLite narrows candidates
through the R*Tree over each table's bounding box (``rtree_<table>``) and shapely
applies the exact predicate.
"""

from __future__ import annotations

import math

from shapely.geometry import Point, box
from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from app.geometry import SRID
from app.models import Community, Gate, PlaceFeature
from geo import settings
from geo.geometry.coords import distances_m

_DEGREE_M = 111_320.0  # metres per degree of latitude


def communities_box(session: Session) -> tuple[float, float, float, float]:
    """The box (W, S, E, N) around every compound, or ``settings.DEFAULT_MAP_BOX`` when
    there is none."""
    row = session.execute(select(func.min(Community.min_lon), func.min(Community.min_lat),
                                 func.max(Community.max_lon), func.max(Community.max_lat))).one()
    return tuple(row) if row[0] is not None else settings.DEFAULT_MAP_BOX  # type: ignore[return-value]


def _is_postgis(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _rtree_ids(model: type[PlaceFeature], west: float, south: float, east: float, north: float):
    table = model.__tablename__
    return select(text("id")).select_from(text(f"rtree_{table}")).where(
        text("max_lon >= :w AND min_lon <= :e AND max_lat >= :s AND min_lat <= :n")
    ).params(w=west, e=east, s=south, n=north)


def bbox_candidates(session: Session, model: type[PlaceFeature], query: Select,
                    bbox: tuple[float, float, float, float]) -> Select:
    """``query`` narrowed to rows of ``model`` whose geometry may meet ``bbox`` (W, S, E, N).

    Exact on PostGIS; on SQLite a superset to be finished with ``exact_in_bbox``.
    """
    if _is_postgis(session):
        return query.where(func.ST_Intersects(model.geom, func.ST_MakeEnvelope(*bbox, SRID)))
    return query.where(model.id.in_(_rtree_ids(model, *bbox)))


def exact_in_bbox(session: Session, rows: list[PlaceFeature],
                  bbox: tuple[float, float, float, float]) -> list[PlaceFeature]:
    """The rows whose geometry really intersects ``bbox`` (a no-op on PostGIS)."""
    if _is_postgis(session):
        return rows
    area = box(*bbox)
    return [row for row in rows if row.geom.intersects(area)]


def communities_containing(session: Session, lon: float, lat: float) -> list[Community]:
    """The compounds whose polygon covers (lon, lat), smallest first."""
    if _is_postgis(session):
        point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), SRID)
        rows = list(session.scalars(select(Community).where(func.ST_Covers(Community.geom, point))))
    else:
        point = Point(lon, lat)
        rows = [c for c in session.scalars(
            select(Community).where(Community.id.in_(_rtree_ids(Community, lon, lat, lon, lat))))
            if c.geom.covers(point)]
    return sorted(rows, key=lambda c: c.geom.area)


def gates_near_boundary(session: Session, community: Community, metres: float) -> list[Gate]:
    """Gates (of any compound) within ``metres`` of ``community``'s boundary."""
    boundary = community.geom.boundary
    if _is_postgis(session):
        rows = session.scalars(select(Gate).where(func.ST_DWithin(
            func.geography(Gate.geom),
            func.geography(func.ST_GeomFromText(boundary.wkt, SRID)),
            metres)).order_by(Gate.id))
        return list(rows)
    pad_lat = metres / _DEGREE_M
    pad_lon = pad_lat / max(0.1, math.cos(math.radians(community.geom.centroid.y)))
    west, south, east, north = community.geom.bounds
    candidates = session.scalars(select(Gate).where(Gate.id.in_(
        _rtree_ids(Gate, west - pad_lon, south - pad_lat, east + pad_lon, north + pad_lat)))
        .order_by(Gate.id))
    candidates = list(candidates)
    offsets = distances_m(boundary, [g.geom for g in candidates])
    return [g for g, offset in zip(candidates, offsets, strict=True) if offset <= metres]
