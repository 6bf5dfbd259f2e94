"""Door-level answers in batches for delivery platforms.

``door_matrix``: origins × destinations, durations (s) and distances (m), like OSRM's
table service: one search per origin within the walking bound that stops once every
destination's door is settled, all in one compiled call that carries metres and seconds
along; the pairs only reachable past the bound by a backward search per door (kept per
snapshot, gate states and door) or a search per origin without the bound. A destination is one
or more door keys (``("unit", 12)``; a building's unit doors): its answer is the quickest
of them. ``route_orders``: many single routes, each answer summarised (door, gate,
ride/walk/park seconds and metres, or why there is no way).
Coordinates are ``(lon, lat)`` WGS-84.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from geo import settings
from geo.errors import InvalidCoordinates, NoRoute, NotFound
from geo.hours.opening_hours import local_time
from geo.routing._matrix_kernels import backward_cells, door_rows
from geo.routing.network import RIDE_LAYER, WALK_LAYER, AccessNetwork, Snapshot
from geo.routing.route import route_to_door
from geo.routing.search import Start, run_backward, snap_start

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
    choice = np.full((len(destinations), max([1, *map(len, destinations)])), -1)
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


@dataclass(frozen=True)
class _Seeds:
    """The seeds of several starts end to end: start ``i``'s are ``at[i]:at[i + 1]``."""

    at: NDArray[np.int64]
    states: NDArray[np.int64]
    cost: NDArray[np.float64]
    length: NDArray[np.float64]
    seconds: NDArray[np.float64]

    @classmethod
    def of(cls, starts: list[Start]) -> _Seeds:
        return cls(np.cumsum([0] + [len(start.seeds) for start in starts]),
                   np.concatenate([start.seeds for start in starts]),
                   np.concatenate([start.seed_cost for start in starts]),
                   np.concatenate([start.seed_length for start in starts]),
                   np.concatenate([start.seed_seconds for start in starts]))


def _cells(snap: Snapshot, starts: list[Start | None], nodes: NDArray[np.int64],
           gate_ok: NDArray[np.uint8]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Seconds and metres (``inf``: no way) from each start to each door node of ``nodes``
    (sorted), as ``route_to_door`` reaches them: first within the walking bound (one
    search per start until every door is settled), else without it. Each (start, door)
    pair past the bound is answered either by a backward search towards the door (which
    serves every start; kept per snapshot, gate state and door) or by a search from the
    start without the bound until its missing doors are settled, whichever of the two
    answers more pairs still open."""
    seconds = np.full((len(starts), len(nodes)), np.inf)
    metres = np.full((len(starts), len(nodes)), np.inf)
    rows = np.flatnonzero([start is not None for start in starts])
    if not len(nodes) or not len(rows):
        return seconds, metres
    snapped = [cast(Start, starts[i]) for i in rows]
    seeds = _Seeds.of(snapped)
    seconds[rows], metres[rows] = _searched_rows(snap, seeds, nodes, gate_ok,
                                                 settings.WALK_AFTER_PARKING_MAX_M)
    open_pairs = np.zeros(seconds.shape, dtype=bool)
    open_pairs[rows] = seconds[rows] == np.inf
    while open_pairs.any():
        by_row, by_door = open_pairs.sum(axis=1), open_pairs.sum(axis=0)
        if by_row.max() >= by_door.max():
            i = int(np.argmax(by_row))
            columns = np.flatnonzero(open_pairs[i])
            row_s, row_m = _searched_rows(snap, _Seeds.of([cast(Start, starts[i])]), nodes[columns],
                                          gate_ok, np.inf)
            seconds[i, columns], metres[i, columns] = row_s[0], row_m[0]
            open_pairs[i] = False
            continue
        j = int(np.argmax(by_door))
        dist, succ, succ_edge, settled = _derived(snap).backward(snap, int(nodes[j]), gate_ok)
        waiting = np.flatnonzero(open_pairs[:, j])
        seconds[waiting, j], metres[waiting, j] = backward_cells(
            dist, succ, succ_edge, settled, 1, snap.e_length, snap.e_cost,
            settings.PARKING_DELAY_S, seeds.at, seeds.states, seeds.cost, seeds.length,
            seeds.seconds, np.searchsorted(rows, waiting))
        open_pairs[:, j] = False
    return seconds, metres


def _searched_rows(snap: Snapshot, seeds: _Seeds, nodes: NDArray[np.int64],
                   gate_ok: NDArray[np.uint8], walk_max: float
                   ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Seconds and metres per start of ``seeds`` (rows) to each door of ``nodes``
    (columns, sorted), walking at most ``walk_max`` m after parking, ``inf`` where not
    reached, in one compiled call."""
    indptr, head, move, gate = _derived(snap).moves
    column_of = np.full(2 * snap.n_nodes, -1, dtype=np.int64)
    column_of[2 * nodes + WALK_LAYER] = np.arange(len(nodes))
    ws = snap.workspace()
    seconds = np.full((len(seeds.at) - 1, len(nodes)), np.inf)
    metres = np.full((len(seeds.at) - 1, len(nodes)), np.inf)
    door_rows(indptr, head, move, gate, gate_ok, settings.PARKING_DELAY_S, walk_max, seeds.at,
              seeds.states, seeds.cost, seeds.length, seeds.seconds, column_of, len(nodes),
              np.empty((2 * snap.n_nodes, 4)), np.zeros(2 * snap.n_nodes, dtype=np.int32),
              np.empty(2 * snap.n_nodes, dtype=np.int32), ws.heap_key, ws.heap_val, seconds,
              metres)
    return seconds, metres


_Backward = tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]
# The backward searches kept per snapshot: at most this many bytes of their arrays.
_BACKWARD_BYTES = 64 << 20


