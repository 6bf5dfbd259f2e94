"""An independent recount of the raw OSM files with pyosmium (not osmnx), to check
the importer's counts against."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import osmium
import shapely
from shapely import wkb

from geo import settings
from geo.geometry.coords import to_metres
from geo.osm.extract import tag_rules

_WKB = osmium.geom.WKBFactory()


@dataclass
class Recount:
    residential: dict[int, tuple[str | None, shapely.Geometry]] = field(default_factory=dict)
    gates: list[tuple[int, shapely.Point]] = field(default_factory=list)
    facilities: Counter[str] = field(default_factory=Counter)
    bounds: shapely.Polygon | None = None


def recount(path: Path, bounds: tuple[float, float, float, float]) -> Recount:
    """Residential polygons (by way id), gate-type nodes and facility nodes/areas."""
    rules = tag_rules()
    result = Recount(bounds=shapely.box(*bounds))
    gate_barriers = set(rules["gate"]["barrier"])
    for obj in osmium.FileProcessor(str(path)).with_areas().with_locations():
        tags = dict(obj.tags)
        if obj.is_area():
            if tags.get("landuse") == "residential" or tags.get("place") == "neighbourhood":
                geom = wkb.loads(_WKB.create_multipolygon(obj), hex=True)
                if geom.intersects(result.bounds):
                    result.residential[obj.orig_id()] = (tags.get("name"), geom)
        elif obj.is_node() and tags.get("barrier") in gate_barriers:
            point = shapely.Point(obj.location.lon, obj.location.lat)
            if point.intersects(result.bounds):
                result.gates.append((obj.id, point))
    return result


def gates_near(recounted: Recount, polygon: shapely.Geometry) -> set[int]:
    """Ids of recounted gate nodes within the match distance of ``polygon``'s boundary."""
    found = set()
    for node_id, point in recounted.gates:
        metric = to_metres(shapely.GeometryCollection([polygon.boundary, point]),
                           origin=(point.x, point.y))
        boundary_m, point_m = metric.geoms
        if boundary_m.distance(point_m) <= settings.GATE_MATCH_DISTANCE_M:
            found.add(node_id)
    return found
