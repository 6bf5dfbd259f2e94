"""The geometries of OSM elements read by ``geo.osm.reader``: a tagged node is a Point, a
way a LineString (a MultiLineString when cut at missing nodes) or, when closed and tagged
as an area, a Polygon, a multipolygon or boundary relation a (Multi)Polygon assembled
from its member ways. These are the rules osmnx's ``features_from_xml`` applies (its
polygon-tag table, outer/inner merging), so imports read as before, from any format.

Coordinates are (lon, lat) WGS-84 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, polygonize, unary_union

from geo.osm.reader import OsmData, OsmRelation, OsmWay

# A closed way is a polygon when one of its tags says so (``all`` values, a ``passlist``
# of values, or all but a ``blocklist``): the OSM wiki's area rules, as osmnx uses them.
_POLYGON_TAGS: dict[str, tuple[str, frozenset[str]]] = {
    "aeroway": ("blocklist", frozenset({"taxiway"})),
    "amenity": ("all", frozenset()),
    "area": ("all", frozenset()),
    "area:highway": ("all", frozenset()),
    "barrier": ("passlist", frozenset({"city_wall", "ditch", "hedge", "retaining_wall", "spikes"})),
    "boundary": ("all", frozenset()),
    "building": ("all", frozenset()),
    "building:part": ("all", frozenset()),
    "craft": ("all", frozenset()),
    "golf": ("all", frozenset()),
    "highway": ("passlist", frozenset({"elevator", "escape", "rest_area", "services"})),
    "historic": ("all", frozenset()),
    "indoor": ("all", frozenset()),
    "landuse": ("all", frozenset()),
    "leisure": ("all", frozenset()),
    "man_made": ("blocklist", frozenset({"cutline", "embankment", "pipeline"})),
    "military": ("all", frozenset()),
    "natural": ("blocklist", frozenset({"arete", "cliff", "coastline", "ridge", "tree_row"})),
    "office": ("all", frozenset()),
    "place": ("all", frozenset()),
    "power": ("passlist", frozenset({"generator", "plant", "substation", "transformer"})),
    "public_transport": ("all", frozenset()),
    "railway": ("passlist", frozenset({"platform", "roundhouse", "station", "turntable"})),
    "ruins": ("all", frozenset()),
    "shop": ("all", frozenset()),
    "tourism": ("all", frozenset()),
    "waterway": ("passlist", frozenset({"boatyard", "dam", "dock", "riverbank"})),
}
_AREA_RELATIONS = {"multipolygon", "boundary"}
# Element attributes, never tags (a tag of these names is not imported).
_NOT_TAGS = {"element", "id", "geometry", "nodes", "ways", "visible",
             "changeset", "timestamp", "uid", "user", "version"}


@dataclass(frozen=True)
class Element:
    """One tagged OSM element with its geometry; ``element`` is ``"node"``, ``"way"`` or
    ``"relation"``. ``element["id"]`` reads like a row of the features table it replaces."""

    element: str
    id: int
    geometry: BaseGeometry
    tags: dict[str, str]

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


def elements(data: OsmData) -> tuple[list[Element], int]:
    """The tagged elements of ``data`` with a geometry, sorted by (element, id), and the
    count of area relations left out because a member way is missing or cut."""
    found: list[Element] = []
    for node in data.nodes:
        tags = _clean(node.tags)
        if tags:
            found.append(Element("node", node.id, Point(node.lon, node.lat), tags))
    way_geoms: dict[int, BaseGeometry] = {}
    for way in data.ways:
        geom = _way_geometry(way)
        if geom is None:
            continue
        if way.complete:
            way_geoms[way.id] = geom
        tags = _clean(way.tags)
        if tags:
            found.append(Element("way", way.id, geom, tags))
    incomplete = 0
    for relation in data.relations:
        if relation.tags.get("type") not in _AREA_RELATIONS:
            continue
        geom = _relation_geometry(relation, way_geoms)
        if geom is None:
            incomplete += 1
        elif not geom.is_empty:
            found.append(Element("relation", relation.id, geom, _clean(relation.tags)))
    valid = shapely.make_valid([e.geometry for e in found])
    found = [Element(e.element, e.id, g, e.tags) for e, g in zip(found, valid, strict=True)]
    return sorted(found, key=lambda e: (e.element, e.id)), incomplete


def _clean(tags: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if v != "" and k not in _NOT_TAGS}


def _is_area(tags: dict[str, str]) -> bool:
    if tags.get("area") == "no":
        return False
    for key in tags.keys() & _POLYGON_TAGS.keys():
        rule, values = _POLYGON_TAGS[key]
        if rule == "all" or (rule == "passlist") == (tags[key] in values):
            return True
    return False


def _way_geometry(way: OsmWay) -> BaseGeometry | None:
    """A way's geometry, or None when it has none (too few nodes, dropped)."""
    lines = [[(lon, lat) for _, lon, lat in run] for run in way.runs]
    if not lines:
        return None
    if len(lines) > 1:
        return MultiLineString(lines)
    if way.complete and way.closed and _is_area(way.tags):
        return Polygon(lines[0]) if len(lines[0]) >= 4 else None
    return LineString(lines[0])


def _relation_geometry(relation: OsmRelation, way_geoms: dict[int, BaseGeometry]) -> BaseGeometry | None:
    """A multipolygon's (Multi)Polygon from its outer and inner ways (open ways merged
    into rings, inner rings cut from the outers holding them); None when a member way is
    missing or cut; an empty Polygon when the members make no polygon."""
    rings: dict[str, tuple[list[LineString], list[Polygon]]] = {"outer": ([], []), "inner": ([], [])}
    for kind, ref, role in relation.members:
        if kind != "w":
            continue
        geom = way_geoms.get(ref)
        if geom is None:
            return None
        if role in rings:
            lines, polygons = rings[role]
            if isinstance(geom, Polygon):
                polygons.append(geom)
            elif isinstance(geom, LineString):
                lines.append(geom)
    outer, inner = (_polygons(*rings[role]) for role in ("outer", "inner"))
    if inner:
        holed = []
        for shell in outer:
            shapely.prepare(shell)
            holed.append(shell.difference(unary_union([h for h in inner if shell.contains(h)])))
        outer = holed
    geometry = unary_union(outer)
    return geometry if isinstance(geometry, (Polygon, MultiPolygon)) else Polygon()


def _polygons(lines: list[LineString], polygons: list[Polygon]) -> list[BaseGeometry]:
    merged = linemerge(lines)
    parts = list(getattr(merged, "geoms", [merged]))
    return [*polygons, *(p for part in parts for p in polygonize(part))]


__all__ = ["Element", "elements"]
