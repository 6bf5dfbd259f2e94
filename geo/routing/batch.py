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
from geo.routing._matrix_kernels import backward_cell, bounded_rows, door_row
from geo.routing.network import WALK_LAYER, AccessNetwork
from geo.routing.route import route_to_door
from geo.routing.search import Start, inverse_top_speeds, run_backward, snap_start

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
    usable = _reachable(snap, nodes, gate_ok)
    wanted = np.unique(nodes[usable])
    # Per key, its column of the searched doors (-1: behind closed gates, never reached).
    column = np.where(usable, np.searchsorted(wanted, nodes), -1)
    where = {key: int(c) for key, c in zip(keys, column.tolist(), strict=True)}
    starts = [_snapped(snap, origin) for origin in origins]
    seconds, metres = _cells(snap, starts, wanted, gate_ok)
    # Per destination its keys' columns (-1 past the last: a column of inf), and per cell
    # the first of its quickest.
    choice = np.full((len(destinations), max(map(len, destinations), default=1)), -1)
    for d, dest in enumerate(destinations):
        choice[d, :len(dest)] = [where[key] for key in dest]
    beyond = np.full((len(starts), 1), np.inf)
    by_key = np.concatenate([seconds, beyond], axis=1)[:, choice]
    pick = np.argmin(by_key, axis=2)[..., None]
    best_s = np.take_along_axis(by_key, pick, axis=2)[..., 0]
    best_m = np.take_along_axis(np.concatenate([metres, beyond], axis=1)[:, choice], pick,
                                axis=2)[..., 0]
    reached = best_s < np.inf
    doors: list[list[DoorKey | None]] = [
        [dest[k] if ok else None for dest, k, ok in zip(destinations, row_k, row_ok, strict=True)]
        for row_k, row_ok in zip(pick[..., 0].tolist(), reached.tolist(), strict=True)]
    sources = [_source(origin, start) for origin, start in zip(origins, starts, strict=True)]
    return Matrix(_tenths(best_s, reached), _tenths(best_m, reached), doors, sources)


def _tenths(values: NDArray[np.float64], keep: NDArray[np.bool_]) -> list[list[float | None]]:
    """Rows of ``values`` rounded to 0.1 exactly as Python's ``round(v, 1)`` rounds them
    (numpy's rounding differs only next to a half tenth: those go through ``round``),
    None where not ``keep``."""
    tenths = np.round(values, 1)
    scaled = np.where(keep, values, 0.0) * 10
    for i, j in zip(*np.nonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6), strict=True):
        tenths[i, j] = round(float(values[i, j]), 1)
    rows = tenths.astype(object)
    rows[~keep] = None
    return cast(list[list[float | None]], rows.tolist())


def _door_node(snap: Any, key: DoorKey) -> int:
    try:
        return int(snap.doors[key][0])
    except KeyError:
        raise NotFound(f"路网中没有这个目的地（{key[0]} {key[1]}）",
                       f"destination {key[0]} {key[1]} is not on the routing network") from None


