"""What the rider map and the poster show of one compound, read from the database.

``compound_map_data`` gathers the compound's outline, gates with their state at a
time (open to riders now, pass required, closed, and when that changes), buildings
with their numbers, unit doors, facilities inside or near it and the streets around
it, as plain JSON-ready dicts. Coordinates are WGS-84 ``[lon, lat]``; the browser
shifts them for GCJ-02 tiles (maps/tiles.py).
"""

from __future__ import annotations

import math
import pathlib
from datetime import datetime
from typing import Any

import shapely
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import Building, Community, Facility, Gate, Path, Source, Unit
from app.spatial import bbox_candidates, exact_in_bbox
from geo import settings
from geo.address.codes import building_label, gate_label, number_value, unit_label
from geo.geometry.coords import to_metres_all
from geo.hours.opening_hours import gate_state, is_open
from geo.hours.text import hours_zh
from geo.osm.entrances import GUESSED_SOURCES
from geo.routing.inputs import Gate as AccessGate
from maps.streets import street_index

_DEGREE_M = 111_320.0  # metres per degree of latitude
_ROUND = 7  # decimal places of degrees sent to the browser (~1 cm)


def padded_bbox(geom: Any, metres: float) -> tuple[float, float, float, float]:
    """The bounding box (W, S, E, N) of ``geom`` grown by ``metres`` on every side."""
    west, south, east, north = geom.bounds
    pad_lat = metres / _DEGREE_M
    pad_lon = pad_lat / max(0.1, math.cos(math.radians((south + north) / 2)))
    return west - pad_lon, south - pad_lat, east + pad_lon, north + pad_lat


def coords(geom: Any) -> Any:
    """GeoJSON-style coordinates of ``geom``, rounded to about a centimetre."""
    return shapely.geometry.mapping(shapely.set_precision(geom, 10 ** -_ROUND))["coordinates"]


def _clock(when: datetime, at: datetime) -> str:
    """``22:00``, ``明天 06:00`` or ``5月3日 06:00``: when a state changes, seen from ``at``."""
    days = (when.date() - at.date()).days
    hhmm = when.strftime("%H:%M")
    if days == 0:
        return hhmm
    if days == 1:
        return f"明天 {hhmm}"
    return f"{when.month}月{when.day}日 {hhmm}"


def hours_state(expression: str | None, at: datetime) -> dict[str, Any]:
    """Open now or not, when that changes, and the hours, in Chinese:
    ``{open, readable, change_zh, hours_zh}``."""
    open_now, change, readable = is_open(expression, at)
    text = ""
    if change is not None:
        text = f"{_clock(change, at)} {'关门' if open_now else '开门'}"
    return {"open": open_now, "readable": readable, "change_zh": text,
            "hours_zh": hours_zh(expression)}


def _gate_rules(gate: Gate, community: Community, at: datetime) -> Any:
    rules = AccessGate(id=gate.id, lon=gate.geom.x, lat=gate.geom.y, name=gate.name,
                       number=gate.number, code=gate.code, foot=gate.foot, ebike=gate.ebike,
                       rider_access=gate.rider_access, opening_hours=gate.opening_hours)
    return gate_state(rules, at, ebikes_inside=community.ebikes_allowed, has_pass=True)


def _status(gate: Gate, state: Any) -> str:
    if not state.usable:
        return "closed"
    return "pass" if gate.rider_access == "pass" else "open"


def gate_status(gate: Gate, community: Community, at: datetime) -> str:
    """Whether riders may use ``gate`` at ``at``: ``open``, ``pass`` (with a pass) or
    ``closed``; the one answer every rider page (map, scan page, poster) shows."""
    return _status(gate, _gate_rules(gate, community, at))


def gate_view(gate: Gate, community: Community, at: datetime) -> dict[str, Any]:
    """A gate as the rider map shows it: state ``open``/``pass``/``closed`` at ``at``."""
    lon, lat = gate.geom.x, gate.geom.y
    state = _gate_rules(gate, community, at)
    hours = hours_state(gate.opening_hours, at)
    status = _status(gate, state)
    return {"id": gate.id, "code": gate.code, "label": gate_label(gate.number, gate.name),
            "lon": round(lon, _ROUND), "lat": round(lat, _ROUND), "status": status,
            "ride": state.ride, "walk": state.walk, "hours": gate.opening_hours,
            "change_zh": hours["change_zh"], "hours_zh": hours["hours_zh"], "inferred": gate.inferred,
            "unconfirmed": gate.source in GUESSED_SOURCES,
            "rider_access": gate.rider_access, "reasons": list(state.reasons)}