class _Derived:
    """What the matrix works out once per snapshot: the moves out of each state as one
    CSR by state, in the order ``search`` tries them (parking first, then the street and
    layer edges allowed in the state's layer): ``indptr``, ``head`` state, per move its
    cost and real seconds, metres and metres counted as walked (0 riding) as (moves, 4),
    and its gate or -1; and the backward searches towards doors made on it, per gate state
    and door, the most recently used last."""

    def __init__(self, snap: Snapshot) -> None:
        street = snap.street
        tails = np.concatenate([np.repeat(np.arange(snap.n_base), np.diff(street.indptr)),
                                np.repeat(np.arange(snap.n_nodes), np.diff(snap.o_indptr))])
        heads = np.concatenate([np.asarray(street.head, dtype=np.int64), snap.o_head])
        parks = np.flatnonzero(np.isfinite(snap.park))
        # Parking, then each layer's edges: a stable sort by tail state keeps that order.
        parts = [(2 * parks + RIDE_LAYER, 2 * parks + WALK_LAYER, snap.park[parks],
                  np.full(len(parks), settings.PARKING_DELAY_S), np.zeros(len(parks)),
                  np.zeros(len(parks)), np.full(len(parks), -1))]
        for layer in (RIDE_LAYER, WALK_LAYER):
            ok = np.flatnonzero(np.isfinite(snap.e_cost[:, layer]))
            walked = snap.e_walk_m[ok] if layer == WALK_LAYER else np.zeros(len(ok))
            parts.append((2 * tails[ok] + layer, 2 * heads[ok] + layer, snap.e_cost[ok, layer],
                          snap.e_cost[ok, layer], snap.e_length[ok], walked, snap.e_gate[ok]))
        tail, head, cost, seconds, metres, walk_m, gate = (
            np.concatenate(column) for column in zip(*parts, strict=True))
        order = np.argsort(tail, kind="stable")
        self.moves = (np.searchsorted(tail[order], np.arange(2 * snap.n_nodes + 1)).astype(np.int32),
                      head[order].astype(np.int32),
                      np.column_stack([cost, seconds, metres, walk_m])[order],
                      gate[order].astype(np.int32))
        self._backward: OrderedDict[tuple[bytes, int], _Backward] = OrderedDict()
        self._kept = max(1, _BACKWARD_BYTES // (4 * 8 * 2 * snap.n_nodes))
        self._lock = threading.Lock()

    def backward(self, snap: Snapshot, door: int, gate_ok: NDArray[np.uint8]) -> _Backward:
        """``run_backward`` towards ``door``'s walk state with the gates ``gate_ok``: cost
        to the door, next state and edge per state, and 1 where settled."""
        key = (gate_ok.tobytes(), door)
        with self._lock:
            kept = self._backward.get(key)
            if kept is not None:
                self._backward.move_to_end(key)
                return kept
        ws = run_backward(snap, 2 * door + WALK_LAYER, gate_ok=gate_ok, door=door)
        kept = (ws.dist.copy(), ws.pred.copy(), ws.pred_edge.copy(),
                (ws.done == ws.gen).astype(np.int64))
        with self._lock:
            self._backward[key] = kept
            while len(self._backward) > self._kept:
                self._backward.popitem(last=False)
        return kept


def prepare_matrix(snap: Snapshot) -> None:
    """Work out what the matrix keeps per snapshot (its moves by state) before a first
    matrix needs it."""
    _derived(snap)


def _derived(snap: Snapshot) -> _Derived:
    """``snap``'s ``_Derived``, made at first use; kept across office edits that leave the
    nodes and edges as they were (``Snapshot.of_edges``)."""
    return snap.of_edges("matrix", _Derived)


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


__all__ = ["Matrix", "Order", "door_matrix", "prepare_matrix", "route_orders", "summary"]
