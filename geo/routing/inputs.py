"""What routing needs to know about compounds, as plain immutable values.

The app builds these from its database rows (``app.routing.places``);
``geo.routing.extract_inputs`` builds the same values straight from an OSM extract.
Either way ``AccessNetwork`` makes them routable, adding a door for every building
without unit doors (``compound_layer.building_door``): the app, the tests and the
benchmarks share that one builder. Geometry is WGS-84 ``(lon, lat)``; ``version`` lets
the network tell a changed feature from an unchanged one without comparing geometry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from geo.address.codes import gate_label

RIDER_ACCESS = ("open", "pass", "closed")
# How a gate became known: drawn on the map (OSM or an office, or confirmed by one),
# inferred where a road crosses the boundary, or proposed where the boundary comes
# nearest the street network (待核实 until an office confirms it).
GATE_ORIGINS = ("mapped", "inferred", "proposed")
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
    origin: str = "mapped"

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
class Building:
    """A building (楼栋) outline. One without unit doors is entered where its outline comes
    nearest the walkable network (``compound_layer.building_door``)."""

    id: int
    outline: BaseGeometry
    compound_id: int | None = None
    label: str = "楼栋入口"
    code: str | None = None
    version: int = 0


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
    buildings: tuple[Building, ...] = ()

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
