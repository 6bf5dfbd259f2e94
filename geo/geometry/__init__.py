"""Geometry in one place: coordinates (WGS-84 and GCJ-02, projection to metres),
geometry checks, a grid index and the points places are drawn at. Coordinates are
``(lon, lat)`` WGS-84 degrees; metres only in the local plane ``metric_transformer`` makes.
"""

from __future__ import annotations

from geo.geometry.checks import check_valid, parse_geometry
from geo.geometry.coords import (
    check_box,
    check_lon_lat,
    distance_m,
    distances_m,
    gcj02_to_wgs84,
    in_china,
    metric_transformer,
    to_metres,
    to_wgs84,
    wgs84_to_gcj02,
)
from geo.geometry.place_points import PlacePoint, building_points, community_point, unit_point
from geo.geometry.spatial import GridIndex, point_segment

__all__ = [
    "GridIndex",
    "PlacePoint",
    "building_points",
    "check_box",
    "check_lon_lat",
    "check_valid",
    "community_point",
    "distance_m",
    "distances_m",
    "gcj02_to_wgs84",
    "in_china",
    "metric_transformer",
    "parse_geometry",
    "point_segment",
    "to_metres",
    "to_wgs84",
    "unit_point",
    "wgs84_to_gcj02",
]
