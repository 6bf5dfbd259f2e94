"""Door-level answers in batches for delivery platforms.

``door_matrix``: origins × destinations, durations (s) and distances (m), like OSRM's
table service, with one search per origin that stops once every destination's door is
settled (and one aimed search for the doors only reachable past the walking bound); metres
and seconds are summed along the predecessor arrays in compiled code. A destination is one
or more door keys (``("unit", 12)``; a building's unit doors): its answer is the quickest
of them. ``route_orders``: many single routes, each answer summarised (door, gate,
ride/walk/park seconds and metres, or why there is no way).
Coordinates are ``(lon, lat)`` WGS-84.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from geo import settings
from geo.errors import InvalidCoordinates, NoRoute, NotFound
from geo.hours.opening_hours import local_time
from geo.routing._kernels import Workspace
from geo.routing.network import RIDE_LAYER, WALK_LAYER, AccessNetwork
from geo.routing.route import route_to_door
from geo.routing.search import Start, run_backward, run_search, snap_start, traced_totals

DoorKey = tuple[str, int]


@dataclass(frozen=True)
class Order:
    """One order: from (lon, lat) to a door at a time (None: now)."""

    start: tuple[float, float]
    door: DoorKey
    at: datetime | str | None = None


@dataclass
class Matrix:
    """``durations[i][j]`` seconds and ``distances[i][j]`` metres from origin i to
    destination j (None: no way); ``doors[i][j]`` the door key reached; ``sources`` the
    snapped origins (None when off the map)."""

    durations: list[list[float | None]]
    distances: list[list[float | None]]
    doors: list[list[DoorKey | None]]
    sources: list[dict[str, Any] | None]


def door_matrix(network: AccessNetwork, origins: list[tuple[float, float]],
                destinations: list[tuple[DoorKey, ...]], *, at: datetime | str | None = None,
                has_pass: bool = False) -> Matrix:
    """Durations (s, real time: riding, walking and parking delays) and distances (m)
    from each origin to each destination's quickest door, with one search per origin.

    A door is reached as ``route_to_door`` reaches it: ridden to and parked at, or walked
    to after parking elsewhere. Raises ``NotFound`` for a door not on the network."""
    snap = network.snapshot
    when = local_time(at)
    gate_ok = snap.gate_ok(when, has_pass=has_pass)
    keys = sorted({key for dest in destinations for key in dest})
    nodes = np.asarray([_door_node(snap, key) for key in keys], dtype=np.int64)
    usable = np.asarray([_reachable(snap, int(n), gate_ok) for n in nodes], dtype=bool)
    where = {key: i for i, key in enumerate(keys)}
    wanted = np.unique(nodes[usable])
    starts = [_snapped(snap, origin) for origin in origins]
    rows = _rows(snap, starts, wanted, gate_ok)
    durations: list[list[float | None]] = []
    distances: list[list[float | None]] = []
    doors: list[list[DoorKey | None]] = []
    sources: list[dict[str, Any] | None] = []
    for found, start, origin in zip(rows, starts, origins, strict=True):
        sources.append(_source(origin, start))
        drow: list[float | None] = []
        mrow: list[float | None] = []
        krow: list[DoorKey | None] = []
        for dest in destinations:
            best: tuple[float, float, DoorKey] | None = None
            for key in dest:
                hit = found.get(int(nodes[where[key]]))
                if hit is not None and (best is None or hit[0] < best[0]):
                    best = (hit[0], hit[1], key)
            drow.append(round(best[0], 1) if best else None)
            mrow.append(round(best[1], 1) if best else None)
            krow.append(best[2] if best else None)
        durations.append(drow)
        distances.append(mrow)
        doors.append(krow)
    return Matrix(durations, distances, doors, sources)


def _door_node(snap: Any, key: DoorKey) -> int:
    try:
        return int(snap.doors[key][0])
    except KeyError:
        raise NotFound(f"路网中没有这个目的地（{key[0]} {key[1]}）",
                       f"destination {key[0]} {key[1]} is not on the routing network") from None


def _reachable(snap: Any, node: int, gate_ok: NDArray[np.uint8]) -> bool:
    """Whether some connected gate of the door's compound lets anyone in now (a door
    outside compounds always is): doors behind closed gates are not searched for."""
    compound = int(snap.node_compound[node])
    if compound < 0:
        return True
    mine = snap.gates_of(compound)
    return bool(np.any((gate_ok[mine] > 0) & snap.gate_connected[mine]))


def _snapped(snap: Any, origin: tuple[float, float]) -> Start | None:
    try:
        return snap_start(snap, *origin)
    except InvalidCoordinates:
        return None


def _source(origin: tuple[float, float], start: Start | None) -> dict[str, Any] | None:
    if start is None:
        return None
    return {"location": [round(origin[0], 7), round(origin[1], 7)],
            "snapped": [round(start.snapped[0], 7), round(start.snapped[1], 7)],
            "snap_distance_m": round(start.snap_m, 1)}


Found = dict[int, tuple[float, float, float]]  # door node: (seconds, metres, cost)


def _rows(snap: Any, starts: list[Start | None], nodes: NDArray[np.int64],
          gate_ok: NDArray[np.uint8]) -> list[Found]:
    """Per start, the door nodes it reaches, as ``route_to_door`` reaches them: first
    within the walking bound (one search per start until every door is settled), else
    without it. Each (start, door) pair past the bound is answered either by a backward
    search towards the door (which serves every start) or by an A* search from the start
    aimed at its missing doors, whichever of the two answers more pairs still open."""
    rows = [_forward(snap, start, nodes, gate_ok, settings.WALK_AFTER_PARKING_MAX_M)
            if start is not None else {} for start in starts]
    open_pairs = np.asarray([[start is not None and n not in row for n in nodes.tolist()]
                             for start, row in zip(starts, rows, strict=True)], dtype=bool)
    open_pairs = open_pairs.reshape(len(starts), len(nodes))
    while open_pairs.any():
        by_row, by_door = open_pairs.sum(axis=1), open_pairs.sum(axis=0)
        if by_row.max() >= by_door.max():
            i = int(np.argmax(by_row))
            rows[i].update(_forward(snap, cast(Start, starts[i]), nodes[open_pairs[i]], gate_ok,
                                    np.inf))
            open_pairs[i] = False
            continue
        j = int(np.argmax(by_door))
        door = int(nodes[j])
        ws = run_backward(snap, 2 * door + WALK_LAYER, gate_ok=gate_ok, door=door)
        for i in np.flatnonzero(open_pairs[:, j]).tolist():
            rows[i].update(_from_seeds(snap, ws, cast(Start, starts[i]), door))
        open_pairs[:, j] = False
    return rows


def _forward(snap: Any, start: Start, nodes: NDArray[np.int64], gate_ok: NDArray[np.uint8],
             walk_max: float) -> Found:
    """The door nodes one search from ``start`` settles (walking at most ``walk_max`` m
    after parking; aimed at the doors when unbounded); metres and seconds come from the
    predecessor arrays in one compiled pass."""
    targets = 2 * nodes + WALK_LAYER
    aimed = nodes.tolist() if walk_max == np.inf else None
    settled, ws = run_search(snap, start.seeds, start.seed_cost, targets, n_need=len(targets),
                             gate_ok=gate_ok, walk_max=walk_max, heuristic_nodes=aimed)
    door = settled >> 1
    ride = 2 * door + RIDE_LAYER
    # Parked at the door itself: ridden there, then the parking delay. A ride state
    # cheaper than that was settled before the walk state, so it is known here.
    via_ride = np.where(ws.done[ride] == ws.gen, ws.dist[ride] + settings.PARKING_DELAY_S, np.inf)
    parked_at_door = via_ride <= ws.dist[settled]
    metres, seconds, first = traced_totals(snap, ws, np.where(parked_at_door, ride, settled))
    seed_order = np.argsort(start.seeds)
    seed = seed_order[np.searchsorted(start.seeds, first, sorter=seed_order)]
    metres, seconds = _with_first_piece(start, seed, metres, seconds)
    seconds += np.where(parked_at_door, settings.PARKING_DELAY_S, 0.0)
    cost = np.where(parked_at_door, via_ride, ws.dist[settled])
    return dict(zip(door.tolist(), zip(seconds.tolist(), metres.tolist(), cost.tolist(),
                                       strict=True), strict=True))


def _from_seeds(snap: Any, ws: Workspace, start: Start, door: int) -> Found:
    """``door`` from ``start``'s cheapest seed, in a backward search towards the door."""
    reached = ws.done[start.seeds] == ws.gen
    if not reached.any():
        return {}
    total = np.where(reached, start.seed_cost + ws.dist[start.seeds], np.inf)
    seed = np.argmin(total, keepdims=True)
    metres, seconds, _door = traced_totals(snap, ws, start.seeds[seed])
    metres, seconds = _with_first_piece(start, seed, metres, seconds)
    return {door: (float(seconds[0]), float(metres[0]), float(total[seed[0]]))}


