"""Searches over an access network snapshot: where a start joins the network
(``snap_start``), the compiled search (``run_search``), and what a found path measures
(``trace_path``, ``length_time``, ``line_coordinates``). Routes, nearest facilities and
isochrones are built on these. Coordinates are ``(lon, lat)`` WGS-84, costs seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from geo import settings
from geo.errors import InvalidCoordinates
from geo.routing._kernels import PARK_EDGE, Workspace, nearest_segments, search, trace
from geo.routing.network import RIDE_LAYER, WALK_LAYER, Snapshot

# The heuristic is scaled down a little so that plane distances never overestimate.
_HEURISTIC_SLACK = 0.99


@dataclass
class Start:
    """A point snapped to the network: seed states with their costs, and the edge and
    fraction each seed starts on."""

    lon: float
    lat: float
    snapped: tuple[float, float]
    snap_m: float
    seeds: NDArray[np.int64]
    seed_cost: NDArray[np.float64]
    seed_edge: NDArray[np.int64]
    seed_frac: NDArray[np.float64]
    compound: int


def _inv_speed(snap: Snapshot, heuristic: bool) -> NDArray[np.float64]:
    """Seconds per metre at the top speed of each layer (zeros: plain Dijkstra)."""
    if not heuristic:
        return np.zeros(2)
    return snap.inv_top_speed * _HEURISTIC_SLACK


def snap_start(snap: Snapshot, lon: float, lat: float) -> Start:
    """Snap (lon, lat) to the nearest street segment usable from where it lies.

    A point inside a compound snaps to that compound's own roads, a point outside to
    roads outside every compound. Raises ``InvalidCoordinates`` when no road is within
    ``ROUTE_SNAP_MAX_M``.
    """
    street = snap.street
    x, y = (float(v) for v in street.to_plane(lon, lat))
    where = snap.compound_at(lon, lat)
    max_m = settings.ROUTE_SNAP_MAX_M
    for radius in (min(60.0, max_m), max_m):  # most starts lie on a road: look near first
        start = _snap_within(snap, x, y, lon, lat, where, radius)
        if start is not None:
            return start
    raise InvalidCoordinates(
        f"起点 ({lon}, {lat}) 附近 {max_m:.0f} 米内没有可通行的道路",
        f"no usable road within {max_m:.0f} m of the start ({lon}, {lat})",
        details={"lon": lon, "lat": lat})


def _snap_within(snap: Snapshot, x: float, y: float, lon: float, lat: float, where: int,
                 max_m: float) -> Start | None:
    index, grid = snap.index, snap.index.segments
    ids, dist, frac = nearest_segments(
        x, y, max_m, grid.start, grid.items, grid.nx, grid.ny, grid.ox, grid.oy, grid.cell,
        grid.x0, grid.y0, grid.x1, grid.y1, index.seg_a, index.seg_b, snap.node_compound,
        snap.street.node_main, where, index.seg_rideable, settings.SNAP_PREFER_RIDE_M, 16)
    for seg, d, f in zip(ids.tolist(), dist.tolist(), frac.tolist(), strict=True):
        start = _seeds(snap, seg, f, lon, lat, d, where)
        if start is not None:
            return start
    return None


def _seeds(snap: Snapshot, seg: int, frac: float, lon: float, lat: float, dist: float,
           where: int) -> Start | None:
    street, index = snap.street, snap.index
    a, b = int(index.seg_a[seg]), int(index.seg_b[seg])
    street_park = settings.PARKING_DELAY_S + settings.STREET_PARKING_PENALTY_S
    park_here = street_park if where < 0 else settings.PARKING_DELAY_S
    seeds, costs, edges, fracs = [], [], [], []
    for tail, head, along in ((a, b, 1.0 - frac), (b, a, frac)):
        for e in range(int(street.indptr[tail]), int(street.indptr[tail + 1])):
            if int(street.head[e]) != head:
                continue
            for layer, extra in ((RIDE_LAYER, 0.0), (WALK_LAYER, park_here)):
                cost = float(snap.b_cost[e, layer])
                if np.isfinite(cost) and np.isfinite(extra):
                    seeds.append(2 * head + layer)
                    costs.append(cost * along + extra)
                    edges.append(e)
                    fracs.append(along)
    if not seeds:
        return None
    ax, ay = street.x[a], street.y[a]
    qx, qy = ax + frac * (street.x[b] - ax), ay + frac * (street.y[b] - ay)
    qlon, qlat = street.to_lonlat(qx, qy)
    return Start(lon, lat, (float(qlon), float(qlat)), dist, np.asarray(seeds, dtype=np.int64),
                 np.asarray(costs), np.asarray(edges, dtype=np.int64), np.asarray(fracs), where)


def run_search(snap: Snapshot, seeds: NDArray[np.int64], seed_cost: NDArray[np.float64],
               targets: NDArray[np.int64], *, n_need: int, gate_ok: NDArray[np.integer],
               limit: float = np.inf, heuristic_nodes: list[int] | None = None,
               door: int = -1) -> tuple[NDArray[np.int64], Workspace]:
    """Run the compiled search; returns (settled targets, workspace). ``door`` is the
    node where parking costs only ``PARKING_DELAY_S`` (the destination)."""
    ws = snap.workspace()
    gen = ws.next_gen()
    street = snap.street
    nodes = heuristic_nodes or []
    tx = np.asarray([snap.x[n] for n in nodes], dtype=np.float64)
    ty = np.asarray([snap.y[n] for n in nodes], dtype=np.float64)
    found, _settled = search(
        snap.n_base, street.indptr, street.head, snap.b_cost, snap.o_indptr, snap.o_head,
        snap.o_cost, snap.o_gate, snap.park, door, settings.PARKING_DELAY_S, gate_ok,
        snap.x, snap.y, seeds, seed_cost,
        targets, n_need, tx, ty, _inv_speed(snap, bool(nodes)), limit, ws.dist, ws.pred,
        ws.pred_edge, ws.stamp, ws.done, gen, ws.heap_key, ws.heap_val)
    return found, ws


@dataclass
class Path:
    """A traced search result: states, edges, cost (s) and its pieces."""

    states: NDArray[np.int64]
    edges: NDArray[np.int64]
    cost: float


def trace_path(ws: Workspace, state: int) -> Path:
    states, edges = trace(state, ws.pred, ws.pred_edge)
    return Path(states, edges, float(ws.dist[state]))


def round_point(lonlat: tuple[float, float]) -> list[float]:
    return [round(float(lonlat[0]), 7), round(float(lonlat[1]), 7)]


def line_coordinates(coords: list[tuple[float, float]]) -> list[list[float]]:
    """GeoJSON LineString coordinates, rounded to 7 decimals, repeats dropped."""
    points = np.round(np.asarray(coords, dtype=np.float64), 7)
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = np.any(points[1:] != points[:-1], axis=1)
    clean: list[list[float]] = points[keep].tolist()
    return clean if len(clean) > 1 else clean * 2


def length_time(snap: Snapshot, path: Path) -> tuple[float, float]:
    """Metres and seconds (real time: parking delays, no parking penalties) of a path."""
    edges = path.edges[1:]
    move = edges != PARK_EDGE
    layer = path.states[1:][move] & 1
    e = edges[move]
    parks = int((~move).sum())
    return (float(snap.e_length[e].sum()),
            float(snap.e_cost[e, layer].sum()) + parks * settings.PARKING_DELAY_S)
