"""What routing needs to know about compounds, as plain immutable values.

The app builds these from its database rows (app/routing/service.py); tests and the benchmark
build them from an OSM extract with ``access_data_from_extract``. Geometry is
WGS-84 ``(lon, lat)``; ``version`` lets the network tell a changed feature from an
unchanged one without comparing geometry.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from geo.address.codes import gate_label

if TYPE_CHECKING:
    from geo.osm.extract import OsmExtract
    from geo.routing.compound_layer import StreetIndex

RIDER_ACCESS = ("open", "pass", "closed")
PATH_MODES = ("foot", "ebike", "both")


@dataclass(frozen=True)
class Gate:
    """A gate (出入口) of a compound and its rules for riders."""

    id: int
    lon: float
    lat: float
    name: str | None = None
    number: str | None = None
    code: str | None = None
    foot: bool = True
    ebike: bool = True
    rider_access: str = "open"
    opening_hours: str | None = None
    version: int = 0

    @property
    def label(self) -> str:
        """How instructions name the gate: ``北门(1号门)``, ``1号门``, ``北门`` or ``出入口``."""
        return gate_label(self.number, self.name)


@dataclass(frozen=True)
class Compound:
    """A compound (小区): its polygon, gates and whether e-bikes may ride inside."""

    id: int
    name: str
    polygon: BaseGeometry
    gates: tuple[Gate, ...] = ()
    ebikes_allowed: bool = True
    code: str | None = None
    version: int = 0


@dataclass(frozen=True)
class Door:
    """A place a route ends at: a unit door (单元门) or a building's entrance point."""

    id: int
    lon: float
    lat: float
    compound_id: int | None = None
    label: str = "目的地"
    kind: str = "unit"
    code: str | None = None
    building_id: int | None = None
    version: int = 0

    @property
    def key(self) -> tuple[str, int]:
        """(kind, id): ``("unit", 12)`` or ``("building", 5)``."""
        return (self.kind, self.id)


@dataclass(frozen=True)
class Facility:
    """A point riders need: station, charger, parking, toilet, water, locker, first aid."""

    id: int
    kind: str
    lon: float
    lat: float
    compound_id: int | None = None
    name: str | None = None
    opening_hours: str | None = None
    info: tuple[tuple[str, Any], ...] = ()
    version: int = 0


@dataclass(frozen=True)
class OfficePath:
    """A path an office drew inside its compound; ``mode`` is foot, ebike or both."""

    id: int
    line: LineString
    mode: str = "both"
    compound_id: int | None = None
    name: str | None = None
    version: int = 0


@dataclass(frozen=True)
class AccessData:
    """Everything of the database that joins the street graph."""

    compounds: tuple[Compound, ...] = ()
    doors: tuple[Door, ...] = ()
    facilities: tuple[Facility, ...] = ()
    paths: tuple[OfficePath, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def compound(self, compound_id: int) -> Compound:
        """The compound with ``compound_id`` (KeyError if none)."""
        return next(c for c in self.compounds if c.id == compound_id)

    def with_gate(self, gate_id: int, **changes: Any) -> AccessData:
        """A copy with one gate's fields changed (tests and what-if questions)."""
        compounds = tuple(
            replace(c, gates=tuple(replace(g, **changes) if g.id == gate_id else g
                                   for g in c.gates))
            for c in self.compounds)
        return replace(self, compounds=compounds)


def access_data_from_extract(extract: OsmExtract, *, index: StreetIndex | None = None
                             ) -> AccessData:
    """Access data straight from an OSM extract read by ``geo.osm.extract`` (tests, the
    benchmark). Ids are OSM ids. Every unit door becomes a ``Door``; with ``index``,
    so does each building without one, at ``entrance_point`` of its outline.
    """
    from geo.routing.compound_layer import entrance_point
    features = extract.features
    gates_of: dict[int, list[Gate]] = {}
    for g in features["gate"]:
        if g.parent is None:
            continue
        a = g.attrs
        gates_of.setdefault(g.parent[2], []).append(Gate(
            id=g.osm_id, lon=g.geom.x, lat=g.geom.y, name=a.get("name"), number=a.get("number"),
            foot=a.get("foot", True), ebike=a.get("ebike", True),
            rider_access=a.get("rider_access", "open"), opening_hours=a.get("opening_hours")))
    compounds = tuple(
        Compound(id=c.osm_id, name=c.attrs["name"], polygon=c.geom,
                 gates=tuple(gates_of.get(c.osm_id, ())))
        for c in features["community"])
    doors = tuple(
        Door(id=u.osm_id, lon=u.geom.x, lat=u.geom.y,
             compound_id=u.community[2] if u.community else None,
             building_id=u.parent[2] if u.parent else None,
             label=f"{u.attrs['number']}单元" if u.attrs.get("number") else "单元门")
        for u in features["unit"])
    if index is not None:
        with_units = {u.parent[2] for u in features["unit"] if u.parent}
        doors += tuple(
            Door(id=b.osm_id, lon=lon, lat=lat, kind="building",
                 compound_id=b.parent[2] if b.parent else None,
                 label=b.attrs.get("name") or (f"{b.attrs['number']}号楼" if b.attrs.get("number")
                                               else "楼栋入口"))
            for b in features["building"] if b.osm_id not in with_units
            for lon, lat in [entrance_point(index, b.geom)])
    facilities = tuple(
        Facility(id=f.osm_id, kind=f.attrs["kind"], lon=f.geom.x, lat=f.geom.y,
                 compound_id=f.parent[2] if f.parent else None, name=f.attrs.get("name"),
                 opening_hours=f.attrs.get("opening_hours"))
        for f in features["facility"])
    return AccessData(compounds=compounds, doors=doors, facilities=facilities)
