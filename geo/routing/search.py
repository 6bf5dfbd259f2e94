"""Searches over an access network snapshot: where a start joins the network
(``snap_start``), the compiled search (``run_search``), and what a found path measures
(``trace_path``, ``length_time``, ``line_coordinates``). Routes, nearest facilities and
isochrones are built on these. Coordinates are ``(lon, lat)`` WGS-84, costs seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geo import settings
from geo.errors import InvalidCoordinates
from geo.routing._kernels import (
    PARK_EDGE,
    Workspace,
    backward_search,
    nearest_segments,
    search,
    search_to_exits,
    steps_totals,
    trace,
)
from geo.routing._snap_kernels import segment_seeds
from geo.routing.compound_layer import to_plane, walk_stays_inside
from geo.routing.network import RIDE_LAYER, WALK_LAYER, Snapshot, inside_speed_ms, street_parking_s

# The heuristic is scaled down a little so that plane distances never overestimate.
_HEURISTIC_SLACK = 0.99
_ALL_STATES = 2**62  # no limit on the states a backward search settles


@dataclass
class Start:
    """A point snapped to the network: seed states with their costs and, per seed, the
    first piece of the way (from ``seed_from``, on street edge ``seed_edge`` or straight
    across a courtyard when -1, its metres, seconds and layer: walking when the e-bike is
    pushed to where it may be ridden)."""

    lon: float
    lat: float
    snapped: tuple[float, float]
    snap_m: float
    seeds: NDArray[np.int64]
    seed_cost: NDArray[np.float64]
    seed_from: NDArray[np.float64]
    seed_edge: NDArray[np.int64]
    seed_length: NDArray[np.float64]
    seed_seconds: NDArray[np.float64]
    seed_layer: NDArray[np.int64]
    compound: int


def inverse_top_speeds(snap: Snapshot, heuristic: bool) -> NDArray[np.float64]:
    """Seconds per metre at the top speed of each layer (zeros: plain Dijkstra)."""
    if not heuristic:
        return np.zeros(2)
    return snap.inv_top_speed * _HEURISTIC_SLACK


def place_details(snap: Snapshot, lon: float, lat: float, reason: str) -> dict[str, Any]:
    """The ``details`` of an answer about a place: the reason, (lon, lat), the compound
    it lies in (None outside) and that compound's gate ids."""
    compound = snap.compound_at(lon, lat)
    c = snap.compounds[compound] if compound >= 0 else None
    return {"reason": reason, "lon": lon, "lat": lat,
            "compound": {"id": c.id, "name": c.name} if c is not None else None,
            "gates": [g.id for g in c.gates] if c is not None else []}


def snap_start(snap: Snapshot, lon: float, lat: float, *, at_gate: int | None = None) -> Start:
    """Snap (lon, lat) to the network from where it lies.

    With ``at_gate`` (a gate id), the start is that gate's street side: a rider who has
    scanned the plate at a gate stands outside it, and is let in only if the gate is open
    to them (a point on the gate itself could snap inside the compound, past it).

    A point outside compounds snaps to roads outside every compound, a point inside one
    to that compound's own roads or, when none is near, straight to its gates and doors
    (it leaves through its own gates). Besides the nearest road, roads up to
    ``PUSH_MAX_M`` farther are seeded at the cost of pushing the e-bike there, and so is
    pushing it up to ``PUSH_MAX_M`` against a one-way street: the search takes the
    cheapest. Raises ``InvalidCoordinates`` when nothing is within ``ROUTE_SNAP_MAX_M``.
    """
    if at_gate is not None and (start := _outside_gate(snap, at_gate)) is not None:
        return start
    street = snap.street
    x, y = (float(v) for v in street.to_plane(lon, lat))
    where = snap.compound_at(lon, lat)
    max_m = settings.ROUTE_SNAP_MAX_M
    for radius in (min(60.0, max_m), max_m):  # most starts lie on a road: look near first
        start = _snap_within(snap, x, y, lon, lat, where, radius)
        if start is not None:
            return start
    if where >= 0:
        start = _courtyard_start(snap, x, y, lon, lat, where)
        if start is not None:
            return start
    raise InvalidCoordinates(
        f"起点附近 {max_m:.0f} 米内没有可通行的道路",
        f"no usable road within {max_m:.0f} m of the start ({lon}, {lat})",
        details=place_details(snap, lon, lat, "no_road_near"))


class _Seeds:
    """Seed states being collected, the cheapest kept per state."""

    def __init__(self) -> None:
        self.rows: dict[int, tuple[float, ...]] = {}

    def add(self, state: int, cost: float, frm: tuple[float, float], edge: int, length: float,
            seconds: float, layer: int) -> None:
        if state not in self.rows or cost < self.rows[state][1]:
            self.rows[state] = (state, cost, frm[0], frm[1], edge, length, seconds, layer)

    def start(self, lon: float, lat: float, snapped: tuple[float, float], snap_m: float,
              where: int) -> Start | None:
        if not self.rows:
            return None
        rows = np.asarray(list(self.rows.values()), dtype=np.float64).reshape(-1, 8)
        return _start_of(lon, lat, snapped, snap_m, where, rows)


