"""geo.geometry.place_points: where a rider heads for at a unit, a building, a compound."""

from __future__ import annotations

import pytest
from shapely.geometry import Point, Polygon, box

from geo.geometry.coords import distance_m
from geo.geometry.place_points import (
    CENTROID,
    DOOR,
    INSIDE,
    NEAREST_TO_GATE,
    building_points,
    community_point,
    unit_point,
)

# A 40 m x 20 m building in Haidian and two gates: one 100 m east, one 300 m south.
BUILDING = box(116.3500, 40.0000, 116.3505, 40.00018)
EAST_GATE = Point(116.3517, 40.00009)
SOUTH_GATE = Point(116.35025, 39.9973)


def test_building_faces_the_closest_gate() -> None:
    [point] = building_points([BUILDING], [SOUTH_GATE, EAST_GATE])
    assert point.source == NEAREST_TO_GATE
    on_building = Point(point.lon, point.lat)
    assert distance_m(on_building, BUILDING.exterior) < 0.01   # on the outline
    assert point.lon == pytest.approx(116.3505, abs=1e-7)      # the east wall
    assert point.lat == pytest.approx(40.00009, abs=1e-6)
    # no point of the outline is closer to that gate
    assert distance_m(on_building, EAST_GATE) <= distance_m(BUILDING, EAST_GATE) + 0.01


def test_building_without_gates_uses_its_centroid() -> None:
    [point] = building_points([BUILDING], [])
    assert point.source == CENTROID
    assert (point.lon, point.lat) == pytest.approx((BUILDING.centroid.x, BUILDING.centroid.y))
    assert building_points([], [EAST_GATE]) == []


def test_unit_and_community_points() -> None:
    door = unit_point(Point(116.35, 40.0))
    assert (door.lon, door.lat, door.source) == (116.35, 40.0, DOOR)
    u_shape = Polygon([(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)])
    shifted = Polygon([(116.35 + x / 1000, 40 + y / 1000) for x, y in u_shape.exterior.coords])
    inside = community_point(shifted)
    assert inside.source == INSIDE
    assert shifted.contains(Point(inside.lon, inside.lat))   # not the centroid in the notch