def _reachable(snap: Any, nodes: NDArray[np.int64], gate_ok: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Per door node, whether some connected gate of its compound lets anyone in now (a
    door outside compounds always is): doors behind closed gates are not searched for."""
    owner = np.asarray([compound for _gate, compound in snap.gates], dtype=np.int64)
    letting_in = np.zeros(len(snap.compounds) + 1, dtype=bool)  # the last: outside compounds
    letting_in[owner[(gate_ok > 0) & snap.gate_connected]] = True
    letting_in[-1] = True
    compound: NDArray[np.int32] = snap.node_compound[nodes]  # -1 outside: the last
    return letting_in[compound]


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


def _cells(snap: Any, starts: list[Start | None], nodes: NDArray[np.int64],
           gate_ok: NDArray[np.uint8]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Seconds and metres (``inf``: no way) from each start to each door node of ``nodes``
    (sorted), as ``route_to_door`` reaches them: first within the walking bound (one
    search per start until every door is settled), else without it. Each (start, door)
    pair past the bound is answered either by a backward search towards the door (which
    serves every start) or by an A* search from the start aimed at its missing doors,
    whichever of the two answers more pairs still open."""
    seconds = np.full((len(starts), len(nodes)), np.inf)
    metres = np.full((len(starts), len(nodes)), np.inf)
    snapped = np.asarray([start is not None for start in starts], dtype=bool)
    if len(nodes) and snapped.any():
        _bounded_rows(snap, [start for start in starts if start is not None], nodes, gate_ok,
                      seconds, metres, np.flatnonzero(snapped))
    open_pairs = snapped[:, None] & (seconds == np.inf)
    while open_pairs.any():
        by_row, by_door = open_pairs.sum(axis=1), open_pairs.sum(axis=0)
        if by_row.max() >= by_door.max():
            i = int(np.argmax(by_row))
            _door_row(snap, cast(Start, starts[i]), nodes, np.flatnonzero(open_pairs[i]), gate_ok,
                      np.inf, seconds[i], metres[i])
            open_pairs[i] = False
            continue
        j = int(np.argmax(by_door))
        door = int(nodes[j])
        ws = run_backward(snap, 2 * door + WALK_LAYER, gate_ok=gate_ok, door=door)
        for i in np.flatnonzero(open_pairs[:, j]).tolist():
            start = cast(Start, starts[i])
            seconds[i, j], metres[i, j] = backward_cell(
                ws.dist, ws.pred, ws.pred_edge, ws.done, ws.gen, snap.e_length, snap.e_cost,
                settings.PARKING_DELAY_S, start.seeds, start.seed_cost, start.seed_length,
                start.seed_seconds)
        open_pairs[:, j] = False
    return seconds, metres


def _bounded_rows(snap: Any, starts: list[Start], nodes: NDArray[np.int64],
                  gate_ok: NDArray[np.uint8], seconds: NDArray[np.float64],
                  metres: NDArray[np.float64], rows: NDArray[np.intp]) -> None:
    """Fill ``seconds``/``metres`` at ``rows`` (one per start) with each start's search
    within the walking bound, in one compiled call."""
    indptr, head, edge, gate = forward_edges(snap)
    column_of = np.full(2 * snap.n_nodes, -1, dtype=np.int64)
    column_of[2 * nodes + WALK_LAYER] = np.arange(len(nodes))
    ws = snap.workspace()
    row_seconds = np.full((len(starts), len(nodes)), np.inf)
    row_metres = np.full((len(starts), len(nodes)), np.inf)
    bounded_rows(
        indptr, head, edge, gate, snap.park, settings.PARKING_DELAY_S, gate_ok,
        settings.WALK_AFTER_PARKING_MAX_M, np.cumsum([0] + [len(st.seeds) for st in starts]),
        np.concatenate([st.seeds for st in starts]),
        np.concatenate([st.seed_cost for st in starts]),
        np.concatenate([st.seed_length for st in starts]),
        np.concatenate([st.seed_seconds for st in starts]), column_of, len(nodes),
        np.empty((2 * snap.n_nodes, 4)), np.zeros(2 * snap.n_nodes, dtype=np.int64),
        np.empty(2 * snap.n_nodes, dtype=np.int64), ws.heap_key, ws.heap_val, row_seconds,
        row_metres)
    seconds[rows] = row_seconds
    metres[rows] = row_metres


def forward_edges(snap: Any) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64],
                                      NDArray[np.int64]]:
    """The street and layer edges of ``snap`` as one CSR by tail, a node's street edges
    first (as ``search`` takes them): ``indptr``, ``head``, per edge its riding and
    walking cost (s), walked metres and length (m) as (edges, 4), and its gate (-1)."""
    street = snap.street
    tails = np.concatenate([np.repeat(np.arange(snap.n_base), np.diff(street.indptr)),
                            np.repeat(np.arange(snap.n_nodes), np.diff(snap.o_indptr))])
    order = np.argsort(tails, kind="stable")
    indptr = np.searchsorted(tails[order], np.arange(snap.n_nodes + 1)).astype(np.int64)
    head = np.concatenate([np.asarray(street.head, dtype=np.int64), snap.o_head])[order]
    edge = np.column_stack([snap.e_cost, snap.e_walk_m, snap.e_length])[order]
    return indptr, head, edge, snap.e_gate[order]


def _door_row(snap: Any, start: Start, nodes: NDArray[np.int64], columns: NDArray[np.intp],
              gate_ok: NDArray[np.uint8], walk_max: float, row_seconds: NDArray[np.float64],
              row_metres: NDArray[np.float64]) -> None:
    """Fill ``row_seconds``/``row_metres`` at ``columns`` (of ``nodes``) with one search
    from ``start`` (walking at most ``walk_max`` m after parking; aimed at the doors when
    unbounded)."""
    ws = snap.workspace()
    gen = ws.next_gen()
    street = snap.street
    aimed = nodes[columns] if walk_max == np.inf else nodes[:0]
    door_row(snap.n_base, street.indptr, street.head, snap.b_cost, snap.o_indptr, snap.o_head,
             snap.o_cost, snap.o_gate, snap.park, settings.PARKING_DELAY_S, gate_ok, snap.x,
             snap.y, snap.e_length, snap.e_cost, start.seeds, start.seed_cost,
             start.seed_length, start.seed_seconds, 2 * nodes[columns] + WALK_LAYER,
             columns.astype(np.int64), snap.x[aimed], snap.y[aimed],
             inverse_top_speeds(snap, len(aimed) > 0), snap.b_walk_m, snap.o_walk_m, walk_max,
             ws.dist, ws.pred, ws.pred_edge, ws.walked, ws.stamp, ws.done, gen, ws.heap_key,
             ws.heap_val, row_seconds, row_metres)


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