def _start_of(lon: float, lat: float, snapped: tuple[float, float], snap_m: float, where: int,
              rows: NDArray[np.float64]) -> Start:
    """A start from its seed rows: state, cost (s), from (lon, lat), street edge, metres,
    seconds and layer of the first piece."""
    return Start(lon, lat, snapped, snap_m, rows[:, 0].astype(np.int64), rows[:, 1], rows[:, 2:4],
                 rows[:, 4].astype(np.int64), rows[:, 5], rows[:, 6], rows[:, 7].astype(np.int64),
                 where)


def _snap_within(snap: Snapshot, x: float, y: float, lon: float, lat: float, where: int,
                 max_m: float) -> Start | None:
    index, grid, street = snap.index, snap.index.segments, snap.street
    ids, dist, frac = nearest_segments(
        x, y, max_m, grid.start, grid.items, grid.nx, grid.ny, grid.ox, grid.oy, grid.cell,
        grid.x0, grid.y0, grid.x1, grid.y1, index.seg_a, index.seg_b, snap.node_compound,
        street.node_main, where, index.seg_rideable, settings.SNAP_PREFER_RIDE_M, 16)
    park_here = street_parking_s() if where < 0 else settings.PARKING_DELAY_S
    rows, qx, qy, snap_m = segment_seeds(ids, dist, frac, index.seg_a, index.seg_b, street.x, street.y,
                                  street.indptr, street.head, snap.b_cost, street.length_m,
                                  park_here, settings.PUSH_MAX_M, settings.WALK_SPEED_MS)
    if snap_m < 0:
        return None
    rows[:, 2], rows[:, 3] = street.to_lonlat(rows[:, 2], rows[:, 3])
    qlon, qlat = street.to_lonlat(qx, qy)
    return _start_of(lon, lat, (float(qlon), float(qlat)), snap_m, where, rows)


def _outside_gate(snap: Snapshot, gate_id: int) -> Start | None:
    """Seeds at the street side of gate ``gate_id``: riding on, or walking after parking
    there as on a street; None if the gate is not on the network or not joined to it."""
    index = snap.gate_index(gate_id)
    if index is None or not snap.gate_connected[index]:
        return None
    gate, _compound = snap.gates[index]
    node = int(snap.gate_nodes[index][0])
    seeds = _Seeds()
    here = (gate.lon, gate.lat)
    seeds.add(2 * node + RIDE_LAYER, 0.0, here, -1, 0.0, 0.0, RIDE_LAYER)
    seeds.add(2 * node + WALK_LAYER, street_parking_s(), here, -1, 0.0, 0.0, WALK_LAYER)
    return seeds.start(gate.lon, gate.lat, snap.lonlat(node), 0.0, -1)


def _courtyard_start(snap: Snapshot, x: float, y: float, lon: float, lat: float,
                     where: int) -> Start | None:
    """Seeds of a start inside compound ``where`` away from its roads: straight across
    the courtyard to each of its connected gates (inside) and its doors that such a walk
    reaches without leaving the compound on the way (``walk_stays_inside``: not across a
    notch of its outline, through a neighbour's wall; a gate mapped off the wall is met
    straight), riding if the compound allows e-bikes, else walking after parking at the
    start. The layer's own courtyard links go on from a door to the gates."""
    gates = snap.gates_of(where)
    nodes = snap.gate_nodes[gates[snap.gate_connected[gates]], 1].tolist()
    nodes += [node for node, _door in snap.doors.values() if int(snap.node_compound[node]) == where]
    polygon = to_plane(snap.street, snap.compounds[where].polygon)
    nodes = [n for n in nodes if walk_stays_inside(polygon, (x, y), (float(snap.x[n]), float(snap.y[n])),
                                                off_wall_ends=True)]
    if not nodes:
        return None
    seeds = _Seeds()
    ride = snap.compounds[where].ebikes_allowed
    best: tuple[float, int] | None = None
    for node in nodes:
        d = float(np.hypot(snap.x[node] - x, snap.y[node] - y))
        if best is None or d < best[0]:
            best = (d, node)
        if ride:
            seconds = d / inside_speed_ms()
            seeds.add(2 * node + RIDE_LAYER, seconds, (lon, lat), -1, d, seconds, RIDE_LAYER)
        seconds = d / settings.WALK_SPEED_MS
        seeds.add(2 * node + WALK_LAYER, seconds + settings.PARKING_DELAY_S, (lon, lat), -1, d,
                  seconds, WALK_LAYER)
    assert best is not None  # nodes is not empty
    return seeds.start(lon, lat, snap.lonlat(best[1]), best[0], where)