def _with_first_piece(start: Start, seed: NDArray[np.intp], metres: NDArray[np.float64],
                      seconds: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Metres and seconds with the piece from the start to seed ``seed`` (an index of
    ``start``'s seeds), and the parking delay when that seed is already walking."""
    parked = np.where(start.seeds[seed] & 1 == WALK_LAYER, settings.PARKING_DELAY_S, 0.0)
    return metres + start.seed_length[seed], seconds + start.seed_seconds[seed] + parked


def route_orders(network: AccessNetwork, orders: list[Order], *, has_pass: bool = False
                 ) -> list[dict[str, Any]]:
    """Each order's answer: ``route`` (door, gate, seconds and metres by mode, legs
    summarised) or ``no_route`` with the reason and details (an error of one order never
    stops the others)."""
    return [_answer(network, order, has_pass) for order in orders]


def _answer(network: AccessNetwork, order: Order, has_pass: bool) -> dict[str, Any]:
    try:
        result = route_to_door(network, order.start, order.door, at=order.at,
                               has_pass=has_pass, compare=False)
    except (NoRoute, InvalidCoordinates, NotFound) as error:
        return {"status": "no_route", **error.to_dict()}
    return {"status": "ok", **summary(result)}


def summary(route: dict[str, Any]) -> dict[str, Any]:
    """A route without geometry and steps: door, gate, totals, seconds and metres per
    mode (ride, walk, park) and the legs as (mode, metres, seconds, place)."""
    by_mode = {mode: {"duration_s": 0.0, "distance_m": 0.0} for mode in ("ride", "walk", "park")}
    for leg in route["legs"]:
        by_mode[leg["mode"]]["duration_s"] += leg["duration_s"]
        by_mode[leg["mode"]]["distance_m"] += leg["distance_m"]
    return {
        "door": route["to"], "gate": route["gate"], "at": route["at"],
        "duration_s": route["duration_s"], "distance_m": route["distance_m"],
        "modes": {m: {k: round(v, 1) for k, v in d.items()} for m, d in by_mode.items()},
        "legs": [{"mode": leg["mode"], "distance_m": leg["distance_m"],
                  "duration_s": leg["duration_s"], **({"place": leg["place"]}
                                                      if "place" in leg else {})}
                 for leg in route["legs"]],
    }


__all__ = ["Matrix", "Order", "door_matrix", "route_orders", "summary"]
