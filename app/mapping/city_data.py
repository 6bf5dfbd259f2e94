"""GeoJSON for the planner and station maps (the city): compounds with their score, facilities,
streets, for a bounding box and a zoom.

Outlines are simplified to about ``settings.MAP_SIMPLIFY_PX`` screen pixels at the
requested zoom; below ``settings.PLANNER_POLYGON_MIN_ZOOM`` compounds come as points
(their representative point) with only what the cluster layer needs. Coordinates are
WGS-84 (lon, lat).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.mapping.compound_data import coords, hours_state, street_files
from app.models import Building, Community, Facility, Gate, Unit
from app.planner.friendliness import community_scores
from app.spatial import bbox_candidates, exact_in_bbox
from geo import settings
from geo.planning.friendliness import rules
from maps.streets import street_index
from maps.symbols import symbols

_TILE_PX = 256


def degrees_per_pixel(zoom: int) -> float:
    """Degrees of longitude per screen pixel at web-map ``zoom``."""
    return 360.0 / (_TILE_PX * 2 ** zoom)


def _rows_in(session: Session, model: Any, bbox: tuple[float, float, float, float] | None,
             query: Any = None) -> list[Any]:
    query = query if query is not None else select(model)
    if bbox is None:
        return list(session.scalars(query.order_by(model.id)))
    rows = list(session.scalars(bbox_candidates(session, model, query, bbox).order_by(model.id)))
    return exact_in_bbox(session, rows, bbox)


def community_collection(session: Session, *, bbox: tuple[float, float, float, float] | None,
                         zoom: int) -> dict[str, Any]:
    """Compounds meeting ``bbox`` as a FeatureCollection: outlines with name, score, grade
    and colour from ``PLANNER_POLYGON_MIN_ZOOM`` on; below it points with id and score
    only (to the metre), since there may be thousands."""
    rows = _rows_in(session, Community, bbox)
    scores = community_scores(session)
    as_points = zoom < settings.PLANNER_POLYGON_MIN_ZOOM
    tolerance = settings.MAP_SIMPLIFY_PX * degrees_per_pixel(zoom)
    features = []
    for row in rows:
        s = scores[row.id]
        props: dict[str, Any] = {"id": row.id, "score": round(s.total)}
        if as_points:  # thousands of them: a metre is enough, the rest comes on a click
            point = row.geom.representative_point()
            geometry = {"type": "Point", "coordinates": [round(point.x, 5), round(point.y, 5)]}
        else:
            props.update({"name": row.name, "code": row.code, "grade": s.grade,
                          "colour": s.colour})
            geometry = {"type": row.geom.geom_type,
                        "coordinates": coords(row.geom.simplify(tolerance, preserve_topology=True))}
        features.append({"type": "Feature", "id": row.id, "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "features": features, "numberMatched": len(features),
            "zoom": zoom, "as_points": as_points}


def community_details(session: Session, community: Community) -> dict[str, Any]:
    """What the planner shows on a click: score parts with their labels, and counts."""
    s = community_scores(session)[community.id]
    parts = rules()["parts"]
    gates = list(session.execute(select(Gate.rider_access).where(Gate.community_id == community.id)))
    buildings = session.scalar(select(func.count()).where(Building.community_id == community.id))
    units = session.scalar(select(func.count()).select_from(Unit).join(
        Building, Unit.building_id == Building.id).where(Building.community_id == community.id))
    facilities = session.scalar(select(func.count()).where(Facility.community_id == community.id))
    return {"id": community.id, "name": community.name, "code": community.code,
            **s.as_dict(),
            "part_labels": {name: spec["zh"] for name, spec in parts.items()},
            "part_max": {name: spec["points"] for name, spec in parts.items()},
            "counts": {"gates": len(gates),
                       "gates_open": sum(1 for (access,) in gates if access == "open"),
                       "buildings": buildings, "units": units, "facilities": facilities}}


def facility_collection(session: Session, *, bbox: tuple[float, float, float, float] | None,
                        kinds: list[str] | None, at: datetime) -> dict[str, Any]:
    """Facilities meeting ``bbox`` (of ``kinds``, or all) with hours and open now at ``at``."""
    query = select(Facility)
    if kinds:
        query = query.where(Facility.kind.in_(kinds))
    features = []
    for row in _rows_in(session, Facility, bbox, query):
        features.append({"type": "Feature", "id": row.id,
                         "geometry": {"type": "Point", "coordinates": coords(row.geom)},
                         "properties": {"id": row.id, "kind": row.kind, "name": row.name or "",
                                        "hours": row.opening_hours, "capacity": row.capacity,
                                        "rider_priority_slots": row.rider_priority_slots,
                                        **hours_state(row.opening_hours, at)}})
    return {"type": "FeatureCollection", "features": features, "numberMatched": len(features)}


def street_collection(session: Session, bbox: tuple[float, float, float, float],
                      zoom: int) -> dict[str, Any]:
    """Streets meeting ``bbox`` from the recorded sources' OSM files, of the ranks drawn at ``zoom``
    (``min_zoom`` in data/maps/symbols.json: main roads first, footpaths last)."""
    ranks = {rank for rank, spec in symbols()["streets"].items() if zoom >= spec["min_zoom"]}
    tolerance = settings.MAP_SIMPLIFY_PX * degrees_per_pixel(zoom)
    features = []
    for street in street_index(street_files(session)).in_bbox(bbox):
        if street.rank in ranks:
            features.append({"type": "Feature", "geometry": {
                "type": "LineString", "coordinates": coords(street.line.simplify(tolerance))},
                "properties": {"name": street.name, "rank": street.rank}})
    return {"type": "FeatureCollection", "features": features, "numberMatched": len(features)}
