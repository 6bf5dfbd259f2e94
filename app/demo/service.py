"""The demo: the bundled real extracts plus demo annotations (data/demo_annotations.json).

Rules, facilities, building numbers and unit doors that OSM does not hold are added
here, marked ``demo``; they go through ``app.places.editing`` like any office edit, so they
are validated and audited. Running the demo twice changes nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import shapely
import shapely.affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.auth import Actor, hash_password
from app.imports.importer import import_osm
from app.imports.sources import record_source
from app.models import Community, Facility, Gate, Office, Unit, User
from app.places.editing import create_feature, update_feature
from app.places.serialize import feature_properties
from geo import settings
from geo.geometry.coords import from_metres, to_metres
from geo.osm.extract import read_osm_extract

_SIDES = {"north": (1, 1), "south": (1, -1), "east": (0, 1), "west": (0, -1)}


@dataclass
class DemoReport:
    """What the demo build did."""

    imported: list[dict[str, Any]] = field(default_factory=list)
    changes: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)


def load_annotations() -> dict[str, Any]:
    """data/demo_annotations.json."""
    return json.loads((settings.DATA_DIR / "demo_annotations.json").read_text(encoding="utf-8"))


def build_demo(session: Session, *, cache_dir: Path) -> DemoReport:
    """Import the bundled extracts (three sources, their street graphs cached in
    ``cache_dir``) and apply the demo annotations; idempotent.

    Compounds get their division last, so that the address codes allocated then
    follow the building numbers the demo gives.
    """
    notes = load_annotations()
    report = DemoReport()
    divisions: dict[tuple[str | None, int | None], str] = {}  # (osm_type, osm_id) → division
    for filename, division in notes["divisions"].items():
        extract = read_osm_extract(settings.OSM_DIR / filename)
        imported = import_osm(session, extract.path, extract=extract, actor="demo")
        record_source(session, extract, imported, cache_dir=cache_dir)
        report.imported.append(imported.as_dict())
        divisions.update({c.key: division for c in extract.features["community"]})
    admin = _accounts(session, notes, report)
    actor = Actor(user=admin, token=None, via_session=False)
    builder = _DemoBuilder(session, actor, report, notes["numbering"]["inset_m"])
    for rule in notes["communities"]:
        builder.set_properties("communities", builder.community(rule["name"]),
                               {k: v for k, v in rule.items() if k != "name"})
    for rule in notes["gates"]:
        builder.gate(rule)
    for rule in notes["facilities"]:
        builder.facility(rule)
    numbering = notes["numbering"]
    for name in numbering["communities"]:
        builder.number_buildings_and_doors(builder.community(name), numbering)
    for community in session.scalars(select(Community).where(Community.division_code.is_(None))):
        if (division := divisions.get((community.osm_type, community.osm_id))) is not None:
            builder.set_properties("communities", community, {"division_code": division})
    return report


def _accounts(session: Session, notes: dict[str, Any], report: DemoReport) -> User:
    office = session.scalar(select(Office).where(Office.name == notes["office"]["name"]))
    if office is None:
        office = Office(name=notes["office"]["name"], division_codes=notes["office"]["divisions"],
                        phone=notes["office"].get("phone"))
        session.add(office)
        session.flush()
    admin = None
    for spec in notes["users"]:
        user = session.scalar(select(User).where(User.username == spec["username"]))
        if user is None:
            user = User(username=spec["username"], password_hash=hash_password(spec["password"]),
                        role=spec["role"], office_id=office.id if spec["role"] == "editor" else None)
            session.add(user)
        report.users.append((spec["username"], spec["password"], spec["role"]))
        if spec["role"] == "admin":
            admin = user
    session.flush()
    assert admin is not None, "demo_annotations.json needs an admin user"
    return admin


def _extreme(points: Sequence[Point], side: str) -> int:
    axis, sign = _SIDES[side]
    return max(range(len(points)), key=lambda i: sign * (points[i].y if axis else points[i].x))


class _DemoBuilder:
    def __init__(self, session: Session, actor: Actor, report: DemoReport, inset_m: float) -> None:
        self.session, self.actor, self.report = session, actor, report
        self.inset_m = inset_m

    def community(self, name: str) -> Community:
        row = self.session.scalar(select(Community).where(Community.name == name))
        if row is None:
            raise LookupError(f"demo compound {name!r} is not in the bundled extracts")
        return row

    def set_properties(self, resource: str, row: Any, props: dict[str, Any]) -> None:
        current = feature_properties(resource, row)
        if all(current.get(k) == v for k, v in props.items()):
            return
        update_feature(self.session, self.actor, resource, row.id, {
            "type": "Feature", "properties": {**props, "version": row.version}})
        self.report.changes += 1

    def create(self, resource: str, geom: BaseGeometry, props: dict[str, Any]) -> Any:
        self.report.changes += 1
        return create_feature(self.session, self.actor, resource, {
            "type": "Feature", "geometry": mapping(geom), "properties": props}, source="demo")

    def gate(self, rule: dict[str, Any]) -> None:
        community = self.community(rule["community"])
        props = {k: v for k, v in rule.items() if k not in ("community", "side", "add")}
        existing = [g for g in community.gates if g.name == rule["name"] and g.demo] if rule.get(
            "add") else []
        if rule.get("add") and not existing:
            ring = [Point(xy) for xy in community.geom.exterior.coords]
            self.create("gates", ring[_extreme(ring, rule["side"])],
                        {"community": community.id, **props})
            return
        gates = existing or list(community.gates)
        target = gates[_extreme([g.geom for g in gates], rule["side"])]
        self.set_properties("gates", target, props)

    def facility(self, rule: dict[str, Any]) -> None:
        community = self.community(rule["community"])
        if self.session.scalar(select(Facility).where(
                Facility.community_id == community.id, Facility.name == rule["name"])):
            return
        gates = list(community.gates)
        gate = gates[_extreme([g.geom for g in gates], rule["near"])]
        spot = _inset(gate.geom, community.geom, self.inset_m)
        props = {k: v for k, v in rule.items() if k not in ("community", "near")}
        self.create("facilities", spot, {"community": community.id, **props})

    def number_buildings_and_doors(self, community: Community, numbering: dict[str, Any]) -> None:
        buildings = sorted(community.buildings, key=lambda b: (
            -round(b.geom.centroid.y / 0.0004), b.geom.centroid.x))
        if not any(b.number for b in buildings):
            for n, building in enumerate(buildings, start=1):
                self.set_properties("buildings", building, {"number": str(n)})
        for building in buildings:
            if self.session.scalar(select(Unit.id).where(Unit.building_id == building.id)):
                continue
            for n, door in enumerate(_door_points(building.geom, numbering), start=1):
                self.create("units", door, {"building": building.id, "number": str(n)})


def _inset(point: Point, polygon: BaseGeometry, metres: float) -> Point:
    """``point`` moved ``metres`` towards the inside of ``polygon``."""
    origin = (point.x, point.y)
    p, poly = to_metres(point, origin=origin), to_metres(polygon, origin=origin)
    target = poly.representative_point()
    line = LineString([p, target])
    return from_metres(line.interpolate(min(metres, line.length)), origin=origin)


def _door_points(polygon: Polygon | MultiPolygon, numbering: dict[str, Any]) -> list[Point]:
    """Doors along the building's south face, west to east, on its outline."""
    origin = (polygon.centroid.x, polygon.centroid.y)
    shape = to_metres(polygon, origin=origin)
    rectangle = cast(Polygon, shapely.minimum_rotated_rectangle(shape))  # a building has an area
    corners = list(rectangle.exterior.coords)[:4]
    edges = [LineString([corners[i], corners[(i + 1) % 4]]) for i in range(4)]
    long_edges = sorted(edges, key=lambda e: e.length, reverse=True)[:2]
    south = min(long_edges, key=lambda e: e.centroid.y)
    count = max(1, min(numbering["max_doors"], round(south.length / numbering["door_spacing_m"])))
    outline = shape.exterior if hasattr(shape, "exterior") else shape.geoms[0].exterior
    doors = []
    for i in range(count):
        on_face = south.interpolate((i + 0.5) / count, normalized=True)
        doors.append(outline.interpolate(outline.project(on_face)))
    doors.sort(key=lambda d: d.x)
    return [from_metres(d, origin=origin) for d in doors]


def add_synthetic_compounds(session: Session, *, total: int) -> int:
    """Copies of the imported compounds and their gates, shifted on a grid beside the real
    data, until there are ``total`` compounds (a city-sized planner map), flushed; returns
    the number of compounds."""
    originals = list(session.scalars(select(Community).order_by(Community.id)))
    gates = {c.id: list(session.scalars(select(Gate).where(Gate.community_id == c.id)))
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
            session.add(copy)
            count += 1
        tile += 1
    session.flush()
    return int(session.scalar(select(func.count()).select_from(Community)) or 0)
