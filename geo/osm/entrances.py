"""An entrance for every compound: gates mapped in OSM matched to their compound, gates
inferred where a road enters one, and an entrance proposed where neither exists.

Pure functions on shapely geometries in metres (one local projection, e.g.
``geo.geometry.coords.to_metres`` or the reader's own); the caller turns the entrances
back into WGS-84 (lon, lat) features. Three kinds, in the order they are looked for:

- **mapped** (``source="osm"``): an OSM gate node (``barrier=gate`` …, ``entrance=*``)
  belongs to a compound when it lies within ``GATE_MATCH_DISTANCE_M`` of the boundary
  (``found="near_boundary"``), on one of the compound's own wall or fence ways
  (``"on_wall"``: a ``barrier=wall/fence`` way most of whose length runs within
  ``WALL_ALONG_BOUNDARY_M`` of the boundary, or whose ring encloses the compound), or on a
  road that enters the compound, within ``GATE_ON_ROAD_MAX_M`` of it (``"on_road"``);
- **inferred** (``source="inferred"``): where a road crosses the boundary
  (``"road_crossing"``) or ends within ``ROAD_END_GATE_DISTANCE_M`` of it (``"road_end"``),
  unless a gate of the compound is within ``INFERRED_GATE_MIN_SPACING_M``;
- **proposed** (``source="proposed"``): for a compound still without an entrance, the
  boundary point nearest the nearest street outside it (``"nearest_street"``), not on a
  part of the boundary inside or touching another compound, to be checked by the office (待核实).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass

from shapely import STRtree
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, unary_union

from geo import settings

# A gate node lies "on" a way when it is this close to its line (metres): OSM gates are
# vertices of their ways, so this only absorbs rounding.
ON_WAY_M = 0.5
# A wall or fence way is the compound's own when this share of its length runs along the
# boundary (within WALL_ALONG_BOUNDARY_M).
WALL_MIN_SHARE = 0.5
WALL_BARRIERS = frozenset({"wall", "fence"})
MAPPED, INFERRED, PROPOSED = "osm", "inferred", "proposed"
# The sources of the entrances that are guesses, for an office to confirm.
GUESSED_SOURCES = frozenset({INFERRED, PROPOSED})
# A proposed entrance keeps this far (metres) from another compound's outline, so that it
# opens onto the street, not onto where two outlines meet.
CLEAR_OF_NEIGHBOUR_M = 2.0


@dataclass(frozen=True)
class Outline:
    """A compound: its key (any hashable id) and its polygon (metres)."""

    key: Hashable
    polygon: BaseGeometry


@dataclass(frozen=True)
class GateNode:
    """A candidate gate: an OSM node id, its point (metres) and its tags."""

    osm_id: int
    point: Point
    tags: Mapping[str, str]


@dataclass(frozen=True)
class Way:
    """An OSM way: its id, its line (metres; a closed ring for a closed way) and tags."""

    osm_id: int
    line: LineString
    tags: Mapping[str, str]

    @property
    def is_wall(self) -> bool:
        return self.tags.get("barrier") in WALL_BARRIERS


@dataclass(frozen=True)
class Entrance:
    """An entrance of compound ``compound`` (an index into the outlines) at ``point``
    (metres): ``source`` osm/inferred/proposed, ``found`` how (see the module doc),
    the gate ``node`` (mapped) or the ``way`` it comes from, and ``distance_m`` from the
    boundary (mapped: the node; proposed: the street)."""

    compound: int
    point: Point
    source: str
    found: str
    distance_m: float
    node: GateNode | None = None
    way: Way | None = None


def match_gates(outlines: Sequence[Outline], nodes: Sequence[GateNode], ways: Sequence[Way],
                road_highways: Collection[str]) -> tuple[list[Entrance], list[GateNode]]:
    """The mapped gates matched to a compound, and the nodes matched to none.

    A node near a boundary goes to the compound with the nearest boundary; else to the
    nearest compound whose wall or fence way it lies on; else to the nearest compound
    entered by a road (``highway`` in ``road_highways``) it lies on."""
    matched: list[Entrance] = []
    unmatched: list[GateNode] = []
    if not outlines:
        return matched, list(nodes)
    boundaries = [o.polygon.boundary for o in outlines]
    boundary_tree = STRtree(boundaries)
    walls = [(w, _wall_compounds(w, boundaries, boundary_tree)) for w in ways if w.is_wall]
    roads = [(w, _entered(w.line, boundaries, boundary_tree))
             for w in ways if w.tags.get("highway") in road_highways]
    wall_tree = STRtree([w.line for w, _ in walls])
    road_tree = STRtree([w.line for w, _ in roads])
    for node in nodes:
        near = boundary_tree.query_nearest(
            node.point, max_distance=settings.GATE_MATCH_DISTANCE_M, all_matches=False)
        if len(near):
            i = int(near[0])
            matched.append(Entrance(i, node.point, MAPPED, "near_boundary",
                                    float(boundaries[i].distance(node.point)), node=node))
            continue
        entrance = (_on_way(node, walls, wall_tree, boundaries, "on_wall", None)
                    or _on_way(node, roads, road_tree, boundaries, "on_road", settings.GATE_ON_ROAD_MAX_M))
        if entrance is None:
            unmatched.append(node)
        else:
            matched.append(entrance)
    return matched, unmatched


def _on_way(node: GateNode, ways: list[tuple[Way, list[int]]], tree: STRtree, boundaries: list[BaseGeometry],
            found: str, max_m: float | None) -> Entrance | None:
    """The entrance of ``node`` to the nearest compound of a way it lies on."""
    best: Entrance | None = None
    for i in tree.query(node.point, predicate="dwithin", distance=ON_WAY_M):
        way, compounds = ways[int(i)]
        for c in compounds:
            d = float(boundaries[c].distance(node.point))
            if (max_m is None or d <= max_m) and (best is None or d < best.distance_m):
                best = Entrance(c, node.point, MAPPED, found, d, node=node, way=way)
    return best


def _wall_compounds(wall: Way, boundaries: list[BaseGeometry], tree: STRtree) -> list[int]:
    """The compounds whose own wall or fence ``wall`` is: it runs along the boundary, or
    its ring encloses the compound."""
    reach = settings.WALL_ALONG_BOUNDARY_M
    closed = wall.line.is_closed and len(wall.line.coords) >= 4
    ring = Polygon(wall.line.coords).buffer(reach) if closed else None
    length = max(wall.line.length, 1e-9)
    mine = [int(i) for i in tree.query(wall.line, predicate="dwithin", distance=reach)
            if wall.line.intersection(boundaries[int(i)].buffer(reach)).length / length >= WALL_MIN_SHARE]
    if ring is not None:
        mine += [int(i) for i in tree.query(ring, predicate="covers") if int(i) not in mine]
    return mine


def _entered(road: LineString, boundaries: list[BaseGeometry], tree: STRtree) -> list[int]:
    """The compounds ``road`` enters (see ``road_entries``)."""
    return sorted({e.compound for e in road_entries(road, None, boundaries, tree)})


def road_entries(road: LineString, way: Way | None, boundaries: Sequence[BaseGeometry],
                 tree: STRtree) -> list[Entrance]:
    """Where ``road`` (metres) enters a compound: the points where it crosses a boundary,
    and the boundary point next to a road end that stops short of one."""
    entries = []
    for i in tree.query(road, predicate="intersects"):
        crossing = road.intersection(boundaries[int(i)])
        entries += [Entrance(int(i), g, INFERRED, "road_crossing", 0.0, way=way)
                    for g in getattr(crossing, "geoms", [crossing]) if isinstance(g, Point)]
    reach = settings.ROAD_END_GATE_DISTANCE_M
    for end in (Point(road.coords[0]), Point(road.coords[-1])):
        for i in tree.query(end, predicate="dwithin", distance=reach):
            boundary = boundaries[int(i)]
            if not road.intersects(boundary):
                entries.append(Entrance(int(i), boundary.interpolate(boundary.project(end)), INFERRED,
                                        "road_end", float(boundary.distance(end)), way=way))
    return entries


def infer_crossings(outlines: Sequence[Outline], ways: Sequence[Way], known: Sequence[Entrance],
                    road_highways: Collection[str]) -> list[Entrance]:
    """Inferred entrances where a road (``highway`` in ``road_highways``) enters a
    compound, at least ``INFERRED_GATE_MIN_SPACING_M`` from ``known`` entrances and from
    each other (per compound), in the order of ``ways``."""
    if not outlines:
        return []
    boundaries = [o.polygon.boundary for o in outlines]
    tree = STRtree(boundaries)
    taken: dict[int, list[Point]] = {}
    for entrance in known:
        taken.setdefault(entrance.compound, []).append(entrance.point)
    inferred = []
    for way in ways:
        if way.tags.get("highway") not in road_highways:
            continue
        for entry in road_entries(way.line, way, boundaries, tree):
            points = taken.setdefault(entry.compound, [])
            if any(entry.point.distance(p) <= settings.INFERRED_GATE_MIN_SPACING_M for p in points):
                continue
            points.append(entry.point)
            inferred.append(entry)
    return inferred


def propose_entrances(outlines: Sequence[Outline], ways: Sequence[Way], known: Sequence[Entrance],
                      street_highways: Collection[str]) -> list[Entrance]:
    """One proposed entrance for each compound with none in ``known``: the boundary point
    nearest the nearest street (``highway`` in ``street_highways``) outside the compound.
    A compound with no street outside it at all gets none."""
    have = {e.compound for e in known}
    streets = [w for w in ways if w.tags.get("highway") in street_highways]
    if not streets:
        return []
    tree = STRtree([w.line for w in streets])
    polygons = [o.polygon for o in outlines]
    compound_tree = STRtree(polygons)
    proposed = []
    for c, outline in enumerate(outlines):
        if c in have:
            continue
        best: tuple[float, Way, BaseGeometry] | None = None
        for i in tree.query_nearest(outline.polygon.boundary, all_matches=True, exclusive=False):
            best = _nearer(best, streets[int(i)], outline.polygon)
        if best is None:  # the nearest streets all lie inside: look at every street
            for way in streets:
                best = _nearer(best, way, outline.polygon)
        if best is None:
            continue
        distance, way, outside = best
        point, _ = nearest_points(_own_boundary(c, polygons, compound_tree), outside)
        proposed.append(Entrance(c, point, PROPOSED, "nearest_street", distance, way=way))
    return proposed


def _own_boundary(c: int, polygons: Sequence[BaseGeometry], tree: STRtree) -> BaseGeometry:
    """Compound ``c``'s boundary without the parts inside or within
    ``CLEAR_OF_NEIGHBOUR_M`` of other compounds (outlines drawn wall to wall or
    overlapping): an entrance there would open into the neighbour. The whole boundary if
    nothing is left (a compound drawn inside another)."""
    boundary = polygons[c].boundary
    near = tree.query(boundary, predicate="dwithin", distance=CLEAR_OF_NEIGHBOUR_M)
    others = [polygons[int(i)] for i in near if int(i) != c]
    if not others:
        return boundary
    free = boundary.difference(unary_union(others).buffer(CLEAR_OF_NEIGHBOUR_M))
    return boundary if free.is_empty else free


def _nearer(best: tuple[float, Way, BaseGeometry] | None, way: Way, polygon: BaseGeometry
            ) -> tuple[float, Way, BaseGeometry] | None:
    """``best`` or ``way``'s part outside ``polygon``, whichever is nearer its boundary."""
    outside = way.line.difference(polygon)
    if outside.is_empty:
        return best
    distance = float(outside.distance(polygon.boundary))
    return (distance, way, outside) if best is None or distance < best[0] else best


__all__ = ["GUESSED_SOURCES", "INFERRED", "MAPPED", "PROPOSED", "Entrance", "GateNode", "Outline",
           "Way", "infer_crossings", "match_gates", "propose_entrances", "road_entries"]
