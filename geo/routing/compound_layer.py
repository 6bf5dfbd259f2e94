"""The layer one compound adds to the street graph: walls, gates, doors, paths.

A compound's inside is reachable only through its gates. Street-graph nodes inside
the polygon are the inside; a road segment between the inside and the outside passes
through the gate nearest to it (within ``GATE_PASSAGE_SNAP_M``) or is cut as a wall.
The outside is what lies in no compound: a segment leading into another compound (two
compounds wall to wall) is cut, and nothing of the layer attaches to a segment with an
end inside another compound, so a neighbour's wall is never reopened.
Each gate becomes two nodes, outside and inside, joined by a passage edge that the
gate's rules open or close at query time; a gate no passage road reaches is linked to
the nearest street whose straight link does not run inside its compound. Unit doors,
facilities and office-drawn paths are attached to the nearest segment by splitting it
at the projection point.

A layer depends only on its compound's own data, the street graph and which street
nodes near it lie in other compounds, so an office edit rebuilds one layer
(milliseconds), never the street graph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, cast

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from geo import settings
from geo.collector import collector_paused
from geo.geometry.spatial import GridIndex, point_segment
from geo.routing.inputs import Building, Compound, Door, Facility, OfficePath
from geo.routing.street_graph import PRIVATE, PUBLIC, RIDE, WALK, StreetGraph

# Kinds of layer edges (street-graph edges are STREET or INSIDE).
STREET, INSIDE, GATE, LINK, PATH, COURTYARD = range(6)
# Parking at a node: not allowed, on the street or at a door (penalised; the route's own
# door is not, see geo.routing.route), or at a parking facility.
NO_PARKING, STREET_PARKING, GOOD_PARKING = 0, 1, 2
_PATH_MODES = {"foot": WALK, "ebike": RIDE, "both": RIDE | WALK}
_G = TypeVar("_G", bound=BaseGeometry)
# A building's own door is put at least this far inside its compound's wall (metres).
_DOOR_INSIDE_M = 1.0
# How far from a building's centre (metres) the walkable segments its door may face are looked for.
_DOOR_SEARCH_M = 150.0
_DOOR_BATCH = 5_000  # segments measured against building outlines in one call (memory)
_POINT_BATCH = 256  # doors and facilities whose nearest segments are measured in one call
# A search for the nearest segment farther than this (metres) looks this near first.
_FIRST_LOOK_M = 100.0
_MATRIX_CELLS = 1_000_000  # point-by-segment distances measured in one call (memory)
# A gate this near a road (metres) stands on it: it is joined to it besides its passage.
_GATE_ON_ROAD_M = 3.0
# A straight walk across a courtyard may leave the compound's drawn outline by this much
# (metres) beyond how far its ends lie outside it; more, and it runs through the wall
# into the street or a neighbour's compound.
_COURTYARD_OUTSIDE_M = 1.0
# Joins of one courtyard piece tried, nearest first, before the nearest is taken anyway.
# A straight walk within this much of the drawn wall (metres) runs along it, not across
# the courtyard: between two gates on a wall it would go round a closed gate outside it.
_WALL_M = 0.5
# A gate's link to a street outside may run this far more inside its compound's drawn
# outline than the gate itself stands inside it (metres); farther, and it would reach the
# gate's street side through the wall.
_LINK_INSIDE_M = 1.0
_COURTYARD_TRIES = 8


class StreetIndex:
    """Spatial lookups on a street graph: its segments (undirected) and nodes."""

    def __init__(self, street: StreetGraph) -> None:
        self.street = street
        tail, head = np.asarray(street.tail, dtype=np.int64), np.asarray(street.head, dtype=np.int64)
        a, b = np.minimum(tail, head), np.maximum(tail, head)
        n = street.n_nodes
        pairs, inverse = np.unique(a * n + b, return_inverse=True)
        self.seg_a, self.seg_b = pairs // n, pairs % n
        forward = tail == a
        self.seg_ab = np.zeros(len(pairs), dtype=np.uint8)
        self.seg_ba = np.zeros(len(pairs), dtype=np.uint8)
        np.bitwise_or.at(self.seg_ab, inverse[forward], street.modes[forward])
        np.bitwise_or.at(self.seg_ba, inverse[~forward], street.modes[~forward])
        self.seg_rideable = ((self.seg_ab | self.seg_ba) & RIDE) > 0
        self.seg_way = np.zeros(len(pairs), dtype=np.int32)
        self.seg_way[inverse] = street.way
        x, y = np.asarray(street.x), np.asarray(street.y)
        self.segments = GridIndex(x[self.seg_a], y[self.seg_a], x[self.seg_b], y[self.seg_b])
        self.nodes = GridIndex(x, y, x, y)
        self.node_public = np.zeros(n, dtype=bool)
        public = (np.asarray(street.modes) & PUBLIC) > 0
        self.node_public[tail[public]] = True
        self.node_public[head[public]] = True

    def nodes_in(self, polygon: BaseGeometry) -> NDArray[np.int64]:
        """Street nodes inside ``polygon`` (plane metres), through roads excluded."""
        candidates = self.nodes.query_box(*polygon.bounds)
        x, y = np.asarray(self.street.x), np.asarray(self.street.y)
        inside = candidates[shapely.contains_xy(polygon, x[candidates], y[candidates])]
        return np.sort(inside[~self.node_public[inside]])


def building_door(index: StreetIndex, outline: BaseGeometry, *, within: BaseGeometry | None = None,
                  search_m: float = _DOOR_SEARCH_M) -> tuple[float, float]:
    """Where a building without a mapped unit door is entered: the point of its outline
    (WGS-84) nearest to the nearest walkable segment; its centroid if none is near. With
    ``within`` (its compound's polygon, WGS-84), only the part of the outline at least
    ``_DOOR_INSIDE_M`` inside it counts, if there is one: a door is not behind the wall.
    ``search_m`` (metres) is how far from the building's centre segments are looked for."""
    return building_doors(index, [outline], [within], search_m=search_m)[0]


def building_doors(index: StreetIndex, outlines: Sequence[BaseGeometry],
                   withins: Sequence[BaseGeometry | None], *,
                   search_m: float = _DOOR_SEARCH_M) -> list[tuple[float, float]]:
    """``building_door`` of each outline (inside the compound polygon beside it, or None),
    (lon, lat) WGS-84, the geometry of all of them computed at once."""
    if not outlines:
        return []
    street = index.street
    shapes: NDArray[np.object_] = shapely.transform(np.asarray(outlines, dtype=object), _plane_coords(street))
    inner: dict[int, BaseGeometry] = {}  # a compound's polygon, plane metres, less the wall
    for within in withins:
        if within is not None and id(within) not in inner:
            inner[id(within)] = to_plane(street, within).buffer(-_DOOR_INSIDE_M)
    held = [i for i, w in enumerate(withins) if w is not None]
    if held:
        parts = shapely.intersection(shapes[held], [inner[id(withins[i])] for i in held])
        inside = shapely.area(parts) > 0
        shapes[np.asarray(held)[inside]] = parts[inside]
    centres = shapely.centroid(shapes)
    cx, cy = shapely.get_x(centres), shapely.get_y(centres)
    fallback = shapely.centroid(np.asarray(outlines, dtype=object))
    walkable = ((index.seg_ab | index.seg_ba) & WALK) > 0
    lonlat = np.column_stack([shapely.get_x(fallback), shapely.get_y(fallback)])
    batch: list[int] = []  # buildings whose near segments are measured together
    near: list[NDArray[np.int64]] = []
    size = 0
    for i in range(len(shapes)):
        ids = index.segments.query_box(cx[i] - search_m, cy[i] - search_m, cx[i] + search_m, cy[i] + search_m)
        batch.append(i)
        near.append(ids[walkable[ids]])
        size += len(near[-1])
        if i == len(shapes) - 1 or size >= _DOOR_BATCH:
            with collector_paused():  # a batch's geometries would set off full scans
                found, points = _door_points(index, shapes[batch], near)
            lonlat[np.asarray(batch)[found]] = points
            batch, near, size = [], [], 0
    return [(float(lon), float(lat)) for lon, lat in lonlat.tolist()]


def _door_points(index: StreetIndex, shapes: NDArray[np.object_], near: list[NDArray[np.int64]]
                 ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """For each of ``shapes`` (plane metres) with segments ``near`` it, the point of its
    outline nearest its first nearest segment (as ``np.argmin`` picks it: a NaN first), as
    (positions in ``shapes``, (lon, lat) rows); every pair's geometry in one vectorised call."""
    owner = np.repeat(np.arange(len(shapes)), [len(ids) for ids in near])
    if len(owner) == 0:
        return np.empty(0, dtype=np.int64), np.empty((0, 2))
    street = index.street
    x, y = np.asarray(street.x), np.asarray(street.y)
    ids = np.concatenate(near)
    lines = cast("NDArray[np.object_]", shapely.linestrings(np.stack([  # (n, 2, 2): n lines
        np.column_stack([x[index.seg_a[ids]], y[index.seg_a[ids]]]),
        np.column_stack([x[index.seg_b[ids]], y[index.seg_b[ids]]])], axis=1)))
    dist = shapely.distance(lines, shapes[owner])
    firsts = _first_least(owner, np.where(np.isnan(dist), -np.inf, dist))  # a NaN first, as argmin
    held = owner[firsts]
    links = shapely.shortest_line(shapely.boundary(shapes[held]), lines[firsts])
    start = shapely.get_coordinates(links).reshape(-1, 2, 2)[:, 0]
    lon, lat = street.to_lonlat(start[:, 0], start[:, 1])
    return held, np.column_stack([lon, lat])


def _first_least(owner: NDArray[np.int64], values: NDArray[np.float64]) -> NDArray[np.int64]:
    """Per owner (rows grouped by ``owner``, each owner ≥ 0), the position of its least
    value, the first of equal ones as ``np.argmin`` picks it; owners in increasing order."""
    order = np.lexsort((values, owner))  # stable
    return order[np.flatnonzero(np.diff(owner[order], prepend=-1))]


def build_doors_of_buildings(index: StreetIndex,
                             buildings: Sequence[tuple[Building, Compound | None]]) -> list[Door]:
    """The door of each building without unit doors, at ``building_door`` of its outline
    (inside the compound beside it, the building's)."""
    places = building_doors(index, [b.outline for b, _ in buildings],
                            [c.polygon if c is not None else None for _, c in buildings])
    return [Door(id=b.id, lon=lon, lat=lat, kind="building", compound_id=b.compound_id,
                 label=b.label, code=b.code, building_id=b.id, version=b.version)
            for (b, _), (lon, lat) in zip(buildings, places, strict=True)]


def wall_core(polygon: BaseGeometry) -> BaseGeometry:
    """``polygon`` (plane metres) kept ``_WALL_M`` clear of its wall; itself if it is
    narrower than that margin."""
    core: BaseGeometry = polygon.buffer(-_WALL_M)
    return polygon if core.is_empty else core


def walk_stays_inside(polygon: BaseGeometry, a: tuple[float, float], b: tuple[float, float], *,
                      off_wall_ends: bool = False, core: BaseGeometry | None = None) -> bool:
    """Whether a straight walk across a courtyard from ``a`` to ``b`` (plane metres) stays
    in ``polygon`` (the compound, plane metres): the parts of it outside the outline that
    reach neither end (across a notch of a concave outline, through a neighbour's wall
    and back) total at most ``_COURTYARD_OUTSIDE_M``, and it leaves the outline kept
    ``_WALL_M`` clear of the wall by at most that much more than its ends lie outside
    that (so it does not run along the wall, between two gates on it). With
    ``off_wall_ends`` the second bound is dropped: an end mapped off the wall (a gate) is
    met straight, however slanted the walk reaches it. ``core`` is ``wall_core(polygon)``,
    if the caller has it already."""
    pa, pb = Point(a), Point(b)
    if pa.equals(pb):
        return True
    line = LineString([pa, pb])
    outside = line.difference(polygon)
    pieces = [g for g in getattr(outside, "geoms", [outside]) if not g.is_empty]
    through = sum(g.length for g in pieces if g.distance(pa) > 1e-6 and g.distance(pb) > 1e-6)
    if through > _COURTYARD_OUTSIDE_M:
        return False
    if off_wall_ends:
        return True
    if core is None:
        core = wall_core(polygon)
    allowed = float(core.distance(pa) + core.distance(pb))
    return bool(line.difference(core).length <= allowed + _COURTYARD_OUTSIDE_M)


def to_plane(street: StreetGraph, geom: _G) -> _G:
    """A WGS-84 geometry in the street graph's local metric plane."""
    return shapely.transform(geom, _plane_coords(street))


def _plane_coords(street: StreetGraph) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """(n, 2) lon/lat degrees → (n, 2) plane metres of ``street``, for ``shapely.transform``."""
    return lambda xy: np.column_stack(street.to_plane(xy[:, 0], xy[:, 1]))


@dataclass
class Layer:
    """Nodes and edges a compound (or the street, ``compound=None``) adds.

    Edge ends are encoded: a street node ``i`` as ``i``, a layer node ``j`` as ``-j-1``.
    ``gate`` holds an index into ``gates`` for passage edges (else -1).
    """

    compound: Compound | None
    inside_nodes: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    inside_edges: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    cut_edges: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    unblock_nodes: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    park: list[int] = field(default_factory=list)
    tail: list[int] = field(default_factory=list)
    head: list[int] = field(default_factory=list)
    length: list[float] = field(default_factory=list)
    modes: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    inside: list[bool] = field(default_factory=list)
    gate: list[int] = field(default_factory=list)
    way: list[int] = field(default_factory=list)
    label: list[str | None] = field(default_factory=list)
    gate_nodes: list[tuple[int, int]] = field(default_factory=list)
    gate_connected: list[bool] = field(default_factory=list)
    doors: dict[tuple[str, int], int] = field(default_factory=dict)
    facilities: dict[int, int] = field(default_factory=dict)
    nav: int | None = None

    @property
    def n_nodes(self) -> int:
        return len(self.x)

    def add_node(self, x: float, y: float, park: int = NO_PARKING) -> int:
        self.x.append(float(x))
        self.y.append(float(y))
        self.park.append(park)
        return -len(self.x)

    def add_edge(self, u: int, v: int, length: float, modes: int, kind: int, *, inside: bool,
                 gate: int = -1, way: int = -1, label: str | None = None,
                 both: bool = False) -> None:
        for a, b in ((u, v), (v, u)) if both else ((u, v),):
            if modes & (RIDE | WALK) == 0:
                continue
            self.tail.append(a)
            self.head.append(b)
            self.length.append(float(length))
            self.modes.append(int(modes))
            self.kind.append(kind)
            self.inside.append(inside)
            self.gate.append(gate)
            self.way.append(way)
            self.label.append(label)


class _Builder:
    """Builds one layer; see the module docstring."""

    def __init__(self, index: StreetIndex, compound: Compound | None,
                 outside_nodes: NDArray[np.bool_] | None = None) -> None:
        self.index = index
        self.street = index.street
        self.x, self.y = np.asarray(self.street.x), np.asarray(self.street.y)
        self.compound = compound
        self.layer = Layer(compound)
        self.ride_inside = compound.ebikes_allowed if compound else True
        self.excluded_outside = outside_nodes  # street nodes inside any compound
        self.inside_mask = np.zeros(self.street.n_nodes, dtype=bool)  # of this compound
        self.core: BaseGeometry | None = None  # wall_core of the polygon, once needed

    # --- membership ------------------------------------------------------------------
    def _is_inside(self, nodes: NDArray[np.int64]) -> NDArray[np.bool_]:
        found: NDArray[np.bool_] = self.inside_mask[nodes]
        return found

    def _near_segments(self, xs: NDArray[np.float64], ys: NDArray[np.float64], *, side: str,
                       max_m: float, need: int) -> tuple[NDArray[np.int64], NDArray[np.int64],
                                                         NDArray[np.float64], NDArray[np.float64]]:
        """The segments on ``side`` with modes ``need`` in the box ``max_m`` around each
        point (x, y plane metres), in the grid's order, as (point, segment, metres, fraction
        along it) rows of all points concatenated; one vectorised measure for them all."""
        grid = self.index.segments
        found = [grid.query_box(x - max_m, y - max_m, x + max_m, y + max_m)
                 for x, y in zip(xs.tolist(), ys.tolist(), strict=True)]
        owner = np.repeat(np.arange(len(found)), [len(f) for f in found])
        ids = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        ok = self._usable(ids, side=side, need=need)
        owner, ids = owner[ok], ids[ok]
        dist, frac = point_segment(xs[owner], ys[owner], grid.x0[ids], grid.y0[ids],
                                   grid.x1[ids], grid.y1[ids])
        return owner, ids, dist, frac

    def _usable(self, ids: NDArray[np.int64], *, side: str, need: int) -> NDArray[np.bool_]:
        """Which segments ``ids`` lie on ``side`` and carry a mode of ``need``: inside,
        both ends in the compound; outside, neither end in any compound, and not private."""
        a, b = self.index.seg_a[ids], self.index.seg_b[ids]
        modes = self.index.seg_ab[ids] | self.index.seg_ba[ids]
        ok: NDArray[np.bool_] = (modes & need) > 0
        if side == "inside":
            ok &= self._is_inside(a) & self._is_inside(b)
        else:
            ok &= ~self._is_inside(a) & ~self._is_inside(b) & ((modes & PRIVATE) == 0)
            if self.excluded_outside is not None:
                ok &= ~self.excluded_outside[a] & ~self.excluded_outside[b]
        return ok

    def _nearest_segments(self, xs: NDArray[np.float64], ys: NDArray[np.float64], *, side: str,
                          max_m: float, need: int = RIDE | WALK
                          ) -> list[tuple[int, float, float]]:
        """``_nearest_segment`` (without ``keep_out``) of each point, measured together
        in batches of ``_POINT_BATCH`` points."""
        out: list[tuple[int, float, float]] = [(-1, float("inf"), 0.0)] * len(xs)
        rest = np.arange(len(xs))
        if side == "inside" and len(self.layer.inside_nodes):
            rest = self._nearest_inside(xs, ys, max_m=max_m, need=need, out=out)
        for start in range(0, len(rest), _POINT_BATCH):
            batch = rest[start:start + _POINT_BATCH]
            bx, by = xs[batch], ys[batch]
            owner, ids, dist, frac = self._near_segments(bx, by, side=side, max_m=max_m, need=need)
            best: list[tuple[int, float, float]] = [(-1, float("inf"), 0.0)] * len(bx)
            firsts = _first_least(owner, dist)
            for i, seg, d, f in zip(owner[firsts].tolist(), ids[firsts].tolist(),
                                    dist[firsts].tolist(), frac[firsts].tolist(), strict=True):
                if d <= max_m:
                    best[i] = (seg, d, f)
            for i, found in zip(batch.tolist(), best, strict=True):
                out[i] = found
        return out

    def _nearest_inside(self, xs: NDArray[np.float64], ys: NDArray[np.float64], *, max_m: float,
                        need: int, out: list[tuple[int, float, float]]) -> NDArray[np.int64]:
        """``_nearest_segments`` on the inside, into ``out``, of the points whose search box
        covers every grid cell of the compound's outline: for them all, the compound's
        inside segments, in the grid's order, are measured at once (points by segments).
        Returns the positions of the other points."""
        grid = self.index.segments
        box = grid.cells_of_box(*self.polygon.bounds)
        covered = np.array([_covers(grid.cells_of_box(x - max_m, y - max_m, x + max_m, y + max_m), box)
                            for x, y in zip(xs.tolist(), ys.tolist(), strict=True)], dtype=bool)
        rows = np.flatnonzero(covered)
        ids = grid.query_cells(*box)
        ids = ids[self._usable(ids, side="inside", need=need)]
        # an id met again in a later cell is as near: its first place is the one argmin finds
        ids = ids[np.sort(np.unique(ids, return_index=True)[1])]
        if len(ids) == 0:
            return np.flatnonzero(~covered)
        x0, y0, x1, y1 = (coord[ids][None, :] for coord in (grid.x0, grid.y0, grid.x1, grid.y1))
        step = max(1, _MATRIX_CELLS // len(ids))
        for start in range(0, len(rows), step):
            part = rows[start:start + step]
            dist, frac = point_segment(xs[part, None], ys[part, None], x0, y0, x1, y1)
            best = dist.argmin(axis=1)
            for r, (i, k) in enumerate(zip(part.tolist(), best.tolist(), strict=True)):
                if dist[r, k] <= max_m:
                    out[i] = (int(ids[k]), float(dist[r, k]), float(frac[r, k]))
        return np.flatnonzero(~covered)

    def _nearest_unique(self, x: float, y: float, *, side: str, max_m: float,
                        need: int) -> tuple[int, float, float] | None:
        """``_nearest_segment`` of (x, y) if a single segment is nearest within ``max_m``
        (any wider search finds it too: a segment as near lies in this box), else None."""
        _owner, ids, dist, frac = self._near_segments(
            np.array([x], dtype=np.float64), np.array([y], dtype=np.float64), side=side,
            max_m=max_m, need=need)
        if len(ids) == 0:
            return None
        best = int(np.argmin(dist))
        if dist[best] > max_m or (ids[dist == dist[best]] != ids[best]).any():
            return None
        return int(ids[best]), float(dist[best]), float(frac[best])

    def _nearest_segment(self, x: float, y: float, *, side: str, max_m: float,
                         need: int = RIDE | WALK, keep_out: bool = False) -> tuple[int, float, float]:
        """The nearest segment on ``side`` within ``max_m`` of (x, y) as (segment,
        metres, fraction along it), (-1, inf, 0) if none; with ``keep_out``, the nearest
        whose straight link from (x, y) runs inside the compound at most
        ``_LINK_INSIDE_M`` more than (x, y) lies inside it."""
        if not keep_out and max_m > _FIRST_LOOK_M:
            near = self._nearest_unique(x, y, side=side, max_m=_FIRST_LOOK_M, need=need)
            if near is not None:
                return near
        if not keep_out:
            return self._nearest_segments(np.array([x], dtype=np.float64), np.array([y], dtype=np.float64),
                                          side=side, max_m=max_m, need=need)[0]
        _owner, ids, dist, frac = self._near_segments(
            np.array([x], dtype=np.float64), np.array([y], dtype=np.float64), side=side,
            max_m=max_m, need=need)
        if len(ids) == 0:
            return -1, float("inf"), 0.0
        grid = self.index.segments
        here = Point(x, y)
        depth = float(self.polygon.boundary.distance(here)) if self.polygon.contains(here) else 0.0
        for best in np.argsort(dist, kind="stable").tolist():
            if dist[best] > max_m:
                break
            qx = grid.x0[ids[best]] + frac[best] * (grid.x1[ids[best]] - grid.x0[ids[best]])
            qy = grid.y0[ids[best]] + frac[best] * (grid.y1[ids[best]] - grid.y0[ids[best]])
            inside = LineString([(x, y), (qx, qy)]).intersection(self.polygon).length
            if inside > depth + _LINK_INSIDE_M:
                continue
            return int(ids[best]), float(dist[best]), float(frac[best])
        return -1, float("inf"), 0.0

    # --- attaching points ----------------------------------------------------------------
    def _split(self, seg: int, frac: float, *, inside: bool, park: int) -> int:
        """A layer node on segment ``seg`` at ``frac`` from its first end, joined to both
        ends with the segment's own modes and directions."""
        idx, layer = self.index, self.layer
        a, b = int(idx.seg_a[seg]), int(idx.seg_b[seg])
        qx = self.x[a] + frac * (self.x[b] - self.x[a])
        qy = self.y[a] + frac * (self.y[b] - self.y[a])
        q = layer.add_node(qx, qy, park)
        la = float(np.hypot(qx - self.x[a], qy - self.y[a]))
        lb = float(np.hypot(qx - self.x[b], qy - self.y[b]))
        ab, ba, way = int(idx.seg_ab[seg]), int(idx.seg_ba[seg]), int(idx.seg_way[seg])
        kind = INSIDE if inside else STREET
        layer.add_edge(a, q, la, ab, kind, inside=inside, way=way)
        layer.add_edge(q, b, lb, ab, kind, inside=inside, way=way)
        layer.add_edge(b, q, lb, ba, kind, inside=inside, way=way)
        layer.add_edge(q, a, la, ba, kind, inside=inside, way=way)
        return q

    def _attach(self, node: int, nx_: float, ny_: float, *, side: str, max_m: float,
                ride: bool, park_split: int = NO_PARKING, kind: int = LINK,
                keep_out: bool = False) -> int | None:
        """Join layer node ``node`` at (nx_, ny_) to the nearest segment on ``side``
        (``keep_out``: see ``_nearest_segment``); returns the split node or None when no
        segment is within ``max_m``."""
        seg, dist, frac = self._nearest_segment(nx_, ny_, side=side, max_m=max_m, keep_out=keep_out)
        return self._join(node, seg, dist, frac, side=side, ride=ride, park_split=park_split, kind=kind)

    def _join(self, node: int, seg: int, dist: float, frac: float, *, side: str, ride: bool,
              park_split: int = NO_PARKING, kind: int = LINK) -> int | None:
        """Join layer node ``node`` to segment ``seg`` (``dist`` metres away, at ``frac``
        along it; none if ``seg`` < 0) on ``side``; returns the split node or None."""
        if seg < 0:
            return None
        inside = side == "inside"
        q = self._split(seg, frac, inside=inside, park=park_split)
        modes = WALK | (RIDE if ride and (self.index.seg_ab[seg] | self.index.seg_ba[seg]) & RIDE
                        else 0)
        self.layer.add_edge(node, q, dist, modes, kind, inside=inside, both=True)
        return q

    def _node_xy(self, ref: int) -> tuple[float, float]:
        if ref >= 0:
            return float(self.x[ref]), float(self.y[ref])
        return self.layer.x[-ref - 1], self.layer.y[-ref - 1]

    # --- compound ----------------------------------------------------------------------------
    def build(self, doors: list[Door], facilities: list[Facility],
              paths: list[OfficePath]) -> Layer:
        if self.compound is not None:
            self._inside()
            self._gates()
            self._nav()
        points = [(d.lon, d.lat, STREET_PARKING) for d in doors]
        points += [(f.lon, f.lat, GOOD_PARKING if f.kind == "parking" else NO_PARKING)
                   for f in facilities]
        nodes = self._points(points)
        self.layer.doors.update(zip((d.key for d in doors), nodes[:len(doors)], strict=True))
        self.layer.facilities.update(zip((f.id for f in facilities), nodes[len(doors):], strict=True))
        if self.compound is not None:
            self._courtyard()
            for path in paths:
                self._office_path(path)
        return self.layer

    def _inside(self) -> None:
        assert self.compound is not None
        street, layer = self.street, self.layer
        self.polygon = to_plane(street, self.compound.polygon)
        inside = self.index.nodes_in(self.polygon)
        layer.inside_nodes = inside
        self.inside_mask[inside] = True
        if len(inside) == 0:
            return
        out_edges = _ranges(np.asarray(street.indptr), inside)
        in_edges = np.asarray(street.rev_edge)[_ranges(np.asarray(street.rev_indptr), inside)]
        touched = np.unique(np.concatenate([out_edges, in_edges]))
        t_in = self._is_inside(np.asarray(street.tail)[touched].astype(np.int64))
        h_in = self._is_inside(np.asarray(street.head)[touched].astype(np.int64))
        layer.inside_edges = touched[t_in & h_in]
        self.crossing = touched[t_in ^ h_in]

    def _gates(self) -> None:
        assert self.compound is not None
        street, layer = self.street, self.layer
        gates = self.compound.gates
        if not gates:
            layer.cut_edges = getattr(self, "crossing", np.empty(0, np.int64))
            return
        gx, gy = street.to_plane([g.lon for g in gates], [g.lat for g in gates])
        gx, gy = np.atleast_1d(gx), np.atleast_1d(gy)
        crossing = getattr(self, "crossing", np.empty(0, np.int64))
        layer.cut_edges = crossing
        tail = np.asarray(street.tail)[crossing].astype(np.int64)
        head = np.asarray(street.head)[crossing].astype(np.int64)
        assigned = np.full(len(crossing), -1)
        # A crossing into another compound stays a wall: its own gate is not this one.
        beyond = np.where(self._is_inside(tail), head, tail)
        through = (np.ones(len(crossing), dtype=bool) if self.excluded_outside is None
                   else ~self.excluded_outside[beyond])
        if len(crossing):
            dist = np.stack([point_segment(gx[k], gy[k], self.x[tail], self.y[tail],
                                           self.x[head], self.y[head])[0]
                             for k in range(len(gates))])
            nearest = dist.argmin(axis=0)
            ok = (dist[nearest, np.arange(len(crossing))] <= settings.GATE_PASSAGE_SNAP_M) & through
            assigned[ok] = nearest[ok]
        for k, _gate in enumerate(gates):
            out = layer.add_node(gx[k], gy[k], STREET_PARKING)
            inn = layer.add_node(gx[k], gy[k], STREET_PARKING)
            layer.gate_nodes.append((out, inn))
            layer.add_edge(out, inn, 0.0, RIDE | WALK, GATE, inside=False, gate=k, both=True)
            mine = np.flatnonzero(assigned == k)
            for i in mine:
                e, t, h = int(crossing[i]), int(tail[i]), int(head[i])
                modes, way = int(street.modes[e]), int(street.way[e])
                entering = not self._is_inside(np.array([t]))[0]
                near_t = float(np.hypot(self.x[t] - gx[k], self.y[t] - gy[k]))
                near_h = float(np.hypot(self.x[h] - gx[k], self.y[h] - gy[k]))
                first, second = (out, inn) if entering else (inn, out)
                layer.add_edge(t, first, near_t, modes, STREET, inside=not entering, way=way)
                layer.add_edge(second, h, near_h, modes, STREET, inside=entering, way=way)
            connected = len(mine) > 0
            if connected:  # the passage's roads may miss a gate standing on another road:
                # join it to that one too, or a route would run on to the passage road's end
                # and come back to the gate (out and back)
                self._attach(out, gx[k], gy[k], side="outside", max_m=_GATE_ON_ROAD_M,
                             ride=True, park_split=STREET_PARKING, keep_out=True)
                self._attach(inn, gx[k], gy[k], side="inside", max_m=_GATE_ON_ROAD_M,
                             ride=self.ride_inside)
            else:
                connected = self._attach(out, gx[k], gy[k], side="outside",
                                         max_m=settings.GATE_CONNECT_MAX_M, ride=True,
                                         park_split=STREET_PARKING, keep_out=True) is not None
                self._attach(inn, gx[k], gy[k], side="inside",
                             max_m=settings.GATE_CONNECT_MAX_M, ride=self.ride_inside)
            layer.gate_connected.append(connected)
        near = [self.index.nodes.query_box(gx[k] - settings.GATE_PASSAGE_SNAP_M,
                                           gy[k] - settings.GATE_PASSAGE_SNAP_M,
                                           gx[k] + settings.GATE_PASSAGE_SNAP_M,
                                           gy[k] + settings.GATE_PASSAGE_SNAP_M)
                for k in range(len(gates))]
        near_nodes = np.unique(np.concatenate(near)) if near else np.empty(0, np.int64)
        layer.unblock_nodes = near_nodes[np.asarray(street.node_block)[near_nodes] > 0]

    def _nav(self) -> None:
        """The street point a navigation app would lead to: the rideable road nearest
        the compound's centroid (for the detour a rider saves)."""
        assert self.compound is not None
        c = self.polygon.centroid
        seg, _dist, frac = self._nearest_segment(c.x, c.y, side="outside", max_m=2000.0,
                                                 need=RIDE)
        if seg >= 0:
            self.layer.nav = self._split(seg, frac, inside=False, park=STREET_PARKING)

    def _points(self, points: list[tuple[float, float, int]]) -> list[int]:
        """Door or facility nodes at (lon, lat, parking), each joined to the network on
        its own side; their nearest segments found together."""
        if not points:
            return []
        xs, ys = self.street.to_plane(np.array([p[0] for p in points], dtype=np.float64),
                                      np.array([p[1] for p in points], dtype=np.float64))
        if self.compound is None:
            found = self._nearest_segments(xs, ys, side="outside", max_m=settings.GATE_CONNECT_MAX_M)
            return [self._street_point(x, y, park, near) for x, y, near, (_lon, _lat, park)
                    in zip(xs.tolist(), ys.tolist(), found, points, strict=True)]
        minx, miny, maxx, maxy = self.polygon.bounds
        far = max(float(np.hypot(maxx - minx, maxy - miny)), 1.0)
        found = self._nearest_segments(xs, ys, side="inside", max_m=far)
        return [self._point(x, y, park, near) for x, y, near, (_lon, _lat, park)
                in zip(xs.tolist(), ys.tolist(), found, points, strict=True)]

    def _street_point(self, x: float, y: float, park: int, near: tuple[int, float, float]) -> int:
        """A door or facility node at (x, y) plane metres outside every compound, joined to
        the ``near``est outside segment (segment, metres, fraction)."""
        node = self.layer.add_node(x, y, park)
        self._join(node, *near, side="outside", ride=True)
        return node

    def _point(self, x: float, y: float, park: int, near: tuple[int, float, float]) -> int:
        """A door or facility node at (x, y) plane metres in the compound, joined to the
        ``near``est inside segment (segment, metres, fraction) and across the courtyard to
        gates nearer than that."""
        node = self.layer.add_node(x, y, park)
        q = self._join(node, *near, side="inside", ride=self.ride_inside)
        link = float("inf")
        if q is not None:
            qx, qy = self._node_xy(q)
            link = float(np.hypot(qx - x, qy - y))
        for k, (_out, inn) in enumerate(self.layer.gate_nodes):
            gx, gy = self._node_xy(inn)
            d = float(np.hypot(gx - x, gy - y))
            if d < link and self.layer.gate_connected[k] and self._walkable(node, inn):
                self.layer.add_edge(node, inn, d, WALK | (RIDE if self.ride_inside else 0),
                                    COURTYARD, inside=True, both=True)
        return node

    def _walkable(self, u: int, v: int) -> bool:
        """Whether a straight walk between nodes ``u`` and ``v`` stays in the compound
        (``walk_stays_inside``)."""
        if self.core is None:
            self.core = wall_core(self.polygon)
        return walk_stays_inside(self.polygon, self._node_xy(u), self._node_xy(v), core=self.core)

    def _courtyard(self) -> None:
        """Join the pieces of the inside that hold gates, doors or facilities, so that any
        door is reachable from any gate: the nearest piece to those already joined is
        linked by a straight walk across the courtyard, until all are one (like Prim's
        tree). Office paths come later and never change these links."""
        layer = self.layer
        street = self.street
        inside_e = layer.inside_edges
        walk = (np.asarray(street.modes)[inside_e] & WALK) > 0
        ends = [(u, v) for u, v, m, k, i in zip(layer.tail, layer.head, layer.modes, layer.kind,
                                                 layer.inside, strict=True) if m & WALK and i and k != GATE]
        ends += list(zip(np.asarray(street.tail)[inside_e][walk].tolist(),
                         np.asarray(street.head)[inside_e][walk].tolist(), strict=True))
        parent: dict[int, int] = {}

        def find(a: int) -> int:
            parent.setdefault(a, a)
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for u, v in ends:
            ru, rv = find(u), find(v)
            if ru != rv:
                parent[ru] = rv
        anchors = [inn for k, (_o, inn) in enumerate(layer.gate_nodes) if layer.gate_connected[k]]
        if not anchors:
            return
        anchors += list(layer.doors.values()) + list(layer.facilities.values())
        wanted = {find(a) for a in anchors}
        members: dict[int, list[int]] = {}
        for node in list(parent):
            root = find(node)
            if root in wanted:
                members.setdefault(root, []).append(node)
        for a in anchors:  # a door or gate with no edge yet is a piece of its own
            members.setdefault(find(a), [a])
        pieces = {root: np.array([self._node_xy(n) for n in nodes]) for root, nodes in members.items()}
        joined_root = find(anchors[0])
        joined_nodes, joined_xy = list(members[joined_root]), pieces.pop(joined_root)
        ride = WALK | (RIDE if self.ride_inside else 0)
        while pieces:
            best: tuple[float, int, int, int] | None = None
            for root, xy in pieces.items():
                d = np.hypot(xy[:, None, 0] - joined_xy[None, :, 0], xy[:, None, 1] - joined_xy[None, :, 1])
                di, dj = np.unravel_index(int(np.argmin(d)), d.shape)
                if best is None or d[di, dj] < best[0]:
                    best = (float(d[di, dj]), root, int(di), int(dj))
            assert best is not None  # pieces is not empty
            dist, root, i, j = best
            if not self._walkable(members[root][i], joined_nodes[j]):
                # Not through the wall: the piece's next nearest join that stays inside,
                # else (the piece would be cut off) the nearest one after all.
                found = self._walkable_join(pieces[root], members[root], joined_xy, joined_nodes)
                if found is not None:
                    dist, i, j = found
            layer.add_edge(members[root][i], joined_nodes[j], dist, ride, COURTYARD, inside=True,
                           both=True)
            joined_nodes += members[root]
            joined_xy = np.vstack([joined_xy, pieces.pop(root)])

    def _walkable_join(self, xy: NDArray[np.float64], nodes: list[int], joined_xy: NDArray[np.float64],
                       joined_nodes: list[int]) -> tuple[float, int, int] | None:
        """The nearest of the ``_COURTYARD_TRIES`` nearest joins of a piece (nodes at
        ``xy``) to the joined nodes that stays in the compound, as (metres, i, j)."""
        d = np.hypot(xy[:, None, 0] - joined_xy[None, :, 0], xy[:, None, 1] - joined_xy[None, :, 1])
        flat = d.ravel()
        for k in np.argsort(flat, kind="stable")[:_COURTYARD_TRIES].tolist():
            i, j = divmod(int(k), d.shape[1])
            if self._walkable(nodes[i], joined_nodes[j]):
                return float(flat[k]), i, j
        return None

    def _office_path(self, path: OfficePath) -> None:
        """An office-drawn path: its inside part joins the network where it meets
        a segment or comes within ``OFFICE_PATH_SNAP_M`` of one, and a gate it ends at."""
        line = to_plane(self.street, path.line)
        modes = _PATH_MODES.get(path.mode, RIDE | WALK)
        if not self.ride_inside:
            modes &= ~RIDE
        part = line.intersection(self.polygon.buffer(settings.GATE_PASSAGE_SNAP_M))
        for piece in getattr(part, "geoms", [part]):
            if isinstance(piece, LineString) and not piece.is_empty and piece.length > 0:
                self._path_piece(piece, modes, path.name)

    def _path_piece(self, piece: LineString, modes: int, name: str | None) -> None:
        layer, snap = self.layer, settings.OFFICE_PATH_SNAP_M
        points = list(layer.doors.values()) + list(layer.facilities.values())
        near = [(p, *self._node_xy(p)) for p in points
                if piece.distance(Point(self._node_xy(p))) <= settings.GATE_CONNECT_MAX_M]
        stops = [float(piece.project(Point(x, y))) for _p, x, y in near]
        coords = _with_crossings(self, piece, stops)
        nodes = [layer.add_node(x, y) for x, y in coords]
        for (p, x, y), d in zip(near, stops, strict=True):
            px, py = piece.interpolate(d).coords[0]
            k = coords.index((px, py))
            layer.add_edge(p, nodes[k], float(np.hypot(px - x, py - y)), modes | WALK, LINK,
                           inside=True, both=True)
        for (x0, y0), (x1, y1), u, v in zip(coords, coords[1:], nodes, nodes[1:], strict=False):
            layer.add_edge(u, v, float(np.hypot(x1 - x0, y1 - y0)), modes, PATH,
                           inside=True, label=name, both=True)
        for (x, y), node in zip(coords, nodes, strict=True):
            self._attach(node, x, y, side="inside", max_m=snap, ride=self.ride_inside)
        for end in (0, len(coords) - 1):
            x, y = coords[end]
            for _out, inn in layer.gate_nodes:
                gx, gy = self._node_xy(inn)
                d = float(np.hypot(gx - x, gy - y))
                if d <= settings.GATE_PASSAGE_SNAP_M:
                    layer.add_edge(nodes[end], inn, d, modes, PATH, inside=True,
                                   label=name, both=True)


def _with_crossings(builder: _Builder, piece: LineString,
                    stops: list[float]) -> list[tuple[float, ...]]:
    """The vertices of ``piece``, the points where it crosses inside segments and the
    points at distances ``stops`` along it, in order."""
    idx = builder.index
    ids = idx.segments.query_box(*piece.bounds)
    a, b = idx.seg_a[ids], idx.seg_b[ids]
    inside = builder._is_inside(a) & builder._is_inside(b)
    ids, a, b = ids[inside], a[inside], b[inside]
    segments: NDArray[np.object_] | list[LineString] = cast(
        "NDArray[np.object_]", shapely.linestrings(np.stack([
            np.column_stack([builder.x[a], builder.y[a]]),
            np.column_stack([builder.x[b], builder.y[b]])], axis=1))) if len(ids) else []
    points: list[Point] = []
    for seg in segments:
        hit = piece.intersection(seg)
        points += [g for g in getattr(hit, "geoms", [hit]) if isinstance(g, Point)]
    distances = sorted({float(piece.project(p)) for p in points} | set(stops) |
                       {float(piece.project(Point(c))) for c in piece.coords})
    return [tuple(piece.interpolate(d).coords[0]) for d in distances]


def _covers(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int]) -> bool:
    """Whether cell range ``outer`` (gx0, gy0, gx1, gy1) holds all of ``inner``."""
    return (outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2]
            and outer[3] >= inner[3])


def _ranges(indptr: NDArray[np.int64], nodes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Concatenated ``arange(indptr[n], indptr[n+1])`` for each node."""
    starts, ends = indptr[nodes], indptr[nodes + 1]
    counts = ends - starts
    if counts.sum() == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    ranges: NDArray[np.int64] = np.repeat(starts, counts) + offsets
    return ranges


def build_layer(index: StreetIndex, compound: Compound | None, *, doors: list[Door],
                facilities: list[Facility], paths: list[OfficePath],
                inside_any: NDArray[np.bool_] | None = None) -> Layer:
    """The layer of ``compound`` (or, with ``compound=None``, of the doors and
    facilities outside every compound). ``inside_any`` marks the street nodes inside
    some compound: nothing attaches to the outside there, and a segment into another
    compound is a wall."""
    return _Builder(index, compound, inside_any).build(doors, facilities, paths)


__all__ = ["COURTYARD", "GATE", "INSIDE", "LINK", "PATH", "STREET", "Layer", "StreetIndex",
           "build_doors_of_buildings", "build_layer", "building_door",
           "building_doors", "to_plane", "walk_stays_inside"]
