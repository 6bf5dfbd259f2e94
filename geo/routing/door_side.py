"""The door's side of its compound's gates: what a route needs once it is outside a gate.

Every way into a compound passes one of its gates (its walls are cut), so a route from
outside to a door is the cheapest of (the way to a gate's street side, however it gets
there) + (the way on from there, through that gate, to the door). ``door_side`` works
out the second part for every gate open at that time, with one backward search over the
door's side of the gates (the gates closed behind it: a few hundred states), and
``route_path`` searches for the first part: its A* heuristic, the straight distance to
each gate at top speed plus that gate's cost on to the door, is consistent everywhere
and closer to the truth than the straight distance to the door (a route settles about a
quarter fewer states on the 16 × 16 city), and it ends as soon as the cheapest gate is
proven. States are ``2 * node + layer``; costs seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from geo.routing.network import RIDE_LAYER, WALK_LAYER, Snapshot
from geo.routing.search import Path, backward_costs, run_search, run_to_exits, trace_path

# A backward search that settles more states than this has left the compound through a
# gap in its walls (not a gate): such a door is routed with the plain search.
_DOOR_SIDE_MAX_STATES = 50_000


@dataclass
class DoorSide:
    """The ways on to a door from its compound's gates: per exit (a gate's street-side
    state, riding or walking), its cost (s) to the door, the state inside the gate and
    the passage edge to it; per gate, its street-side node and the least cost on from
    there riding or walking (``t_add``: gates, 2 layers)."""

    exits: NDArray[np.int64]
    cost: NDArray[np.float64]
    inside: NDArray[np.int64]
    passage: NDArray[np.int64]
    gate_nodes: NDArray[np.int64]
    t_add: NDArray[np.float64]


def door_side(snap: Snapshot, compound: int, door_node: int, gate_ok: NDArray[np.uint8],
              seeds: NDArray[np.int64]) -> DoorSide | None:
    """The ways on from the gates of ``compound`` (open per ``gate_ok``) to ``door_node``
    (walking, as a route ends). None when a seed of the start is on the door's side
    already, or the compound's walls leak: the plain search answers those."""
    gates = snap.gates_of(compound)
    ws, settled = backward_costs(snap, 2 * door_node + WALK_LAYER, gate_ok=_closed(gate_ok, gates),
                                 door=door_node, max_states=_DOOR_SIDE_MAX_STATES)
    if settled > _DOOR_SIDE_MAX_STATES or np.any(ws.done[seeds] == ws.gen):
        return None
    exits, cost, inside_states, passages, nodes, t_add = [], [], [], [], [], []
    base = snap.n_edges_base
    for gate in gates.tolist():  # as the search does, whatever ``gate_connected`` says
        out, inside = (int(v) for v in snap.gate_nodes[gate])
        lo, hi = int(snap.o_indptr[out]), int(snap.o_indptr[out + 1])
        passage = [f for f in range(lo, hi)
                   if snap.o_head[f] == inside and snap.o_gate[f] == gate]
        best = [np.inf, np.inf]
        for layer in (RIDE_LAYER, WALK_LAYER):
            there = 2 * inside + layer
            if not passage or not (int(gate_ok[gate]) >> layer) & 1 or ws.done[there] != ws.gen:
                continue
            best[layer] = float(snap.o_cost[passage[0], layer] + ws.dist[there])
            exits.append(2 * out + layer)
            cost.append(best[layer])
            inside_states.append(there)
            passages.append(base + passage[0])
        if min(best) < np.inf:
            nodes.append(out)
            t_add.append((min(best), best[WALK_LAYER]))
    return DoorSide(np.asarray(exits, dtype=np.int64), np.asarray(cost, dtype=np.float64),
                    np.asarray(inside_states, dtype=np.int64), np.asarray(passages, dtype=np.int64),
                    np.asarray(nodes, dtype=np.int64),
                    np.asarray(t_add, dtype=np.float64).reshape(-1, 2))


def _closed(gate_ok: NDArray[np.uint8], gates: NDArray[np.intp]) -> NDArray[np.uint8]:
    """``gate_ok`` with ``gates`` closed to both modes."""
    closed = gate_ok.copy()
    closed[gates] = 0
    return closed


def route_path(snap: Snapshot, side: DoorSide, seeds: NDArray[np.int64],
               seed_cost: NDArray[np.float64], *, gate_ok: NDArray[np.uint8], door_node: int,
               walk_max: float, keep: int | None = None) -> tuple[Path | None, Path | None]:
    """The cheapest path from the seeds to the door through one of ``side``'s gates
    (walking at most ``walk_max`` metres outside compounds after parking), None if there
    is none; and the path to state ``keep`` if the search to the gates settled it.

    The way on from the gate is searched again forwards (A* to the door, inside the
    compound), so that costs add up, and ties fall, as in the plain search. Should that
    way walk metres that count against ``walk_max`` (a gap in a wall), the plain search
    answers instead.
    """
    target = np.asarray([2 * door_node + WALK_LAYER], np.int64)
    closed = _closed(gate_ok, snap.gates_of(int(snap.node_compound[door_node])))
    found, ws = run_to_exits(snap, seeds, seed_cost, side.exits, side.cost, side.gate_nodes,
                             side.t_add, gate_ok=gate_ok, door=door_node, walk_max=walk_max)
    kept = trace_path(ws, keep) if keep is not None and ws.done[keep] == ws.gen else None
    if len(found) == 0:
        return None, kept
    k = int(np.flatnonzero(side.exits == found[0])[0])
    head = trace_path(ws, int(found[0]))
    inside, passage = int(side.inside[k]), int(side.passage[k])
    start = head.cost + float(snap.e_cost[passage, inside & 1])
    found, ws = run_search(snap, np.asarray([inside], np.int64), np.asarray([start]), target,
                           n_need=1, gate_ok=closed, door=door_node,
                           heuristic_nodes=[door_node])
    tail = trace_path(ws, int(target[0])) if len(found) else None
    if tail is None or np.any(snap.e_walk_m[tail.edges[tail.edges >= 0]] > 0):
        found, ws = run_search(snap, seeds, seed_cost, target, n_need=1, gate_ok=gate_ok,
                               door=door_node, heuristic_nodes=[door_node], walk_max=walk_max)
        path = trace_path(ws, int(target[0])) if len(found) else None
        return path, (trace_path(ws, keep) if keep is not None and ws.done[keep] == ws.gen
                      else None)
    return Path(np.concatenate([head.states, tail.states]),
                np.concatenate([head.edges, [passage], tail.edges[1:]]).astype(np.int64),
                tail.cost), kept