def building_view(building: Building) -> dict[str, Any]:
    """A building: outline, label point and its number as drawn big on the map."""
    point = building.geom.representative_point()
    value = number_value(building.number)
    named = building.number or building.name
    return {"id": building.id, "code": building.code,
            "label": building_label(building.number, building.name) if named else "",
            "short": str(value) if value is not None else (building.number or building.name or ""),
            "outline": coords(building.geom),
            "lon": round(point.x, _ROUND), "lat": round(point.y, _ROUND)}


def unit_view(unit: Unit, building: dict[str, Any] | None) -> dict[str, Any]:
    """A unit door: its label (``2单元``) and its building's."""
    label = unit_label(unit.number, unit.name)
    head = building["label"] if building else ""
    return {"id": unit.id, "code": unit.code, "building_id": unit.building_id,
            "label": label, "full": " ".join(p for p in (head, label) if p),
            "short": str(number_value(unit.number) or unit.number or ""),
            "lon": round(unit.geom.x, _ROUND), "lat": round(unit.geom.y, _ROUND),
            "floors": unit.floors, "elevator": unit.elevator}


def facility_view(facility: Facility, at: datetime) -> dict[str, Any]:
    """A facility with its hours and whether it is open at ``at``."""
    return {"id": facility.id, "kind": facility.kind, "name": facility.name or "",
            "lon": round(facility.geom.x, _ROUND), "lat": round(facility.geom.y, _ROUND),
            "hours": facility.opening_hours, **hours_state(facility.opening_hours, at),
            "capacity": facility.capacity, "charger_type": facility.charger_type,
            "rider_priority_slots": facility.rider_priority_slots,
            "community_id": facility.community_id}


def street_files(session: Session) -> list[pathlib.Path]:
    """The OSM files of the recorded sources, whose streets the no-tile maps draw."""
    return [pathlib.Path(p) for p in session.scalars(select(Source.path).order_by(Source.id))]


def streets_near(session: Session, geom: Any, metres: float) -> list[dict[str, Any]]:
    """The streets within ``metres`` of ``geom``'s bounding box, for the no-tile map."""
    return [{"name": s.name, "rank": s.rank, "coords": coords(s.line)}
            for s in street_index(street_files(session)).in_bbox(padded_bbox(geom, metres))]


def nearby_facilities(session: Session, community: Community) -> list[Facility]:
    """Facilities of the compound, and any within ``MAP_FACILITY_RADIUS_M`` of it."""
    radius = settings.MAP_FACILITY_RADIUS_M
    area = padded_bbox(community.geom, radius)
    query = bbox_candidates(session, Facility, select(Facility), area)
    rows = exact_in_bbox(session, list(session.scalars(query)), area)
    own = session.scalars(select(Facility).where(Facility.community_id == community.id))
    found = {f.id: f for f in own}
    if rows:
        centre = community.geom.centroid
        area, *points = to_metres_all([community.geom] + [r.geom for r in rows],
                                      (centre.x, centre.y))
        found.update({row.id: row for row, point in zip(rows, points, strict=True)
                      if point.distance(area) <= radius})
    return sorted(found.values(), key=lambda f: f.id)


def compound_map_data(session: Session, community: Community, *, at: datetime,
                      streets: bool = True) -> dict[str, Any]:
    """Everything the rider map and the poster draw of ``community`` at local time ``at``."""
    buildings = list(session.scalars(
        select(Building).where(Building.community_id == community.id).order_by(Building.id)))
    building_views = {b.id: building_view(b) for b in buildings}
    units = list(session.scalars(select(Unit).where(or_(
        Unit.community_id == community.id,
        Unit.building_id.in_([b.id for b in buildings]))).order_by(Unit.id)))
    gates = list(session.scalars(
        select(Gate).where(Gate.community_id == community.id).order_by(Gate.id)))
    paths = list(session.scalars(
        select(Path).where(Path.community_id == community.id).order_by(Path.id)))
    bounds = community.geom.bounds
    return {
        "community": {"id": community.id, "name": community.name, "code": community.code,
                      "ebikes_allowed": community.ebikes_allowed,
                      "outline": coords(community.geom),
                      "bounds": [round(v, _ROUND) for v in bounds]},
        "gates": [gate_view(g, community, at) for g in gates],
        "buildings": list(building_views.values()),
        "units": [unit_view(u, building_views.get(u.building_id)) for u in units],
        "paths": [{"id": p.id, "mode": p.mode, "coords": coords(p.geom)} for p in paths],
        "facilities": [facility_view(f, at) for f in nearby_facilities(session, community)],
        "streets": streets_near(session, community.geom, settings.MAP_STREET_MARGIN_M) if streets else [],
        "at": at.isoformat(timespec="minutes"),
    }


def compound_bbox(community: Community) -> tuple[float, float, float, float]:
    """The area a compound's map shows: its box grown by the street margin."""
    return padded_bbox(community.geom, settings.MAP_STREET_MARGIN_M)