def run_search(snap: Snapshot, seeds: NDArray[np.int64], seed_cost: NDArray[np.float64],
               targets: NDArray[np.int64], *, n_need: int, gate_ok: NDArray[np.integer],
               limit: float = np.inf, heuristic_nodes: list[int] | None = None,
               door: int = -1, walk_max: float = np.inf) -> tuple[NDArray[np.int64], Workspace]:
    """Run the compiled search; returns (settled targets, workspace). ``door`` is the
    node where parking costs only ``PARKING_DELAY_S`` (the destination); ``walk_max``
    bounds the metres walked outside compounds after parking."""
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
        targets, n_need, tx, ty, inverse_top_speeds(snap, bool(nodes)), limit, snap.b_walk_m,
        snap.o_walk_m, walk_max, ws.dist, ws.pred, ws.pred_edge, ws.walked, ws.stamp, ws.done, gen,
        ws.heap_key, ws.heap_val)
    return found, ws


def run_to_exits(snap: Snapshot, seeds: NDArray[np.int64], seed_cost: NDArray[np.float64],
                 exits: NDArray[np.int64], exit_cost: NDArray[np.float64],
                 points: NDArray[np.int64], t_add: NDArray[np.float64], *,
                 gate_ok: NDArray[np.integer], door: int = -1, walk_max: float = np.inf
                 ) -> tuple[NDArray[np.int64], Workspace]:
    """``run_search`` to the cheapest of ``exits`` (states) plus its ``exit_cost`` (s);
    the heuristic is the least over the nodes ``points`` of the straight distance at top
    speed plus ``t_add`` (points, 2 layers: s). Returns (the exit, or none; workspace)."""
    ws = snap.workspace()
    gen = ws.next_gen()
    street = snap.street
    found, _settled = search_to_exits(
        snap.n_base, street.indptr, street.head, snap.b_cost, snap.o_indptr, snap.o_head,
        snap.o_cost, snap.o_gate, snap.park, door, settings.PARKING_DELAY_S, gate_ok,
        snap.x, snap.y, seeds, seed_cost, exits, exit_cost, snap.x[points], snap.y[points],
        t_add, inverse_top_speeds(snap, True), snap.b_walk_m, snap.o_walk_m, walk_max, ws.dist,
        ws.pred, ws.pred_edge, ws.walked, ws.stamp, ws.done, gen, ws.heap_key, ws.heap_val)
    return found, ws


def run_backward(snap: Snapshot, target: int, *, gate_ok: NDArray[np.integer], door: int = -1
                 ) -> Workspace:
    """Costs (s) from every state to ``target`` (a state), without a walking bound, in the
    workspace (``pred``/``pred_edge``: the next state and edge on the way). ``door``
    parks at ``PARKING_DELAY_S`` as in ``run_search``."""
    return backward_costs(snap, target, gate_ok=gate_ok, door=door)[0]


def backward_costs(snap: Snapshot, target: int, *, gate_ok: NDArray[np.integer], door: int = -1,
                   max_states: int = _ALL_STATES) -> tuple[Workspace, int]:
    """``run_backward``, and the number of states it settled; past ``max_states`` settled
    it stops (the count is then above ``max_states`` and the costs incomplete)."""
    ws = snap.workspace()
    gen = ws.next_gen()
    indptr, tail, edge = snap.reverse_adjacency()
    settled = backward_search(snap.n_edges_base, indptr, tail, edge, snap.e_cost, snap.o_gate,
                              snap.park, door, settings.PARKING_DELAY_S, gate_ok, target,
                              ws.dist, ws.pred, ws.pred_edge, ws.stamp, ws.done, gen,
                              ws.heap_key, ws.heap_val, max_states)
    return ws, int(settled)


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


def line_coordinates(coords: list[tuple[float, float]] | NDArray[np.float64]) -> list[list[float]]:
    """GeoJSON LineString coordinates, rounded to 7 decimals, repeats dropped."""
    points = np.round(np.asarray(coords, dtype=np.float64), 7)
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = np.any(points[1:] != points[:-1], axis=1)
    clean: list[list[float]] = points[keep].tolist()
    return clean if len(clean) > 1 else clean * 2


def mode_metres(snap: Snapshot, path: Path) -> tuple[float, float]:
    """Metres of a path (ridden, walked)."""
    edges = path.edges[1:]
    move = edges != PARK_EDGE
    layer = path.states[1:][move] & 1
    lengths = snap.e_length[edges[move]]
    return float(lengths[layer == 0].sum()), float(lengths[layer == 1].sum())


def length_time(snap: Snapshot, path: Path) -> tuple[float, float]:
    """Metres and seconds (real time: parking delays, no parking penalties) of a path."""
    return steps_totals(path.states[1:], path.edges[1:], snap.e_length, snap.e_cost,
                        settings.PARKING_DELAY_S)
