"""The point a rider heads for at a place: a unit's door, a building's side facing the
compound's gates, a compound's inside point.

Coordinates are ``(lon, lat)`` in WGS-84 degrees; distances are compared in metres in
one local projection per compound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from geo.geometry.coords import metric_transformer

# What a place point stands for, in the words the API uses.
DOOR = "door"                        # a unit's mapped door
NEAREST_TO_GATE = "nearest_to_gate"  # a building's outline point nearest to the closest gate
CENTROID = "centroid"                # a building's centroid (its compound has no gates)
INSIDE = "inside"                    # a point inside a compound's polygon


@dataclass(frozen=True)
class PlacePoint:
    """A point ``(lon, lat)`` and what it stands for (``DOOR``, ``NEAREST_TO_GATE``, ...)."""

    lon: float
    lat: float
    source: str


def unit_point(door: Point) -> PlacePoint:
    """A unit's door point."""
    return PlacePoint(door.x, door.y, DOOR)


def community_point(polygon: BaseGeometry) -> PlacePoint:
    """A point guaranteed inside a compound's polygon."""
    point = polygon.representative_point()
    return PlacePoint(point.x, point.y, INSIDE)


def building_points(buildings: Sequence[BaseGeometry],
                    gates: Sequence[BaseGeometry]) -> list[PlacePoint]:
    """For buildings with no mapped door, the point to head for, one per building.

    With ``gates`` (the compound's gate points): the point of each building's outline
    nearest to the gate closest to it, measured in metres. Without gates: the centroid.
    """
    if not buildings:
        return []
    if not gates:
        return [PlacePoint(b.centroid.x, b.centroid.y, CENTROID) for b in buildings]
    origin = shapely.MultiPoint([g.centroid for g in gates]).centroid
    transformer = metric_transformer(origin.x, origin.y)

    # types-shapely types the transformation as interleaved only: (n, 2) array → array.
    gates_m = [shapely.transform(g, transformer.transform,  # type: ignore[arg-type]
                                 interleaved=False) for g in gates]
    points = []
    for building in buildings:
        building_m = shapely.transform(building, transformer.transform,  # type: ignore[arg-type]
                                       interleaved=False)
        gate_m = min(gates_m, key=building_m.distance)
        near = nearest_points(building_m, gate_m)[0]
        lon, lat = transformer.transform(near.x, near.y, direction="INVERSE")
        points.append(PlacePoint(float(lon), float(lat), NEAREST_TO_GATE))
    return points
